"""What `--amp` and `--compile` buy on this device: the conv lessons' training speed with each.

Each conv lesson (LeNet-5 on Fashion-MNIST, the diffusion U-Net) runs its own `run` under
four switch settings (none, --amp, --compile, both), stopped after its third epoch: the
first epoch pays for compilation (and warm-up), the faster of the other two is the steady
state (best of two: this host's speed wanders). Printed as samples/s of that epoch and
speed-up over no switch, side by side in one run; the first epoch's extra time is
compilation's cost, from cold caches. Where the device cannot take a switch (bf16 on a
CPU without native bf16), the row says so. Never asserted.
"""

from __future__ import annotations

import contextlib
import json
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import torch

from torchdojo import registry, runner
from torchdojo.train.context import Context
from torchdojo.train.device import cpu_has_bf16
from torchdojo.train.runs import Run

CASES = (("lenet5", {"dataset": "fashion-mnist", "epochs": 4}),
         ("diffusion", {"epochs": 4, "train_limit": 5000}))  # a schedule longer than timed
SETTINGS = (("none", False, False), ("--amp", True, False), ("--compile", False, True),
            ("--amp --compile", True, True))


class Stop(Exception):
    """Raised from a callback once the epochs to time are logged."""


@dataclass
class Counting(Context):
    """A context that notes how many training examples its fit is given."""

    examples: int = 0

    def fit(self, model: torch.nn.Module, train: tuple[torch.Tensor, ...], **kwargs: Any
            ) -> list[dict[str, Any]]:
        self.examples = train[0].shape[0]
        return super().fit(model, train, **kwargs)


@contextlib.contextmanager
def cold_compile_caches(folder: str) -> Iterator[None]:
    """Compile from scratch, as a user's first run does: dynamo's in-memory caches reset,
    inductor's on-disk caches (FX graphs, kernels) in an empty folder."""
    from torch._inductor.runtime.cache_dir_utils import temporary_cache_dir

    torch._dynamo.reset()
    with temporary_cache_dir(folder + "/inductor"):
        yield


def epoch_times(lesson: str, overrides: dict[str, Any], device: torch.device, amp: bool,
                compile: bool, epochs: int = 3) -> tuple[list[float], int, dict[str, str]]:
    """(seconds of each of the first `epochs` training epochs, training images, what the
    switches did) of the lesson's own run."""
    module = runner.experiment_module(registry.find(lesson))
    config = runner.make_config(module, overrides=overrides)

    def stop(end) -> None:
        if end.epoch >= epochs:
            raise Stop

    with tempfile.TemporaryDirectory() as tmp, cold_compile_caches(tmp):
        ctx = Counting(run=Run(tmp + "/run"), device=device, quiet=True, callbacks=(stop,),
                      amp=amp, compile=compile)
        try:
            module.run(config, ctx)
        except Stop:
            pass
        records = [json.loads(line) for line in
                   (ctx.run.path / "metrics.jsonl").read_text().splitlines()]
    train = [r for r in records if r.get("phase") == "train"]
    return [r["time_s"] for r in train[:epochs]], ctx.examples, dict(ctx.applied)


def main(device: torch.device = torch.device("cpu")) -> list[dict[str, Any]]:  # noqa: B008
    rows = []
    for lesson, overrides in CASES:
        base = None
        for name, amp, compile in SETTINGS:
            if amp and device.type == "cpu" and not cpu_has_bf16():
                print(f"  {lesson}, {name}: refused (no native bf16 on this CPU)", flush=True)
                rows.append({"lesson": lesson, "switches": name, "refused": True})
                continue
            times, n, applied = epoch_times(lesson, overrides, device, amp, compile)
            steady = min(times[1:])
            sps = n / steady
            base = base or sps
            row = {"lesson": lesson, "switches": name, "samples_per_s": round(sps),
                   "speedup": round(sps / base, 3), "first_epoch_extra_s":
                   round(times[0] - steady, 1), "applied": applied, "refused": False}
            rows.append(row)
            print(f"  {lesson}, {name}: {sps:,.0f} samples/s ({row['speedup']:.2f}x), first "
                  f"epoch +{row['first_epoch_extra_s']:.1f} s; {applied or 'no switch'}",
                  flush=True)
    return rows
