"""A per-sample `Dataset` over MNIST-family tensors: what torchvision's MNIST class does.

The `mnist-data` lesson teaches it with a `DataLoader`, and the benchmarks use it as the
standard pipeline that torchdojo's in-memory batching is measured against.
"""

from __future__ import annotations

import torch
from torch import Tensor
from torch.utils.data import Dataset


class ImageDataset(Dataset):
    """Image i as a normalised float tensor (1, 28, 28) and its label, one per __getitem__.

    x = (pixel / 255 - mean) / std, with the mean and std of the training images.
    """

    def __init__(self, images: Tensor, labels: Tensor, mean: float, std: float):
        if images.shape[0] != labels.shape[0]:
            raise ValueError(f"{images.shape[0]} images but {labels.shape[0]} labels")
        self.images, self.labels, self.mean, self.std = images, labels, mean, std

    def __len__(self) -> int:
        return len(self.labels)

    def __getitem__(self, i: int) -> tuple[Tensor, int]:
        x = (self.images[i].float().div(255) - self.mean) / self.std  # (28, 28)
        return x.unsqueeze(0), int(self.labels[i])  # (1, 28, 28), class index


def normalisation(images: Tensor) -> tuple[float, float]:
    """Mean and standard deviation of uint8 images scaled to [0, 1]."""
    scaled = images.float().div(255)
    return scaled.mean().item(), scaled.std().item()


def class_counts(labels: Tensor, num_classes: int = 10) -> Tensor:
    """How many examples of each class: (num_classes,) int64."""
    return torch.bincount(labels.long(), minlength=num_classes)


def random_subset(n: int, limit: int | None, seed: int) -> Tensor | None:
    """Indices of `limit` of `n` examples, drawn without replacement with `seed`; None when
    `limit` is None or keeps everything (then use all the data, in its order)."""
    if limit is None or limit >= n:
        return None
    return torch.randperm(n, generator=torch.Generator().manual_seed(seed))[:limit]


def validation_split(n: int, seed: int, share: int = 12, most: int = 5000
                     ) -> tuple[Tensor, Tensor]:
    """(held, rest): indices of the 1/`share` of `n` training examples held out for
    validation (at most `most`: 5,000 of MNIST's 60,000), drawn with `seed`, and of the rest
    in their original order. Curves and design choices use `held`; the test split stays
    untouched until the end."""
    order = torch.randperm(n, generator=torch.Generator().manual_seed(seed))
    held = order[:min(most, n // share)]
    return held, order[held.numel():].sort().values
