"""classify (310, 350, 380, 410): one affine layer plus a decision rule is a classifier;
toy problem 1 (separable blobs) and problem 2 (a disc in a ring)."""

from __future__ import annotations

from dataclasses import dataclass

import torch
from matplotlib.figure import Figure
from torch import Tensor

from torchdojo.data import toy
from torchdojo.experiments.toy_classifier import positive, strict_accuracy, train
from torchdojo.figures import boundaries
from torchdojo.models.affine import Affine
from torchdojo.train.context import SWITCH_NAMES, Context, Result


@dataclass
class Config:
    n_train: int = 400
    n_test: int = 400
    epochs: int = 30
    batch_size: int = 32
    lr: float = 0.1
    seed: int = 0


SWITCHES = SWITCH_NAMES  # it trains through ctx.fit: --amp, --compile, --nproc reach it

QUICK = {"epochs": 5, "n_train": 200, "n_test": 200}


def hand_set_rule() -> Affine:
    """A layer whose weights we choose ourselves: score_1 - score_0 = x1 + x2, so the rule
    "argmax of the scores" says class 1 exactly when the point lies above x1 + x2 = 0."""
    layer = Affine(2, 2)
    with torch.no_grad():
        layer.weight.copy_(torch.tensor([[-0.5, -0.5], [0.5, 0.5]]))  # (2 classes, 2 inputs)
        layer.bias.zero_()
    return layer


@dataclass(kw_only=True)
class ClassifyResult(Result):
    panels: dict[str, tuple[Affine, Tensor, Tensor]]  # title -> (model, test x, test y)
    hand: Affine  # the hand-set rule


def run(config: Config, ctx: Context) -> ClassifyResult:
    """Score problem 1 with a hand-set rule, then train one affine layer on problems 1 and 2."""
    positive(n_train=config.n_train, n_test=config.n_test, epochs=config.epochs,
             batch_size=config.batch_size, lr=config.lr)
    problems = {"problem1": toy.problem1, "problem2": toy.problem2}
    metrics: dict[str, float] = {}
    panels, history = {}, []
    hand = hand_set_rule().to(ctx.device)
    for name, make in problems.items():
        train_set = make(config.n_train, seed=config.seed)
        test_x, test_y = (t.to(ctx.device) for t in make(config.n_test, seed=config.seed + 1000))
        torch.manual_seed(config.seed)
        layer = Affine(2, 2)
        hist = train(layer, train_set, ctx, epochs=config.epochs, batch_size=config.batch_size,
                     lr=config.lr, seed=config.seed, log=name == "problem1")
        history = history or hist
        metrics[f"{name}_acc"] = strict_accuracy(layer, test_x, test_y)
        metrics[f"{name}_train_acc"] = strict_accuracy(layer, *(t.to(ctx.device)
                                                                 for t in train_set))
        metrics[f"{name}_hand_rule_acc"] = strict_accuracy(hand, test_x, test_y)
        panels[f"{name}: hand-set rule"] = (hand, test_x, test_y)
        panels[f"{name}: trained layer"] = (layer, test_x, test_y)
        ctx.say(f"{name}: trained layer {100 * metrics[f'{name}_acc']:.1f}% test accuracy, "
                f"hand-set rule {100 * metrics[f'{name}_hand_rule_acc']:.1f}%")
    fig = Figure(figsize=(14.4, 3.8))
    for ax, (title, (model, x, y)) in zip(fig.subplots(1, 4), panels.items()):
        boundaries.draw(ax, boundaries.predictor(model), x, y, title=title)
    fig.tight_layout()
    result = ClassifyResult(metrics, dataset="generated",
                            dataset_label=f"toy problems 1 and 2, {config.n_train} train / "
                                          f"{config.n_test} test points each (seed "
                                          f"{config.seed})",
                            history=history, panels=panels, hand=hand)
    result.figures["boundaries"] = ctx.savefig(fig, "boundaries")
    return result
