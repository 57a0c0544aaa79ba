"""Cross-entropy for one data point.

A classifier gives scores z (C,) for one point whose true class is y. The
cross-entropy loss is the negative log-probability of the true class:

    loss = -log softmax(z)_y = -z_y + log sum_k exp(z_k)

Compute log sum_k exp(z_k) stably as m + log sum_k exp(z_k - m), m = max_k z_k,
so that scores like 1000 work. Return a 0-dim tensor. Do not use F.cross_entropy,
torch.logsumexp or log_softmax; keep it differentiable.
"""

import torch


def cross_entropy_point(z: torch.Tensor, y: int) -> torch.Tensor:
    """-log softmax(z)[y] for one point: (C,) scores and a class index -> 0-dim tensor."""
    m = z.max()
    log_sum_exp = m + torch.log(torch.exp(z - m).sum())
    return log_sum_exp - z[y]
