"""Process groups for `dojo run --nproc N`: PyTorch's own stack, torchrun + DDP.

`dojo run ID --nproc N` re-launches itself under torchrun (`torch.distributed.run`);
each process then joins the group (gloo on CPU, NCCL on GPU) here, trains through the
context (which wraps the model in DDP and shards every global batch, see
`train.distributed` and `train.loop.batches`), and leaves the group cleanly at the end.
Only rank 0 writes the run folder, logs and checkpoints.
"""

from __future__ import annotations

import os
import subprocess
import sys

import torch
import torch.distributed as dist

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


def launched_rank() -> dict[str, int]:
    """Rank and world size when this process was started by torchrun; {} otherwise."""
    if "WORLD_SIZE" in os.environ and int(os.environ["WORLD_SIZE"]) > 1:
        return init_process_group()
    return {}


def shutdown() -> None:
    """Leave the process group cleanly: wait for every rank, then destroy the group.

    Without it, a process can exit while gloo's threads still run, and the C++ runtime
    aborts it ("terminate called without an active exception"): a flaky failure.
    """
    if dist.is_available() and dist.is_initialized():
        dist.barrier()
        dist.destroy_process_group()
