"""A seeded synthetic daily series (trend + weekly and yearly seasons + AR(1) noise), and the
windows that turn it into a one-step-ahead forecasting problem.

Shaped like daily demand data (sales, electricity): a slow trend, a weekly pattern
(weekends differ), a yearly swing and noise that persists from one day to the next.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import Tensor

from torchdojo.errors import DojoError


def make_series(n_days: int = 1461, *, seed: int = 0, trend: float = 0.002,
                weekly: float = 1.0, yearly: float = 2.0, noise: float = 0.3,
                ar: float = 0.7) -> Tensor:
    """y_t = trend*t + weekly pattern(t mod 7) + yearly*sin(2 pi t / 365.25) + e_t,
    e_t = ar * e_{t-1} + noise * z_t, z_t ~ N(0, 1). Returns (n_days,) float32."""
    if n_days < 30:
        raise DojoError(f"n_days must be at least 30, not {n_days}")
    g = torch.Generator().manual_seed(seed)
    t = torch.arange(n_days, dtype=torch.float64)
    week_shape = torch.tensor([0.2, 0.4, 0.5, 0.4, 0.6, -1.0, -1.1], dtype=torch.float64)
    season = yearly * torch.sin(2 * math.pi * t / 365.25)
    z = torch.randn(n_days, generator=g, dtype=torch.float64)
    e = torch.zeros(n_days, dtype=torch.float64)
    for i in range(1, n_days):  # AR(1) noise
        e[i] = ar * e[i - 1] + noise * z[i]
    return (trend * t + weekly * week_shape[t.long() % 7] + season + e).float()


@dataclass
class SeriesWindows:
    """Chronological train/test windows of a standardised series."""

    train: tuple[Tensor, Tensor]  # (N, W) past values, (N,) next value
    test: tuple[Tensor, Tensor]
    mean: float
    std: float
    series: Tensor  # the standardised series
    split: int  # index of the first target in the test part


def windows(series: Tensor, window: int, test_fraction: float = 0.2) -> SeriesWindows:
    """Standardise with train statistics; past `window` values -> the next one; test = the end."""
    n = series.numel()
    if window < 1 or window >= n * (1 - test_fraction) - 1:
        raise DojoError(f"window {window} does not fit a series of {n} points")
    split = int(n * (1 - test_fraction))
    mean, std = series[:split].mean().item(), series[:split].std().item()
    z = (series - mean) / std
    starts = torch.arange(0, n - window)  # target index = start + window
    index = starts[:, None] + torch.arange(window)[None, :]  # (N, W)
    x, y = z[index], z[starts + window]
    is_test = starts + window >= split
    return SeriesWindows((x[~is_test], y[~is_test]), (x[is_test], y[is_test]), mean, std, z, split)
