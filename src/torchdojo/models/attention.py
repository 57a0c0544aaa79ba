"""Attention from Q, K and V: scaled dot product, causal masking and multi-head attention.

Written to match `torch.nn.functional.scaled_dot_product_attention` and
`nn.MultiheadAttention` (batch_first=True) on the same weights.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor, nn


def causal_mask(T: int, device: torch.device | str | None = None) -> Tensor:
    """(T, T) bool, True where query t may attend to key s (s <= t): no peeking ahead."""
    return torch.ones(T, T, dtype=torch.bool, device=device).tril()


def scaled_dot_product_attention(q: Tensor, k: Tensor, v: Tensor, mask: Tensor | None = None,
                                 causal: bool = False) -> tuple[Tensor, Tensor]:
    """softmax(Q K^T / sqrt(d_k) + mask) V, and the attention weights.

    q: (..., Tq, d_k), k: (..., Tk, d_k), v: (..., Tk, d_v) -> out (..., Tq, d_v),
    weights (..., Tq, Tk). `mask` broadcasts to (..., Tq, Tk): bool (True = may attend,
    as in torch) or float (added to the scores, e.g. -inf to block).
    """
    d_k = q.shape[-1]
    scores = q @ k.transpose(-2, -1) / math.sqrt(d_k)  # (..., Tq, Tk)
    if causal:
        Tq, Tk = scores.shape[-2:]
        allowed = torch.ones(Tq, Tk, dtype=torch.bool, device=q.device).tril()  # as torch does
        scores = scores.masked_fill(~allowed, float("-inf"))
    if mask is not None:
        if mask.dtype == torch.bool:
            scores = scores.masked_fill(~mask, float("-inf"))
        else:
            scores = scores + mask
    weights = scores.softmax(dim=-1)  # each row sums to 1 over the keys
    return weights @ v, weights  # (..., Tq, d_v), (..., Tq, Tk)


def split_heads(x: Tensor, n_heads: int) -> Tensor:
    """(B, T, C) -> (B, h, T, C/h): each head gets its own slice of the channels."""
    B, T, C = x.shape
    return x.view(B, T, n_heads, C // n_heads).transpose(1, 2)


def merge_heads(x: Tensor) -> Tensor:
    """(B, h, T, d) -> (B, T, h*d): the heads' outputs side by side again."""
    B, h, T, d = x.shape
    return x.transpose(1, 2).reshape(B, T, h * d)


class MultiHeadAttention(nn.Module):
    """h heads of scaled dot-product attention on learned projections of Q, K and V.

        head_i = Attention(Q W_q^i, K W_k^i, V W_v^i)
        MultiHead(Q, K, V) = Concat(head_1, ..., head_h) W_o      (Vaswani et al. 2017, 3.2.2)
    """

    def __init__(self, d_model: int, n_heads: int, bias: bool = True):
        super().__init__()
        if d_model % n_heads:
            raise ValueError(f"d_model {d_model} is not divisible by n_heads {n_heads}")
        self.d_model, self.n_heads = d_model, n_heads
        self.q_proj = nn.Linear(d_model, d_model, bias=bias)
        self.k_proj = nn.Linear(d_model, d_model, bias=bias)
        self.v_proj = nn.Linear(d_model, d_model, bias=bias)
        self.out_proj = nn.Linear(d_model, d_model, bias=bias)

    @torch.no_grad()
    def load_from_torch(self, mha: nn.MultiheadAttention) -> MultiHeadAttention:
        """Copy nn.MultiheadAttention's weights: in_proj is W_q, W_k, W_v stacked by rows."""
        for proj, w in zip((self.q_proj, self.k_proj, self.v_proj),
                           mha.in_proj_weight.chunk(3)):
            proj.weight.copy_(w)
        if mha.in_proj_bias is not None:
            for proj, b in zip((self.q_proj, self.k_proj, self.v_proj),
                               mha.in_proj_bias.chunk(3)):
                proj.bias.copy_(b)
        self.out_proj.weight.copy_(mha.out_proj.weight)
        if mha.out_proj.bias is not None:
            self.out_proj.bias.copy_(mha.out_proj.bias)
        return self

    def forward(self, query: Tensor, key: Tensor | None = None, value: Tensor | None = None,
                mask: Tensor | None = None, causal: bool = False,
                key_padding_mask: Tensor | None = None) -> tuple[Tensor, Tensor]:
        """query (B, Tq, C), key/value (B, Tk, C) (default: self-attention on `query`).

        `key_padding_mask` (B, Tk) is True at padding, as in nn.MultiheadAttention.
        Returns the output (B, Tq, C) and the weights per head (B, h, Tq, Tk).
        """
        key = query if key is None else key
        value = key if value is None else value
        q = split_heads(self.q_proj(query), self.n_heads)  # (B, h, Tq, d)
        k = split_heads(self.k_proj(key), self.n_heads)  # (B, h, Tk, d)
        v = split_heads(self.v_proj(value), self.n_heads)  # (B, h, Tk, d)
        if key_padding_mask is not None:
            keep = ~key_padding_mask[:, None, None, :]  # (B, 1, 1, Tk)
            if mask is None or mask.dtype == torch.bool:
                mask = keep if mask is None else mask & keep
            else:  # a float mask: add -inf at the padded keys
                mask = mask + torch.zeros(keep.shape, device=mask.device,
                                          dtype=mask.dtype).masked_fill(~keep, float("-inf"))
        out, weights = scaled_dot_product_attention(q, k, v, mask=mask, causal=causal)
        return self.out_proj(merge_heads(out)), weights  # (B, Tq, C), (B, h, Tq, Tk)
