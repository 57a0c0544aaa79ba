"""Small, learnable fake MNIST-family data in torchvision's layout, for tests and quick runs.

Each class has a fixed stroke pattern; an image is its class's pattern, shifted by up to
two pixels, at a random contrast, overlaid with a faint pattern of another class and
Gaussian noise. A linear model learns it well above chance in a couple of epochs, but
the shifts and overlays keep it from being trivially perfect.
"""

from __future__ import annotations

from pathlib import Path

import torch
from torch import Tensor

from torchdojo.data.idx import write_idx
from torchdojo.data.vision import DATASETS, FOLDERS, REAL_COUNTS
from torchdojo.errors import DojoError

SIZE = 28


def _segment(a: Tensor, b: Tensor, width: float = 1.2) -> Tensor:
    """A 28x28 image of an anti-aliased line from point a to point b (row, col)."""
    rows, cols = torch.meshgrid(torch.arange(SIZE, dtype=torch.float32),
                                torch.arange(SIZE, dtype=torch.float32), indexing="ij")
    p = torch.stack([rows, cols], -1)
    ab = b - a
    t = (((p - a) @ ab) / ab.dot(ab).clamp_min(1e-6)).clamp(0, 1)
    dist = (p - (a + t[..., None] * ab)).norm(dim=-1)
    return (1 - (dist - width) / 1.5).clamp(0, 1)


def templates(name: str = "mnist") -> Tensor:
    """Ten fixed (10, 28, 28) stroke patterns in [0, 1], different for each dataset name."""
    g = torch.Generator().manual_seed(1000 + DATASETS.index(name))
    out = torch.zeros(10, SIZE, SIZE)
    for k in range(10):
        points = 5 + torch.rand(4, 2, generator=g) * (SIZE - 10)  # a 3-stroke path, centred
        for a, b in zip(points[:-1], points[1:]):
            out[k] = torch.maximum(out[k], _segment(a, b))
    return out


def sample(name: str, n: int, g: torch.Generator) -> tuple[Tensor, Tensor]:
    """`n` images (uint8, (n, 28, 28)) and labels (uint8, (n,)) drawn with generator `g`."""
    base = templates(name)
    y = torch.randint(0, 10, (n,), generator=g)
    other = (y + torch.randint(1, 10, (n,), generator=g)) % 10  # never the true class
    contrast = 0.6 + 0.4 * torch.rand(n, 1, 1, generator=g)
    x = contrast * base[y] + 0.45 * base[other]
    # shift each image by up to 2 pixels: one gather from a zero-padded copy, no loop
    shifts = torch.randint(0, 5, (n, 2), generator=g)
    padded = torch.nn.functional.pad(x, (2, 2, 2, 2))
    rows = (torch.arange(SIZE) + shifts[:, :1])[:, :, None]  # (n, 28, 1)
    cols = (torch.arange(SIZE) + shifts[:, 1:])[:, None, :]  # (n, 1, 28)
    x = padded[torch.arange(n)[:, None, None], rows, cols]
    x = x + 0.3 * torch.randn(x.shape, generator=g)
    return (x.clamp(0, 1) * 255).round().to(torch.uint8), y.to(torch.uint8)


def write_synthetic(root: Path, name: str = "mnist", n_train: int = 600, n_test: int = 200,
                    seed: int = 0) -> None:
    """Write fake IDX .gz files for `name` under `root/<Folder>/raw/`, as torchvision lays out."""
    if name not in DATASETS:
        raise DojoError(f"unknown dataset '{name}'; valid names: {', '.join(DATASETS)}")
    if n_train == REAL_COUNTS["train"] or n_test == REAL_COUNTS["t10k"]:
        # a file with the real item count must be the real file (its MD5 is checked)
        raise DojoError("synthetic data cannot have exactly 60,000 train or 10,000 test "
                        "images: they would be taken for the real files and fail the MD5 check")
    g = torch.Generator().manual_seed(seed)
    raw = Path(root) / FOLDERS[name] / "raw"
    for split, n in (("train", n_train), ("t10k", n_test)):
        x, y = sample(name, n, g)
        write_idx(raw / f"{split}-images-idx3-ubyte.gz", x)
        write_idx(raw / f"{split}-labels-idx1-ubyte.gz", y)
