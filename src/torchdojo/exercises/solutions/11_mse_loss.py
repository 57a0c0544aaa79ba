"""Mean squared error.

For predictions and targets of the same shape, the mean over every element of
the squared difference:

    mse = (1/n) * sum_k (pred_k - target_k)^2,    n = number of elements

Return a 0-dim tensor; do not use F.mse_loss or nn.MSELoss.
"""

import torch


def mse(pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Mean of the squared differences over all elements -> 0-dim tensor."""
    return ((pred - target) ** 2).mean()
