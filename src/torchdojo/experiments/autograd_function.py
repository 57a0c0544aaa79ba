"""autograd-function (002, blitz): a custom torch.autograd.Function (a stable softplus with its
own backward), checked by gradcheck and against the built-in; the graph it joins; and what
detach and no_grad save in memory, counted through saved_tensors_hooks."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from matplotlib.figure import Figure
from torch import Tensor

from torchdojo.experiments.autograd import graph_figure
from torchdojo.experiments.toy_classifier import positive
from torchdojo.train.context import Context, Result

F64 = torch.float64
# F.softplus returns x itself above `threshold` (default 20), which is off by log1p(exp(-x)),
# up to 2e-9 just above 20. From about 34 on that term is below half an ulp of x in float64, so
# threshold=40 makes the built-in exact to the last bit: the reference we compare with.
REFERENCE_THRESHOLD = 40.0


@dataclass
class Config:
    n_points: int = 4001  # points compared with the built-in, from -limit to +limit
    limit: float = 1000.0  # far past where the naive exp(x) overflows (709.78)
    n_gradcheck: int = 64  # gradcheck perturbs every input point: keep it small
    seed: int = 0


QUICK: dict = {"n_points": 401, "n_gradcheck": 16}


class StableSoftplus(torch.autograd.Function):
    """softplus(x) = log(1 + exp(x)), with the hand-written derivative sigmoid(x)."""

    @staticmethod
    def forward(ctx, x: Tensor) -> Tensor:
        ctx.save_for_backward(x)  # backward needs only x: one tensor kept, not every step
        # log(1 + e^x) = max(x, 0) + log(1 + e^-|x|): exp never sees a positive argument
        return torch.clamp(x, min=0) + torch.log1p(torch.exp(-x.abs()))

    @staticmethod
    def backward(ctx, grad_out: Tensor) -> Tensor:
        (x,) = ctx.saved_tensors
        # d/dx softplus(x) = sigmoid(x); chain rule: dL/dx = dL/dy * dy/dx
        return grad_out * torch.sigmoid(x)


def softplus(x: Tensor) -> Tensor:
    """The custom Function, called the only supported way: through .apply."""
    return StableSoftplus.apply(x)


def naive_softplus(x: Tensor) -> Tensor:
    """log(1 + exp(x)) as written: exp(x) is inf in float64 beyond x = 709.78."""
    return torch.log(1 + torch.exp(x))


class RoundSTE(torch.autograd.Function):
    """Straight-through estimator: round in the forward pass, identity in the backward."""

    @staticmethod
    def forward(ctx, x: Tensor) -> Tensor:
        return torch.round(x)  # its true derivative is 0 almost everywhere: nothing to learn

    @staticmethod
    def backward(ctx, grad_out: Tensor) -> Tensor:
        return grad_out  # pretend d round(x)/dx = 1


def passes_gradcheck(fn: Callable[[Tensor], Tensor], x: Tensor) -> bool:
    """torch.autograd.gradcheck: fn's backward vs central differences (float64 needed)."""
    x = x.detach().to(F64).requires_grad_(True)
    return torch.autograd.gradcheck(fn, (x,), raise_exception=False)


def diff_from_builtin(fn: Callable[[Tensor], Tensor], xs: Tensor) -> dict[str, float]:
    """max |fn - F.softplus| over xs, of the values and of the gradients, in float64."""
    x = xs.detach().to(F64).requires_grad_(True)
    ours = fn(x)
    (g_ours,) = torch.autograd.grad(ours.sum(), x)  # sum: every point's derivative at once
    ref = F.softplus(x, threshold=REFERENCE_THRESHOLD)
    (g_ref,) = torch.autograd.grad(ref.sum(), x)
    return {"value": float((ours - ref).detach().abs().max()),
            "gradient": float((g_ours - g_ref).abs().max())}


def measure(fn: Callable[[Tensor], Tensor], grid: Tensor, sample: Tensor) -> dict[str, float]:
    """The lesson's targets for any softplus: gradcheck (1/0) and the worst |fn - F.softplus|."""
    diffs = diff_from_builtin(fn, grid)
    # torch's max keeps nan (Python's max would drop it): a nan must fail the target
    return {"gradcheck_passed": float(passes_gradcheck(fn, sample)),
            "max_abs_diff": float(torch.tensor(list(diffs.values())).max()),
            **{f"max_abs_diff_{name}": diff for name, diff in diffs.items()}}


def saved_bytes(compute: Callable[[], Tensor]) -> tuple[int, int]:
    """(tensors, bytes) that autograd keeps for backward while `compute()` runs."""
    kept: dict[int, int] = {}

    def pack(t: Tensor) -> Tensor:  # called for every tensor an op saves for its backward
        storage = t.untyped_storage()
        kept[storage.data_ptr()] = storage.nbytes()  # by storage: one tensor saved twice is one
        return t

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        compute()
    return len(kept), sum(kept.values())


def memory_table(n: int, d: int, h: int, g: torch.Generator) -> dict[str, tuple[int, int]]:
    """Saved tensors of L = mean((softplus(x W1) W2)^2), recorded four ways."""
    x = torch.randn(n, d, generator=g, dtype=F64)  # (N, D) data: needs no gradient
    W1 = torch.randn(d, h, generator=g, dtype=F64, requires_grad=True)  # (D, H)
    W2 = torch.randn(h, 1, generator=g, dtype=F64, requires_grad=True)  # (H, 1)

    def composite_softplus(z: Tensor) -> Tensor:  # the same math as separate recorded ops
        return torch.clamp(z, min=0) + torch.log1p(torch.exp(-z.abs()))

    def no_grad() -> Tensor:
        with torch.no_grad():
            return (softplus(x @ W1) @ W2).pow(2).mean()

    return {
        "softplus as separate ops": saved_bytes(
            lambda: (composite_softplus(x @ W1) @ W2).pow(2).mean()),
        "softplus as one Function": saved_bytes(lambda: (softplus(x @ W1) @ W2).pow(2).mean()),
        "W1.detach() (layer 1 frozen)": saved_bytes(
            lambda: (softplus(x @ W1.detach()) @ W2).pow(2).mean()),
        "torch.no_grad()": saved_bytes(no_grad),
    }


def straight_through(x: Tensor) -> dict[str, Tensor]:
    """d/dx of sum(round(x)): torch's (all zeros) and the straight-through estimator's (ones)."""
    leaf = x.detach().clone().requires_grad_(True)
    (plain,) = torch.autograd.grad(torch.round(leaf).sum(), leaf)
    (ste,) = torch.autograd.grad(RoundSTE.apply(leaf).sum(), leaf)
    return {"torch.round": plain, "RoundSTE": ste}


def check_points(config: Config, g: torch.Generator) -> tuple[Tensor, Tensor]:
    """(grid for the comparison, points for gradcheck), both with the extremes ±limit."""
    edges = torch.tensor([-config.limit, -30.0, 0.0, 21.0, 30.0, config.limit], dtype=F64)
    grid = torch.cat([torch.linspace(-config.limit, config.limit, config.n_points, dtype=F64),
                      torch.linspace(-40, 40, config.n_points, dtype=F64), edges])
    sample = torch.cat([torch.randn(config.n_gradcheck, generator=g, dtype=F64) * 10, edges])
    return grid, sample


def figure(xs: Tensor, memory: dict[str, tuple[int, int]]) -> Figure:
    """Left: softplus and its gradient, ours vs the built-in. Right: bytes saved for backward."""
    x = xs.detach().clone().requires_grad_(True)
    y = softplus(x)
    (dy,) = torch.autograd.grad(y.sum(), x)
    fig = Figure(figsize=(10, 3.6))
    left, right = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1, 1.2]})
    left.plot(xs, y.detach(), lw=4, alpha=0.4, label="softplus(x), our Function")
    left.plot(xs, F.softplus(xs), "k.", markersize=3, label="F.softplus")
    left.plot(xs, dy, lw=4, alpha=0.4, label="x.grad from our backward")
    left.plot(xs, torch.sigmoid(xs), "r.", markersize=3, label="sigmoid(x)")
    left.legend(fontsize=8)
    left.grid(alpha=0.3)
    left.set_xlabel("x")
    names = list(memory)
    right.barh(names, [memory[k][1] / 1024 for k in names], color="#e8a33d")
    for i, name in enumerate(names):
        right.text(memory[name][1] / 1024, i, f" {memory[name][0]} tensors", va="center",
                   fontsize=8)
    right.invert_yaxis()
    right.set_xlabel("KiB saved for backward")
    right.set_title("mean((softplus(x W1) W2)^2)", fontsize=9)
    right.tick_params(axis="y", labelsize=8)
    right.set_xlim(0, 1.35 * max(b for _, b in memory.values()) / 1024)
    fig.tight_layout()
    return fig


@dataclass(kw_only=True)
class FunctionResult(Result):
    naive: dict[str, float]  # the naive softplus measured like ours
    memory: dict[str, tuple[int, int]]  # way -> (tensors, bytes) saved for backward
    ste: dict[str, Tensor]  # "torch.round" / "RoundSTE" -> d round(x)/dx
    default_threshold_diff: float  # max |F.softplus(threshold=20) - exact|


def run(config: Config, ctx: Context) -> FunctionResult:
    """Check the custom softplus (gradcheck, vs the built-in), count saved memory, draw."""
    positive(n_points=config.n_points, limit=config.limit, n_gradcheck=config.n_gradcheck)
    g = torch.Generator().manual_seed(config.seed)
    grid, sample = check_points(config, g)
    metrics = measure(softplus, grid, sample)
    naive = measure(naive_softplus, grid, sample)  # exp(1000) = inf, and inf / inf = nan
    shortcut = F.softplus(grid) - F.softplus(grid, threshold=REFERENCE_THRESHOLD)  # threshold=20
    ctx.say(f"{len(sample)} points for gradcheck, {len(grid)} for the comparison, "
            f"up to ±{config.limit:g}, float64")
    for name, m in (("our Function", metrics), ("naive log(1 + exp(x))", naive)):
        ctx.say(f"{name:22s} gradcheck {'passed' if m['gradcheck_passed'] else 'FAILED'}; "
                f"max |y - F.softplus| {m['max_abs_diff_value']:.2g}, "
                f"of the gradient {m['max_abs_diff_gradient']:.2g}")
    ctx.say(f"F.softplus with its default threshold=20 is off by up to "
            f"{float(shortcut.abs().max()):.2g} (it returns x itself above 20)")

    memory = memory_table(256, 16, 128, g)
    for name, (count, size) in memory.items():
        ctx.say(f"{name:30s} {count} tensors, {size / 1024:7.1f} KiB saved for backward")
    ste = straight_through(torch.linspace(-2, 2, 9, dtype=F64))
    ctx.say(f"d round(x)/dx at 9 points: torch.round {ste['torch.round'].unique().tolist()}, "
            f"straight-through {ste['RoundSTE'].unique().tolist()}")

    metrics |= {"saved_bytes_function": memory["softplus as one Function"][1],
                "saved_bytes_separate_ops": memory["softplus as separate ops"][1],
                "saved_bytes_no_grad": memory["torch.no_grad()"][1],
                "ste_grad_sum": float(ste["RoundSTE"].sum())}
    W = torch.randn(3, 2, generator=g, requires_grad=True)
    b = torch.zeros(3, requires_grad=True)
    loss = softplus(torch.randn(4, 2, generator=g) @ W.T + b).mean()  # ours: one graph node
    result = FunctionResult(metrics, dataset="generated",
                            dataset_label="float64 points in ±limit", naive=naive,
                            memory=memory, ste=ste,
                            default_threshold_diff=float(shortcut.abs().max()))
    result.figures["softplus"] = ctx.savefig(figure(torch.linspace(-6, 6, 121, dtype=F64),
                                                    memory), "softplus")
    result.figures["graph"] = ctx.savefig(graph_figure(loss), "graph")
    return result
