"""Scaled dot-product attention.

Each query attends to every key; the weights are a softmax of their dot
products, scaled by sqrt(d) so that they do not grow with the dimension d:

    attention(Q, K, V) = softmax( Q K^T / sqrt(d) + M ) V

Q (..., Tq, d), K (..., Tk, d), V (..., Tk, dv) -> (..., Tq, dv); the leading
dimensions (batch, heads) are whatever they are. mask is None or a bool tensor
(Tq, Tk): True where query i may attend to key j. M is 0 where allowed and -inf
where not (masked_fill does it). Do not use F.scaled_dot_product_attention or
nn.MultiheadAttention.
"""

import math

import torch


def attention(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor,
              mask: torch.Tensor | None = None) -> torch.Tensor:
    """softmax(q k^T / sqrt(d), masked) v over the last two dimensions."""
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])  # (..., Tq, Tk)
    if mask is not None:
        scores = scores.masked_fill(~mask, float("-inf"))
    return torch.softmax(scores, dim=-1) @ v
