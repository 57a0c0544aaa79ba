"""Choosing the device, and what runs best there (threads, bf16 autocast, compile)."""

from __future__ import annotations

import contextlib
import os
import random
from pathlib import Path

import numpy as np
import torch

from torchdojo.errors import DojoError

DEVICES = ("auto", "cpu", "cuda", "mps")


def pick_device(name: str = "auto") -> torch.device:
    """`auto` takes CUDA, then MPS, then CPU; a named device that is missing is a DojoError."""
    if name not in DEVICES and not (name.startswith("cuda:") and name[5:].isdigit()):
        raise DojoError(f"unknown device '{name}'; choose one of {', '.join(DEVICES)}")
    cuda = torch.cuda.is_available()
    mps = getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available()
    if name == "auto":
        return torch.device("cuda" if cuda else "mps" if mps else "cpu")
    if name.startswith("cuda") and not cuda:
        raise DojoError(f"device '{name}' is not available here (no CUDA GPU); use --device cpu")
    if name.startswith("cuda:") and int(name[5:]) >= torch.cuda.device_count():
        raise DojoError(f"device '{name}' is not available here "
                        f"({torch.cuda.device_count()} CUDA GPUs); use --device cuda")
    if name == "mps" and not mps:
        raise DojoError("device 'mps' is not available here (no Apple GPU); use --device cpu")
    return torch.device(name)


def synchronize(device: torch.device) -> None:
    """Wait for the kernels queued on `device`: a GPU runs ahead of Python, so a clock read
    without this times the queueing, not the work. A no-op on the CPU."""
    if device.type == "cuda":
        torch.cuda.synchronize(device)


BF16_FLAGS = ("avx512_bf16", "amx_bf16")  # x86 instructions that compute in bf16


def cpu_has_bf16(cpuinfo: str | None = None) -> bool:
    """True where the CPU multiplies bf16 natively (AVX512-BF16 or AMX, read from Linux's
    /proc/cpuinfo): there bf16 autocast runs convolutions and matrix products about twice
    as fast as float32 (LeNet-5's step, 1.8x on this course's 2-core machine). Elsewhere
    bf16 is emulated, slower than float32, and --amp is refused."""
    if cpuinfo is None:
        try:
            cpuinfo = Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace")
        except OSError:
            return False
    flags = next((line.split(":", 1)[1].split() for line in cpuinfo.splitlines()
                  if line.startswith("flags")), [])
    return any(flag in flags for flag in BF16_FLAGS)


def seed_everything(seed: int) -> None:
    """Seed Python, NumPy and torch so a run with the same seed gives the same numbers on CPU."""
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)


def autocast(device: torch.device, enabled: bool) -> contextlib.AbstractContextManager:
    """bf16 autocast on CUDA when asked; a no-op elsewhere (CPU bf16 is slower on most CPUs)."""
    if enabled and device.type == "cuda":
        return torch.autocast("cuda", dtype=torch.bfloat16)
    return contextlib.nullcontext()


def environment(device: torch.device) -> dict[str, str]:
    """What a report needs to say about where a run ran."""
    env = {
        "torch": torch.__version__,
        "device": str(device),
        "threads": str(torch.get_num_threads()),
        "cpus": str(os.cpu_count()),
    }
    if device.type == "cuda":
        env["gpu"] = torch.cuda.get_device_name(device)
    return env
