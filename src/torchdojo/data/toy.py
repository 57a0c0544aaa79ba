"""Toy 2-D data sets, generated, seeded and deterministic: problems 1 and 2, XOR, the spiral.

Each generator returns `(x, y)`: points `x` of shape (N, 2), float32, and integer class
labels `y` of shape (N,), int64, in a shuffled order (so a slice is a fair sample).
"""

from __future__ import annotations

import math

import torch
from torch import Tensor

from torchdojo.errors import DojoError


def _generator(seed: int) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def _check(n: int, name: str = "n") -> None:
    if n < 1:
        raise DojoError(f"{name} must be at least 1, not {n}")


def _shuffled(x: Tensor, y: Tensor, g: torch.Generator) -> tuple[Tensor, Tensor]:
    order = torch.randperm(x.shape[0], generator=g)
    return x[order].float().contiguous(), y[order].long().contiguous()


def problem1(n: int = 400, *, seed: int = 0, spread: float = 0.45) -> tuple[Tensor, Tensor]:
    """Problem 1 of 001: two Gaussian blobs around (-1, -1) and (1, 1); linearly separable."""
    _check(n)
    g = _generator(seed)
    y = torch.arange(n) % 2  # half of each class
    centres = torch.tensor([[-1.0, -1.0], [1.0, 1.0]])
    x = centres[y] + spread * torch.randn(n, 2, generator=g)  # (N, 2)
    return _shuffled(x, y, g)


def problem2(n: int = 400, *, seed: int = 0, noise: float = 0.08) -> tuple[Tensor, Tensor]:
    """Problem 2 of 001: a disc (class 0) inside a ring (class 1); no line separates them."""
    _check(n)
    g = _generator(seed)
    y = torch.arange(n) % 2
    angle = 2 * math.pi * torch.rand(n, generator=g)
    u = torch.rand(n, generator=g)
    # class 0: radius in [0, 1] (sqrt: uniform over the disc's area); class 1: radius in [1.5, 2.2]
    radius = torch.where(y == 0, u.sqrt(), 1.5 + 0.7 * u)
    x = torch.stack([radius * angle.cos(), radius * angle.sin()], dim=1)  # (N, 2)
    x = x + noise * torch.randn(n, 2, generator=g)
    return _shuffled(x, y, g)


XOR_TABLE = torch.tensor([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])  # (4, 2)


def xor(n_per_corner: int = 1, *, noise: float = 0.0, seed: int = 0) -> tuple[Tensor, Tensor]:
    """Data set 3 of 001: the XOR truth table, optionally as noisy clouds around its 4 corners.

    With the defaults this is exactly the truth table, in order: (0,0)->0, (0,1)->1,
    (1,0)->1, (1,1)->0.
    """
    _check(n_per_corner, "n_per_corner")
    labels = (XOR_TABLE[:, 0] != XOR_TABLE[:, 1]).long()  # x1 XOR x2
    x = XOR_TABLE.repeat(n_per_corner, 1)  # (4 n, 2)
    y = labels.repeat(n_per_corner)
    if n_per_corner == 1 and noise == 0:
        return x.clone(), y.clone()
    g = _generator(seed)
    x = x + noise * torch.randn(x.shape, generator=g)
    return _shuffled(x, y, g)


def spiral(n_per_class: int = 100, classes: int = 3, *, seed: int = 0,
           noise: float = 0.2) -> tuple[Tensor, Tensor]:
    """The cs231n toy spiral: `classes` arms, radius 0 to 1, angle jittered by `noise`."""
    _check(n_per_class, "n_per_class")
    _check(classes, "classes")
    g = _generator(seed)
    radius = torch.linspace(0.0, 1.0, n_per_class).repeat(classes)  # (K N,)
    y = torch.arange(classes).repeat_interleave(n_per_class)  # (K N,)
    # arm j sweeps theta from 4j to 4(j+1) radians, as in the cs231n notes
    base = torch.linspace(0.0, 4.0, n_per_class).repeat(classes) + 4.0 * y
    theta = base + noise * torch.randn(classes * n_per_class, generator=g)
    x = torch.stack([radius * theta.sin(), radius * theta.cos()], dim=1)  # (K N, 2)
    return _shuffled(x, y, g)
