"""spiral (002, cs231n case study): a softmax (linear) classifier vs a 2-layer net on the
three-arm spiral; accuracy on the training points, as in the cs231n notes."""

from __future__ import annotations

from dataclasses import dataclass

import torch

from torchdojo.data import toy
from torchdojo.experiments.toy_classifier import positive, strict_accuracy, train
from torchdojo.figures import boundaries, plots
from torchdojo.models.affine import Affine
from torchdojo.models.mlp import MLP
from torchdojo.train.context import SWITCH_NAMES, Context, Result


@dataclass
class Config:
    n_per_class: int = 100
    classes: int = 3
    hidden: int = 100
    epochs: int = 150
    batch_size: int = 32
    lr: float = 0.01  # Adam
    seed: int = 0


SWITCHES = SWITCH_NAMES  # it trains through ctx.fit: --amp, --compile, --nproc reach it

QUICK = {"epochs": 40}


@dataclass(kw_only=True)
class SpiralResult(Result):
    linear: Affine  # softmax regression
    net: MLP  # the 2-layer net


def run(config: Config, ctx: Context) -> SpiralResult:
    """Train logits = W x + b and logits = W2 ReLU(W1 x + b1) + b2; compare their boundaries."""
    positive(n_per_class=config.n_per_class, classes=config.classes, hidden=config.hidden,
             epochs=config.epochs, batch_size=config.batch_size, lr=config.lr)
    x, y = toy.spiral(config.n_per_class, config.classes, seed=config.seed)  # (N, 2), (N,)
    kw = dict(epochs=config.epochs, batch_size=config.batch_size, lr=config.lr,
              optimizer="adam", seed=config.seed)
    torch.manual_seed(config.seed)
    linear = Affine(2, config.classes)
    train(linear, (x, y), ctx, **kw)
    torch.manual_seed(config.seed)
    net = MLP(2, (config.hidden,), config.classes)
    history = train(net, (x, y), ctx, log=True, **kw)
    xd, yd = x.to(ctx.device), y.to(ctx.device)
    metrics = {"linear_acc": strict_accuracy(linear, xd, yd),
               "mlp_acc": strict_accuracy(net, xd, yd),
               "mlp_loss": [r["loss"] for r in history if r["phase"] == "train"][-1]}
    ctx.say(f"train accuracy: softmax classifier {100 * metrics['linear_acc']:.1f}%, "
            f"2-layer net {100 * metrics['mlp_acc']:.1f}%")
    fig = boundaries.boundaries(
        {f"softmax (linear): {100 * metrics['linear_acc']:.1f}%": linear,
         f"2-layer, {config.hidden} ReLU: {100 * metrics['mlp_acc']:.1f}%": net}, x, y)
    figures = {"boundaries": ctx.savefig(fig, "boundaries"),
               "curves": ctx.savefig(plots.curves(history, ["loss", "acc"]), "curves")}
    return SpiralResult(metrics, dataset="generated",
                        dataset_label=f"cs231n spiral, {config.classes} classes x "
                                      f"{config.n_per_class} points (seed {config.seed})",
                        history=history, figures=figures, linear=linear, net=net)
