"""The one training loop: `fit` and `evaluate`, reached through `Context.fit` / `Context.evaluate`.

Data is a tuple of tensors that share their first dimension and already live on
the training device; batches are taken by shuffled index, which for datasets that
fit in memory is many times faster than a per-sample DataLoader.

An experiment supplies `loss_fn(model, batch) -> (loss, metrics)`; the loop does
the rest: shuffling, optimiser and schedule steps, progress, metrics.jsonl, an
atomic checkpoint every epoch, and exact resume. GAN-like experiments pass
`step_fn(model, batch) -> metrics` instead and do their own optimiser steps.

Nothing in a step waits on the host: batch metrics are summed on the device and read
once per epoch (one `.tolist()`), so a GPU can run ahead of Python.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import torch
from torch import Tensor, nn
from tqdm.auto import tqdm

if TYPE_CHECKING:
    from torchdojo.train.context import Context
    from torchdojo.train.runs import Run

Batch = tuple[Tensor, ...]
LossFn = Callable[[nn.Module, Batch], tuple[Tensor, dict[str, Tensor]]]
StepFn = Callable[[nn.Module, Batch], dict[str, Any]]


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
    """Running means of batch metrics, weighted by batch size, summed where they live.

    Tensor metrics stay on their device (no host read per step); `means()` reads them all
    in one transfer. Python numbers (e.g. from an environment rollout) are summed as is.
    """

    def __init__(self) -> None:
        self.sums: dict[str, Any] = {}
        self.count = 0

    def add(self, metrics: dict[str, Any], n: int) -> None:
        for key, value in metrics.items():
            if isinstance(value, Tensor):  # float64 sums, as Python's were (MPS has no float64)
                value = value.detach().to(torch.float32 if value.device.type == "mps"
                                          else torch.float64) * n
            else:
                value = value * n
            self.sums[key] = self.sums[key] + value if key in self.sums else value
        self.count += n

    def _totals(self) -> tuple[list[str], list[float]]:
        keys = sorted(self.sums)
        values = [self.sums[k] for k in keys]
        tensors = [v for v in values if isinstance(v, Tensor)]
        stacked = torch.stack([t.to(tensors[0].device) for t in tensors]) if tensors else None
        read = iter(stacked.tolist() if stacked is not None else [])  # the one host read
        return keys, [next(read) if isinstance(v, Tensor) else float(v) for v in values]

    def means(self) -> dict[str, float]:
        keys, totals = self._totals()
        order = {k: t / max(self.count, 1) for k, t in zip(keys, totals)}
        return {k: order[k] for k in self.sums}  # the loss_fn's order, for printing

    def global_means(self) -> dict[str, float]:
        """Means over every process of a DDP run (each saw its own shard)."""
        from torchdojo.train.distributed import all_reduce_sums

        keys, totals = self._totals()
        totals = all_reduce_sums(totals + [float(self.count)])
        order = {k: s / max(totals[-1], 1) for k, s in zip(keys, totals)}
        return {k: order[k] for k in self.sums}


@torch.no_grad()
def evaluate(model: nn.Module, data: Batch, loss_fn: LossFn, *, batch_size: int = 1000,
             autocast: Callable[[], Any] | None = None) -> dict[str, float]:
    """Mean loss and metrics of `model` on `data`, without gradients, in eval mode."""
    import contextlib

    was_training = model.training
    model.eval()
    mean = _Mean()
    for batch in batches(data, batch_size):
        with autocast() if autocast else contextlib.nullcontext():
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


def _optimizers(optimizer: Any) -> list[torch.optim.Optimizer]:
    if optimizer is None:
        return []
    return list(optimizer.values()) if isinstance(optimizer, dict) else [optimizer]


def _average_gradients_before_steps(optimizers: list[torch.optim.Optimizer]) -> list[Any]:
    """Data parallelism for step_fn experiments (a GAN calls D twice per backward, which DDP
    cannot follow): before each optimiser step, all-reduce the gradients it is about to use
    and divide by the world size, so every rank takes the same step from the same weights."""
    import torch.distributed as dist

    def average(optimizer: torch.optim.Optimizer, *_: Any) -> None:
        grads = [p.grad for group in optimizer.param_groups for p in group["params"]
                 if p.grad is not None]
        if grads:
            flat = torch.cat([g.reshape(-1) for g in grads])
            dist.all_reduce(flat)
            flat /= dist.get_world_size()
            offset = 0
            for g in grads:
                g.copy_(flat[offset:offset + g.numel()].view_as(g))
                offset += g.numel()

    return [opt.register_step_pre_hook(average) for opt in optimizers]


def _same_weights_on_every_rank(model: nn.Module) -> bool:
    """One all-reduce at the end of a DDP fit: did every rank end with rank 0's weights?"""
    import torch.distributed as dist

    with torch.no_grad():
        sums = torch.stack([torch.stack([p.double().sum(), p.double().abs().sum()])
                            for p in model.parameters()]).sum(0)
        low, high = sums.clone(), sums.clone()
        dist.all_reduce(low, op=dist.ReduceOp.MIN)
        dist.all_reduce(high, op=dist.ReduceOp.MAX)
        return bool(torch.equal(low, high))


def _fmt(metrics: dict[str, float], prefix: str = "") -> str:
    parts = []
    for key, value in metrics.items():
        if key == "time_s":
            continue
        shown = f"{100 * value:.2f}%" if key.endswith("acc") else f"{value:.4g}"
        parts.append(f"{prefix}{key} {shown}")
    return "  ".join(parts)


def fit(model: nn.Module, train: Batch, *, ctx: Context, epochs: int, batch_size: int,
        loss_fn: LossFn | None = None, step_fn: StepFn | None = None, optimizer: Any = None,
        scheduler: Any = None, val: Batch | None = None, seed: int = 0,
        grad_clip: float | None = None, callbacks: Sequence[Callable[[EpochEnd], None]] = (),
        extra_state: dict[str, Any] | None = None, log: bool = True, quiet: bool = False,
        compile: Sequence[nn.Module] | None = None) -> list[dict[str, Any]]:
    """Train for `epochs`, evaluating on `val` after each; returns the metric records.

    `batch_size` is the global batch (each of N processes takes batch_size / N).
    `optimizer` and `scheduler` may be one object or a dict of them (GAN); the
    scheduler is stepped after every optimiser step (build it in steps, not epochs).
    `extra_state` holds further objects with state_dict() to checkpoint (e.g. an EMA).
    `log=True`: this fit owns the run folder (metrics.jsonl, checkpoint, resume, epoch
    lines, ctx.callbacks); an experiment's secondary models pass `log=False`.
    `quiet=True` drops the epoch lines of a logged fit (toy runs of hundreds of epochs).
    `compile`: the modules `--compile` compiles (default: `model`; a step_fn that calls
    submodules names them).
    """
    if (loss_fn is None) == (step_fn is None):
        raise ValueError("fit needs exactly one of loss_fn or step_fn")
    per_rank = ctx.per_rank(batch_size)
    ctx.compile_modules(list(compile) if compile is not None else [model])
    net = ctx.distribute(model, ddp=step_fn is None)
    hooks = (_average_gradients_before_steps(_optimizers(optimizer))
             if ctx.world_size > 1 and step_fn is not None else [])
    run = ctx.run if log else None
    quiet = quiet or ctx.quiet or not log
    writer = ctx.is_main
    callbacks = (*ctx.callbacks, *callbacks) if log else tuple(callbacks)
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
    steps_done = 0
    try:
        for epoch in range(start_epoch, epochs):
            model.train()
            mean = _Mean()
            t0 = time.perf_counter()
            n = train[0].shape[0]
            steps = -(-n // batch_size)
            bar = tqdm(batches(train, per_rank, shuffle=True, seed=seed * 100_003 + epoch,
                               rank=ctx.rank, world_size=ctx.world_size),
                       total=steps, desc=f"epoch {epoch + 1}/{epochs}", leave=False,
                       disable=not show_bar, file=sys.stderr)
            for batch in bar:
                if ctx.max_steps is not None and steps_done >= ctx.max_steps:
                    break
                steps_done += 1
                if step_fn is not None:
                    with ctx.autocast():
                        metrics = step_fn(net, batch)
                else:
                    with ctx.autocast():
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
                if show_bar and bar.n % 50 == 0:  # a host read, but only on a terminal
                    bar.set_postfix_str(_fmt(mean.means()))
            train_metrics = mean.global_means() if ctx.world_size > 1 else mean.means()
            record = {"phase": "train", "epoch": epoch + 1, **train_metrics,
                      "time_s": round(time.perf_counter() - t0, 3)}
            history.append(record)
            val_metrics = None
            if val is not None and loss_fn is not None:
                val_metrics = ctx.evaluate(model, val, loss_fn)
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
            if ctx.max_steps is not None and steps_done >= ctx.max_steps:
                break
    except KeyboardInterrupt:
        raise Interrupted(run, epoch) from None
    finally:
        for hook in hooks:
            hook.remove()
    if ctx.world_size > 1 and not _same_weights_on_every_rank(model):
        raise RuntimeError("the ranks ended with different weights: data parallelism broke")
    return history
