"""Loss functions in the loop's shape, `(model, batch) -> (loss, metrics)`, and helpers."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn


def classification(model: nn.Module, batch: tuple[Tensor, ...]) -> tuple[Tensor, dict[str, Tensor]]:
    """Cross-entropy on logits, and accuracy: batch = (inputs, targets)."""
    x, y = batch
    logits = model(x)  # (B, K)
    loss = F.cross_entropy(logits, y)
    acc = (logits.argmax(-1) == y).float().mean()
    return loss, {"acc": acc}


@torch.no_grad()
def predict(model: nn.Module, x: Tensor, batch_size: int = 2000) -> Tensor:
    """Model outputs for all of `x`, in eval mode, batched to bound memory (a model that
    returns a tuple of tensors gives a tuple, each part concatenated)."""
    was_training = model.training
    model.eval()
    outs = [model(x[i:i + batch_size]) for i in range(0, x.shape[0], batch_size)]
    model.train(was_training)
    if isinstance(outs[0], tuple):
        return tuple(torch.cat(parts) for parts in zip(*outs))
    return torch.cat(outs)
