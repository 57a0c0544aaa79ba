"""What the Part I toy experiments share: train a small classifier on 2-D points with the one
loop, and measure accuracy strictly (a tie between scores is not a decision)."""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor, nn

from torchdojo.errors import DojoError
from torchdojo.train import tasks
from torchdojo.train.context import Context


def positive(**settings: float) -> None:
    """A DojoError naming the first setting that is not > 0 (sizes, epochs, rates)."""
    for name, value in settings.items():
        if not value > 0:
            raise DojoError(f"{name} must be positive, not {value}")


@torch.no_grad()
def strict_accuracy(model: nn.Module, x: Tensor, y: Tensor) -> float:
    """Share of points whose true class scores strictly above every other class."""
    scores = tasks.predict(model, x)  # (N, K)
    true = scores.gather(1, y[:, None])  # (N, 1)
    others = scores.scatter(1, y[:, None], float("-inf"))  # (N, K), true class masked
    return float((true[:, 0] > others.max(1).values).float().mean())


def train(model: nn.Module, data: tuple[Tensor, Tensor], ctx: Context, *, epochs: int,
          batch_size: int, lr: float, optimizer: str = "sgd", seed: int = 0,
          log: bool = False, momentum: float = 0.0) -> list[dict[str, Any]]:
    """Fit `model` to (x (N, 2), y (N,)) with cross-entropy; `log=True` writes the run's
    metrics.jsonl and checkpoint (one model per run folder does)."""
    model.to(ctx.device)
    data = tuple(t.to(ctx.device) for t in data)
    if optimizer == "sgd":
        opt = torch.optim.SGD(model.parameters(), lr=lr, momentum=momentum)
    else:
        opt = torch.optim.Adam(model.parameters(), lr=lr)
    return ctx.fit(model, data, loss_fn=tasks.classification, optimizer=opt, epochs=epochs,
                   batch_size=batch_size, seed=seed, log=log, quiet=True)
