"""mnist-mlp (850, seed 000 tutorial 1): the flagship, an MLP on MNIST or Fashion-MNIST."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from torchdojo.experiments.image_classifier import (
    ClassifierResult,
    load_tensors,
    train_classifier,
)
from torchdojo.models.mlp import MLP, count_parameters
from torchdojo.train.context import SWITCH_NAMES, Context


@dataclass
class Config:
    dataset: Literal["mnist", "fashion-mnist"] = "mnist"
    hidden: tuple[int, ...] = (512, 512)
    dropout: float = 0.2
    epochs: int = 12
    batch_size: int = 128
    lr: float = 2e-3
    weight_decay: float = 1e-4
    train_limit: int | None = None  # use only this many training images (quick runs)
    seed: int = 0


SWITCHES = SWITCH_NAMES  # it trains through ctx.fit: --amp, --compile, --nproc reach it

QUICK = {"epochs": 2, "train_limit": 2000, "hidden": "64"}


def build_model(config: Config) -> MLP:
    """The MLP this config describes (also used by the benchmarks)."""
    return MLP(784, config.hidden, 10, dropout=config.dropout)


def run(config: Config, ctx: Context) -> ClassifierResult:
    """Train the MLP and report test accuracy, curves, confusion matrix and worst mistakes."""
    tensors = load_tensors(config.dataset, ctx.device, train_limit=config.train_limit,
                           seed=config.seed)
    model = build_model(config)
    ctx.say(f"MLP 784-{'-'.join(map(str, config.hidden))}-10, "
            f"{count_parameters(model):,} parameters, on {tensors.data.label}")
    return train_classifier(model, tensors, config, ctx)
