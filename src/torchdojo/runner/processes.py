"""Process groups for `dojo run --nproc N`: PyTorch's own stack, torchrun + DDP.

`dojo run ID --nproc N` re-launches itself under torchrun (`torch.distributed.run`);
each process then joins the group (gloo on CPU, NCCL on GPU) here, trains through the
context (which wraps the model in DDP and shards every global batch, see
`train.distributed` and `train.loop.batches`), and leaves the group cleanly at the end.
Only rank 0 writes the run folder, logs and checkpoints.
"""

from __future__ import annotations

import atexit
import os
import subprocess
import sys
from typing import NoReturn

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


def check_gpus(device: torch.device, per_machine: int) -> None:
    """On CUDA, each of a machine's processes takes a GPU of its own (cuda:LOCAL_RANK);
    refuse, in one line, a request that would put two on one GPU (NCCL cannot)."""
    if device.type != "cuda" or per_machine <= 1:
        return
    if device.index is not None:
        raise DojoError(f"--nproc {per_machine} gives each process its own GPU, so "
                        f"--device {device} cannot hold them all; use --device cuda")
    gpus = torch.cuda.device_count()
    if per_machine > gpus:
        raise DojoError(f"--nproc {per_machine} on CUDA needs a GPU per process and this "
                        f"machine has {gpus}; use --nproc {gpus}, or --device cpu for "
                        f"{per_machine} processes on the CPU")


def init_process_group(device: torch.device) -> dict[str, int]:
    """Join the group torchrun set up (its env variables) for a run on `device`: NCCL
    between GPUs, each process on its own; gloo between CPU processes. Return rank and
    world size."""
    rank, world_size = int(os.environ["RANK"]), int(os.environ["WORLD_SIZE"])
    if not dist.is_initialized():
        check_gpus(device, int(os.environ.get("LOCAL_WORLD_SIZE", world_size)))
        if device.type == "cuda":
            torch.cuda.set_device(int(os.environ.get("LOCAL_RANK", 0)))
        dist.init_process_group("nccl" if device.type == "cuda" else "gloo")
    return {"rank": rank, "world_size": world_size}


def launched() -> bool:
    """Was this process started by torchrun as one of several?"""
    return int(os.environ.get("WORLD_SIZE", "1")) > 1


def launched_rank(device: torch.device) -> dict[str, int]:
    """Rank and world size when this process was started by torchrun; {} otherwise."""
    return init_process_group(device) if launched() else {}


def shutdown() -> None:
    """Leave the process group: wait for every rank, then destroy the group."""
    if dist.is_available() and dist.is_initialized():
        dist.barrier()
        dist.destroy_process_group()


def leave(code: int) -> NoReturn:
    """End this process with `code`; a torchrun rank ends without the interpreter's teardown.

    DDP keeps its gloo group alive past `destroy_process_group` (torch 2.13), so gloo's
    worker threads outlive it. One of them may still be releasing the tensors of the last
    collective, which takes the GIL; asked for while the interpreter finalises, that aborts
    the process ("terminate called without an active exception", exit -6) after a run that
    succeeded: about 1 torchrun in 20 on a loaded 2-core machine. So a rank runs its atexit
    handlers and flushes its streams while the interpreter is whole, then exits at once.
    """
    if not launched():
        sys.exit(code)
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe or stream: nothing left to write
            pass
    os._exit(code)
