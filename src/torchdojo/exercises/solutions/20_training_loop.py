"""The training loop, end to end.

Train `model` (an nn.Module mapping X (N, in) to logits (N, C)) on the whole data
set at once for `epochs` epochs, with torch.optim.SGD(model.parameters(), lr=lr)
and the mean cross-entropy loss (F.cross_entropy). Each epoch is the six steps:

    1. zero the gradients       (optimizer.zero_grad())
    2. forward                  logits = model(X)
    3. loss                     loss = F.cross_entropy(logits, y)
    4. backward                 loss.backward()
    5. update                   optimizer.step()
    6. record                   append loss.item() to the list of losses

Return the list of the `epochs` losses (Python floats); the model is trained in
place.
"""

import torch
import torch.nn.functional as F
from torch import nn


def train(model: nn.Module, X: torch.Tensor, y: torch.Tensor, lr: float,
          epochs: int) -> list[float]:
    """Full-batch SGD on the mean cross-entropy for `epochs` steps; the loss at each step."""
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    losses = []
    for _ in range(epochs):
        optimizer.zero_grad()  # gradients add up otherwise
        loss = F.cross_entropy(model(X), y)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses
