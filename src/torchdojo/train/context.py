"""The engine an experiment trains through: `Context` (where and how) and `Result` (what came out).

An experiment holds its model, data and optimisation, and calls `ctx.fit(...)` and
`ctx.evaluate(...)`. The context supplies the rest, the same way for every lesson:
the device, bf16 autocast (`--amp`), `torch.compile` (`--compile`), the DDP rank,
world size and per-rank batch (`--nproc`), callbacks, resume, quiet and run logging.

Every switch the context applies is recorded in `ctx.applied` (written to config.json
and the report), so a run says what it really did; the runner refuses a switch that a
lesson's experiment does not declare in its `SWITCHES` before anything trains.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from torch import nn

from torchdojo.train.runs import Run

SWITCH_NAMES = ("amp", "compile", "nproc")  # what `dojo run` can ask of a lesson's training
COMPILE_BACKEND_ENV = "TORCHDOJO_COMPILE_BACKEND"  # e.g. "eager" in tests: trace, no codegen
COMPILE_MODE_ENV = "TORCHDOJO_COMPILE_MODE"


@dataclass
class Context:
    """Where and how to run: the run folder, the device and the switches the CLI sets."""

    run: Run | None = None  # None: train without a run folder (tests, benchmarks)
    device: torch.device = field(default_factory=lambda: torch.device("cpu"))
    quiet: bool = False
    amp: bool = False  # bf16 autocast (the runner allows it on CUDA only)
    compile: bool = False  # torch.compile the model(s) fit trains
    rank: int = 0
    world_size: int = 1
    # called with each EpochEnd of the fit that logs (the benchmarks stop at a target with it)
    callbacks: tuple[Callable[[Any], None], ...] = ()
    # smoke runs (the switch tests): each fit stops after this many steps; None trains fully
    max_steps: int | None = None
    # what each switch did in this run, e.g. {"compile": "inductor, 1 model"}; see `requested`
    applied: dict[str, str] = field(default_factory=dict)

    @property
    def is_main(self) -> bool:
        """True on the process that writes files and prints (rank 0)."""
        return self.rank == 0

    @property
    def requested(self) -> tuple[str, ...]:
        """The switches this run was asked for (names as in SWITCH_NAMES)."""
        asked = {"amp": self.amp, "compile": self.compile, "nproc": self.world_size > 1}
        return tuple(name for name in SWITCH_NAMES if asked[name])

    def say(self, message: str) -> None:
        """Print a line unless quiet (and only once under DDP)."""
        if not self.quiet and self.is_main:
            print(message, flush=True)

    def savefig(self, fig: Any, name: str) -> Path | None:
        """Save a figure into the run folder (rank 0 only) and return its path."""
        return self.run.savefig(fig, name) if self.is_main and self.run is not None else None

    # --- the engine -------------------------------------------------------------------

    def fit(self, model: nn.Module, train: tuple[torch.Tensor, ...], **kwargs: Any
            ) -> list[dict[str, Any]]:
        """Train `model` with the one loop under this context's switches; see `loop.fit`."""
        from torchdojo.train.loop import fit

        return fit(model, train, ctx=self, **kwargs)

    def evaluate(self, model: nn.Module, data: tuple[torch.Tensor, ...], loss_fn: Any, *,
                 batch_size: int = 1000) -> dict[str, float]:
        """Mean loss and metrics of `model` on `data`, under this context's autocast."""
        from torchdojo.train.loop import evaluate

        return evaluate(model, data, loss_fn, batch_size=batch_size, autocast=self.autocast)

    def autocast(self) -> contextlib.AbstractContextManager:
        """bf16 autocast on this device when --amp is on; a no-op otherwise."""
        if not self.amp:
            return contextlib.nullcontext()
        self.applied.setdefault("amp", f"bf16 autocast on {self.device.type}")
        return torch.autocast(self.device.type, dtype=torch.bfloat16)

    def per_rank(self, batch_size: int) -> int:
        """Each process's share of a global batch (DDP keeps the global batch as configured)."""
        if batch_size % self.world_size:
            from torchdojo.errors import DojoError

            raise DojoError(f"a batch of {batch_size} does not split evenly over "
                            f"{self.world_size} processes; choose --nproc to divide it")
        return batch_size // self.world_size

    def compile_modules(self, modules: Sequence[nn.Module]) -> None:
        """Compile each module in place (its state_dict keys stay the same), once.

        On CUDA the default mode is "reduce-overhead": the step is captured as a CUDA graph,
        which removes the per-kernel launch cost that bounds small models on a GPU.
        """
        if not self.compile:
            return
        backend = os.environ.get(COMPILE_BACKEND_ENV, "inductor")
        mode = os.environ.get(COMPILE_MODE_ENV) or (
            "reduce-overhead" if self.device.type == "cuda" and backend == "inductor" else None)
        fresh = [m for m in modules if getattr(m, "_compiled_call_impl", None) is None]
        for module in fresh:
            module.compile(backend=backend, mode=mode)
        count = sum(getattr(m, "_compiled_call_impl", None) is not None for m in modules)
        if count:
            shown = backend + (f" ({mode})" if mode else "")
            self.applied["compile"] = f"torch.compile {shown}"

    def distribute(self, model: nn.Module, *, ddp: bool) -> nn.Module:
        """What the training step calls: DDP around `model` when `ddp` (one forward per
        backward), else `model` itself, whose gradients `loop.fit` averages over the ranks
        before every optimiser step."""
        if self.world_size <= 1:
            return model
        from torchdojo.train.distributed import wrap

        how = "DistributedDataParallel" if ddp else "gradients averaged before each step"
        self.applied["nproc"] = f"{self.world_size} processes, {how}"
        return wrap(model, self.device) if ddp else model


@dataclass
class Result:
    """The outcome of a run: final metrics, the data actually used, figures, history.

    What a lesson shows beyond these (models, samples, tables) is declared by its
    experiment as named, typed fields of a subclass, `@dataclass(kw_only=True)`, e.g.
    `ClassifierResult(Result)` with `model` and `tensors`; `run()` returns that class.
    Nothing pickles a Result: the runner writes metrics and dataset to result.json, and
    the subclass's fields stay in memory, for the lesson that called run_experiment.
    """

    metrics: dict[str, float]
    dataset: str | None = None  # e.g. "mnist", "fashion-mnist", "mnist-sample"
    dataset_label: str | None = None  # human, with sizes and source
    history: list[dict[str, Any]] = field(default_factory=list)
    figures: dict[str, Path] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    run_dir: Path | None = None
