"""The operations in a training step that would make the host wait for a CUDA GPU, caught
on any device.

A GPU runs kernels while Python queues the next ones, until something needs a value back
on the host: a scalar read (`.item()`, `float(t)`, `int(t)`, `if t:`), or an op whose
output's size depends on the data (boolean-mask indexing, `nonzero`, `masked_select`,
`unique`, `repeat_interleave` with tensor counts). Every such op goes through aten, and a
TorchDispatchMode sees every aten op, on the CPU too: so a test without a GPU can say which
lines of ours would stall one.

An optimiser's own read of its step count is not counted: on CUDA the optimisers are fused
(`optim.fast`), which keeps it on the device.
"""

from __future__ import annotations

import contextlib
import sys
from collections import Counter
from collections.abc import Iterator

import torch
from torch.utils._python_dispatch import TorchDispatchMode

aten = torch.ops.aten
ALWAYS = {aten._local_scalar_dense.default, aten.nonzero.default, aten.masked_select.default,
          aten._unique2.default, aten.unique_dim.default, aten.unique_consecutive.default,
          aten.repeat_interleave.Tensor, aten.equal.default, aten.is_nonzero.default}
INDEXING = {aten.index.Tensor, aten.index_put_.default, aten.index_put.default,
            aten._index_put_impl_.default}  # wait only when an index is a boolean mask


def _waits(func, args) -> bool:
    if func in ALWAYS:
        return True
    return func in INDEXING and any(isinstance(i, torch.Tensor) and i.dtype == torch.bool
                                    for i in (args[1] or ()))


# copies to the host that a CPU tensor makes without any aten op (it is there already)
COPIES = ("cpu", "tolist", "numpy")


class SyncSpy(TorchDispatchMode):
    """Counts, by (op, innermost torchdojo file:line), the ops that would wait for a GPU."""

    def __init__(self) -> None:
        super().__init__()
        self.hits: Counter[tuple[str, str]] = Counter()
        self.active = False

    def __enter__(self):
        self.active = True
        return super().__enter__()

    def __exit__(self, *exc):
        self.active = False
        return super().__exit__(*exc)

    def note(self, op: str) -> None:
        """Count `op` at the innermost function of ours that led to it ("file:qualname",
        which stays put when lines move), unless an optimiser's step did."""
        where, frame = "outside torchdojo", sys._getframe(1)
        while frame is not None:
            code = frame.f_code
            if "/torch/optim/" in code.co_filename:
                return
            if where == "outside torchdojo" and "/torchdojo/" in code.co_filename:
                where = f"{code.co_filename.rsplit('/torchdojo/', 1)[1]}:{code.co_qualname}"
            frame = frame.f_back
        self.hits[(op, where)] += 1

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        if _waits(func, args):
            self.note(str(func).removesuffix(".default"))
        return func(*args, **(kwargs or {}))

    def watch_copies(self, monkeypatch) -> None:
        """Note Tensor.cpu / .tolist / .numpy called while the spy is on."""
        for name in COPIES:
            original = getattr(torch.Tensor, name)

            def copy(tensor, *args, _original=original, _name=name, **kwargs):
                if self.active:
                    self.note(f"Tensor.{_name}")
                return _original(tensor, *args, **kwargs)

            monkeypatch.setattr(torch.Tensor, name, copy)


@contextlib.contextmanager
def spying_on_training_steps(monkeypatch) -> Iterator[SyncSpy]:
    """While active, every `loop.fit`'s loss_fn and step_fn (the lesson's own code in a
    training step, and the validation pass) runs under one SyncSpy."""
    from torchdojo.train import loop

    spy, fit = SyncSpy(), loop.fit
    spy.watch_copies(monkeypatch)

    def spied(*args, **kwargs):
        for name in ("loss_fn", "step_fn"):
            if kwargs.get(name) is not None:
                def under_spy(*a, _fn=kwargs[name], **kw):
                    with spy:
                        return _fn(*a, **kw)
                kwargs[name] = under_spy
        return fit(*args, **kwargs)

    monkeypatch.setattr(loop, "fit", spied)
    yield spy
