"""Wall time to a fixed Fashion-MNIST test accuracy: torchdojo's config vs the standard loop.

The reference is written the way pytorch/examples' mnist/main.py trains: a per-sample
Dataset + DataLoader, batch 64, Adadelta(lr=1.0) with StepLR(gamma=0.7), evaluation
after every epoch. Both sides train the same model class; both stop at the first
epoch whose test accuracy reaches the threshold. Printed, never asserted.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import partial

import torch
from torch.utils.data import DataLoader

from torchdojo import registry
from torchdojo.data.datasets import ImageDataset
from torchdojo.experiments import runner
from torchdojo.experiments.base import Context
from torchdojo.experiments.image_classifier import load_tensors, train_classifier
from torchdojo.train import tasks
from torchdojo.train.loop import evaluate
from torchdojo.train.runs import Run


class Reached(Exception):
    """Raised from a callback to stop training once the threshold is met."""


def reference(make_model: Callable[[], torch.nn.Module], dataset: str, threshold: float,
              max_epochs: int) -> tuple[float, int, float]:
    """pytorch/examples style; returns (seconds to threshold or inf, epochs, last accuracy)."""
    tensors = load_tensors(dataset, torch.device("cpu"))
    data = tensors.data
    torch.manual_seed(0)
    model = make_model()
    train = DataLoader(ImageDataset(data.train_x, data.train_y, tensors.mean, tensors.std),
                       batch_size=64, shuffle=True)
    optimizer = torch.optim.Adadelta(model.parameters(), lr=1.0)
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=1, gamma=0.7)
    t0 = time.perf_counter()
    acc = 0.0
    for epoch in range(1, max_epochs + 1):
        model.train()
        for x, y in train:
            loss, _ = tasks.classification(model, (x, y))
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        scheduler.step()
        acc = evaluate(model, tensors.test, tasks.classification)["acc"]
        print(f"    reference epoch {epoch}: test acc {100 * acc:.2f}% "
              f"({time.perf_counter() - t0:.0f} s)", flush=True)
        if acc >= threshold:
            return time.perf_counter() - t0, epoch, acc
    return float("inf"), max_epochs, acc


def ours(lesson: str, dataset: str, threshold: float, tmp: str) -> tuple[float, int, float]:
    """torchdojo's own experiment config, stopped at the first epoch over the threshold."""
    module = runner.experiment_module(registry.find(lesson))
    config = runner.make_config(module, overrides={"dataset": dataset})
    tensors = load_tensors(dataset, torch.device("cpu"))
    torch.manual_seed(config.seed)
    model = module.build_model(config)
    state = {"t0": time.perf_counter(), "acc": 0.0, "epoch": 0}

    def stop(end):
        state["acc"], state["epoch"] = end.val["acc"], end.epoch
        if end.val["acc"] >= threshold:
            raise Reached

    ctx = Context(run=Run(tmp), quiet=True)
    try:
        train_classifier(model, tensors, config, ctx, callbacks=(stop,),
                         shift=getattr(config, "shift", 0))  # the lesson's augmentation
    except Reached:
        return time.perf_counter() - state["t0"], state["epoch"], state["acc"]
    return float("inf"), state["epoch"], state["acc"]


def main(cases: tuple[tuple[str, float, int], ...] = (("mnist-mlp", 0.88, 15),
                                                      ("lenet5", 0.90, 15)),
         dataset: str = "fashion-mnist") -> list[dict[str, float]]:
    import tempfile

    rows = []
    for lesson, threshold, max_epochs in cases:
        module = runner.experiment_module(registry.find(lesson))
        config = runner.make_config(module, overrides={"dataset": dataset})
        print(f"{lesson}: time to {100 * threshold:.0f}% test accuracy on {dataset}", flush=True)
        with tempfile.TemporaryDirectory() as tmp:
            t_ours, e_ours, a_ours = ours(lesson, dataset, threshold, tmp + "/run")
        print(f"    torchdojo: {t_ours:.1f} s, epoch {e_ours}, acc {100 * a_ours:.2f}%",
              flush=True)
        t_ref, e_ref, a_ref = reference(partial(module.build_model, config), dataset,
                                        threshold, max_epochs)
        ratio = t_ref / t_ours
        print(f"  {lesson}: torchdojo {t_ours:.1f} s (epoch {e_ours}) vs reference "
              f"{t_ref:.1f} s (epoch {e_ref}): {ratio:.1f}x sooner", flush=True)
        rows.append({"lesson": lesson, "threshold": threshold, "ours_s": t_ours,
                     "reference_s": t_ref, "ratio": ratio})
    return rows


if __name__ == "__main__":
    main()
