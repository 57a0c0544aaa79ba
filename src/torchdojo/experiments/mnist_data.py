"""mnist-data (810): find MNIST or Fashion-MNIST offline first, check it, and look at it.

Nothing trains here. The run loads the data from the first place that has it (see
`torchdojo.data.vision`), which compares each file's MD5 with the published one as it
reads it, then checks what a training run relies on (every class in both splits, a `DataLoader`
batch equal to the same images normalised by hand), and plots digits, class counts and
each class's mean image.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Literal

import torch
from matplotlib.figure import Figure
from torch import Tensor
from torch.utils.data import DataLoader

from torchdojo.data.datasets import ImageDataset, class_counts, normalisation
from torchdojo.data.vision import ImageData, load_images
from torchdojo.figures import plots
from torchdojo.train.context import Context, Result


@dataclass
class Config:
    dataset: Literal["mnist", "fashion-mnist"] = "mnist"
    batch_size: int = 64  # for the DataLoader the lesson shows
    show: int = 32  # images in the grid
    seed: int = 0


QUICK: dict = {}  # loading and checking is already quick


def counts_figure(data: ImageData) -> Figure:
    """Bar chart of examples per class in the training and test splits."""
    fig = Figure(figsize=(7, 3.2))
    ax = fig.subplots()
    k = len(data.classes)
    for offset, (name, labels) in zip((-0.2, 0.2), (("train", data.train_y),
                                                    ("test", data.test_y))):
        ax.bar(torch.arange(k) + offset, class_counts(labels, k).numpy(), width=0.4, label=name)
    ax.set_xticks(range(k), [c[:10] for c in data.classes], rotation=45, ha="right")
    ax.set_ylabel("examples")
    ax.set_title("examples per class")
    ax.legend()
    fig.tight_layout()
    return fig


def class_means(data: ImageData) -> torch.Tensor:
    """(K, 28, 28): the average training image of each class, in [0, 1]."""
    x = data.train_x.float().div(255)
    return torch.stack([x[data.train_y == c].mean(0) for c in range(len(data.classes))])


@dataclass(kw_only=True)
class MnistDataResult(Result):
    data: ImageData
    image_dataset: ImageDataset  # `dataset` is the data set's name
    loader: DataLoader
    batch: tuple[Tensor, Tensor]  # the first batch: (B, 1, 28, 28), (B,)


def run(config: Config, ctx: Context) -> MnistDataResult:
    """Load (which checks every MD5), check structure, round-trip a DataLoader batch, plot."""
    t0 = time.perf_counter()
    data = load_images(config.dataset)
    load_s = time.perf_counter() - t0
    published = data.checksums_published  # True: the published files; None: nothing to compare
    k = len(data.classes)
    checks = {
        "every class in train": bool((class_counts(data.train_y, k) > 0).all()),
        "every class in test": bool((class_counts(data.test_y, k) > 0).all()),
        "images are uint8 (N, 28, 28)": (data.train_x.dtype == torch.uint8
                                         and tuple(data.train_x.shape[1:]) == (28, 28)),
    }
    mean, std = normalisation(data.train_x)
    dataset = ImageDataset(data.train_x, data.train_y, mean, std)
    # shuffling is a random order of indices; passing it as the sampler lets us check the
    # batch against the same images normalised by hand
    order = torch.randperm(len(dataset), generator=torch.Generator().manual_seed(config.seed))
    loader = DataLoader(dataset, batch_size=config.batch_size, sampler=order.tolist())
    x, y = next(iter(loader))  # (B, 1, 28, 28), (B,)
    idx = order[:config.batch_size]
    by_hand = ((data.train_x[idx].float() / 255 - mean) / std).unsqueeze(1)
    checks["DataLoader batch equals the normalised tensors"] = (
        torch.equal(x, by_hand) and torch.equal(y, data.train_y[idx]))
    checks["shape of a batch is (B, 1, 28, 28)"] = tuple(x.shape) == (config.batch_size, 1,
                                                                        28, 28)
    for name, ok in checks.items():
        ctx.say(f"  {'ok ' if ok else 'BAD'}  {name}")
    ctx.say(f"  {'ok ' if published else '-- '}  checksums: " + (
        "the published MD5s" if published else "nothing to compare with (not the published "
                                               "files)"))
    metrics = {
        "verified": float(all(checks.values())),
        "checksums_published": float(published is True),
        "train_size": float(data.train_x.shape[0]),
        "test_size": float(data.test_x.shape[0]),
        "pixel_mean": mean, "pixel_std": std, "load_s": load_s,
    }
    result = MnistDataResult(metrics, dataset=data.name, dataset_label=data.label,
                             notes=[f"source: {data.source}"] + [
                                 f"{'ok' if ok else 'FAILED'}: {n}" for n, ok in checks.items()],
                             data=data, image_dataset=dataset, loader=loader, batch=(x, y))
    shown = data.train_x[:config.show]
    names = [data.classes[i][:11] for i in data.train_y[:config.show].tolist()]
    result.figures["digits"] = ctx.savefig(
        plots.image_grid(shown, names, title=f"the first {config.show} training images"),
        "digits")
    result.figures["counts"] = ctx.savefig(counts_figure(data), "counts")
    result.figures["class_means"] = ctx.savefig(
        plots.image_grid(class_means(data), [c[:11] for c in data.classes], cols=5,
                         title="the mean image of each class"), "class_means")
    ctx.say(f"{data.label} from {data.source}, loaded in {load_s:.1f} s")
    return result
