"""A decision rule for two classes: a threshold.

With one output neuron s = x . w + b, predict class 1 when the score is positive:

    y_hat = 1 if x . w + b > 0 else 0

Given X (B, in), w (in,) and b (a 0-dim tensor), return the predictions as a
(B,) tensor of integers (torch.int64, values 0 or 1), not booleans.
"""

import torch


def predict_binary(X: torch.Tensor, w: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """1 where X @ w + b > 0, else 0: (B, in) -> (B,) int64."""
    return (X @ w + b > 0).long()
