"""Activation functions: ReLU and a stable sigmoid.

    relu(x)    = max(x, 0)
    sigmoid(x) = 1 / (1 + exp(-x))

The sigmoid formula above gives nan *gradients* for very negative x (exp(-x)
overflows to inf, and inf/inf is nan). A stable form uses only exp(-|x|), which
never overflows:

    sigmoid(x) = 1 / (1 + exp(-x))          where x >= 0
               = exp(x) / (1 + exp(x))      where x <  0

Both work elementwise on tensors of any shape. Do not use torch.relu,
torch.sigmoid or their F. and nn. versions.
"""

import torch


def relu(x: torch.Tensor) -> torch.Tensor:
    """max(x, 0), elementwise."""
    return torch.clamp(x, min=0)


def sigmoid(x: torch.Tensor) -> torch.Tensor:
    """1 / (1 + exp(-x)), elementwise, without overflow for large |x|."""
    e = torch.exp(-x.abs())  # in (0, 1]: never overflows
    return torch.where(x >= 0, 1 / (1 + e), e / (1 + e))
