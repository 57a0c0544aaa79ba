"""Forward and backward passes by hand (no autograd), for exercises 710-750.

Every function takes the parameters as a dict of tensors, a point or a batch and its
labels, and returns `(loss, grads)` with one gradient per parameter, same shape.
The loss is softmax cross-entropy on the logits; its gradient is the key fact:

    dL/dz = softmax(z) - onehot(y)         (for a batch mean: divided by B)
"""

from __future__ import annotations

from typing import Literal

import torch
from torch import Tensor

from torchdojo.backprop.losses import logsumexp, softmax

Params = dict[str, Tensor]
Activation = Literal["relu", "sigmoid"]


def _act(a: Tensor, activation: Activation) -> tuple[Tensor, Tensor]:
    """h = f(a) and f'(a): ReLU (f' = 1 where a > 0) or sigmoid (f' = s (1 - s))."""
    if activation == "relu":
        return a.clamp(min=0), (a > 0).to(a.dtype)
    if activation == "sigmoid":
        s = 1 / (1 + (-a).exp())
        return s, s * (1 - s)
    raise ValueError(f"unknown activation {activation!r}")


def layer_point(params: Params, x: Tensor, y: int) -> tuple[Tensor, Params]:
    """One affine layer + softmax cross-entropy, one point (710, 720): x (D,), W (K, D), b (K,)."""
    W, b = params["W"], params["b"]
    z = W @ x + b  # (K,): logits
    loss = logsumexp(z) - z[y]  # L = -log softmax(z)_y
    dz = softmax(z)  # dL/dz = p - onehot(y)
    dz[y] -= 1
    dW = torch.outer(dz, x)  # dL/dW_kj = dz_k x_j: (K, D)
    db = dz  # dL/db_k = dz_k: (K,)
    return loss, {"W": dW, "b": db}


def layer_batch(params: Params, x: Tensor, y: Tensor) -> tuple[Tensor, Params]:
    """One affine layer + mean cross-entropy over a batch (730): x (B, D), y (B,)."""
    W, b = params["W"], params["b"]
    B = x.shape[0]
    z = x @ W.T + b  # (B, K)
    rows = torch.arange(B)
    loss = (logsumexp(z) - z[rows, y]).mean()
    dz = softmax(z)  # (B, K): dL/dz_i = (p_i - onehot(y_i)) / B
    dz[rows, y] -= 1
    dz = dz / B
    dW = dz.T @ x  # sum_i dz_i x_i^T: (K, B) @ (B, D) -> (K, D)
    db = dz.sum(0)  # (K,)
    return loss, {"W": dW, "b": db}


def two_layer_point(params: Params, x: Tensor, y: int,
                    activation: Activation = "relu") -> tuple[Tensor, Params]:
    """Two layers, z = W2 f(W1 x + b1) + b2, one point (740): x (D,), W1 (H, D), W2 (K, H)."""
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    # forward
    a = W1 @ x + b1  # (H,): pre-activation
    h, dh_da = _act(a, activation)  # (H,)
    z = W2 @ h + b2  # (K,)
    loss = logsumexp(z) - z[y]
    # backward, output layer first: the chain rule, one layer at a time
    dz = softmax(z)
    dz[y] -= 1  # (K,)
    dW2 = torch.outer(dz, h)  # (K, H)
    db2 = dz
    dh = W2.T @ dz  # dL/dh = W2^T dz: (H,)
    da = dh * dh_da  # dL/da = dL/dh * f'(a): (H,)
    dW1 = torch.outer(da, x)  # (H, D)
    db1 = da
    return loss, {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}


def two_layer_batch(params: Params, x: Tensor, y: Tensor,
                    activation: Activation = "relu") -> tuple[Tensor, Params]:
    """Two layers, mean cross-entropy over a batch (750): x (B, D), y (B,)."""
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    B = x.shape[0]
    rows = torch.arange(B)
    a = x @ W1.T + b1  # (B, H)
    h, dh_da = _act(a, activation)  # (B, H)
    z = h @ W2.T + b2  # (B, K)
    loss = (logsumexp(z) - z[rows, y]).mean()
    dz = softmax(z)
    dz[rows, y] -= 1
    dz = dz / B  # (B, K)
    dW2 = dz.T @ h  # (K, H)
    db2 = dz.sum(0)  # (K,)
    dh = dz @ W2  # (B, H)
    da = dh * dh_da  # (B, H)
    dW1 = da.T @ x  # (H, D)
    db1 = da.sum(0)  # (H,)
    return loss, {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}


def init_params(shapes: dict[str, tuple[int, ...]], *, seed: int = 0,
                dtype: torch.dtype = torch.float64) -> Params:
    """Random parameters of the given shapes (standard normal, scaled by 1/sqrt(fan-in))."""
    g = torch.Generator().manual_seed(seed)
    out = {}
    for name, shape in shapes.items():
        fan_in = shape[-1] if len(shape) > 1 else 1
        out[name] = torch.randn(shape, generator=g, dtype=dtype) / fan_in ** 0.5
    return out
