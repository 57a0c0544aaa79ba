"""The one training loop: `fit` and `evaluate`, used by every experiment.

Data is a tuple of tensors that share their first dimension and already live on
the training device; batches are taken by shuffled index, which for datasets that
fit in memory is many times faster than a per-sample DataLoader.

An experiment supplies `loss_fn(model, batch) -> (loss, metrics)`; the loop does
the rest: shuffling, optimiser and schedule steps, progress, metrics.jsonl, an
atomic checkpoint every epoch, and exact resume. GAN-like experiments pass
`step_fn(model, batch) -> metrics` instead and do their own optimiser steps.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import torch
from torch import Tensor, nn
from tqdm.auto import tqdm

from torchdojo.train.device import autocast
from torchdojo.train.runs import Run

Batch = tuple[Tensor, ...]
LossFn = Callable[[nn.Module, Batch], tuple[Tensor, dict[str, Tensor]]]
StepFn = Callable[[nn.Module, Batch], dict[str, float]]


class Interrupted(Exception):
    """Ctrl-C during fit: the last finished epoch is saved and can be resumed."""

    def __init__(self, run: Run | None, epoch: int):
        self.run, self.epoch = run, epoch
        super().__init__(f"interrupted after epoch {epoch}")


@dataclass
class EpochEnd:
    """What callbacks see at the end of each epoch."""

    epoch: int
    epochs: int
    model: nn.Module
    train: dict[str, float]
    val: dict[str, float] | None


def batches(data: Batch, batch_size: int, *, shuffle: bool = False, seed: int = 0,
            rank: int = 0, world_size: int = 1) -> Iterator[Batch]:
    """Yield slices of `data` by (shuffled) index; with world_size > 1, this rank's share.

    Every rank draws the same permutation, then takes every world_size-th sample of
    each global batch, so N ranks with batch B/N see exactly the samples one process
    with batch B would.
    """
    n = data[0].shape[0]
    device = data[0].device
    if shuffle:
        g = torch.Generator().manual_seed(seed)
        order = torch.randperm(n, generator=g).to(device)
    else:
        order = torch.arange(n, device=device)
    global_batch = batch_size * world_size
    for start in range(0, n, global_batch):
        idx = order[start:start + global_batch][rank::world_size]
        if idx.numel():
            yield tuple(t[idx] for t in data)


class _Mean:
    """Running means of batch metrics, weighted by batch size."""

    def __init__(self) -> None:
        self.sums: dict[str, float] = {}
        self.count = 0

    def add(self, metrics: dict[str, Any], n: int) -> None:
        for key, value in metrics.items():
            value = float(value.detach()) if isinstance(value, Tensor) else float(value)
            self.sums[key] = self.sums.get(key, 0.0) + value * n
        self.count += n

    def means(self) -> dict[str, float]:
        return {k: v / max(self.count, 1) for k, v in self.sums.items()}

    def global_means(self) -> dict[str, float]:
        """Means over every process of a DDP run (each saw its own shard)."""
        from torchdojo.train.distributed import all_reduce_sums

        keys = sorted(self.sums)
        totals = all_reduce_sums([self.sums[k] for k in keys] + [float(self.count)])
        return {k: s / max(totals[-1], 1) for k, s in zip(keys, totals)}


@torch.no_grad()
def evaluate(model: nn.Module, data: Batch, loss_fn: LossFn, *, batch_size: int = 1000,
             amp: bool = False) -> dict[str, float]:
    """Mean loss and metrics of `model` on `data`, without gradients, in eval mode."""
    was_training = model.training
    model.eval()
    mean = _Mean()
    device = data[0].device
    for batch in batches(data, batch_size):
        with autocast(device, amp):
            loss, metrics = loss_fn(model, batch)
        mean.add({"loss": loss, **metrics}, batch[0].shape[0])
    model.train(was_training)
    return mean.means()


def _state_dicts(objs: Any) -> Any:
    if objs is None:
        return None
    if isinstance(objs, dict):
        return {k: v.state_dict() for k, v in objs.items()}
    return objs.state_dict()


def _load_state_dicts(objs: Any, state: Any) -> None:
    if objs is None or state is None:
        return
    if isinstance(objs, dict):
        for k, v in objs.items():
            v.load_state_dict(state[k])
    else:
        objs.load_state_dict(state)


def _fmt(metrics: dict[str, float], prefix: str = "") -> str:
    parts = []
    for key, value in metrics.items():
        if key == "time_s":
            continue
        shown = f"{100 * value:.2f}%" if key.endswith("acc") else f"{value:.4g}"
        parts.append(f"{prefix}{key} {shown}")
    return "  ".join(parts)


def fit(model: nn.Module, train: Batch, *, epochs: int, batch_size: int,
        loss_fn: LossFn | None = None, optimizer: Any = None, scheduler: Any = None,
        step_fn: StepFn | None = None, val: Batch | None = None, seed: int = 0,
        run: Run | None = None, quiet: bool = False, grad_clip: float | None = None,
        amp: bool = False, callbacks: Sequence[Callable[[EpochEnd], None]] = (),
        extra_state: dict[str, Any] | None = None, rank: int = 0,
        world_size: int = 1, train_model: nn.Module | None = None) -> list[dict[str, Any]]:
    """Train for `epochs`, evaluating on `val` after each; returns the metric records.

    `optimizer` and `scheduler` may be one object or a dict of them (GAN); the
    scheduler is stepped after every optimiser step (build it in steps, not epochs).
    `extra_state` holds further objects with state_dict() to checkpoint (e.g. an EMA).
    `train_model` is what the forward pass calls when it differs from `model` (a DDP
    wrapper); `model` is what is checkpointed and evaluated.
    """
    if (loss_fn is None) == (step_fn is None):
        raise ValueError("fit needs exactly one of loss_fn or step_fn")
    net = train_model if train_model is not None else model
    device = train[0].device
    writer = rank == 0
    history: list[dict[str, Any]] = []
    start_epoch = 0

    if run is not None and run.resume:
        state = run.load_checkpoint()
        model.load_state_dict(state["model"])
        _load_state_dicts(optimizer, state["optimizers"])
        _load_state_dicts(scheduler, state["scheduler"])
        _load_state_dicts(extra_state, state.get("extra"))
        torch.set_rng_state(state["rng"])
        history = list(state["history"])
        start_epoch = int(state["epoch"])
        if writer:
            run.rewrite_log(history)

    def checkpoint(epoch: int) -> None:
        if run is not None and writer:
            run.save_checkpoint({
                "epoch": epoch, "model": model.state_dict(),
                "optimizers": _state_dicts(optimizer), "scheduler": _state_dicts(scheduler),
                "extra": _state_dicts(extra_state), "rng": torch.get_rng_state(),
                "history": history,
            })

    if start_epoch == 0:
        checkpoint(0)  # so even a Ctrl-C in the first epoch leaves something to resume

    show_bar = not quiet and writer and sys.stderr.isatty()
    epoch = start_epoch
    try:
        for epoch in range(start_epoch, epochs):
            model.train()
            mean = _Mean()
            t0 = time.perf_counter()
            n = train[0].shape[0]
            steps = -(-n // (batch_size * world_size))
            bar = tqdm(batches(train, batch_size, shuffle=True, seed=seed * 100_003 + epoch,
                               rank=rank, world_size=world_size),
                       total=steps, desc=f"epoch {epoch + 1}/{epochs}", leave=False,
                       disable=not show_bar, file=sys.stderr)
            for batch in bar:
                if step_fn is not None:
                    metrics = step_fn(net, batch)
                else:
                    with autocast(device, amp):
                        loss, metrics = loss_fn(net, batch)
                    optimizer.zero_grad(set_to_none=True)
                    loss.backward()
                    if grad_clip:
                        nn.utils.clip_grad_norm_(model.parameters(), grad_clip)
                    optimizer.step()
                    if scheduler is not None:
                        scheduler.step()
                    metrics = {"loss": loss, **metrics}
                mean.add(metrics, batch[0].shape[0])
                if show_bar and bar.n % 20 == 0:
                    bar.set_postfix_str(_fmt(mean.means()))
            train_metrics = mean.global_means() if world_size > 1 else mean.means()
            record = {"phase": "train", "epoch": epoch + 1, **train_metrics,
                      "time_s": round(time.perf_counter() - t0, 3)}
            history.append(record)
            val_metrics = None
            if val is not None and loss_fn is not None:
                val_metrics = evaluate(model, val, loss_fn, amp=amp)
                history.append({"phase": "val", "epoch": epoch + 1, **val_metrics})
            if writer:
                if run is not None:
                    run.log(record)
                    if val_metrics is not None:
                        run.log(history[-1])
                if not quiet:
                    line = f"epoch {epoch + 1}/{epochs}  {_fmt(train_metrics)}"
                    if val_metrics:
                        line += "  " + _fmt(val_metrics, "val_")
                    print(f"{line}  ({record['time_s']:.1f} s)", flush=True)
            for callback in callbacks:
                callback(EpochEnd(epoch + 1, epochs, model, train_metrics, val_metrics))
            checkpoint(epoch + 1)
    except KeyboardInterrupt:
        raise Interrupted(run, epoch) from None
    return history
