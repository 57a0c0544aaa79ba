"""The confusion matrix.

For predicted classes and true classes of N points, with C classes, the confusion
matrix counts how often each true class was predicted as each class:

    M[i, j] = #{ n : targets_n == i and preds_n == j }      rows: truth, columns: prediction

Its diagonal holds the correct predictions. Return M as a (C, C) int64 tensor,
without a Python loop over the points (hint: a pair (i, j) is one number i*C + j).
"""

import torch


def confusion_matrix(preds: torch.Tensor, targets: torch.Tensor, num_classes: int) -> torch.Tensor:
    """Counts of (true class, predicted class) pairs: (N,), (N,) -> (C, C) int64."""
    pair = targets * num_classes + preds  # one index per (truth, prediction) pair
    counts = torch.bincount(pair, minlength=num_classes * num_classes)
    return counts.view(num_classes, num_classes)
