"""gan (004, GAN): a DCGAN on MNIST-like digits, scored by our LeNet-5 judge.

Class-conditional by default (`conditional`): G draws the class it is given, D judges
image and class together; the judged samples ask for each class in turn.

Each training step updates the discriminator, then the generator (the losses of
exercise 28), so it goes through `fit` as a `step_fn`; both optimisers are checkpointed.
A fixed z is drawn every epoch to show how the samples evolve (a grid per epoch, a strip,
a GIF). At the end, `n_samples` fresh samples get a classifier FID and recognisability.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import torch
from torch import Tensor

from torchdojo.data.vision import ImageData, load_images
from torchdojo.figures import plots
from torchdojo.files import atomic_write_bytes
from torchdojo.methods.gan import make_step
from torchdojo.methods.judge import (
    JUDGED_FILE,
    Judge,
    JudgedResult,
    agreement,
    asked_classes,
    judged_figures,
    load_judge,
    save_judged,
    score,
    summary,
    training_set,
)
from torchdojo.models.gan import GAN, init_weights
from torchdojo.models.mlp import count_parameters
from torchdojo.train.context import SWITCH_NAMES, Context
from torchdojo.train.loop import EpochEnd
from torchdojo.train.optim import fast


@dataclass
class Config:
    dataset: Literal["mnist", "fashion-mnist"] = "mnist"
    latent: int = 64  # dimension of z
    width: int = 64  # channels of the first conv (the second has twice as many)
    epochs: int = 40
    batch_size: int = 64
    lr: float = 2e-4  # DCGAN's Adam settings
    beta1: float = 0.5
    conditional: bool = True  # a cGAN: ask for a class (see models/gan.py)
    n_samples: int = 1000  # samples scored by the judge
    train_limit: int | None = None
    seed: int = 0


SWITCHES = SWITCH_NAMES  # it trains through ctx.fit: --amp, --compile, --nproc reach it

QUICK = {"epochs": 3, "width": 16, "n_samples": 100, "train_limit": 256}

# smoke runs (tests of the lesson script; two steps per fit): little to sample and judge
SMOKE = {"n_samples": 20}


@torch.no_grad()
def generate(model: GAN, n: int, generator: torch.Generator, device: torch.device,
             batch_size: int = 500) -> Tensor:
    """n samples (n, 1, 28, 28) in [-1, 1], in eval mode (batch norm's running statistics);
    a cGAN is asked for the classes 0, 1, ..., 9, 0, ... in turn (`asked_classes`)."""
    was_training = model.training
    model.eval()
    z = torch.randn(n, model.generator.latent, generator=generator).to(device)
    y = asked_classes(n, model.classes).to(device) if model.classes else None
    out = torch.cat([model.generator(z[i:i + batch_size],
                                     None if y is None else y[i:i + batch_size]).cpu()
                     for i in range(0, n, batch_size)])
    model.train(was_training)
    return out


@dataclass(kw_only=True)
class GanResult(JudgedResult):
    model: GAN
    snapshots: dict[int, Tensor]  # epoch -> the same 64 z drawn after it, (64, 1, 28, 28)


def prepare_data(config: Config, ctx: Context) -> tuple[ImageData, tuple[Tensor, ...], Judge]:
    """The images, the training set on the device (images in [-1, 1], and their labels for a
    cGAN) and the judge that will score the samples."""
    data = load_images(config.dataset)
    classes = len(data.classes) if config.conditional else 0
    train = training_set(data, config.train_limit, config.seed, labels=bool(classes))
    judge = load_judge(data, ctx.device, ctx.say)
    return data, tuple(v.to(ctx.device) for v in train), judge


def build_model(config: Config, data: ImageData, device: torch.device) -> GAN:
    """The DCGAN (conditional on the data's classes if asked), with DCGAN's initialisation."""
    model = GAN(config.latent, config.width, len(data.classes) if config.conditional else 0)
    model = model.to(device)
    model.apply(init_weights)
    return model


def train(model: GAN, train_set: tuple[Tensor, ...], config: Config, ctx: Context
          ) -> tuple[list[dict[str, Any]], dict[int, Tensor]]:
    """D then G on every batch (Adam for each), the same z drawn after every epoch; returns
    the history and those snapshots."""
    opt_g = torch.optim.Adam(model.generator.parameters(), lr=config.lr,
                             betas=(config.beta1, 0.999), **fast(ctx.device))
    opt_d = torch.optim.Adam(model.discriminator.parameters(), lr=config.lr,
                             betas=(config.beta1, 0.999), **fast(ctx.device))
    snapshots: dict[int, Tensor] = {}

    def snapshot(end: EpochEnd) -> None:
        fixed_z = torch.Generator().manual_seed(config.seed + 1)  # the same 64 z every epoch
        images = generate(model, 64, fixed_z, ctx.device)
        snapshots[end.epoch] = images
        if ctx.is_main:
            atomic_write_bytes(ctx.run.dir() / "samples" / f"epoch-{end.epoch:03d}.png",
                               plots.png_bytes(plots.tile(images)))

    history = ctx.fit(model, train_set, step_fn=make_step(model, opt_g, opt_d),
                      optimizer={"generator": opt_g, "discriminator": opt_d},
                      epochs=config.epochs, batch_size=config.batch_size, seed=config.seed,
                      callbacks=[snapshot], compile=(model.generator, model.discriminator))
    return history, snapshots


def evaluate(model: GAN, judge: Judge, data: ImageData, config: Config, ctx: Context
             ) -> tuple[dict[str, float], Tensor, Tensor]:
    """Judge `n_samples` fresh samples: FID, recognisability (and agreement for a cGAN);
    returns the metrics, the samples and the judge's probabilities."""
    samples = generate(model, config.n_samples, torch.Generator().manual_seed(config.seed + 2),
                       ctx.device)
    metrics, probs = score(judge, samples, data)
    if model.classes:
        metrics["agreement"] = agreement(probs, model.classes)
    return metrics, samples, probs


def save_figures(result: GanResult, ctx: Context) -> None:
    """Curves, the same z over training (a strip and evolution.gif), the judged samples."""
    snapshots, history = result.snapshots, result.history
    epochs = sorted(snapshots)
    shown = epochs if len(epochs) <= 10 else [epochs[round(i * (len(epochs) - 1) / 9)]
                                               for i in range(10)]
    strip = torch.stack([snapshots[e][:8] for e in shown], 1)  # (8, epochs, 1, 28, 28)
    figures = {
        "curves": plots.curves(history, ["d_loss", "g_loss", "d_real", "d_fake"]),
        "evolution": plots.image_rows((strip + 1) / 2, col_labels=[f"epoch {e}" for e in shown],
                                      title="the same z over training"),
        **judged_figures(result.samples, result.probs, result.data.classes),
    }
    result.figures = {name: ctx.savefig(fig, name) for name, fig in figures.items()}
    # what the judge saw, for the cross-lesson bootstrap in `dojo verify`
    save_judged(result.judge, result.samples, result.data, ctx.run.dir() / JUDGED_FILE)
    if snapshots:
        atomic_write_bytes(ctx.run.dir() / "evolution.gif",
                           plots.gif_bytes([plots.tile(snapshots[e]) for e in epochs]))


def run(config: Config, ctx: Context) -> GanResult:
    """Train the DCGAN, snapshot a fixed z every epoch, then judge fresh samples."""
    data, train_set, judge = prepare_data(config, ctx)
    model = build_model(config, data, ctx.device)
    ctx.say(f"DCGAN: generator {count_parameters(model.generator):,} and discriminator "
            f"{count_parameters(model.discriminator):,} parameters; {train_set[0].shape[0]:,} "
            f"images of {data.label}; judge test accuracy {judge.test_acc:.2%}")
    history, snapshots = train(model, train_set, config, ctx)
    metrics, samples, probs = evaluate(model, judge, data, config, ctx)
    last = [r for r in history if r["phase"] == "train"][-1]
    metrics.update({k: last[k] for k in ("d_loss", "g_loss", "d_real", "d_fake")})
    ctx.say(summary(metrics))
    result = GanResult(metrics, dataset=data.name, dataset_label=data.label, history=history,
                       model=model, judge=judge, samples=samples, probs=probs,
                       snapshots=snapshots, data=data)
    if ctx.is_main:
        save_figures(result, ctx)
    return result
