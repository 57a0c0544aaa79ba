"""Random inputs for the hidden cases, all from one torch.Generator so a seed reproduces them."""

from __future__ import annotations

import torch

F64 = torch.float64


def randn(g: torch.Generator, *shape: int, scale: float = 1.0, dtype=F64) -> torch.Tensor:
    """Standard normal values times `scale`."""
    return torch.randn(shape, generator=g, dtype=dtype) * scale


def uniform(g: torch.Generator, low: float, high: float, *shape: int) -> torch.Tensor:
    """Uniform values in [low, high), float64."""
    return low + (high - low) * torch.rand(shape, generator=g, dtype=F64)


def integer(g: torch.Generator, low: int, high: int) -> int:
    """A Python int in [low, high], both ends included."""
    return int(torch.randint(low, high + 1, (), generator=g))


def real(g: torch.Generator, low: float, high: float) -> float:
    """A Python float in [low, high)."""
    return float(uniform(g, low, high))


def labels(g: torch.Generator, classes: int, n: int) -> torch.Tensor:
    """n class indices in [0, classes), int64."""
    return torch.randint(0, classes, (n,), generator=g)


def away_from_zero(g: torch.Generator, *shape: int, gap: float = 1e-3) -> torch.Tensor:
    """Normal values at least `gap` away from 0 (kinks like ReLU's have no gradient there)."""
    x = randn(g, *shape)
    return x + gap * torch.where(x >= 0, 1.0, -1.0)
