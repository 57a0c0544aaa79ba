"""Measuring accuracy.

A classifier's prediction for each point is the argmax of its logits; its
accuracy is the fraction of points where that prediction is the target:

    accuracy = (1/B) * #{ i : argmax_c logits[i, c] == targets_i }

Given logits (B, C) and targets (B,), return the accuracy as a Python float in
[0, 1].
"""

import torch


def accuracy(logits: torch.Tensor, targets: torch.Tensor) -> float:
    """The fraction of rows whose highest logit is at the target class."""
    return (logits.argmax(dim=1) == targets).float().mean().item()
