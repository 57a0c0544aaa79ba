"""Let autograd compute a gradient.

For a linear model with weights w (D,), inputs X (N, D) and targets y (N,):

    L(w) = (1/N) * sum_i (x_i . w - y_i)^2

Return the value L(w) and the gradient dL/dw, computed by autograd: make a copy
of w that requires grad, compute L from it, call backward, read the copy's .grad.
Check yourself against the hand-derived answer dL/dw = (2/N) X^T (X w - y).
Return tensors that do not require grad, and leave w unchanged.
"""

import torch


def loss_and_grad(X: torch.Tensor, y: torch.Tensor,
                  w: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """The mean squared error of X @ w against y, and its gradient with respect to w."""
    w = w.detach().clone().requires_grad_(True)  # a leaf that autograd tracks
    loss = ((X @ w - y) ** 2).mean()
    loss.backward()
    return loss.detach(), w.grad
