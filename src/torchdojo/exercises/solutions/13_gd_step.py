"""One step of gradient descent on a linear classifier.

Scores S = X W^T + b (B, C); loss L = mean cross-entropy of S against targets y
(F.cross_entropy is fine here). One step of gradient descent moves the
parameters against their gradients:

    W_new = W - lr * dL/dW,      b_new = b - lr * dL/db

Compute the gradients with autograd and return (W_new, b_new) as new tensors;
leave W and b unchanged.
"""

import torch
import torch.nn.functional as F


def gd_step(W: torch.Tensor, b: torch.Tensor, X: torch.Tensor, y: torch.Tensor,
            lr: float) -> tuple[torch.Tensor, torch.Tensor]:
    """W and b after one gradient-descent step on the mean cross-entropy of X W^T + b."""
    W = W.detach().clone().requires_grad_(True)
    b = b.detach().clone().requires_grad_(True)
    loss = F.cross_entropy(X @ W.T + b, y)
    grad_W, grad_b = torch.autograd.grad(loss, (W, b))
    return (W - lr * grad_W).detach(), (b - lr * grad_b).detach()
