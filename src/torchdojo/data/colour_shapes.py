"""Synthetic colour images in CIFAR-10's shape: ten classes of shapes and stripes, 32x32x3.

For quick runs and for when CIFAR-10 is absent. Each class is a pattern (stripes across, stripes
down, a checkerboard, a disc, a ring, a square, a plus, a diamond, a triangle, an X) drawn
in a random foreground colour on a random background colour, at a random place, size and
phase, with noise. Colour says nothing about the class, so a model must learn the shapes.
Every pattern looks like itself in a mirror, so a horizontal flip keeps the class, as it
does for CIFAR-10's photos. A small CNN learns it well above chance in a few epochs.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor

NAME = "colour-shapes"
CLASSES = ("h-stripes", "v-stripes", "checks", "disc", "ring", "square", "plus", "diamond",
           "triangle", "x")
SIDE = 32


def _masks(y: Tensor, g: torch.Generator) -> Tensor:
    """(N, 32, 32) float masks in {0, 1}: the pattern of each image's class."""
    n = len(y)
    coords = torch.arange(SIDE, dtype=torch.float32)
    rows, cols = coords[None, :, None], coords[None, None, :]  # (1, 32, 1), (1, 1, 32)
    centre = 10 + 12 * torch.rand(n, 2, generator=g)  # somewhere near the middle
    dy = rows - centre[:, 0, None, None]  # (N, 32, 1)
    dx = cols - centre[:, 1, None, None]  # (N, 1, 32)
    r = (5 + 5 * torch.rand(n, generator=g))[:, None, None]  # size, 5 to 10 pixels
    period = (5 + 4 * torch.rand(n, generator=g))[:, None, None]  # stripes: 5 to 9 pixels
    phase = (2 * math.pi * torch.rand(n, generator=g))[:, None, None]
    wave_y = torch.sin(2 * math.pi * rows / period + phase)  # (N, 32, 1)
    wave_x = torch.sin(2 * math.pi * cols / period + phase)  # (N, 1, 32)
    dist = (dy ** 2 + dx ** 2).sqrt()
    shapes = torch.stack([
        (wave_y > 0).expand(n, SIDE, SIDE),  # horizontal stripes
        (wave_x > 0).expand(n, SIDE, SIDE),  # vertical stripes
        wave_y * wave_x > 0,  # checkerboard
        dist < r,  # disc
        (dist - r).abs() < 1.6,  # ring
        torch.maximum(dy.abs(), dx.abs()) < r,  # square
        ((dx.abs() < 2) & (dy.abs() < r)) | ((dy.abs() < 2) & (dx.abs() < r)),  # plus
        dy.abs() + dx.abs() < r,  # diamond
        (dy.abs() < r) & (dx.abs() < (dy + r) / 2),  # triangle, point up
        ((dy.abs() - dx.abs()).abs() < 1.6) & (dist < r),  # X
    ], dim=1)  # (N, 10, 32, 32)
    return shapes[torch.arange(n), y].float()


def sample(n: int, seed: int = 0) -> tuple[Tensor, Tensor]:
    """`n` images uint8 (n, 3, 32, 32) and labels int64 (n,), the same for the same seed."""
    g = torch.Generator().manual_seed(seed)
    y = torch.randint(0, len(CLASSES), (n,), generator=g)
    mask = _masks(y, g)[:, None]  # (n, 1, 32, 32)
    background = torch.rand(n, 3, 1, 1, generator=g)
    # the foreground is the background moved by 0.35 to 0.65 per channel, wrapped into
    # [0, 1): always a different colour, never one the class could be read from
    foreground = (background + 0.35 + 0.3 * torch.rand(n, 3, 1, 1, generator=g)) % 1
    x = background + (foreground - background) * mask  # (n, 3, 32, 32)
    x = x + 0.08 * torch.randn(x.shape, generator=g)
    return (x.clamp(0, 1) * 255).round().to(torch.uint8), y
