"""Data parallelism inside the engine: the DDP wrapper and a sum over ranks.

Starting and joining process groups is the runner's (`runner/processes.py`); here is only
what a training step needs once the group exists.
"""

from __future__ import annotations

import torch
import torch.distributed as dist
from torch import nn


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
    return _DDP(model, device_ids=device_ids(device))


def device_ids(device: torch.device) -> list[int] | None:
    """DDP's `device_ids`: the one GPU this process trains on. `cuda` without an index is
    the current GPU, which the runner set to this process's own (cuda:LOCAL_RANK)."""
    if device.type != "cuda":
        return None
    return [device.index if device.index is not None else torch.cuda.current_device()]


def all_reduce_sums(values: list[float]) -> list[float]:
    """Sum a list of floats over all processes (identity outside a process group)."""
    if not (dist.is_available() and dist.is_initialized()):
        return values
    device = "cuda" if dist.get_backend() == "nccl" else "cpu"  # NCCL reduces GPU tensors only
    tensor = torch.tensor(values, dtype=torch.float64, device=device)
    dist.all_reduce(tensor)
    return tensor.tolist()
