"""tensors (110, 002, 004): creating, indexing, reshaping and broadcasting tensors, NumPy
interop and device moves, each with a check that shows the point; points of 2-D/3-D space."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch
from matplotlib.figure import Figure

from torchdojo.experiments.toy_classifier import positive
from torchdojo.train.context import Context, Result


@dataclass
class Config:
    n_points: int = 200
    seed: int = 0


QUICK: dict = {}


def checks(device: torch.device) -> dict[str, Callable[[], bool]]:
    """Named facts about tensors, each a function that returns True when the fact holds."""

    def creation() -> bool:
        x = torch.arange(6.0)  # (6,): 0, 1, ..., 5
        return (torch.zeros(2, 3).sum() == 0 and torch.ones(2, 3).shape == (2, 3)
                and x.dtype == torch.float32 and torch.eye(3).trace() == 3
                and torch.full((2,), 7).tolist() == [7, 7])

    def indexing() -> bool:
        m = torch.arange(12).reshape(3, 4)  # (3, 4): rows 0..3, 4..7, 8..11
        return (m[1, 2] == 6 and m[:, 0].tolist() == [0, 4, 8] and m[-1].tolist() == [8, 9, 10, 11]
                and m[m > 9].tolist() == [10, 11] and m[[0, 2], 1].tolist() == [1, 9])

    def reshaping() -> bool:
        x = torch.arange(24)
        v = x.view(2, 3, 4)  # (2, 3, 4): same storage
        v[0, 0, 0] = 100  # a view writes through
        t = v.permute(2, 0, 1)  # (4, 2, 3): only strides change
        return (x[0] == 100 and t.shape == (4, 2, 3) and not t.is_contiguous()
                and t.reshape(-1).shape == (24,) and v.flatten(1).shape == (2, 12)
                and x.unsqueeze(0).shape == (1, 24) and x.view(1, 24, 1).squeeze().shape == (24,))

    def broadcasting() -> bool:
        col = torch.arange(3.0).reshape(3, 1)  # (3, 1)
        row = torch.arange(4.0).reshape(1, 4)  # (1, 4)
        table = col * 10 + row  # (3, 4): sizes of 1 are stretched
        loops = torch.tensor([[i * 10.0 + j for j in range(4)] for i in range(3)])
        return table.shape == (3, 4) and torch.equal(table, loops)

    def numpy_interop() -> bool:
        a = np.arange(4.0)
        t = torch.from_numpy(a)  # shares memory with a
        a[0] = -1.0
        back = t.numpy()
        return t[0].item() == -1.0 and back is not None and np.shares_memory(a, back)

    def device_moves() -> bool:
        x = torch.randn(3, 3)
        there = x.to(device)  # a copy on the device (the same tensor if already there)
        return there.device.type == device.type and torch.equal(there.cpu(), x)

    def matmul() -> bool:
        a, b = torch.randn(2, 3), torch.randn(3, 4)
        by_hand = torch.tensor([[sum(a[i, k] * b[k, j] for k in range(3)) for j in range(4)]
                                for i in range(2)])
        return (a @ b).shape == (2, 4) and torch.allclose(a @ b, by_hand, atol=1e-6)

    return {"creation": creation, "indexing": indexing, "reshaping": reshaping,
            "broadcasting": broadcasting, "numpy interop": numpy_interop,
            "device moves": device_moves, "matrix product": matmul}


def torch_side(a: torch.Tensor, b: torch.Tensor) -> dict[str, torch.Tensor]:
    """Broadcasting, reshaping, reducing and a matrix product, in torch."""
    return {"broadcast": a[..., None] * b[None, None],  # (4, 3, 5, 1) * (1, 1, 5, 2)
            "permute then reshape": a.permute(2, 0, 1).reshape(5, -1),  # (5, 12)
            "centre each column": a - a.mean(0, keepdim=True),
            "sum over axis 1": a.sum(1), "matrix product": a @ b}


def numpy_diffs(seed: int) -> dict[str, float]:
    """torch_side against the same operations in NumPy: max |torch - numpy| (inf when the
    shapes differ), on float64 arrays NumPy made."""
    g = np.random.default_rng(seed)
    a, b = g.standard_normal((4, 3, 5)), g.standard_normal((5, 2))
    ours = torch_side(torch.from_numpy(a.copy()), torch.from_numpy(b.copy()))
    numpy = {"broadcast": a[..., None] * b[None, None],
             "permute then reshape": np.transpose(a, (2, 0, 1)).reshape(5, -1),
             "centre each column": a - a.mean(0, keepdims=True),
             "sum over axis 1": a.sum(1), "matrix product": a @ b}
    return {name: float(np.abs(ours[name].numpy() - ref).max())
            if tuple(ours[name].shape) == ref.shape else float("inf")
            for name, ref in numpy.items()}


def space_figure(n: int) -> Figure:
    """Points of a 2-D and a 3-D space: each row of an (n, 2) or (n, 3) tensor is a point."""
    fig = Figure(figsize=(9, 4))
    ax2 = fig.add_subplot(1, 2, 1)
    p2 = torch.randn(n, 2)  # (n, 2)
    ax2.scatter(p2[:, 0], p2[:, 1], s=8, c=p2.norm(dim=1), cmap="viridis")
    ax2.set_title(f"torch.randn({n}, 2): {n} points in 2-D")
    ax2.set_aspect("equal")
    ax3 = fig.add_subplot(1, 2, 2, projection="3d")
    t = torch.linspace(0, 4 * np.pi, n)
    p3 = torch.stack([t.cos(), t.sin(), t / (4 * np.pi)], dim=1)  # (n, 3): a helix
    ax3.scatter(p3[:, 0], p3[:, 1], p3[:, 2], s=8, c=t, cmap="plasma")
    ax3.set_title(f"a ({n}, 3) tensor: a helix in 3-D")
    fig.tight_layout()
    return fig


@dataclass(kw_only=True)
class TensorsResult(Result):
    outcomes: dict[str, bool]  # check -> passed


def run(config: Config, ctx: Context) -> TensorsResult:
    """Run every check, count failures, and plot points of 2-D and 3-D space."""
    positive(n_points=config.n_points)
    outcomes = {name: bool(fn()) for name, fn in checks(ctx.device).items()}
    for name, ok in outcomes.items():
        ctx.say(f"{'ok  ' if ok else 'FAIL'} {name}")
    failed = sum(not ok for ok in outcomes.values())
    diffs = numpy_diffs(config.seed)
    for name, diff in diffs.items():
        ctx.say(f"{name:22s} max |torch - numpy| = {diff:.1e}")
    result = TensorsResult({"checks_failed": failed, "checks_total": len(outcomes),
                            "numpy_max_abs_diff": max(diffs.values())},
                           dataset="generated", dataset_label="small tensors made in the checks",
                           outcomes=outcomes)
    result.figures["space"] = ctx.savefig(space_figure(config.n_points), "space")
    return result
