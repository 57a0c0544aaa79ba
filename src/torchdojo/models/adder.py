"""A network with two inputs and three outputs: both digits of a pair, and their sum.

    image_a --encoder--> f_a --digit head--> logits over 0..9 for the first digit
    image_b --encoder--> f_b --digit head--> logits over 0..9 for the second digit
                  [f_a, f_b] --sum head--> logits over 0..18 for the sum

The encoder is shared (siamese): the same weights read both images, so whatever one
slot learns about digits the other gets for free. The digit head is shared for the same
reason: a 7 is a 7 in either slot. The sum head sees both feature vectors at once and
must learn addition itself; it is never told that its answer is a + b.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn


class DigitEncoder(nn.Module):
    """A small LeNet-style conv net: (B, 1, 28, 28) image -> (B, features) vector."""

    def __init__(self, features: int = 128, channels: tuple[int, int] = (16, 32)):
        super().__init__()
        c1, c2 = channels
        self.net = nn.Sequential(
            nn.Conv2d(1, c1, 5), nn.ReLU(), nn.MaxPool2d(2),  # (B, c1, 12, 12)
            nn.Conv2d(c1, c2, 5), nn.ReLU(), nn.MaxPool2d(2),  # (B, c2, 4, 4)
            nn.Flatten(), nn.Linear(c2 * 4 * 4, features), nn.ReLU())  # (B, features)

    def forward(self, x: Tensor) -> Tensor:
        return self.net(x)


class DigitAdder(nn.Module):
    """Two images in; logits for the first digit, the second digit and their sum out."""

    def __init__(self, features: int = 128, hidden: int = 128, channels: tuple[int, int] = (16, 32),
                 dropout: float = 0.2):
        super().__init__()
        self.encoder = DigitEncoder(features, channels)
        self.digit_head = nn.Sequential(nn.Dropout(dropout), nn.Linear(features, 10))
        self.sum_head = nn.Sequential(nn.Dropout(dropout), nn.Linear(2 * features, hidden),
                                      nn.ReLU(), nn.Linear(hidden, 19))

    def forward(self, image_a: Tensor, image_b: Tensor) -> tuple[Tensor, Tensor, Tensor]:
        """(logits_a (B, 10), logits_b (B, 10), logits_sum (B, 19))."""
        f_a, f_b = self.encoder(torch.cat([image_a, image_b])).chunk(2)  # one pass: (B, F) each
        return self.digit_head(f_a), self.digit_head(f_b), self.sum_head(torch.cat([f_a, f_b], 1))
