"""A linear probe: a classifier of one linear layer on frozen features."""

from __future__ import annotations

from torch import Tensor, nn


class LinearProbe(nn.Module):
    """Standardise each feature by the labelled set's mean and spread (so one learning
    rate and weight decay suit features of any scale), then one linear layer to logits."""

    def __init__(self, mean: Tensor, std: Tensor, classes: int):
        super().__init__()
        self.register_buffer("mean", mean.detach().clone())
        self.register_buffer("std", std.detach().clone().clamp_min(1e-6))  # constant features
        self.linear = nn.Linear(len(mean), classes)
        # from zero, as logistic regression starts: a feature that hardly varies on the few
        # labels gets no gradient, and a random initial weight on it, times its standardised
        # values elsewhere (large, where its spread was tiny), would be pure noise
        nn.init.zeros_(self.linear.weight)
        nn.init.zeros_(self.linear.bias)

    def forward(self, features: Tensor) -> Tensor:
        return self.linear((features - self.mean) / self.std)  # (B, classes) logits
