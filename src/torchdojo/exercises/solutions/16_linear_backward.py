"""Backpropagation through one layer, by hand.

A layer computes Y = X W^T + b with X (B, in), W (out, in), b (out,). Given the
gradient of the loss with respect to its output, G = dL/dY (B, out), the chain
rule gives the gradients with respect to its inputs and parameters:

    dL/dX = G W          (B, in)
    dL/dW = G^T X        (out, in)
    dL/db = sum_i G_i    (out,)      b was broadcast over the batch, so its gradients add up

Return (grad_X, grad_W, grad_b). Use matrix products only: no autograd
(.backward(), torch.autograd).
"""

import torch


def linear_backward(X: torch.Tensor, W: torch.Tensor, b: torch.Tensor,
                    G: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """The gradients of X W^T + b with respect to X, W and b, given dL/dY = G."""
    return G @ W, G.T @ X, G.sum(dim=0)
