"""cifar10 (002, the blitz's "Training a classifier"): colour images, per-channel
normalisation, augmentation on the device in batches, the blitz's small CNN, then a ResNet-9.

The recipe is David Page's fast CIFAR-10 baseline ("How to train your ResNet", Myrtle.ai,
2018, the DAWNBench entry): ResNet-9, SGD with Nesterov momentum 0.9, batches of 512,
weight decay 5e-4, a learning rate rising linearly from 0 to 0.4 over the first fifth of
training and falling linearly back to 0, random 32x32 crops of each image reflect-padded
by 4 pixels, random horizontal flips; and label smoothing 0.2 from his "bag of tricks".
At Page's width (64) it reaches 94 % in 24 epochs on a GPU; here the default width is 16,
1/16 of the arithmetic, so that 10 epochs fit a 2-core CPU's 20 minutes.

The ladder shows what each choice buys, one change at a time, on a validation split carved
from the training images: the small CNN on raw pixels, then normalised per channel, then
augmented, then the ResNet. Only the last model sees the test set, once, at the end.
When CIFAR-10 is absent the run trains on synthetic colour shapes and says how to get it;
the target is then n/a.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

import torch
import torch.nn.functional as F
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator
from torch import Tensor, nn

from torchdojo.data import cifar, colour_shapes
from torchdojo.data.datasets import random_subset
from torchdojo.errors import DojoError
from torchdojo.experiments.toy_classifier import positive
from torchdojo.figures import plots
from torchdojo.models.cifar_nets import ResNet9, SmallCNN
from torchdojo.train import tasks
from torchdojo.train.context import SWITCH_NAMES, Context, Result
from torchdojo.train.loop import Batch, LossFn
from torchdojo.train.optim import fast


@dataclass
class Config:
    # auto: CIFAR-10 if it is in the data folder, else synthetic colour shapes (target n/a)
    data: Literal["auto", "cifar10", "synthetic"] = "auto"
    val_fraction: float = 0.1  # of the training images, held out for choices and curves
    ladder: bool = True  # first the small CNN three ways: raw, normalised, augmented
    cnn_epochs: int = 6  # the three small-CNN rungs: about 3 minutes on a 2-core CPU
    cnn_lr: float = 0.1  # the blitz's 0.001 at batch 4, scaled linearly to batch 512
    width: int = 16  # ResNet-9's base width (Page's: 64)
    epochs: int = 10
    lr: float = 0.4  # peak learning rate (Page's)
    batch_size: int = 512
    momentum: float = 0.9  # Nesterov
    weight_decay: float = 5e-4
    label_smoothing: float = 0.2
    warmup: float = 0.2  # share of the steps over which the rate rises to its peak
    pad: int = 4  # random crops of the image padded by this many pixels (reflected)
    flip: bool = True  # random horizontal flips
    train_limit: int | None = None  # use only this many training images (quick runs)
    synthetic_train: int = 5000  # colour-shape training images (plus a fifth as many test)
    channels_last: bool = True  # NHWC memory layout: faster convolutions on a CPU
    seed: int = 0


SWITCHES = SWITCH_NAMES  # every model trains through ctx.fit: --amp, --compile, --nproc

QUICK = {"data": "synthetic", "synthetic_train": 800, "cnn_epochs": 3, "epochs": 3,
         "width": 4, "batch_size": 32}

Split = tuple[Tensor, Tensor]  # uint8 images (N, 3, 32, 32), int64 labels (N,)


@dataclass
class Splits:
    """Train, validation (carved from the training images) and test, as stored bytes."""

    train: Split
    val: Split
    test: Split
    classes: tuple[str, ...]
    dataset: str  # "cifar10" or "colour-shapes"
    label: str


# --- data ----------------------------------------------------------------------------------

def target_data_missing(config: Config) -> str | None:
    """Why this config cannot measure the CIFAR-10 target on this machine, or None when it
    can: `dojo verify` then reports n/a at once, instead of training for minutes on the
    colour shapes that stand in for it (what `dojo run` does, to show the lesson working)."""
    if config.data == "synthetic":
        return "data=synthetic: colour shapes asked for, not CIFAR-10"
    if config.data == "auto" and not cifar.present():
        return f"{cifar.TITLE} is not in {cifar.folder()}; {cifar.GET_IT}"
    return None


def load_splits(config: Config, say: Callable[[str], None]) -> Splits:
    """CIFAR-10 (or colour shapes), with a seeded validation split carved from training."""
    if config.data == "synthetic":
        data, why = None, ""
    else:
        try:
            data, why = cifar.load(), ""
        except cifar.CifarAbsent as absent:
            if config.data == "cifar10":
                raise
            data, why = None, str(absent)
            say(f"{absent}. Training on synthetic colour shapes instead; the CIFAR-10 target "
                "is n/a.")
    if data is None:
        n_test = max(config.synthetic_train // 5, 1)
        train_x, train_y = colour_shapes.sample(config.synthetic_train, seed=config.seed)
        test_x, test_y = colour_shapes.sample(n_test, seed=config.seed + 1)
        classes, dataset, title = colour_shapes.CLASSES, colour_shapes.NAME, "colour shapes"
    else:
        train_x, train_y, test_x, test_y = data.train_x, data.train_y, data.test_x, data.test_y
        classes, dataset, title = data.classes, data.name, cifar.TITLE
    n_val = round(config.val_fraction * len(train_y))
    if not 0 < n_val < len(train_y):
        raise DojoError(f"val_fraction must leave both a validation and a training split, "
                        f"not {config.val_fraction} of {len(train_y)} images")
    order = torch.randperm(len(train_y), generator=torch.Generator().manual_seed(config.seed))
    val_i, train_i = order[:n_val], order[n_val:]
    keep = random_subset(len(train_i), config.train_limit, config.seed)
    train_i = train_i if keep is None else train_i[keep]
    label = (f"{title} ({len(train_i):,} train / {n_val:,} validation from its training set "
             f"/ {len(test_y):,} test)")
    if data is None:
        label = f"synthetic {label}, not CIFAR-10" + (f": {why}" if why else "")
    return Splits((train_x[train_i], train_y[train_i]), (train_x[val_i], train_y[val_i]),
                  (test_x, test_y), classes, dataset, label)


def channel_stats(images: Tensor, chunk: int = 5000) -> tuple[Tensor, Tensor]:
    """Mean and standard deviation of each colour channel over uint8 images (N, 3, H, W)
    scaled to [0, 1]: (3,) each, float32. Summed in float64 chunks, no full float copy."""
    n = images.shape[0] * images.shape[2] * images.shape[3]  # values per channel
    total = torch.zeros(images.shape[1], dtype=torch.float64, device=images.device)
    squares = torch.zeros_like(total)
    for part in images.split(chunk):
        x = part.to(torch.float64).div_(255)
        total += x.sum((0, 2, 3))
        squares += x.square().sum((0, 2, 3))
    mean = total / n
    std = ((squares - n * mean.square()) / (n - 1)).sqrt()  # unbiased, as torch.std
    return mean.float().cpu(), std.float().cpu()


def normalise(images: Tensor, mean: Tensor, std: Tensor) -> Tensor:
    """uint8 (B, 3, H, W) -> float (B, 3, H, W): (pixel / 255 - mean_c) / std_c per channel."""
    x = images.float().div_(255)
    return x.sub_(mean.to(x.device).view(1, -1, 1, 1)).div_(std.to(x.device).view(1, -1, 1, 1))


# --- augmentation, on the device, a batch at a time ---------------------------------------

def crop(padded: Tensor, offsets: Tensor, size: tuple[int, int]) -> Tensor:
    """Each image's (h, w) window of `padded` (B, C, H + 2p, W + 2p) whose top-left corner is
    at its (row, col) in `offsets` (B, 2): one gather for the whole batch, no Python loop."""
    b, c = padded.shape[:2]
    h, w = size
    rows = torch.arange(h, device=padded.device) + offsets[:, :1]  # (B, h)
    cols = torch.arange(w, device=padded.device) + offsets[:, 1:]  # (B, w)
    bi = torch.arange(b, device=padded.device)[:, None, None, None]
    ci = torch.arange(c, device=padded.device)[None, :, None, None]
    return padded[bi, ci, rows[:, None, :, None], cols[:, None, None, :]]  # (B, C, h, w)


def random_crop(x: Tensor, pad: int) -> Tensor:
    """A random (H, W) window of each image reflect-padded by `pad` pixels: shifts of up to
    `pad` pixels, the border filled with a mirror of the image rather than a flat colour."""
    if pad == 0:
        return x
    offsets = torch.randint(0, 2 * pad + 1, (x.shape[0], 2), device=x.device)
    return crop(F.pad(x, (pad, pad, pad, pad), mode="reflect"), offsets, x.shape[-2:])


def flip_where(x: Tensor, flip: Tensor) -> Tensor:
    """The images (B, C, H, W) with those where `flip` (B,) is True mirrored left to right."""
    return torch.where(flip[:, None, None, None], x.flip(-1), x)


def random_flip(x: Tensor) -> Tensor:
    """Mirror each image left to right with probability 1/2 (a cat is a cat either way)."""
    return flip_where(x, torch.rand(x.shape[0], device=x.device) < 0.5)


def classification_loss(mean: Tensor, std: Tensor, *, augment: bool, pad: int, flip: bool,
                        label_smoothing: float, channels_last: bool) -> LossFn:
    """The loop's loss on a batch of stored bytes: normalise per channel, augment (training
    only), then cross-entropy (label-smoothed in training) and accuracy."""

    def loss_fn(model: nn.Module, batch: Batch) -> tuple[Tensor, dict[str, Tensor]]:
        images, y = batch
        x = normalise(images, mean, std)  # (B, 3, 32, 32) float
        if model.training and augment:
            x = random_crop(x, pad)
            x = random_flip(x) if flip else x
        if channels_last:
            x = x.contiguous(memory_format=torch.channels_last)
        logits = model(x)  # (B, 10)
        smoothing = label_smoothing if model.training else 0.0  # val/test: the plain loss
        loss = F.cross_entropy(logits, y, label_smoothing=smoothing)
        return loss, {"acc": (logits.argmax(-1) == y).float().mean()}

    return loss_fn


# --- training ------------------------------------------------------------------------------

def schedule(total_steps: int, warmup: float) -> Callable[[int], float]:
    """Page's piecewise-linear rate, as a factor of the peak: up from ~0 to 1 over the first
    `warmup` share of the steps, then down to ~0 at the last step."""
    peak = min(max(1, round(warmup * total_steps)), total_steps - 1) if total_steps > 1 else 1

    def factor(step: int) -> float:
        if step < peak:
            return (step + 1) / peak
        return max(0.0, (total_steps - step) / max(total_steps - peak, 1))

    return factor


@dataclass(frozen=True)
class Variant:
    """One rung of the ladder: which model, and which choices are on."""

    name: str
    title: str
    normalised: bool
    augmented: bool
    residual: bool


VARIANTS = (
    Variant("cnn-raw", "small CNN, pixels / 255", False, False, False),
    Variant("cnn-normalised", "+ per-channel normalisation", True, False, False),
    Variant("cnn-augmented", "+ random crop and flip", True, True, False),
    Variant("resnet9", "ResNet-9 (normalised, augmented)", True, True, True),
)


def build_model(variant: Variant, config: Config) -> nn.Module:
    """The variant's network, in NHWC layout when `channels_last`."""
    model = ResNet9(config.width) if variant.residual else SmallCNN()
    return model.to(memory_format=torch.channels_last) if config.channels_last else model


def train_variant(variant: Variant, splits: Splits, stats: tuple[Tensor, Tensor],
                  config: Config, ctx: Context, *, log: bool
                  ) -> tuple[nn.Module, list[dict], float]:
    """Fit one variant on the training split, validating each epoch; (model, history, s)."""
    torch.manual_seed(config.seed)  # the same initial weights on every run and on resume
    model = build_model(variant, config).to(ctx.device)
    epochs = config.epochs if variant.residual else config.cnn_epochs
    lr = config.lr if variant.residual else config.cnn_lr
    steps = epochs * -(-len(splits.train[1]) // config.batch_size)
    optimizer = torch.optim.SGD(model.parameters(), lr=lr, momentum=config.momentum,
                                nesterov=True, weight_decay=config.weight_decay,
                                **fast(ctx.device))
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, schedule(steps, config.warmup))
    mean, std = stats if variant.normalised else (torch.zeros(3), torch.ones(3))
    loss_fn = classification_loss(mean, std, augment=variant.augmented, pad=config.pad,
                                  flip=config.flip, label_smoothing=config.label_smoothing,
                                  channels_last=config.channels_last)
    t0 = time.perf_counter()
    history = ctx.fit(model, splits.train, loss_fn=loss_fn, optimizer=optimizer,
                      scheduler=scheduler, epochs=epochs, batch_size=config.batch_size,
                      val=splits.val, seed=config.seed, log=log)
    return model, history, time.perf_counter() - t0


def on_device(splits: Splits, device: torch.device) -> Splits:
    """The byte tensors on the training device (a quarter of float32's memory)."""
    def move(split: Split) -> Split:
        return split[0].to(device), split[1].to(device)

    return Splits(move(splits.train), move(splits.val), move(splits.test), splits.classes,
                  splits.dataset, splits.label)


def check(config: Config) -> None:
    """A DojoError for settings that cannot train."""
    positive(epochs=config.epochs, cnn_epochs=config.cnn_epochs, lr=config.lr,
             cnn_lr=config.cnn_lr, batch_size=config.batch_size, width=config.width,
             synthetic_train=config.synthetic_train)
    if config.train_limit is not None:
        positive(train_limit=config.train_limit)
    if not 0 < config.warmup < 1 or not 0 <= config.label_smoothing < 1:
        raise DojoError("warmup must be in (0, 1) and label_smoothing in [0, 1)")
    if not 0 <= config.pad <= 16 or not 0 <= config.momentum < 1:
        raise DojoError("pad must be in 0..16 and momentum in [0, 1)")


# --- figures -------------------------------------------------------------------------------

def _rgb(images: Tensor, mean: Tensor, std: Tensor) -> Tensor:
    """Normalised float images (N, 3, H, W) back to displayable (N, H, W, 3) in [0, 1]."""
    x = images.detach().cpu().float() * std.view(1, -1, 1, 1) + mean.view(1, -1, 1, 1)
    return x.clamp(0, 1).permute(0, 2, 3, 1)


def augmentation_figure(images: Tensor, labels: Tensor, classes: tuple[str, ...],
                        stats: tuple[Tensor, Tensor], pad: int, draws: int = 3,
                        seed: int = 0) -> Figure:
    """Each training image (top row) and `draws` random crops and flips of it below, as one
    mosaic (one imshow: cheap to draw)."""
    mean, std = stats
    x = normalise(images.cpu(), mean, std)
    rows = [x]
    with torch.random.fork_rng(devices=[]):  # the figure leaves training's RNG alone
        torch.manual_seed(seed)
        rows += [random_flip(random_crop(x, pad)) for _ in range(draws)]
    n, side, gap = x.shape[0], x.shape[-1], 2
    step = side + gap
    canvas = torch.ones(len(rows) * step - gap, n * step - gap, 3)  # white gutters
    for r, batch in enumerate(rows):
        for c, image in enumerate(_rgb(batch, mean, std)):  # (H, W, 3) each
            canvas[r * step:r * step + side, c * step:c * step + side] = image
    fig = Figure(figsize=(1.0 * n + 0.8, 1.0 * len(rows) + 0.6))
    ax = fig.subplots()
    ax.imshow(canvas.numpy(), interpolation="nearest")
    ax.set_xticks([c * step + side / 2 for c in range(n)],
                  [classes[int(y)] for y in labels], fontsize=8)
    ax.set_yticks([r * step + side / 2 for r in range(len(rows))],
                  ["stored"] + [f"draw {r}" for r in range(1, len(rows))], fontsize=8)
    ax.tick_params(length=0)
    ax.xaxis.tick_top()
    ax.set_title(f"random crops of the {pad}-pixel reflect-padded image, random flips",
                 fontsize=9, pad=18)
    fig.tight_layout()
    return fig


def ladder_figure(histories: dict[str, list[dict]], seconds: dict[str, float]) -> Figure:
    """Validation accuracy per epoch of every variant, and what each reached at what cost."""
    fig = Figure(figsize=(10, 3.6))
    ax_curve, ax_bar = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1.2, 1]})
    titles = {v.name: v.title for v in VARIANTS}
    final = {}
    for name, history in histories.items():
        rows = [r for r in history if r["phase"] == "val"]
        ax_curve.plot([r["epoch"] for r in rows], [r["acc"] for r in rows], "-o",
                      markersize=3, label=titles[name])
        final[name] = rows[-1]["acc"]
    ax_curve.set(xlabel="epoch", ylabel="validation accuracy", title="the ladder, one change "
                 "at a time")
    ax_curve.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax_curve.grid(alpha=0.3)
    ax_curve.legend(fontsize=8)
    names = list(final)[::-1]
    bars = ax_bar.barh([titles[n] for n in names], [100 * final[n] for n in names],
                       color="tab:blue")
    ax_bar.bar_label(bars, labels=[f"{100 * final[n]:.1f} % in {seconds[n]:.0f} s"
                                   for n in names], padding=3, fontsize=8)
    ax_bar.set(xlabel="final validation accuracy (%)", xlim=(0, 125))
    fig.tight_layout()
    return fig


@torch.no_grad()
def predict(model: nn.Module, images: Tensor, stats: tuple[Tensor, Tensor],
            channels_last: bool, batch_size: int = 1000) -> Tensor:
    """Logits (N, 10) for stored images, normalised as in training, batch by batch."""
    outputs = []
    for start in range(0, images.shape[0], batch_size):
        x = normalise(images[start:start + batch_size], *stats)
        if channels_last:
            x = x.contiguous(memory_format=torch.channels_last)
        outputs.append(tasks.predict(model, x))
    return torch.cat(outputs)


# --- the run -------------------------------------------------------------------------------

def _announce(ctx: Context) -> Callable[[str], None]:
    """Say the data line on stderr, even when quiet (as the MNIST sample line is)."""
    def say(line: str) -> None:
        if ctx.is_main:
            print(line, file=sys.stderr, flush=True)

    return say


@dataclass(kw_only=True)
class Cifar10Result(Result):
    model: nn.Module  # the ResNet-9, tested (its history: `history`)
    histories: dict[str, list[dict[str, Any]]]  # every rung's, by variant name
    seconds: dict[str, float]  # every rung's training time, by variant name
    stats: tuple[Tensor, Tensor]  # the training split's per-channel mean and std
    splits: Splits  # the stored bytes, on the training device


def run(config: Config, ctx: Context) -> Cifar10Result:
    """Train the ladder on the training split, then test the ResNet-9 once."""
    check(config)
    splits = load_splits(config, _announce(ctx))
    stats = channel_stats(splits.train[0])  # training statistics only, used for every split
    splits = on_device(splits, ctx.device)
    ctx.say(f"{splits.label}; channel means {[round(v, 3) for v in stats[0].tolist()]}, "
            f"stds {[round(v, 3) for v in stats[1].tolist()]}")

    histories, seconds, metrics = {}, {}, {}
    rungs = VARIANTS if config.ladder else VARIANTS[-1:]
    model = None
    for variant in rungs:
        final = variant is VARIANTS[-1]  # owns the run folder: its metrics, checkpoint, resume
        ctx.say(f"--- {variant.name}: {variant.title}")
        model, history, took = train_variant(variant, splits, stats, config, ctx, log=final)
        histories[variant.name], seconds[variant.name] = history, took
        key = variant.name.replace("-", "_")
        metrics[f"val_acc_{key}"] = [r for r in history if r["phase"] == "val"][-1]["acc"]
        metrics[f"seconds_{key}"] = took

    # the test set, once, for the last model only: every choice above was made on validation
    test = ctx.evaluate(model, splits.test, classification_loss(
        *stats, augment=False, pad=0, flip=False, label_smoothing=0.0,
        channels_last=config.channels_last))
    metrics = {"test_acc": test["acc"], "test_loss": test["loss"], **metrics,
               "train_seconds": sum(seconds.values())}
    ctx.say(f"test accuracy {100 * test['acc']:.2f}% on {splits.label} "
            f"({metrics['train_seconds']:.0f} s of training)")
    result = Cifar10Result(metrics, dataset=splits.dataset, dataset_label=splits.label,
                           history=histories[VARIANTS[-1].name], notes=list(NOTES),
                           model=model, histories=histories, seconds=seconds, stats=stats,
                           splits=splits)
    if ctx.is_main:
        sample = slice(0, 8)
        result.figures["augmentation"] = ctx.savefig(augmentation_figure(
            splits.train[0][sample], splits.train[1][sample], splits.classes, stats,
            config.pad, seed=config.seed), "augmentation")
        result.figures["ladder"] = ctx.savefig(ladder_figure(histories, seconds), "ladder")
        result.figures["curves"] = ctx.savefig(plots.curves(result.history, ["loss", "acc"]),
                                               "curves")  # "val" is the validation split
        preds = predict(model, splits.test[0], stats, config.channels_last).argmax(-1)
        result.figures["confusion"] = ctx.savefig(
            plots.confusion(splits.test[1].cpu(), preds.cpu(), splits.classes), "confusion")
    return result


NOTES = (
    "Recipe: David Page, How to train your ResNet (Myrtle.ai, 2018), the DAWNBench ResNet-9: "
    "SGD with Nesterov momentum 0.9, batch 512, weight decay 5e-4, the rate linear from 0 "
    "to 0.4 over the first fifth of the steps and back to 0, random crops of the 4-pixel "
    "reflect-padded image and random flips, label smoothing 0.2 (his bag of tricks). Page's "
    "width is 64 (94 % in 24 epochs on a GPU: `--set width=64 epochs=24`); the default 16 "
    "does 1/16 of the arithmetic so that 10 epochs fit a 2-core CPU's 20 minutes.",
    "Every per-epoch 'val' number is on the validation split carved from the training "
    "images (val_fraction); the ladder's comparisons are made there. The test set is "
    "evaluated once, for the last model only. The training loss is label-smoothed; the "
    "validation and test losses are the plain cross-entropy.",
)
