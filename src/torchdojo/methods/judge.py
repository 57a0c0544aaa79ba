"""The judge of generated digits: a LeNet-5 trained on the real training split, cached.

GAN and diffusion are scored by the same classifier so their numbers compare: its 84
penultimate features for the classifier FID, its softmax for recognisability (see
`torchdojo.methods.fid`). It is trained once per data set, with a fixed seed and recipe,
and cached under `<TORCHDOJO_HOME>/cache/judges/`, keyed by a hash of the data and the
recipe; the cache is written atomically and a damaged file is simply retrained.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import torch
from matplotlib.figure import Figure
from torch import Tensor

from torchdojo import paths
from torchdojo.data.datasets import random_subset
from torchdojo.data.vision import ImageData
from torchdojo.figures import plots
from torchdojo.files import atomic_write_bytes
from torchdojo.methods.fid import (
    class_shares,
    feature_statistics,
    frechet_distance,
    recognisability,
)
from torchdojo.methods.lead import Judged
from torchdojo.models.lenet import LeNet5
from torchdojo.train import tasks
from torchdojo.train.context import Context, Result

# About 80,000 images seen (20 epochs of the 4,000-digit sample, 2 of full MNIST): a sure
# judge (a timid one calls even real digits unrecognised), at a bounded cost.
RECIPE = {"model": "LeNet5(relu, max)", "images_seen": 80_000, "max_epochs": 20,
          "batch_size": 128, "lr": 2e-3, "weight_decay": 1e-4, "seed": 0, "version": 1}


def judge_epochs(n_train: int) -> int:
    """Epochs of the recipe for a training split of n_train images (2 to 20)."""
    return min(RECIPE["max_epochs"], max(2, round(RECIPE["images_seen"] / n_train)))


@dataclass
class Judge:
    """A trained classifier and the normalisation it was trained with."""

    model: LeNet5
    mean: float  # of training pixels in [0, 1]
    std: float
    test_acc: float  # on the real test split
    cached: bool = False  # loaded from the cache rather than trained now

    def _inputs(self, images: Tensor) -> Tensor:
        """Images in [-1, 1] (the generators' range), (N, 1, 28, 28) -> the judge's inputs."""
        device = next(self.model.parameters()).device
        return (((images.float() + 1) / 2 - self.mean) / self.std).to(device)

    @torch.no_grad()
    def features(self, images: Tensor, batch_size: int = 1000) -> Tensor:
        """(N, 1, 28, 28) in [-1, 1] -> (N, 84) penultimate features (on the CPU)."""
        self.model.eval()
        x = self._inputs(images)
        return torch.cat([self.model.features(x[i:i + batch_size]).cpu()
                          for i in range(0, x.shape[0], batch_size)])

    @torch.no_grad()
    def probs(self, images: Tensor) -> Tensor:
        """(N, 1, 28, 28) in [-1, 1] -> (N, 10) class probabilities (on the CPU)."""
        return tasks.predict(self.model, self._inputs(images)).softmax(-1).cpu()


@dataclass(kw_only=True)
class JudgedResult(Result):
    """What a generator's lesson shows (gan, diffusion): its judged samples and the judge."""

    judge: Judge
    data: ImageData  # the real images: their classes, and the FID's reference
    samples: Tensor  # (n_samples, 1, 28, 28) in [-1, 1], on the CPU
    probs: Tensor  # (n_samples, classes): the judge's softmax of each sample


def to_unit_range(images: Tensor) -> Tensor:
    """uint8 (N, 28, 28) -> float (N, 1, 28, 28) in [-1, 1], the generators' range."""
    return (images.float() / 127.5 - 1).unsqueeze(1)


def training_set(data: ImageData, limit: int | None, seed: int, *,
                 labels: bool = False) -> tuple[Tensor, ...]:
    """The training split in [-1, 1], (N, 1, 28, 28), and with `labels` its classes (N,):
    a seeded subset of `limit` if given, the same one for images and labels."""
    images = to_unit_range(data.train_x)
    keep = random_subset(images.shape[0], limit, seed)
    out = (images, data.train_y) if labels else (images,)
    return out if keep is None else tuple(t[keep] for t in out)


def asked_classes(n: int, classes: int) -> Tensor:
    """(n,) the classes 0, 1, ..., classes - 1, 0, 1, ... a conditional generator is asked
    for: balanced, like the real digits."""
    return torch.arange(n) % classes


def agreement(probs: Tensor, classes: int) -> float:
    """The share of samples drawn for `asked_classes` that the judge names as asked."""
    return (probs.argmax(1) == asked_classes(probs.shape[0], classes)).float().mean().item()


def data_key(data: ImageData) -> str:
    """A short hash of the data set's tensors and the recipe: the cache key."""
    h = hashlib.sha256(repr(sorted(RECIPE.items())).encode())
    for tensor in (data.train_x, data.train_y, data.test_x, data.test_y):
        h.update(tensor.contiguous().numpy().tobytes())
    return h.hexdigest()[:16]


def load_judge(data: ImageData, device: torch.device,
               say: Callable[[str], None] = lambda _: None) -> Judge:
    """The cached judge for `data`, else train one (a few epochs of LeNet-5) and cache it."""
    path = paths.home() / "cache" / "judges" / f"{data.name}-lenet5-{data_key(data)}.pt"
    if path.exists():
        try:
            state = torch.load(path, map_location="cpu", weights_only=True)
            with torch.random.fork_rng(devices=[]):  # a cached judge, like a trained one,
                model = LeNet5()  # leaves the global RNG alone: same run, cached or not
            model.load_state_dict(state["model"])
            return Judge(model.to(device).eval(), state["mean"], state["std"],
                         state["test_acc"], cached=True)
        except Exception:  # a damaged cache file: train again and overwrite it
            say(f"judge cache {path} unreadable; training the judge again")
    judge = train_judge(data, device)
    buffer = io.BytesIO()
    torch.save({"model": judge.model.state_dict(), "mean": judge.mean, "std": judge.std,
                "test_acc": judge.test_acc, "recipe": RECIPE}, buffer)
    atomic_write_bytes(path, buffer.getvalue())
    say(f"trained the judge (LeNet-5, {judge_epochs(len(data.train_x))} epochs): test accuracy "
        f"{judge.test_acc:.2%}; cached in {path}")
    return judge


def train_judge(data: ImageData, device: torch.device) -> Judge:
    """LeNet-5 on the real training split with a fixed recipe; leaves the global RNG alone."""
    scaled = data.train_x.float() / 255
    mean, std = scaled.mean().item(), scaled.std().item()

    def prepare(images: Tensor) -> Tensor:
        return ((images.float() / 255 - mean) / std).unsqueeze(1).to(device)  # (N, 1, 28, 28)

    train = (prepare(data.train_x), data.train_y.to(device))
    test = (prepare(data.test_x), data.test_y.to(device))
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(RECIPE["seed"])
        model = LeNet5().to(device)
        optimizer = torch.optim.AdamW(model.parameters(), lr=RECIPE["lr"],
                                      weight_decay=RECIPE["weight_decay"])
        epochs = judge_epochs(train[0].shape[0])
        steps = epochs * -(-train[0].shape[0] // RECIPE["batch_size"])
        scheduler = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=RECIPE["lr"],
                                                        total_steps=steps, pct_start=0.25)
        # the judge is the measuring instrument: it trains the same way whatever switches the
        # run that asks for it has (a neutral context, one process, no compile or autocast)
        neutral = Context(device=device, quiet=True)
        neutral.fit(model, train, loss_fn=tasks.classification, optimizer=optimizer,
                    scheduler=scheduler, epochs=epochs, batch_size=RECIPE["batch_size"],
                    seed=RECIPE["seed"], log=False)
    test_acc = neutral.evaluate(model, test, tasks.classification)["acc"]
    return Judge(model.eval(), mean, std, test_acc)


def score(judge: Judge, samples: Tensor, data: ImageData) -> tuple[dict[str, float], Tensor]:
    """Classifier FID of `samples` (in [-1, 1]) against the real training split, their
    recognisability, and the same for the real test split as the floor; plus their probs."""
    real_train = judge.features(to_unit_range(data.train_x))  # (N_train, 84)
    real_test = to_unit_range(data.test_x)
    probs = judge.probs(samples)  # (N, 10)
    metrics = {
        "recognised": recognisability(probs),
        "fid": frechet_distance(judge.features(samples), real_train),
        "real_recognised": recognisability(judge.probs(real_test)),
        "fid_real": frechet_distance(judge.features(real_test), real_train),
        "judge_test_acc": judge.test_acc,
    }
    return metrics, probs


def summary(metrics: dict[str, float]) -> str:
    """One line: the samples' classifier FID and recognisability, beside real data's."""
    return (f"classifier FID {metrics['fid']:.2f} (real test vs train: {metrics['fid_real']:.2f});"
            f" recognised {metrics['recognised']:.1%} (real test digits: "
            f"{metrics['real_recognised']:.1%})")


def judged_figures(samples: Tensor, probs: Tensor, classes: Sequence[str],
                   n: int = 64) -> dict[str, Figure]:
    """The first `n` samples (in [-1, 1]) with the judge's label and confidence, and the share
    of all samples given to each class."""
    conf, labels = probs[:n].max(1)
    titles = [f"{classes[k][:8]} {c:.0%}" for k, c in zip(labels.tolist(), conf.tolist())]
    return {
        "samples": plots.image_grid((samples[:n] + 1) / 2, titles,
                                    title="samples, with the judge's label and confidence"),
        "classes": plots.class_shares(class_shares(probs), classes),
    }


JUDGED_FILE = "judged.pt"  # in a generator's run folder: what the cross-lesson check reads


def save_judged(judge: Judge, samples: Tensor, data: ImageData, path: Path) -> None:
    """Save what the judge saw of `samples` (probabilities, features, and the real training
    images' feature Gaussian), so `dojo verify` can bootstrap one generator against another
    (methods/lead.py) without sampling again."""
    mu, sigma = feature_statistics(judge.features(to_unit_range(data.train_x)))
    Judged(judge.probs(samples), judge.features(samples), mu, sigma).save(path)
