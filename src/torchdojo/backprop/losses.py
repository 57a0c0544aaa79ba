"""Losses written by hand, numerically stable: cross-entropy (one point, a batch), logistic, MSE.

Each matches its torch.nn.functional twin: cross_entropy, binary_cross_entropy_with_logits,
mse_loss (all with mean reduction).
"""

from __future__ import annotations

import torch
from torch import Tensor


def logsumexp(z: Tensor, dim: int = -1) -> Tensor:
    """log sum_k exp(z_k), computed as m + log sum_k exp(z_k - m) with m = max_k z_k.

    Subtracting the max changes nothing mathematically, but every exponent is then <= 0,
    so exp never overflows, and the largest term is exactly exp(0) = 1, so the log never
    sees 0.
    """
    m = z.max(dim=dim, keepdim=True).values  # (..., 1)
    return m.squeeze(dim) + (z - m).exp().sum(dim).log()  # (...)


def softmax(z: Tensor, dim: int = -1) -> Tensor:
    """p_k = exp(z_k) / sum_j exp(z_j), with the max subtracted first (same value, no overflow)."""
    e = (z - z.max(dim=dim, keepdim=True).values).exp()
    return e / e.sum(dim, keepdim=True)


def naive_cross_entropy_point(logits: Tensor, target: int) -> Tensor:
    """-log softmax(z)_y straight from the definition: overflows to inf/nan for large logits."""
    p = logits.exp() / logits.exp().sum()  # exp(1000) = inf, inf / inf = nan
    return -p[target].log()


def cross_entropy_point(logits: Tensor, target: int) -> Tensor:
    """Cross-entropy of one point: L = -log p_y = log sum_k exp(z_k) - z_y; logits (K,)."""
    return logsumexp(logits) - logits[target]


def cross_entropy(logits: Tensor, targets: Tensor) -> Tensor:
    """Mean cross-entropy of a batch: (1/B) sum_i [logsumexp(z_i) - z_i,y_i]; logits (B, K)."""
    picked = logits.gather(1, targets[:, None]).squeeze(1)  # (B,): z_i,y_i
    return (logsumexp(logits) - picked).mean()


def logistic_loss(z: Tensor, y: Tensor) -> Tensor:
    """Binary (logistic) loss on scores z with labels y in {0, 1}, averaged.

    L = -[y log s(z) + (1 - y) log(1 - s(z))], s the sigmoid, equals softplus(z) - y z,
    written as max(z, 0) - y z + log(1 + exp(-|z|)) so that exp never overflows.
    """
    y = y.to(z.dtype)
    return (z.clamp(min=0) - y * z + torch.log1p((-z.abs()).exp())).mean()


def mse(prediction: Tensor, target: Tensor) -> Tensor:
    """Mean squared error: (1/n) sum (prediction - target)^2 over every element."""
    return ((prediction - target) ** 2).mean()
