"""LeNet-5 (LeCun et al. 1998) for 28x28 grey images, with the conv size arithmetic.

A convolution (or pooling) with kernel k, padding p and stride s maps a side of n
pixels to floor((n + 2p - k) / s) + 1. LeNet-5 pads the 28x28 input by 2 (the
original took 32x32 images), so with the default widths:

    (1, 28, 28) -conv5 p2-> (6, 28, 28) -pool2-> (6, 14, 14)
                -conv5-->   (16, 10, 10) -pool2-> (16, 5, 5) -> 400 -> 120 -> 84 -> 10

Options beyond the 1998 network (all off by default): wider conv layers, batch norm
after each conv and hidden linear layer (Ioffe & Szegedy 2015), dropout before the
fully connected layers.
"""

from __future__ import annotations

from torch import Tensor, nn

ACTIVATIONS = {"relu": nn.ReLU, "tanh": nn.Tanh}
POOLS = {"max": nn.MaxPool2d, "avg": nn.AvgPool2d}


def conv_output_size(n: int, kernel: int, stride: int = 1, padding: int = 0) -> int:
    """Side length after a conv or pool: floor((n + 2p - k) / s) + 1."""
    return (n + 2 * padding - kernel) // stride + 1


class LeNet5(nn.Module):
    """conv-act-pool, conv-act-pool, then three fully connected layers to class logits."""

    def __init__(self, in_channels: int = 1, num_classes: int = 10, activation: str = "relu",
                 pool: str = "max", channels: tuple[int, int] = (6, 16),
                 batch_norm: bool = False, dropout: float = 0.0, size: int = 28):
        super().__init__()
        if activation not in ACTIVATIONS or pool not in POOLS:
            raise ValueError(f"activation must be one of {sorted(ACTIVATIONS)} and pool one "
                             f"of {sorted(POOLS)}, got {activation!r}, {pool!r}")
        act, pooling = ACTIVATIONS[activation], POOLS[pool]
        c1, c2 = channels
        # side lengths from the formula, so the first linear layer always fits
        side = conv_output_size(size, 5, padding=2)  # conv1: 28 -> 28
        side = conv_output_size(side, 2, stride=2)  # pool: 28 -> 14
        side = conv_output_size(side, 5)  # conv2: 14 -> 10
        side = conv_output_size(side, 2, stride=2)  # pool: 10 -> 5
        self.flat_features = c2 * side * side  # 16 * 5 * 5 = 400

        def block(layer: nn.Module, norm: nn.Module) -> list[nn.Module]:
            # affine -> [batch norm] -> activation; a bias is redundant before batch norm
            return [layer, norm, act()] if batch_norm else [layer, act()]

        bias = not batch_norm
        self.conv = nn.Sequential(
            *block(nn.Conv2d(in_channels, c1, 5, padding=2, bias=bias), nn.BatchNorm2d(c1)),
            pooling(2),  # (B, c1, 14, 14)
            *block(nn.Conv2d(c1, c2, 5, bias=bias), nn.BatchNorm2d(c2)),
            pooling(2),  # (B, c2, 5, 5)
        )
        drop = [nn.Dropout(dropout)] if dropout > 0 else []
        self.fc = nn.Sequential(
            nn.Flatten(), *drop,  # (B, c2 * 5 * 5)
            *block(nn.Linear(self.flat_features, 120, bias=bias), nn.BatchNorm1d(120)),
            *drop,
            *block(nn.Linear(120, 84, bias=bias), nn.BatchNorm1d(84)),  # (B, 84)
        )
        self.head = nn.Linear(84, num_classes)

    def feature_maps(self, x: Tensor) -> list[Tensor]:
        """The activated output of each conv layer, before pooling: [(B, c1, 28, 28),
        (B, c2, 10, 10)] (for plotting what the filters respond to)."""
        maps = []
        for layer in self.conv:
            x = layer(x)
            if isinstance(layer, tuple(ACTIVATIONS.values())):
                maps.append(x)
        return maps

    def features(self, x: Tensor) -> Tensor:
        """(B, 1, 28, 28) -> (B, 84): the penultimate layer (used for classifier-FID)."""
        return self.fc(self.conv(x))

    def forward(self, x: Tensor) -> Tensor:
        return self.head(self.features(x))  # (B, num_classes) logits
