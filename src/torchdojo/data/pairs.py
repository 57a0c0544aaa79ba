"""Pairs of digit images and the sum of their labels: the Dataset of lesson mnist-addition.

`AdditionPairs` is a `torch.utils.data.Dataset` (the same one exercise 27 asks for): item i
is image i, its partner image j = partner[i], both labels and their sum (0-18). Pairs are
drawn within one split only, so a test pair is made of two test images and the training
set never sees a test image, in either slot.

For the training loop, `pair_index` puts both splits' images into one tensor (training
images first) and gives each split's pairs as index tensors into it; the experiment
gathers the images inside its loss, so no pair of images is ever copied.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor
from torch.utils.data import Dataset


def draw_partners(n: int, seed: int) -> Tensor:
    """A random permutation of 0..n-1: image i is paired with image partner[i]."""
    return torch.randperm(n, generator=torch.Generator().manual_seed(seed))


class AdditionPairs(Dataset):
    """Pairs of images, their two labels and the sum of the labels, from one split."""

    def __init__(self, images: Tensor, labels: Tensor, partner: Tensor) -> None:
        if not len(images) == len(labels) == len(partner):
            raise ValueError("images, labels and partner must have the same length")
        self.images = images  # (N, 1, 28, 28)
        self.labels = labels  # (N,) int64
        self.partner = partner  # (N,) int64, indices into this split only

    def __len__(self) -> int:
        return len(self.partner)

    def __getitem__(self, i: int) -> tuple[Tensor, Tensor, Tensor, Tensor, Tensor]:
        j = self.partner[i]
        a, b = self.labels[i], self.labels[j]
        return self.images[i], self.images[j], a, b, a + b  # image_a, image_b, a, b, a + b

    def indices(self) -> tuple[Tensor, Tensor]:
        """(first, second): each pair's two indices into this split's images, (N,) each."""
        return torch.arange(len(self.partner)), self.partner


def split_pairs(train_images: Tensor, train_labels: Tensor, test_images: Tensor,
                test_labels: Tensor, seed: int = 0) -> tuple[AdditionPairs, AdditionPairs]:
    """Training pairs from training images only, test pairs from test images only."""
    train = AdditionPairs(train_images, train_labels, draw_partners(len(train_labels), seed))
    test = AdditionPairs(test_images, test_labels, draw_partners(len(test_labels), seed + 1))
    return train, test


@dataclass
class PairIndex:
    """All splits' images in one tensor, and each split's pairs as indices into it."""

    images: Tensor  # (N_train + N_test [+ N_val], 1, 28, 28): training, test, then val images
    labels: Tensor  # (N_train + N_test [+ N_val],)
    n_train: int
    train: tuple[Tensor, Tensor]  # (first, second), every index < n_train
    test: tuple[Tensor, Tensor]  # (first, second), every index >= n_train
    val: tuple[Tensor, Tensor] | None = None  # pairs of held-out training images, after test


def pair_index(train: AdditionPairs, test: AdditionPairs,
               val: AdditionPairs | None = None) -> PairIndex:
    """One image tensor for the loop to gather from; each split's indices shifted past the
    ones before it."""
    n_train, n_test = len(train.images), len(test.images)
    first, second = test.indices()
    splits = [train, test] + ([val] if val is not None else [])
    shifted_val = None
    if val is not None:
        v1, v2 = val.indices()
        shifted_val = (v1 + n_train + n_test, v2 + n_train + n_test)
    return PairIndex(images=torch.cat([s.images for s in splits]),
                     labels=torch.cat([s.labels for s in splits]), n_train=n_train,
                     train=train.indices(), test=(first + n_train, second + n_train),
                     val=shifted_val)
