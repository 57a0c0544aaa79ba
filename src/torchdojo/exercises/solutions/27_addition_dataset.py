"""A Dataset of pairs of digits and their sum.

Write a torch.utils.data.Dataset that pairs image i with image partner[i]:

    len(dataset) == len(partner)
    dataset[i] == (images[i], images[j], labels[i], labels[j], labels[i] + labels[j]),
                  where j = partner[i]

images is (N, 1, H, W), labels is (N,) int64, partner is (N,) int64 (a
permutation of 0..N-1). A DataLoader over it yields batches of all five.
"""

import torch
from torch.utils.data import Dataset


class AdditionPairs(Dataset):
    """Pairs of images, their two labels and the sum of the labels."""

    def __init__(self, images: torch.Tensor, labels: torch.Tensor, partner: torch.Tensor) -> None:
        self.images, self.labels, self.partner = images, labels, partner

    def __len__(self) -> int:
        return len(self.partner)

    def __getitem__(self, i: int) -> tuple[torch.Tensor, ...]:
        j = self.partner[i]
        a, b = self.labels[i], self.labels[j]
        return self.images[i], self.images[j], a, b, a + b
