"""The logistic loss: cross-entropy for two classes with one score.

One score z per point and a label y in {0, 1}; the probability of class 1 is
sigma(z) = 1 / (1 + exp(-z)). For one point the loss is

    l(z, y) = -[ y log sigma(z) + (1 - y) log(1 - sigma(z)) ]
            = softplus(z) - y z,          softplus(z) = log(1 + exp(z))

and softplus is stable written as max(z, 0) + log(1 + exp(-|z|)) (use torch.log1p).
Given z (B,) and y (B,) (floats 0. or 1.), return the mean loss over the batch,
a 0-dim tensor (one point is B = 1). Do not use F.binary_cross_entropy_with_logits,
F.softplus or F.logsigmoid.
"""

import torch


def logistic_loss(z: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Mean logistic loss of scores z against labels y in {0, 1}: (B,), (B,) -> 0-dim tensor."""
    softplus = torch.clamp(z, min=0) + torch.log1p(torch.exp(-z.abs()))
    return (softplus - y * z).mean()
