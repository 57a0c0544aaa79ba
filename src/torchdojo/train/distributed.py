"""Multi-process training with PyTorch's own stack: torchrun + DistributedDataParallel.

`dojo run ID --nproc N` re-launches itself under torchrun (`torch.distributed.run`);
each process then joins the group (gloo on CPU, NCCL on GPU), wraps the model in
DDP, and takes its share of every global batch (see `train.loop.batches`). Only
rank 0 writes the run folder, logs and checkpoints.
"""

from __future__ import annotations

import os
import subprocess
import sys

import torch
import torch.distributed as dist
from torch import nn

from torchdojo.errors import DojoError
from torchdojo.train.runs import default_run_dir


def launch(argv: list[str], nproc: int) -> int:
    """Run `dojo <argv>` in `nproc` processes under torchrun on this machine; return its code."""
    if nproc < 1:
        raise DojoError(f"--nproc must be at least 1, not {nproc}")
    args = _drop_option(list(argv), "--nproc")
    if "--out" not in args and "--resume" not in args:
        # every rank must agree on one run folder, so fix it before the processes start
        lesson = args[args.index("run") + 1] if "run" in args else "run"
        args += ["--out", str(default_run_dir(lesson))]
    command = [sys.executable, "-m", "torch.distributed.run", "--standalone",
               f"--nproc-per-node={nproc}", "-m", "torchdojo", *args]
    return subprocess.call(command)


def _drop_option(args: list[str], name: str) -> list[str]:
    out, skip = [], False
    for arg in args:
        if skip:
            skip = False
        elif arg == name:
            skip = True
        elif not arg.startswith(name + "="):
            out.append(arg)
    return out


def init_process_group() -> dict[str, int]:
    """Join the group torchrun set up (its env variables); return rank and world size."""
    rank, world_size = int(os.environ["RANK"]), int(os.environ["WORLD_SIZE"])
    if not dist.is_initialized():
        backend = "nccl" if torch.cuda.is_available() else "gloo"
        if backend == "nccl":
            torch.cuda.set_device(int(os.environ.get("LOCAL_RANK", 0)))
        dist.init_process_group(backend)
    return {"rank": rank, "world_size": world_size}


def shutdown() -> None:
    """Leave the process group cleanly: wait for every rank, then destroy the group.

    Without it, a process can exit while gloo's threads still run, and the C++ runtime
    aborts it ("terminate called without an active exception"): a flaky failure.
    """
    if dist.is_available() and dist.is_initialized():
        dist.barrier()
        dist.destroy_process_group()


class _DDP(nn.parallel.DistributedDataParallel):
    """DDP that also answers for the model's own attributes (`net.classes`), so a loss_fn
    written against the model works unchanged when the engine hands it the wrapper."""

    def __getattr__(self, name: str):
        try:
            return super().__getattr__(name)
        except AttributeError:
            return getattr(self.module, name)


def wrap(model: nn.Module, device: torch.device) -> nn.Module:
    """DDP around `model` when running in a process group; the model itself otherwise."""
    if not (dist.is_available() and dist.is_initialized() and dist.get_world_size() > 1):
        return model
    ids = [device.index if device.index is not None else 0] if device.type == "cuda" else None
    return _DDP(model, device_ids=ids)


def all_reduce_sums(values: list[float]) -> list[float]:
    """Sum a list of floats over all processes (identity outside a process group)."""
    if not (dist.is_available() and dist.is_initialized()):
        return values
    device = "cuda" if dist.get_backend() == "nccl" else "cpu"  # NCCL reduces GPU tensors only
    tensor = torch.tensor(values, dtype=torch.float64, device=device)
    dist.all_reduce(tensor)
    return tensor.tolist()
