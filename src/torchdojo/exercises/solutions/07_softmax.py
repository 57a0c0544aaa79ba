"""Softmax: from scores to probabilities.

Softmax turns a vector of scores z (logits) into probabilities:

    softmax(z)_c = exp(z_c) / sum_k exp(z_k)

exp overflows for large scores (exp(1000) is inf in float64), so compute it in
the equivalent, stable form, with m = max_k z_k:

    softmax(z)_c = exp(z_c - m) / sum_k exp(z_k - m)

Apply it along the last dimension of a tensor of any shape (..., C). Do not use
torch.softmax or F.softmax; keep it differentiable (no .item(), no NumPy).
"""

import torch


def softmax(z: torch.Tensor) -> torch.Tensor:
    """Softmax over the last dimension, computed stably: (..., C) -> (..., C)."""
    m = z.max(dim=-1, keepdim=True).values  # (..., 1); shifting by it changes nothing
    e = torch.exp(z - m)
    return e / e.sum(dim=-1, keepdim=True)
