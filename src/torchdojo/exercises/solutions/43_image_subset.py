"""A Dataset over part of the images: how a validation split is carved without copying.

Write a torch.utils.data.Dataset that serves only the images at the given
indices, each as a float image in [0, 1] with a channel axis (what
torchvision's ToTensor() gives) and its label:

    len(dataset) == len(indices)
    dataset[i] == (images[j] / 255 as float, shape (1, H, W),  labels[j]),
                  where j = indices[i]

images is uint8 (N, H, W), labels is (N,) int64, indices is (K,) int64 with
values in 0..N-1. A DataLoader over it yields batches (B, 1, H, W) and (B,).
"""

import torch
from torch.utils.data import Dataset


class ImageSubset(Dataset):
    """The images at `indices`, scaled to [0, 1] with a channel axis, and their labels."""

    def __init__(self, images: torch.Tensor, labels: torch.Tensor, indices: torch.Tensor) -> None:
        self.images, self.labels, self.indices = images, labels, indices

    def __len__(self) -> int:
        return len(self.indices)

    def __getitem__(self, i: int) -> tuple[torch.Tensor, torch.Tensor]:
        j = self.indices[i]
        return self.images[j].unsqueeze(0).float() / 255, self.labels[j]  # (1, H, W), ()
