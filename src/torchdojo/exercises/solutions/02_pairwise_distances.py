"""Pairwise Euclidean distances by broadcasting.

Given points a of shape (N, D) and b of shape (M, D), return the (N, M) matrix

    dist[i, j] = || a_i - b_j ||_2 = sqrt( sum_k (a[i, k] - b[j, k])^2 )

without Python loops: give a and b new axes so that their difference broadcasts
to shape (N, M, D). Do not use torch.cdist.
"""

import torch


def pairwise_distances(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """Euclidean distance between every row of a and every row of b: (N, D), (M, D) -> (N, M)."""
    diff = a[:, None, :] - b[None, :, :]  # (N, M, D)
    return (diff**2).sum(dim=-1).sqrt()
