"""A label budget: the first k examples of each class, the way few-label experiments pick them.

Transfer learning is measured at a budget of k labels per class: 10 T-shirts, 10
trousers, ... Given the labels of a data set that is already shuffled, return the
indices of the first k examples of each class, class 0's first, then class 1's, and
so on, each class's in the order they appear:

    labels  = [2, 0, 1, 0, 2, 1, 1, 0],  k = 2,  classes = 3
    indices = [1, 3,   2, 5,   0, 4]        (class 0: 1, 3; class 1: 2, 5; class 2: 0, 4)

labels is (N,) int64 with values in 0..classes-1, and every class has at least k
examples. Return (classes * k,) int64. Taken with a larger k from the same labels,
the budget contains the smaller one: the 10 per class are among the 100.
"""

import torch


def first_per_class(labels: torch.Tensor, k: int, classes: int) -> torch.Tensor:
    """Indices of the first k examples of each class, class by class: (classes * k,)."""
    picked = [(labels == c).nonzero().squeeze(1)[:k] for c in range(classes)]
    return torch.cat(picked)  # (classes * k,)
