"""mnist-linear (830): softmax regression, one affine layer, on MNIST; its weights as images."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from torchdojo.experiments.image_classifier import (
    ClassifierResult,
    load_tensors,
    train_classifier,
)
from torchdojo.figures import plots
from torchdojo.models.mlp import MLP
from torchdojo.train.context import SWITCH_NAMES, Context


@dataclass
class Config:
    dataset: Literal["mnist", "fashion-mnist"] = "mnist"
    epochs: int = 8
    batch_size: int = 128
    lr: float = 5e-3
    weight_decay: float = 1e-4
    train_limit: int | None = None
    seed: int = 0


SWITCHES = SWITCH_NAMES  # it trains through ctx.fit: --amp, --compile, --nproc reach it

QUICK = {"epochs": 2, "train_limit": 2000}


def run(config: Config, ctx: Context) -> ClassifierResult:
    """Train logits = W x + b with cross-entropy; plot each class's row of W as a 28x28 image."""
    tensors = load_tensors(config.dataset, ctx.device, train_limit=config.train_limit,
                           seed=config.seed)
    model = MLP(784, (), 10)  # no hidden layer: softmax regression
    result = train_classifier(model, tensors, config, ctx)
    weights = model.linears()[0].weight.detach().reshape(10, 28, 28)  # one template per class
    result.figures["weights"] = ctx.savefig(
        plots.image_grid(weights, list(tensors.data.classes), cols=5, cmap="RdBu",
                         title="learned weights: blue = evidence for the class, red = against"),
        "weights")
    return result
