"""Multi-layer perceptrons: from one affine layer (softmax regression) to seven layers."""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import Tensor, nn

ACTIVATIONS = {"relu": nn.ReLU, "sigmoid": nn.Sigmoid, "tanh": nn.Tanh, "gelu": nn.GELU}
NORMS = {"none": None, "batch": nn.BatchNorm1d, "layer": nn.LayerNorm}


class MLP(nn.Module):
    """x -> [Linear -> norm -> activation -> dropout] * len(hidden) -> Linear -> logits.

    With `hidden=()` this is softmax regression: one affine map, logits = W x + b.
    """

    def __init__(self, in_features: int = 784, hidden: Sequence[int] = (512, 512),
                 out_features: int = 10, activation: str = "relu", norm: str = "none",
                 dropout: float = 0.0, bias: bool = True):
        super().__init__()
        layers: list[nn.Module] = [nn.Flatten()]
        width = in_features
        for size in hidden:
            layers.append(nn.Linear(width, size, bias=bias))
            if NORMS[norm] is not None:
                layers.append(NORMS[norm](size))
            layers.append(ACTIVATIONS[activation]())
            if dropout > 0:
                layers.append(nn.Dropout(dropout))
            width = size
        layers.append(nn.Linear(width, out_features, bias=bias))
        self.net = nn.Sequential(*layers)

    def forward(self, x: Tensor) -> Tensor:
        return self.net(x)  # (B, ...) -> (B, out_features)

    def linears(self) -> list[nn.Linear]:
        """The affine layers, first to last (for per-layer plots)."""
        return [m for m in self.net if isinstance(m, nn.Linear)]


def count_parameters(model: nn.Module) -> int:
    """Number of trainable parameters."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


def init_weights(model: nn.Module, scheme: str) -> None:
    """Re-initialise every Linear/Conv: 'default' (PyTorch's), 'kaiming', 'xavier', 'normal'."""
    for m in model.modules():
        if isinstance(m, nn.Linear | nn.Conv2d):
            if scheme == "kaiming":
                nn.init.kaiming_normal_(m.weight, nonlinearity="relu")
            elif scheme == "xavier":
                nn.init.xavier_normal_(m.weight)
            elif scheme == "normal":
                nn.init.normal_(m.weight, std=0.01)
            elif scheme != "default":
                raise ValueError(f"unknown init scheme {scheme!r}")
            if m.bias is not None and scheme != "default":
                with torch.no_grad():
                    m.bias.zero_()
