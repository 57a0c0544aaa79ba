"""Gradient checking: central differences in float64, autograd, and the largest disagreement."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch import Tensor

Params = dict[str, Tensor]
LossFn = Callable[[Params], Tensor]  # params -> scalar loss
LossAndGrads = Callable[[Params], tuple[Tensor, Params]]  # a manual forward + backward


def numerical_gradients(loss_fn: LossFn, params: Params, eps: float = 1e-6) -> Params:
    """dL/dtheta_i ~ (L(theta + eps e_i) - L(theta - eps e_i)) / (2 eps), for every entry.

    The error of a central difference is O(eps^2); float64 keeps the rounding error
    (~1e-16 / eps) far below it. In float32 the same estimate is good to ~1e-3 only.
    """
    grads = {}
    for name, value in params.items():
        if value.dtype != torch.float64:
            raise ValueError(f"gradient checks need float64; {name} is {value.dtype}")
        grad = torch.zeros_like(value)
        flat, gflat = value.detach().clone().view(-1), grad.view(-1)
        for i in range(flat.numel()):
            old = flat[i].item()
            shifted = {**params, name: flat.view_as(value)}
            flat[i] = old + eps
            up = float(loss_fn(shifted))
            flat[i] = old - eps
            down = float(loss_fn(shifted))
            flat[i] = old
            gflat[i] = (up - down) / (2 * eps)
        grads[name] = grad
    return grads


def autograd_gradients(loss_fn: LossFn, params: Params) -> Params:
    """The same gradients from torch.autograd, as the reference."""
    leaves = {k: v.detach().clone().requires_grad_(True) for k, v in params.items()}
    loss = loss_fn(leaves)
    grads = torch.autograd.grad(loss, list(leaves.values()))
    return dict(zip(leaves, grads))


def max_abs_diff(a: Params, b: Params) -> float:
    """max over every parameter and entry of |a - b|."""
    if a.keys() != b.keys():
        raise ValueError(f"different parameters: {sorted(a)} vs {sorted(b)}")
    return max(float((a[k] - b[k]).abs().max()) for k in a)


@dataclass
class GradCheck:
    """How a manual backward compares with autograd and with central differences."""

    vs_autograd: float
    vs_numerical: float
    tol: float

    @property
    def max_abs_diff(self) -> float:
        return max(self.vs_autograd, self.vs_numerical)

    @property
    def ok(self) -> bool:
        return self.max_abs_diff <= self.tol


def check(manual: LossAndGrads, params: Params, *, tol: float = 1e-6,
          eps: float = 1e-6) -> GradCheck:
    """Compare a manual backward with autograd and with central differences (float64)."""
    def loss_fn(p: Params) -> Tensor:
        return manual(p)[0]

    _, grads = manual({k: v.detach() for k, v in params.items()})
    return GradCheck(vs_autograd=max_abs_diff(grads, autograd_gradients(loss_fn, params)),
                     vs_numerical=max_abs_diff(grads, numerical_gradients(loss_fn, params, eps)),
                     tol=tol)
