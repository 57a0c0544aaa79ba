"""Backpropagation through a two-layer network, by hand, for a batch.

Forward pass, for X (B, in), targets y (B,):

    A = X W1^T + b1        (B, H)
    H = relu(A)            (B, H)
    Z = H W2^T + b2        (B, C)
    L = mean cross-entropy of Z against y

Backward pass, one step at a time (each is a rule you already know):

    dZ  = (softmax(Z) - onehot(y)) / B
    dW2 = dZ^T H,    db2 = sum over the batch of dZ,    dH = dZ W2
    dA  = dH * [A > 0]                       (ReLU passes gradient only where A > 0)
    dW1 = dA^T X,    db1 = sum over the batch of dA

Return (dW1, db1, dW2, db2), each the shape of its parameter. No autograd.
"""

import torch


def two_layer_backward(X: torch.Tensor, y: torch.Tensor, W1: torch.Tensor, b1: torch.Tensor,
                       W2: torch.Tensor, b2: torch.Tensor) -> tuple[torch.Tensor, ...]:
    """The gradients (dW1, db1, dW2, db2) of the mean cross-entropy of a 2-layer ReLU net."""
    A = X @ W1.T + b1  # (B, H)
    H = torch.clamp(A, min=0)
    Z = H @ W2.T + b2  # (B, C)
    dZ = torch.softmax(Z, dim=1)
    dZ[torch.arange(len(y)), y] -= 1.0
    dZ /= len(y)
    dW2, db2 = dZ.T @ H, dZ.sum(dim=0)
    dA = (dZ @ W2) * (A > 0)  # ReLU's gradient is a 0/1 mask
    dW1, db1 = dA.T @ X, dA.sum(dim=0)
    return dW1, db1, dW2, db2
