"""An exponential moving average of a model's weights, updated with foreach ops.

theta_ema <- d theta_ema + (1 - d) theta after every optimiser step, with the warm-up
d = min(decay, (1 + n) / (10 + n)) after n updates, so the random initial weights do not
linger in short runs. Unlike torch.optim.swa_utils.AveragedModel, the update count is a
Python int: no step reads a device tensor back to the host, and the whole update is three
foreach kernels however many parameter tensors the model has.
"""

from __future__ import annotations

import copy
from typing import Any

import torch
from torch import nn


class EMA(nn.Module):
    """`EMA(model, decay)`; call `update(model)` after each step; `.module` is the average."""

    def __init__(self, model: nn.Module, decay: float):
        super().__init__()
        self.module = copy.deepcopy(model).requires_grad_(False)
        self.decay = decay
        self.n_averaged = 0

    @torch.no_grad()
    def update(self, model: nn.Module) -> None:
        averaged = list(self.module.parameters())
        current = [p.detach() for p in model.parameters()]
        if self.n_averaged == 0:
            torch._foreach_copy_(averaged, current)
        else:
            n = self.n_averaged
            d = min(self.decay, (1 + n) / (10 + n))
            torch._foreach_mul_(averaged, d)
            torch._foreach_add_(averaged, torch._foreach_mul(current, 1 - d))
        for mine, theirs in zip(self.module.buffers(), model.buffers()):
            mine.copy_(theirs)  # buffers (e.g. norm statistics) follow the model
        self.n_averaged += 1

    def get_extra_state(self) -> Any:
        return {"n_averaged": self.n_averaged}

    def set_extra_state(self, state: Any) -> None:
        self.n_averaged = int(state["n_averaged"])
