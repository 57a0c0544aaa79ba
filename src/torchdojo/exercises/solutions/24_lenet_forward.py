"""LeNet-5, layer by layer.

The layers are given in __init__; write `forward` for a batch x (B, 1, 28, 28):

    conv1 (1 -> 6, 5x5, padding 2)  -> ReLU -> max-pool 2x2     (B, 6, 14, 14)
    conv2 (6 -> 16, 5x5)            -> ReLU -> max-pool 2x2     (B, 16, 5, 5)
    flatten                                                     (B, 400)
    fc1 (400 -> 120) -> ReLU -> fc2 (120 -> 84) -> ReLU -> fc3 (84 -> 10)

and return the logits (B, 10), with no activation after fc3. F.relu and
F.max_pool2d are the functions you need; keep the layer names.
"""

import torch
import torch.nn.functional as F
from torch import nn


class LeNet5(nn.Module):
    """LeNet-5 for 28x28 grey images and 10 classes."""

    def __init__(self) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(1, 6, kernel_size=5, padding=2)
        self.conv2 = nn.Conv2d(6, 16, kernel_size=5)
        self.fc1 = nn.Linear(16 * 5 * 5, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Logits for a batch of images: (B, 1, 28, 28) -> (B, 10)."""
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)  # (B, 6, 14, 14)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)  # (B, 16, 5, 5)
        x = x.flatten(1)  # (B, 400)
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        return self.fc3(x)
