"""A layer of neurons is an affine transform.

A layer with weight W (out, in) and bias b (out,) maps each input row x (in,) to

    y = W x + b

and for a batch X of shape (B, in), all rows at once:

    Y = X W^T + b        (B, out); b is broadcast over the B rows

This is exactly what nn.Linear computes. Write it with a matrix product, without
F.linear or nn.Linear.
"""

import torch


def affine(X: torch.Tensor, W: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """The affine map X W^T + b: (B, in), (out, in), (out,) -> (B, out)."""
    return X @ W.T + b
