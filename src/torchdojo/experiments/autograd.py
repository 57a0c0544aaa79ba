"""autograd (002): requires_grad, backward, gradient accumulation, detach, no_grad, and the
graph behind a loss; every autograd result is compared with the derivative worked out by hand."""

from __future__ import annotations

from dataclasses import dataclass

import torch
from matplotlib.figure import Figure
from torch import Tensor

from torchdojo.experiments.toy_classifier import positive
from torchdojo.train.context import Context, Result

F64 = torch.float64


@dataclass
class Config:
    n_points: int = 32  # data points of the little regression loss
    seed: int = 0


QUICK: dict = {}


def cubic(x: Tensor) -> tuple[Tensor, Tensor]:
    """f(x) = x^3 - 2x and, by hand, f'(x) = 3x^2 - 2: (autograd's f', hand f')."""
    x = x.detach().clone().requires_grad_(True)  # a leaf whose gradient autograd records
    f = x ** 3 - 2 * x
    f.sum().backward()  # d(sum_i f(x_i))/dx_i = f'(x_i): every point at once
    return x.grad, 3 * x.detach() ** 2 - 2


def regression(n: int) -> dict[str, tuple[Tensor, Tensor]]:
    """L(w, b) = mean((w x + b - y)^2): autograd vs dL/dw = 2 mean(r x), dL/db = 2 mean(r)."""
    x, y = torch.randn(n, dtype=F64), torch.randn(n, dtype=F64)
    w = torch.tensor(0.5, dtype=F64, requires_grad=True)
    b = torch.tensor(-0.3, dtype=F64, requires_grad=True)
    loss = ((w * x + b - y) ** 2).mean()
    loss.backward()
    r = (w * x + b - y).detach()  # residuals
    return {"dL/dw": (w.grad, 2 * (r * x).mean()), "dL/db": (b.grad, 2 * r.mean())}


def facts() -> dict[str, tuple[bool, float]]:
    """Accumulation, detach, no_grad: (holds, |autograd - hand| where a number is compared)."""
    out: dict[str, tuple[bool, float]] = {}
    x = torch.tensor(3.0, dtype=F64, requires_grad=True)
    (x ** 2).backward()
    (x ** 2).backward()  # without zeroing, gradients add up: 2x + 2x
    out["grads accumulate (2x + 2x = 12)"] = (x.grad.item() == 12.0, abs(x.grad.item() - 12.0))
    x.grad = None
    y = x * x.detach()  # the detached copy is a constant: dy/dx = x, not 2x
    y.backward()
    out["detach: d(x * const)/dx = 3"] = (x.grad.item() == 3.0, abs(x.grad.item() - 3.0))
    with torch.no_grad():
        z = x * 2  # nothing recorded
    out["no_grad: no graph"] = (not z.requires_grad and z.grad_fn is None, 0.0)
    out["leaf vs result"] = (x.is_leaf and not y.is_leaf and y.grad_fn is not None, 0.0)
    return out


def graph_figure(loss: Tensor) -> Figure:
    """The backward graph of `loss`: grad_fn nodes, the loss at the top, leaves at the bottom."""
    levels: list[list[tuple[str, int]]] = []
    edges: list[tuple[int, int]] = []
    seen: dict[int, int] = {}
    frontier = [loss.grad_fn]
    while frontier:
        level, nxt = [], []
        for fn in frontier:
            if id(fn) in seen:
                continue
            seen[id(fn)] = len(seen)
            name = type(fn).__name__
            if name == "AccumulateGrad":
                name = f"leaf {tuple(fn.variable.shape)}"
            level.append((name, seen[id(fn)]))
            for child, _ in fn.next_functions:
                if child is not None:
                    edges.append((id(fn), id(child)))
                    nxt.append(child)
        if level:
            levels.append(level)
        frontier = nxt
    position = {}
    for depth, level in enumerate(levels):
        for i, (_, node) in enumerate(level):
            position[node] = ((i + 1) / (len(level) + 1), 1 - depth / max(len(levels) - 1, 1))
    fig = Figure(figsize=(7, 1.1 * len(levels) + 0.8))
    ax = fig.subplots()
    ax.axis("off")
    for parent, child in edges:
        (x0, y0), (x1, y1) = position[seen[parent]], position[seen[child]]
        ax.annotate("", xy=(x1, y1), xytext=(x0, y0),
                    arrowprops=dict(arrowstyle="->", color="0.5", shrinkA=12, shrinkB=12))
    for level in levels:
        for name, node in level:
            ax.text(*position[node], name, ha="center", va="center", fontsize=8,
                    bbox=dict(boxstyle="round", fc="#e8f0fe" if "leaf" in name else "#fff3e0"))
    ax.set_ylim(-0.15, 1.15)
    ax.set_title("loss.grad_fn and its next_functions: what backward() walks")
    return fig


@dataclass(kw_only=True)
class AutogradResult(Result):
    diffs: dict[str, float]  # case -> |autograd - by hand|
    facts: dict[str, tuple[bool, float]]  # fact -> (holds, its difference)


def run(config: Config, ctx: Context) -> AutogradResult:
    """Compare autograd with hand-derived gradients; draw f, f' and a loss's graph."""
    positive(n_points=config.n_points)
    xs = torch.linspace(-2, 2, 41, dtype=F64)
    auto, hand = cubic(xs)
    diffs = {"f'(x) of x^3 - 2x": float((auto - hand).abs().max())}
    for name, (a, h) in regression(config.n_points).items():
        diffs[name] = float((a - h).abs())
    outcomes = facts()
    for name, (_, diff) in outcomes.items():
        diffs[name] = diff
    failed = sum(not ok for ok, _ in outcomes.values())
    for name, diff in diffs.items():
        ctx.say(f"{name:34s} |autograd - by hand| = {diff:.2g}")
    metrics = {"max_abs_diff": max(diffs.values()), "checks_failed": failed}

    fig = Figure(figsize=(5, 3.6))
    ax = fig.subplots()
    ax.plot(xs, xs ** 3 - 2 * xs, label="f(x) = x^3 - 2x")
    ax.plot(xs, hand, lw=4, alpha=0.4, label="f'(x) = 3x^2 - 2, by hand")
    ax.plot(xs, auto, "k.", markersize=4, label="x.grad from autograd")
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    w = torch.randn(3, 2, requires_grad=True)
    b = torch.zeros(3, requires_grad=True)
    loss = (torch.randn(4, 2) @ w.T + b).relu().pow(2).mean()  # a small loss to draw
    result = AutogradResult(metrics, dataset="generated", dataset_label="small float64 tensors",
                            diffs=diffs, facts=outcomes)
    result.figures["derivative"] = ctx.savefig(fig, "derivative")
    result.figures["graph"] = ctx.savefig(graph_figure(loss), "graph")
    return result
