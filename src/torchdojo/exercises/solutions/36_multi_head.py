"""Multi-head attention: splitting and merging heads.

Multi-head attention runs h attentions side by side, each on d = C / h of the
C channels. To do that with one batched attention call:

    split_heads:  (B, T, C) -> view as (B, T, h, d) -> transpose to (B, h, T, d)
    merge_heads:  (B, h, T, d) -> transpose to (B, T, h, d) -> reshape to (B, T, h*d)

merge_heads undoes split_heads. Careful: viewing (B, T, C) directly as (B, h, T, d)
has the right shape and the wrong values. A transposed tensor is not contiguous:
use .reshape (or .contiguous().view) to merge.
"""

import torch


def split_heads(x: torch.Tensor, n_heads: int) -> torch.Tensor:
    """(B, T, C) -> (B, n_heads, T, C // n_heads)."""
    B, T, C = x.shape
    return x.view(B, T, n_heads, C // n_heads).transpose(1, 2)


def merge_heads(x: torch.Tensor) -> torch.Tensor:
    """(B, h, T, d) -> (B, T, h * d), the inverse of split_heads."""
    B, h, T, d = x.shape
    return x.transpose(1, 2).reshape(B, T, h * d)
