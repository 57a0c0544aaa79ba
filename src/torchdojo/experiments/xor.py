"""xor (610-695): a single layer cannot compute XOR; a hidden layer with a non-linear
activation can. Four variants: ReLU or sigmoid, with or without bias."""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from typing import Literal

import torch
from matplotlib.figure import Figure
from torch import nn

from torchdojo.data import toy
from torchdojo.experiments.toy_classifier import positive, strict_accuracy, train
from torchdojo.figures import boundaries
from torchdojo.models.affine import Affine
from torchdojo.models.mlp import MLP
from torchdojo.train.context import SWITCH_NAMES, Context, Result

VARIANTS = (("relu", True), ("sigmoid", True), ("relu", False), ("sigmoid", False))
WHY = {
    ("relu", True): "trains: bent lines from ReLU units, shifted by the bias",
    ("sigmoid", True): "trains: smooth steps; the bias places each step",
    ("relu", False): "cannot: with no bias f(a x) = a f(x), so each ray from the origin gets "
                     "one class, and (0,0) scores a tie",
    ("sigmoid", False): "depends on the seed: every hidden line passes through (0,0), but "
                        "s(0) = 0.5, not 0, so W2 alone can still decide (0,0)",
}


@dataclass
class Config:
    hidden: int = 8
    activation: Literal["relu", "sigmoid"] = "relu"  # the headline MLP (695: ReLU with bias)
    bias: bool = True
    n_per_corner: int = 100  # training points around each corner of the truth table
    noise: float = 0.1
    epochs: int = 60
    batch_size: int = 16
    lr: float = 0.05
    momentum: float = 0.9
    seed: int = 0


SWITCHES = SWITCH_NAMES  # it trains through ctx.fit: --amp, --compile, --nproc reach it

QUICK = {"epochs": 30}


@dataclass(kw_only=True)
class XorResult(Result):
    models: dict[str, nn.Module]  # variant -> trained model
    table: list[tuple[str, float, float, str]]  # (variant, acc, sample acc, why)


def run(config: Config, ctx: Context) -> XorResult:
    """Train a single layer and four MLP variants on noisy XOR; score them on the truth table."""
    positive(hidden=config.hidden, n_per_corner=config.n_per_corner, epochs=config.epochs,
             batch_size=config.batch_size, lr=config.lr)
    train_set = toy.xor(config.n_per_corner, noise=config.noise, seed=config.seed)
    table_x, table_y = (t.to(ctx.device) for t in toy.xor())  # the 4 rows of the truth table
    test_x, test_y = (t.to(ctx.device) for t in toy.xor(config.n_per_corner, noise=config.noise,
                                                         seed=config.seed + 1000))
    kw = dict(epochs=config.epochs, batch_size=config.batch_size, lr=config.lr,
              momentum=config.momentum, seed=config.seed)

    torch.manual_seed(config.seed)
    single = Affine(2, 2)
    train(single, train_set, ctx, **kw)
    metrics = {"single_layer_acc": strict_accuracy(single, table_x, table_y),
               "single_layer_sample_acc": strict_accuracy(single, test_x, test_y)}
    models = {"single layer": single}
    table = [("single layer", metrics["single_layer_acc"], metrics["single_layer_sample_acc"],
              "cannot: one straight line gets at most 3 of the 4 corners right")]
    headline = (config.activation, config.bias)
    variants = [headline] + [v for v in VARIANTS if v != headline]
    history = []
    for activation, bias in variants:
        name = f"MLP {activation}, {'bias' if bias else 'no bias'}"
        torch.manual_seed(config.seed)
        mlp = MLP(2, (config.hidden,), 2, activation=activation, bias=bias)
        hist = train(mlp, train_set, ctx, log=(activation, bias) == headline, **kw)
        acc = strict_accuracy(mlp, table_x, table_y)
        sample_acc = strict_accuracy(mlp, test_x, test_y)
        key = f"{activation}_{'bias' if bias else 'nobias'}"
        metrics[f"{key}_acc"], metrics[f"{key}_sample_acc"] = acc, sample_acc
        if (activation, bias) == headline:
            metrics["mlp_acc"], metrics["mlp_sample_acc"], history = acc, sample_acc, hist
        models[name] = mlp
        table.append((name, acc, sample_acc, WHY[(activation, bias)]))
    for name, acc, sample_acc, why in table:
        ctx.say(f"{name:24s} truth table {100 * acc:5.1f}%  noisy test {100 * sample_acc:5.1f}%"
                f"  {why}")
    fig = boundaries.boundaries(models, test_x, test_y, cols=5,
                                title="XOR: decision regions on held-out noisy points")
    figures = {"boundaries": ctx.savefig(fig, "boundaries"), "table": ctx.savefig(
        table_figure(table), "variants")}
    return XorResult(metrics, dataset="generated",
                     dataset_label=f"XOR truth table; {4 * config.n_per_corner} noisy training "
                                   f"points (noise {config.noise:g})",
                     history=history, figures=figures, models=models, table=table)


def table_figure(rows: list[tuple[str, float, float, str]]) -> Figure:
    """Which variants compute XOR, and why, as a table."""
    fig = Figure(figsize=(12, 0.75 * len(rows) + 0.6))
    ax = fig.subplots()
    ax.axis("off")
    cells = [[name, f"{100 * acc:.0f}%", f"{100 * sample:.1f}%", textwrap.fill(why, 80)]
             for name, acc, sample, why in rows]
    tab = ax.table(cellText=cells, colLabels=["model", "truth table", "noisy test", "why"],
                   loc="center", cellLoc="left", colWidths=[0.17, 0.09, 0.09, 0.65])
    tab.auto_set_font_size(False)
    tab.set_fontsize(8)
    tab.scale(1, 2.6)
    fig.tight_layout()
    return fig
