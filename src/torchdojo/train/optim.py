"""Optimiser options that make the step cheap where the device offers them.

On CUDA, `fused=True` runs the whole Adam/AdamW/SGD update over every parameter in one
kernel, instead of several kernels per parameter tensor: the per-step launch overhead
that bounds small models on a GPU. On the CPU the default (a loop over parameters) is
kept, so published CPU results stay bit-for-bit the same.
"""

from __future__ import annotations

from typing import Any

import torch


def fast(device: torch.device | str | None) -> dict[str, Any]:
    """Keyword arguments for torch.optim.{Adam, AdamW, SGD} on `device`."""
    if device is not None and torch.device(device).type == "cuda":
        return {"fused": True}
    return {}
