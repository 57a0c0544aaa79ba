"""Measuring generative models: the Frechet distance between feature Gaussians, and
recognisability. Pure math on tensors; the classifier that makes the features lives in
`methods/judge.py`.

Frechet distance (Dowson & Landau 1982; as "FID", Heusel et al. 2017, eq. 6): fit a
Gaussian N(mu, Sigma) to each set of features, then

    d^2 = |mu_1 - mu_2|^2 + Tr(Sigma_1 + Sigma_2 - 2 (Sigma_1 Sigma_2)^{1/2})

The real FID takes the features from Inception-v3 on ImageNet-like photos. For
MNIST-like digits that network is the wrong judge (and a large download), so torchdojo
computes a *classifier FID*: the same formula on the 84 penultimate features of our own
LeNet-5 trained on the real training split. Its numbers are comparable with each other
(same judge, same data, same sample sizes), never with published FIDs.

Recognisability: the share of samples the judge classifies with confidence >= 0.9
(max softmax probability), a crude "would a reader name this digit" score.
"""

from __future__ import annotations

import torch
from torch import Tensor


def feature_statistics(features: Tensor) -> tuple[Tensor, Tensor]:
    """Mean (D,) and unbiased covariance (D, D) of (N, D) features, in float64."""
    x = features.detach().double().reshape(features.shape[0], -1)  # (N, D)
    if x.shape[0] < 2:
        raise ValueError("need at least two samples for a covariance")
    mu = x.mean(0)  # (D,)
    centred = x - mu
    sigma = centred.T @ centred / (x.shape[0] - 1)  # (D, D), as np.cov
    return mu, sigma


def _sqrt_psd(matrix: Tensor) -> Tensor:
    """The symmetric square root of a symmetric positive semi-definite matrix."""
    values, vectors = torch.linalg.eigh((matrix + matrix.T) / 2)
    return vectors @ torch.diag(values.clamp_min(0).sqrt()) @ vectors.T


def trace_sqrt_product(sigma1: Tensor, sigma2: Tensor) -> Tensor:
    """Tr((Sigma_1 Sigma_2)^{1/2}) for PSD Sigma_1, Sigma_2.

    Sigma_1 Sigma_2 is not symmetric, but it is similar to the PSD matrix
    S = Sigma_1^{1/2} Sigma_2 Sigma_1^{1/2} (same eigenvalues), so the trace of its
    square root is the sum of sqrt(eigenvalues of S): stable, no complex numbers.
    """
    root1 = _sqrt_psd(sigma1)
    inner = root1 @ sigma2 @ root1  # (D, D), symmetric PSD
    return torch.linalg.eigvalsh((inner + inner.T) / 2).clamp_min(0).sqrt().sum()


def frechet_distance_gaussians(mu1: Tensor, sigma1: Tensor, mu2: Tensor, sigma2: Tensor
                               ) -> float:
    """Squared Frechet distance between N(mu1, sigma1) and N(mu2, sigma2) (FID, eq. 6)."""
    mu1, mu2, sigma1, sigma2 = (t.double() for t in (mu1, mu2, sigma1, sigma2))
    mean_term = (mu1 - mu2).pow(2).sum()  # |mu_1 - mu_2|^2
    cov_term = sigma1.trace() + sigma2.trace() - 2 * trace_sqrt_product(sigma1, sigma2)
    return float((mean_term + cov_term).clamp_min(0))


def frechet_distance(features1: Tensor, features2: Tensor) -> float:
    """Squared Frechet distance between Gaussians fitted to two (N, D) feature sets."""
    return frechet_distance_gaussians(*feature_statistics(features1),
                                      *feature_statistics(features2))


def recognisability(probs: Tensor, threshold: float = 0.9) -> float:
    """Share of rows of (N, K) class probabilities whose largest entry is >= threshold."""
    if probs.ndim != 2 or probs.shape[0] == 0:
        raise ValueError("expected a non-empty (N, K) matrix of probabilities")
    return float((probs.max(dim=1).values >= threshold).double().mean())


def class_shares(probs: Tensor, num_classes: int | None = None) -> Tensor:
    """Share of samples the judge assigns to each class (argmax): (K,); shows mode collapse."""
    k = num_classes or probs.shape[1]
    counts = torch.bincount(probs.argmax(1).cpu(), minlength=k).double()
    return counts / counts.sum()
