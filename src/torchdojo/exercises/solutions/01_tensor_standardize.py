"""Standardize the columns of a data matrix.

Given X of shape (N, D), return Z of the same shape in which every column has
mean 0 and standard deviation 1:

    mu_j    = (1/N) * sum_i X[i, j]
    sigma_j = sqrt( (1/N) * sum_i (X[i, j] - mu_j)^2 )     (population std: divide by N)
    Z[i, j] = (X[i, j] - mu_j) / sigma_j

Use reductions and broadcasting, no Python loops, and do not change X itself.
"""

import torch


def standardize(X: torch.Tensor) -> torch.Tensor:
    """Columns of X shifted to mean 0 and scaled to std 1: (N, D) -> (N, D)."""
    mu = X.mean(dim=0, keepdim=True)  # (1, D)
    sigma = X.std(dim=0, correction=0, keepdim=True)  # (1, D)
    return (X - mu) / sigma  # broadcasts over the N rows
