"""From a layer to a classifier: the argmax decision rule.

A linear layer gives each of C classes a score, s = x W^T + b. The classifier
predicts the class with the highest score:

    y_hat_i = argmax_c  s[i, c]

Given X (B, in), W (C, in) and b (C,), return the predicted classes as a (B,)
tensor of integers (torch.int64).
"""

import torch


def predict(X: torch.Tensor, W: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """The highest-scoring class for each row of X: (B, in) -> (B,) int64."""
    scores = X @ W.T + b  # (B, C)
    return scores.argmax(dim=1)
