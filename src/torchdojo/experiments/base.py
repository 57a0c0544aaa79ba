"""What every experiment receives (Context) and returns (Result).

An experiment module holds a `Config` dataclass whose defaults reach the target,
a `QUICK` dict of overrides for a few-second smoke run, and
`run(config: Config, ctx: Context) -> Result`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch

from torchdojo.train.runs import Run


@dataclass
class Context:
    """Where and how to run: the run folder, the device and the switches the CLI sets."""

    run: Run
    device: torch.device = field(default_factory=lambda: torch.device("cpu"))
    quiet: bool = False
    amp: bool = False  # bf16 autocast (CUDA only)
    compile: bool = False  # torch.compile the model
    rank: int = 0
    world_size: int = 1
    # called with each EpochEnd by the experiments that train with `fit` (the benchmarks
    # use it to stop at a target accuracy)
    callbacks: tuple[Callable[[Any], None], ...] = ()

    @property
    def is_main(self) -> bool:
        """True on the process that writes files and prints (rank 0)."""
        return self.rank == 0

    def say(self, message: str) -> None:
        """Print a line unless quiet (and only once under DDP)."""
        if not self.quiet and self.is_main:
            print(message, flush=True)

    def savefig(self, fig: Any, name: str) -> Path | None:
        """Save a figure into the run folder (rank 0 only) and return its path."""
        return self.run.savefig(fig, name) if self.is_main else None

    def prepare_model(self, model: torch.nn.Module) -> torch.nn.Module:
        """What the training forward pass calls: the model, compiled when asked (it pays off
        on GPU and long runs), wrapped in DistributedDataParallel under torchrun."""
        from torchdojo.train.distributed import wrap

        net = torch.compile(model) if self.compile else model
        return wrap(net, self.device)

    def per_rank(self, batch_size: int) -> int:
        """Each process's share of a global batch (DDP keeps the global batch as configured)."""
        return max(batch_size // self.world_size, 1)


@dataclass
class Result:
    """The outcome of a run: final metrics, the data actually used, figures, history."""

    metrics: dict[str, float]
    dataset: str | None = None  # e.g. "mnist", "fashion-mnist", "mnist-sample"
    dataset_label: str | None = None  # human, with sizes and source
    history: list[dict[str, Any]] = field(default_factory=list)
    figures: dict[str, Path] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    objects: dict[str, Any] = field(default_factory=dict)  # models etc., for lessons
    run_dir: Path | None = None
