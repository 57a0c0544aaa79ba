"""transfer (003, transfer learning): Fashion-MNIST from 10, 100 and 1,000 labels per class,
trained five ways: a small CNN from scratch; the same CNN pretrained on MNIST (the in-course
path), as a frozen feature extractor with a linear probe and fine-tuned; and EfficientNet-
Lite0 pretrained on ImageNet (the `pretrained` extra), probed and fine-tuned the same way.

Design choices were made on a validation split carved from the training images (never in
any label budget); the test split is evaluated once per model, at the end of its training.
Without the extra, the ImageNet half is skipped with one line and the target is measured
on the in-course transfer.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Literal

import torch
import torch.nn.functional as F
from matplotlib.figure import Figure
from torch import Tensor, nn

from torchdojo.data.datasets import random_subset
from torchdojo.data.vision import TITLES, load_images
from torchdojo.errors import DojoError
from torchdojo.experiments.toy_classifier import positive
from torchdojo.models import efficientnet_lite as lite
from torchdojo.models.lenet import LeNet5
from torchdojo.models.probe import LinearProbe
from torchdojo.train import tasks
from torchdojo.train.context import SWITCH_NAMES, Context, Result
from torchdojo.train.optim import fast

CLASSES = 10
SOURCE = {"fashion-mnist": "mnist", "mnist": "fashion-mnist"}  # the in-course path's source


@dataclass
class Config:
    dataset: Literal["fashion-mnist", "mnist"] = "fashion-mnist"  # the task with few labels
    budgets: tuple[int, ...] = (10, 100, 1000)  # labels per class; nested (10 of the 100...)
    # held-out training images per class: the design choices were made on them
    val_per_class: int = 100
    # "val": report every accuracy on the validation split instead (targets then n/a);
    # how the settings below were chosen: `dojo run transfer --set evaluate_on=val`
    evaluate_on: Literal["test", "val"] = "test"
    test_limit: int | None = None  # evaluate on this many test images (quick runs)
    # the transfer ways to run besides scratch; the ImageNet ones where the `pretrained`
    # extra is installed
    ways: tuple[str, ...] = ("cnn_probe", "cnn_finetune", "imagenet_probe", "imagenet_finetune")
    image_size: int = 96  # EfficientNet's input side (a multiple of 32)
    # the ImageNet probe reads these blocks' outputs, each averaged over the picture, side
    # by side (0..15; 16: the network's own last features, its head's 1280)
    probe_blocks: tuple[int, ...] = (8, 10, 12, 14)
    # of those, the ones averaged over each cell of a probe_grid x probe_grid grid instead
    # (where in the picture a feature fired: a sandal's straps against a sneaker's sole)
    probe_cells: tuple[int, ...] = (8, 10)
    probe_grid: int = 3
    # the probe's features averaged with the mirror image's (off: at 96x96 it bought nothing
    # at 10 labels per class, and doubles the time of the frozen blocks)
    mirror: bool = False
    finetune_from: int = 15  # fine-tune EfficientNet's blocks from this one (0..16) up
    finetune_lr: float = 1e-3
    source_epochs: int = 1  # the small CNN's pretraining on the other data set; 0: none
    lr: float = 1e-3  # AdamW for the small CNN, from scratch and fine-tuned
    probe_lr: float = 1e-2  # the in-course CNN's probe (84 features)
    imagenet_probe_lr: float = 1e-3  # EfficientNet's (2,400 features: a smaller step)
    weight_decay: float = 1e-2  # AdamW's, for every model trained on the few labels
    steps: int = 300  # at least this many optimiser steps per model on the few labels
    min_epochs: int = 5  # and at least this many passes over them
    batch_size: int = 64
    seed: int = 0


SWITCHES = SWITCH_NAMES  # every model trains through ctx.fit: --amp, --compile, --nproc

QUICK = {"budgets": (5, 10), "val_per_class": 10, "test_limit": 200, "image_size": 32,
         "steps": 20, "min_epochs": 1, "batch_size": 32}

WAYS = {  # metric prefix: what the legend says
    "scratch": "small CNN from scratch",
    "cnn_probe": "CNN pretrained on {source}: linear probe",
    "cnn_finetune": "CNN pretrained on {source}: fine-tuned",
    "imagenet_probe": "ImageNet EfficientNet-Lite0: linear probe",
    "imagenet_finetune": "ImageNet EfficientNet-Lite0: fine-tuned",
}
TRANSFER = ("cnn_probe", "cnn_finetune", "imagenet_probe", "imagenet_finetune")
Split = tuple[Tensor, Tensor]  # images (N, 1, 28, 28) float in [0, 1] on the device, labels


# --- data: a validation split, nested label budgets, the test split -------------------------

def first_per_class(labels: Tensor, k: int, classes: int = CLASSES) -> Tensor:
    """Indices of the first k examples of each class, class 0's first: (classes * k,)."""
    picked = []
    for c in range(classes):
        mine = (labels == c).nonzero().squeeze(1)
        if len(mine) < k:
            raise DojoError(f"class {c} has {len(mine)} training images, fewer than the {k} "
                            "needed (the validation images plus the largest label budget)")
        picked.append(mine[:k])
    return torch.cat(picked)


def carve(labels: Tensor, val_per_class: int, most: int, seed: int
          ) -> tuple[Tensor, Tensor, Tensor]:
    """(validation, pool, rank): in a shuffled order, the first `val_per_class` training
    images of each class are held out, the next `most` form the labelled pool, each with
    its rank within its class. The budget of k labels per class is the pool's images of
    rank < k: the 10 per class are among the 100, which are among the 1,000."""
    order = torch.randperm(len(labels), generator=torch.Generator().manual_seed(seed))
    chosen = order[first_per_class(labels[order], val_per_class + most)].view(CLASSES, -1)
    return (chosen[:, :val_per_class].reshape(-1), chosen[:, val_per_class:].reshape(-1),
            torch.arange(most).repeat(CLASSES))


def as_images(x: Tensor, device: torch.device) -> Tensor:
    """uint8 (N, 28, 28) -> float (N, 1, 28, 28) in [0, 1] on the device."""
    return x.to(device).unsqueeze(1).float().div_(255)


@dataclass
class Splits:
    pool: Split  # the largest budget's images
    rank: Tensor  # each pool image's rank within its class
    held: Split  # where accuracies are reported: the test split, or the validation split
    dataset: str
    label: str

    def budget(self, k: int) -> Tensor:
        """Indices into the pool of the k-labels-per-class budget."""
        return (self.rank < k).nonzero().squeeze(1).to(self.pool[1].device)


def load_splits(config: Config, device: torch.device) -> Splits:
    data = load_images(config.dataset)
    x, y = data.train_x, data.train_y.long()
    val_i, pool_i, rank = carve(y, config.val_per_class, max(config.budgets), config.seed)
    pool = (as_images(x[pool_i], device), y[pool_i].to(device))
    title = TITLES.get(data.name, data.name)
    if config.evaluate_on == "val":  # the test split stays unseen: its name marks targets n/a
        return Splits(pool, rank, (as_images(x[val_i], device), y[val_i].to(device)),
                      f"{data.name}-validation",
                      f"{title}: budgets from its training set, reported on {len(val_i):,} "
                      "validation images held out from it")
    test_x, test_y = data.test_x, data.test_y.long()
    keep = random_subset(len(test_y), config.test_limit, config.seed)
    if keep is not None:
        test_x, test_y = test_x[keep], test_y[keep]
    return Splits(pool, rank, (as_images(test_x, device), test_y.to(device)), data.name,
                  f"{title}: up to {max(config.budgets):,} labels per class from its training "
                  f"set ({len(val_i):,} more held out for validation), {len(test_y):,} test "
                  "images")


# --- training on the few labels ---------------------------------------------------------------

def epochs_for(n: int, config: Config) -> int:
    """Enough passes over n examples for `steps` optimiser steps, and at least `min_epochs`:
    10 images per class need many passes, 1,000 per class few."""
    per_epoch = -(-n // config.batch_size)
    return max(config.min_epochs, -(-config.steps // per_epoch))


def train(model: nn.Module, data: Split, ctx: Context, config: Config, lr: float) -> nn.Module:
    """AdamW on the model's trainable weights, the rate decaying along a cosine to 0."""
    epochs = epochs_for(len(data[1]), config)
    params = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(params, lr=lr, weight_decay=config.weight_decay,
                                  **fast(ctx.device))
    scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(
        optimizer, T_max=epochs * -(-len(data[1]) // config.batch_size))
    ctx.fit(model, data, loss_fn=tasks.classification, optimizer=optimizer,
            scheduler=scheduler, epochs=epochs, batch_size=config.batch_size, seed=config.seed,
            log=False, quiet=True)
    return model


def accuracy(model: nn.Module, data: Split, ctx: Context) -> float:
    return ctx.evaluate(model, data, tasks.classification)["acc"]


def probe(features: Tensor, labels: Tensor, ctx: Context, config: Config,
          lr: float | None = None) -> LinearProbe:
    """A linear classifier trained on frozen features (standardised by their own spread),
    at rate `lr` (default: config.probe_lr)."""
    torch.manual_seed(config.seed)
    model = LinearProbe(features.mean(0), features.std(0), CLASSES).to(ctx.device)
    return train(model, (features, labels), ctx, config,
                 config.probe_lr if lr is None else lr)


def with_new_head(body: nn.Module, features: int) -> nn.Sequential:
    """A pretrained body and a fresh linear layer from its features to the 10 classes."""
    return nn.Sequential(body, nn.Linear(features, CLASSES))


# --- way 1 and the in-course path: the small CNN ---------------------------------------------

def scratch(data: Split, ctx: Context, config: Config) -> LeNet5:
    """LeNet-5 from random weights, on the few labels only."""
    torch.manual_seed(config.seed)
    return train(LeNet5().to(ctx.device), data, ctx, config, config.lr)


def pretrain_source(config: Config, ctx: Context) -> tuple[LeNet5, float, str, list[dict]]:
    """The same LeNet-5 trained on all of the other data set's labels (MNIST for Fashion-
    MNIST); with source_epochs=0 left at its random weights. (model, its accuracy on the
    source's test split, the source's name, the training history)."""
    source = load_images(SOURCE[config.dataset])
    torch.manual_seed(config.seed)  # scratch's initial weights: with source_epochs=0, the
    model = LeNet5().to(ctx.device)  # "pretrained" body is exactly scratch's starting point
    test = (as_images(source.test_x, ctx.device), source.test_y.long().to(ctx.device))
    history = []
    if config.source_epochs:
        optimizer = torch.optim.Adam(model.parameters(), lr=config.lr, **fast(ctx.device))
        history = ctx.fit(model, (as_images(source.train_x, ctx.device),
                        source.train_y.long().to(ctx.device)),
                loss_fn=tasks.classification, optimizer=optimizer, epochs=config.source_epochs,
                batch_size=128, val=test, seed=config.seed)  # the run's metrics.jsonl
    return model, accuracy(model, test, ctx), source.name, history


class LeNetFeatures(nn.Module):
    """A LeNet-5's 84 penultimate features: everything but its classifying layer."""

    def __init__(self, net: LeNet5):
        super().__init__()
        self.conv, self.fc = net.conv, net.fc

    def forward(self, x: Tensor) -> Tensor:
        return self.fc(self.conv(x))


def cnn_copy(source: LeNet5, ctx: Context) -> LeNetFeatures:
    """A fresh LeNet-5 holding the source's weights (a copy: fine-tuning changes it)."""
    net = LeNet5().to(ctx.device)
    net.load_state_dict(source.state_dict())
    return LeNetFeatures(net)


# --- the ImageNet ways: EfficientNet-Lite0 ------------------------------------------------------

@torch.no_grad()
def cached(model: nn.Module, x: Tensor, batch_size: int = 500) -> Tensor:
    """`model`'s outputs for every image, computed once in batches (eval mode, no graph)."""
    return tasks.predict(model, x, batch_size)


def probe_features(bottom: nn.Module, features: nn.Module, x: Tensor, f: Tensor,
                   mirror: bool) -> Tensor:
    """The probe's features f of images x; with `mirror`, averaged with those of the
    mirror images: a coat is a coat either way round, and the average is a steadier
    summary of it (on validation: +0.5 points at 64x64; at 96x96, -0.2 at 10 labels per
    class and +0.9 at 100)."""
    return (f + cached(features, cached(bottom, x.flip(3)))) / 2 if mirror else f


def finetune_imagenet(state: dict, acts: Tensor, labels: Tensor, ctx: Context, config: Config
                      ) -> nn.Module:
    """EfficientNet's blocks from `finetune_from` up, from their ImageNet weights, and a new
    head, trained on the cached activations of the frozen blocks below; batch norm keeps
    its ImageNet statistics (see FrozenBatchNorm)."""
    net = lite.architecture()
    net.load_state_dict(state)
    _, top = lite.split(net, config.finetune_from, config.image_size)
    torch.manual_seed(config.seed)
    model = with_new_head(lite.FrozenBatchNorm(top), lite.FEATURES).to(ctx.device)
    return train(model, (acts, labels), ctx, config, config.finetune_lr)


PHOTO = "grace_hopper.jpg"  # ships with matplotlib (mpl-data/sample_data): a real photo


def photo() -> Tensor:
    """matplotlib's sample photo of Grace Hopper, as float (1, 3, 224, 224) in [0, 1]: the
    centre square, resized (with antialiasing) to the network's own 224x224 input."""
    import matplotlib.cbook
    import matplotlib.image

    rgb = torch.tensor(matplotlib.image.imread(matplotlib.cbook.get_sample_data(
        PHOTO, asfileobj=False)))  # uint8 (H, W, 3)
    h, w = rgb.shape[:2]
    side = min(h, w)
    top, left = (h - side) // 2, (w - side) // 2
    square = rgb[top:top + side, left:left + side].permute(2, 0, 1)[None].float() / 255
    resized = F.interpolate(square, size=(224, 224), mode="bilinear", antialias=True)
    return resized.clamp(0, 1)  # the antialiasing filter overshoots a little at edges


@torch.no_grad()
def photo_top5(net: nn.Module, device: torch.device) -> list[tuple[int, float]]:
    """The network's five likeliest ImageNet classes for the photo: (index, probability)."""
    probs = net.to(device).eval()((photo().to(device) - lite.MEAN) / lite.STD).softmax(1)[0]
    top = probs.topk(5)
    return [(int(i), float(p)) for p, i in zip(top.values, top.indices)]


def photo_figure(top5: list[tuple[int, float]]) -> Figure:
    """The photo as the network saw it, and its five likeliest ImageNet classes."""
    fig = Figure(figsize=(7, 3.2))
    ax_img, ax_bar = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1, 1.3]})
    ax_img.imshow(photo()[0].permute(1, 2, 0).numpy())
    ax_img.set_axis_off()
    ax_img.set_title(f"{PHOTO} (matplotlib)", fontsize=9)
    names = [f"class {i}" for i, _ in top5][::-1]  # no ImageNet label list ships here
    ax_bar.barh(names, [100 * p for _, p in top5][::-1], color="tab:orange")
    ax_bar.set(xlabel="probability (%)", title="EfficientNet-Lite0's top 5")
    fig.tight_layout()
    return fig


# --- the run ------------------------------------------------------------------------------------

def check(config: Config) -> None:
    positive(steps=config.steps, batch_size=config.batch_size, lr=config.lr,
             probe_lr=config.probe_lr, imagenet_probe_lr=config.imagenet_probe_lr,
             finetune_lr=config.finetune_lr, val_per_class=config.val_per_class,
             probe_grid=config.probe_grid)
    if not config.budgets or min(config.budgets) <= 0:
        raise DojoError(f"budgets must be labels per class, all positive, not {config.budgets}")
    if config.source_epochs < 0 or config.min_epochs < 1 or config.weight_decay < 0:
        raise DojoError("source_epochs and weight_decay must be >= 0 and min_epochs >= 1")
    if config.test_limit is not None:
        positive(test_limit=config.test_limit)
    unknown = [way for way in config.ways if way not in TRANSFER]
    if unknown:
        raise DojoError(f"unknown way {unknown[0]!r}; ways are among {', '.join(TRANSFER)} "
                        "(scratch always runs)")
    lite.Preprocess(config.image_size)  # a multiple of 32, or a DojoError
    if not 0 <= config.finetune_from <= lite.BLOCKS:
        raise DojoError(f"finetune_from must be a block index in 0..{lite.BLOCKS}, "
                        f"not {config.finetune_from}")
    if not config.probe_blocks or not all(0 <= b <= lite.BLOCKS for b in config.probe_blocks):
        raise DojoError(f"probe_blocks must be block indices in 0..{lite.BLOCKS}, "
                        f"not {config.probe_blocks}")


def budget_figure(table: dict[str, dict[int, float]], source: str, held: str) -> Figure:
    """Accuracy against the number of labels per class, one line per way."""
    fig = Figure(figsize=(7, 4.2))
    ax = fig.subplots()
    styles = {"scratch": ("k", "-"), "cnn_probe": ("tab:blue", ":"),
              "cnn_finetune": ("tab:blue", "-"), "imagenet_probe": ("tab:orange", ":"),
              "imagenet_finetune": ("tab:orange", "-")}
    for way, accs in table.items():
        budgets = sorted(accs)
        color, line = styles[way]
        ax.plot(budgets, [100 * accs[k] for k in budgets], marker="o", color=color,
                linestyle=line, label=WAYS[way].format(source=source))
    budgets = sorted({k for accs in table.values() for k in accs})
    ax.set_xscale("log")
    ax.set_xticks(budgets, [f"{k:,}" for k in budgets])
    ax.minorticks_off()
    ax.set(xlabel="labels per class (log scale)", ylabel=f"{held} accuracy (%)",
           title="what pretraining buys, by label budget")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


NOTES = (
    "Every choice was made on 1,000 training images held out for validation (100 per "
    "class, in no budget; `--set evaluate_on=val`, seed 0), never on the test set. With the "
    "settings chosen, their accuracies at 10 / 100 / 1,000 labels per class: scratch 64.0 / "
    "72.8 / 79.3 %; the MNIST CNN probed 58.8 / 68.6 / 71.5 %, fine-tuned 68.7 / 76.7 / "
    "83.5 %; EfficientNet probed 80.9 / 88.5 % (10 / 100), fine-tuned from block 15 "
    "72.8 / 85.5 / 90.2 %.",
    "The ImageNet probe's features, at 10 labels per class (mean of three draws of the "
    "labels and the validation images, 64x64 input): block 10's output alone, 72.8 %; block "
    "12's, 72.7 %; blocks 8, 10, 12 and 14 side by side, 75.4 %; blocks 5 to 14, 73.7 %; "
    "averaged with the mirror image's, +0.5 (75.9 %). At 96x96: blocks 8-14, 77.2 % "
    "(chosen; 84.8 % at 100 labels), for 2.5 times the time of 64x64; mirrored, 77.0 % "
    "(85.7 %) for twice the time again: not kept. Earlier, on "
    "one draw: the head's own 1,280 features 64.5 %, the last layers being the most "
    "ImageNet-specific; a nearest-class-mean classifier on the same features, 4-6 points "
    "below the probe. Probe AdamW rates 3e-3 / 1e-2 and weight decays 0.01 to 1 all gave "
    "73.5-75.1 % on block 10: kept 1e-2, 0.01.",
    "Then where in the picture (96x96, three draws, 10 labels per class; 100 in brackets): "
    "blocks 8 and 10 (6x6) averaged over each cell of a 3x3 grid and 12 and 14 (3x3) over "
    "the whole picture, 2,400 features: 79.8 % (87.9 %) at probe rate 3e-3, 80.3 % "
    "(88.4 %) at 1e-3 (chosen), 80.2 % at 2e-3, 75.9 % at 1e-2; every block over the "
    "picture, 77.2 % (84.8 %) at 1e-2, 76.9 % at 3e-3; a 2x2 grid on all four 78.0 %; a "
    "3x3 grid on all four 79.2 %; the mean and the max over the picture side by side "
    "78.4 %; block 6 gridded as well 80.4 % (not kept: 720 more features for 0.1).",
    "Fine-tuning at 10 labels per class (64x64): rate 3e-4 70.7 %, 1e-3 72.8 % (chosen), "
    "3e-3 72.0 %. In an exploration on another draw of 10 labels per class (500 validation "
    "images, 150 full-batch steps): from block 15, 72.0 %; from block 13, 70.8 % for four "
    "times the time; a head started from the probe's weights (LP-FT), 66.8-68.0 %.",
    "Input size, in that exploration (a probe on the head's features, 10 labels per "
    "class): 32x32, 56 %; 48x48, 43 % (not a multiple of 32, so the fixed 'same' paddings "
    "no longer fit); 64x64, 68 %; 96x96, 69 % (blocks' outputs up to 74 %).",
    "Set by the CPU budget, not chosen on validation: one epoch of MNIST pretraining, and "
    "at least 300 steps and 5 passes per model (at 1,000 labels per class, 5 passes hold "
    "scratch back).",
)

Table = dict[str, dict[int, float]]  # way -> labels per class -> held-out accuracy


@dataclass(kw_only=True)
class TransferResult(Result):
    table: Table  # the ways that ran, each at every budget
    source: LeNet5  # the small CNN after its pretraining on the other data set
    imagenet: nn.Module | None  # EfficientNet-Lite0 with its ImageNet weights, if it ran
    photo_top5: list[tuple[int, float]]  # its five likeliest classes for the photo, if it ran
    best_at_10: str | None  # the transfer way that did best with 10 labels per class


def in_course_ways(config: Config, ctx: Context, splits: Splits, source: LeNet5,
                   table: Table, seconds: dict[str, float]) -> None:
    """Scratch, and the source CNN probed and fine-tuned (those of them asked for), at
    every budget."""
    for k in sorted(config.budgets):
        data = tuple(t[splits.budget(k)] for t in splits.pool)
        t0 = time.perf_counter()
        table["scratch"][k] = accuracy(scratch(data, ctx, config), splits.held, ctx)
        t1 = time.perf_counter()
        if "cnn_probe" in config.ways:
            features = cnn_copy(source, ctx)
            head = probe(cached(features, data[0]), data[1], ctx, config)
            table["cnn_probe"][k] = accuracy(nn.Sequential(features, head), splits.held, ctx)
        t2 = time.perf_counter()
        if "cnn_finetune" in config.ways:
            torch.manual_seed(config.seed)
            tuned = train(with_new_head(cnn_copy(source, ctx), 84), data, ctx, config,
                          config.lr)
            table["cnn_finetune"][k] = accuracy(tuned, splits.held, ctx)
        for key, s in (("scratch", t1 - t0), ("cnn_probe", t2 - t1),
                       ("cnn_finetune", time.perf_counter() - t2)):
            seconds[key] = seconds.get(key, 0.0) + s
        ctx.say(f"{k:5d} labels/class: " + ", ".join(
            f"{way} {100 * table[way][k]:.1f}%"
            for way in ("scratch", "cnn_probe", "cnn_finetune") if k in table[way]))


def imagenet_ways(config: Config, ctx: Context, splits: Splits, table: Table,
                  seconds: dict[str, float]) -> tuple[nn.Module, list[tuple[int, float]]]:
    """The photo check, then EfficientNet probed and fine-tuned at every budget. The frozen
    blocks run once per image: their outputs are cached, and so are the probe's features."""
    t0 = time.perf_counter()
    net = lite.pretrained()
    top5 = photo_top5(net, ctx.device)
    state = {k: v.clone() for k, v in net.state_dict().items()}  # fine-tuning starts here
    # the frozen blocks below both the probed blocks and the fine-tuned ones run once
    cut = min(*config.probe_blocks, config.finetune_from)
    bottom = lite.Bottom(net, cut, config.image_size).to(ctx.device,
                                                         memory_format=torch.channels_last)
    taps = {"taps": config.probe_blocks, "cells": config.probe_cells,
            "grid": config.probe_grid}
    features = lite.BlockFeatures(net, cut, **taps).to(ctx.device)
    # one pass through the blocks above the cut gives the probe's features and the input
    # of the fine-tuned blocks (the frozen blocks between are both's)
    shared = lite.BlockFeatures(net, cut, keep=config.finetune_from, **taps).to(ctx.device)
    pool_feats, pool_acts = cached(shared, cached(bottom, splits.pool[0]))
    held_feats, held_acts = cached(shared, cached(bottom, splits.held[0]))
    pool_feats = probe_features(bottom, features, splits.pool[0], pool_feats, config.mirror)
    held_feats = probe_features(bottom, features, splits.held[0], held_feats, config.mirror)
    seconds["imagenet_cache"] = time.perf_counter() - t0
    held_y = splits.held[1]
    for k in sorted(config.budgets):
        idx = splits.budget(k)
        y = splits.pool[1][idx]
        t0 = time.perf_counter()
        if "imagenet_probe" in config.ways:
            head = probe(pool_feats[idx], y, ctx, config, config.imagenet_probe_lr)
            table["imagenet_probe"][k] = accuracy(head, (held_feats, held_y), ctx)
        t1 = time.perf_counter()
        if "imagenet_finetune" in config.ways:
            tuned = finetune_imagenet(state, pool_acts[idx], y, ctx, config)
            table["imagenet_finetune"][k] = accuracy(tuned, (held_acts, held_y), ctx)
        seconds["imagenet_probe"] = seconds.get("imagenet_probe", 0.0) + t1 - t0
        seconds["imagenet_finetune"] = (seconds.get("imagenet_finetune", 0.0)
                                        + time.perf_counter() - t1)
        ctx.say(f"{k:5d} labels/class: " + ", ".join(
            f"{way} {100 * table[way][k]:.1f}%"
            for way in ("imagenet_probe", "imagenet_finetune") if k in table[way]))
    return net, top5


def run(config: Config, ctx: Context) -> TransferResult:
    """Every way at every label budget; each model's held-out accuracy once, after training."""
    check(config)
    splits = load_splits(config, ctx.device)
    ctx.say(f"transfer to {splits.label}")
    table: Table = {way: {} for way in WAYS}
    seconds: dict[str, float] = {}
    t0 = time.perf_counter()
    source, source_acc, source_name, history = pretrain_source(config, ctx)
    seconds["source"] = time.perf_counter() - t0
    in_course_ways(config, ctx, splits, source, table, seconds)

    net, top5 = None, []
    asked = any(way.startswith("imagenet") for way in config.ways)
    use_imagenet = asked and lite.available()
    if asked and not use_imagenet:
        ctx.say(f"ImageNet ways skipped: the pretrained EfficientNet is not installed "
                f"({lite.INSTALL}); the target is measured on the in-course transfer")
    if use_imagenet:
        net, top5 = imagenet_ways(config, ctx, splits, table, seconds)
    table = {way: accs for way, accs in table.items() if accs}

    metrics: dict[str, float] = {"source_acc": source_acc, "imagenet_used": float(use_imagenet)}
    if top5:
        metrics.update(photo_top1=float(top5[0][0]), photo_top1_prob=top5[0][1])
    for way, accs in table.items():
        metrics.update({f"{way}_at_{k}": acc for k, acc in sorted(accs.items())})
    metrics.update({f"seconds_{key}": s for key, s in seconds.items()})
    best = None
    if 10 in config.budgets and len(table) > 1:
        best = max((w for w in TRANSFER if w in table), key=lambda w: table[w][10])
        metrics["transfer_minus_scratch_at_10"] = table[best][10] - table["scratch"][10]
        ctx.say(f"10 labels/class: {WAYS[best].format(source=source_name)} "
                f"{100 * table[best][10]:.1f}% vs scratch {100 * table['scratch'][10]:.1f}%: "
                f"{100 * metrics['transfer_minus_scratch_at_10']:+.1f} points")
    result = TransferResult(metrics, dataset=splits.dataset, dataset_label=splits.label,
                            history=history, notes=list(NOTES), table=table, source=source,
                            imagenet=net, photo_top5=top5, best_at_10=best)
    if ctx.is_main:
        held = "validation" if config.evaluate_on == "val" else "test"
        result.figures["budgets"] = ctx.savefig(budget_figure(table, source_name, held),
                                                "budgets")
        if top5:
            result.figures["photo"] = ctx.savefig(photo_figure(top5), "photo")
    return result
