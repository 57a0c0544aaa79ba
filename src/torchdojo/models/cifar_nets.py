"""Two networks for 32x32 colour images: the 60-minute blitz's small CNN and a ResNet-9.

SmallCNN is the network of PyTorch's "Training a classifier" tutorial, unchanged:

    (3, 32, 32) -conv5-> (6, 28, 28) -pool2-> (6, 14, 14) -conv5-> (16, 10, 10)
                -pool2-> (16, 5, 5) -> 400 -> 120 -> 84 -> 10

ResNet9 is David Page's DAWNBench network ("How to train your ResNet", Myrtle.ai, 2018),
with its widths scaled by `width` (Page's is 64):

    prep    conv-bn-relu 3 -> w                                      (w, 32, 32)
    layer1  conv w -> 2w, max-pool 2, bn-relu, + Residual(2w)        (2w, 16, 16)
    layer2  conv 2w -> 4w, max-pool 2, bn-relu                       (4w, 8, 8)
    layer3  conv 4w -> 8w, max-pool 2, bn-relu, + Residual(8w)       (8w, 4, 4)
    head    global max-pool, linear 8w -> 10, times 0.125            (10,)

One change from Page: each max-pool comes straight after its convolution, before batch
norm and ReLU, as in hlb-CIFAR10 and airbench (Jordan, 2024). The same network nearly
(ReLU commutes with max-pooling), with a quarter of the batch-norm and ReLU work at those
layers: a step costs a quarter less on a CPU.

A Residual block adds its input to two conv-bn-relu layers of it, x + f(x): at
initialisation it is close to the identity, so the gradient reaches early layers through
the sum however deep the stack (He et al., 2016).
"""

from __future__ import annotations

from torch import Tensor, nn


class SmallCNN(nn.Module):
    """The blitz's network: two conv-relu-pool blocks, then three linear layers."""

    def __init__(self, num_classes: int = 10) -> None:
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, 6, 5), nn.ReLU(), nn.MaxPool2d(2),  # (B, 6, 14, 14)
            nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2),  # (B, 16, 5, 5)
            nn.Flatten(),  # (B, 400)
        )
        self.classifier = nn.Sequential(
            nn.Linear(16 * 5 * 5, 120), nn.ReLU(),
            nn.Linear(120, 84), nn.ReLU(),
            nn.Linear(84, num_classes),  # (B, 10) logits
        )

    def forward(self, x: Tensor) -> Tensor:
        return self.classifier(self.features(x))


def conv_bn(c_in: int, c_out: int, pool: bool = False) -> nn.Sequential:
    """3x3 convolution (no bias: batch norm has one), [2x2 max-pool,] batch norm, ReLU."""
    conv = nn.Conv2d(c_in, c_out, 3, padding=1, bias=False)  # keeps the size
    return nn.Sequential(conv, *([nn.MaxPool2d(2)] if pool else []), nn.BatchNorm2d(c_out),
                         nn.ReLU(inplace=True))


class Residual(nn.Module):
    """x + f(x), with f two conv-bn-relu layers of the same width."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.f = nn.Sequential(conv_bn(channels, channels), conv_bn(channels, channels))

    def forward(self, x: Tensor) -> Tensor:
        return x + self.f(x)  # the skip: the identity path carries x and its gradient


class Mul(nn.Module):
    """Multiply by a constant (Page scales the logits by 1/8)."""

    def __init__(self, scale: float) -> None:
        super().__init__()
        self.scale = scale

    def forward(self, x: Tensor) -> Tensor:
        return x * self.scale


class ResNet9(nn.Module):
    """Page's ResNet-9, at base width `width` (64 in the original)."""

    def __init__(self, width: int = 64, num_classes: int = 10) -> None:
        super().__init__()
        w = width
        self.net = nn.Sequential(
            conv_bn(3, w),  # prep: (B, w, 32, 32)
            conv_bn(w, 2 * w, pool=True), Residual(2 * w),  # layer1: (B, 2w, 16, 16)
            conv_bn(2 * w, 4 * w, pool=True),  # layer2: (B, 4w, 8, 8)
            conv_bn(4 * w, 8 * w, pool=True), Residual(8 * w),  # layer3: (B, 8w, 4, 4)
            nn.AdaptiveMaxPool2d(1), nn.Flatten(),  # (B, 8w)
            nn.Linear(8 * w, num_classes, bias=False), Mul(0.125),  # (B, 10) logits
        )

    def forward(self, x: Tensor) -> Tensor:
        return self.net(x)
