"""landscape (002; Nielsen ch. 1): gradient descent on costs of two variables, C(v1, v2).

Four pictures, each with a count: learning rates on a bowl (too small, right, diverging);
a double well (how many random starts end in the global minimum); plain GD vs momentum vs
Adam on an ill-conditioned bowl (steps to a tolerance); the MSE with 1/2n vs 1/n.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

import torch
from matplotlib import ticker
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure
from torch import Tensor

from torchdojo.errors import DojoError
from torchdojo.experiments.toy_classifier import positive
from torchdojo.train.context import Context, Result

F64 = torch.float64  # exact, stable counts: no step count changes with float32 rounding
Grad = Callable[[Tensor], Tensor]  # v (..., 2) -> dC/dv (..., 2)


@dataclass
class Config:
    # the bowl C = (v1^2 + kappa v2^2) / 2: curvatures 1 and kappa; GD is stable for lr < 2/kappa
    kappa: float = 50.0
    start: tuple[float, ...] = (-4.0, 1.5)
    sweep_lrs: tuple[float, ...] = (0.005, 0.03, 0.042)  # too small, right, past 2/kappa
    tol: float = 1e-6  # "reached" once C(v) < tol (the bowl's minimum is C = 0)
    max_steps: int = 3000
    lr: float = 0.03  # the race: plain GD and momentum share it
    momentum: float = 0.9
    adam_lr: float = 0.1
    # the double well C = (v1^2 - 1)^2 + tilt v1 + (v2 - v1/2)^2: two valleys, one deeper
    tilt: float = 0.3
    starts: int = 1000  # random starts, uniform in [-box, box]^2
    box: float = 2.0
    well_lr: float = 0.04
    well_steps: int = 300
    grid: int = 80  # the basin map: grid x grid starts
    # least squares on a line y = w x + b: outline 002's C(w, b), with 1/2n and with 1/n
    n_points: int = 20
    mse_lr: float = 0.7  # under 2 / (largest curvature of the 1/n cost, about 2)
    mse_steps: int = 200
    seed: int = 0


QUICK = {"starts": 200, "grid": 40}


# --- the costs, and their gradients by hand: grad C = [dC/dv1, dC/dv2] ------------------------

def bowl(v: Tensor, kappa: float) -> Tensor:
    """C(v) = (v1^2 + kappa v2^2) / 2, minimal (C = 0) at v = 0; (..., 2) -> (...)."""
    return 0.5 * (v[..., 0] ** 2 + kappa * v[..., 1] ** 2)


def bowl_grad(v: Tensor, kappa: float) -> Tensor:
    """grad C = [v1, kappa v2]; (..., 2) -> (..., 2)."""
    return torch.stack([v[..., 0], kappa * v[..., 1]], dim=-1)


def well(v: Tensor, tilt: float) -> Tensor:
    """C(v) = (v1^2 - 1)^2 + tilt v1 + (v2 - v1/2)^2: valleys near v1 = -1 and v1 = +1;
    a positive tilt makes the one at v1 < 0 the deeper, global, minimum."""
    v1, v2 = v[..., 0], v[..., 1]
    return (v1 ** 2 - 1) ** 2 + tilt * v1 + (v2 - v1 / 2) ** 2


def well_grad(v: Tensor, tilt: float) -> Tensor:
    """grad C = [4 v1 (v1^2 - 1) + tilt - (v2 - v1/2),  2 (v2 - v1/2)]."""
    v1, v2 = v[..., 0], v[..., 1]
    r = v2 - v1 / 2
    return torch.stack([4 * v1 * (v1 ** 2 - 1) + tilt - r, 2 * r], dim=-1)


def mse(v: Tensor, x: Tensor, y: Tensor, *, half: bool) -> Tensor:
    """C(w, b) = sum_i (y_i - (w x_i + b))^2 / (2n if half else n), with v = (w, b)."""
    residual = y - (v[0] * x + v[1])  # (n,)
    return (residual ** 2).sum() / (2 * len(x) if half else len(x))


def gradient(cost: Callable[[Tensor], Tensor], v: Tensor) -> Tensor:
    """grad C at v by autograd (for costs written in terms of data, like the MSE)."""
    v = v.detach().requires_grad_(True)
    (grad,) = torch.autograd.grad(cost(v), v)
    return grad


# --- the algorithms -------------------------------------------------------------------------

def descend(grad: Grad, v0: Tensor, lr: float | Tensor, steps: int) -> Tensor:
    """Plain gradient descent, v <- v - lr grad C(v): every iterate, v0 first, (steps + 1, ..., 2).

    v0 may hold many starting points (N, 2), and lr one rate per point (N, 1): all step at once.
    """
    path = [v0]
    for _ in range(steps):
        v = path[-1]
        path.append(v - lr * grad(v))
    return torch.stack(path)


Step = Callable[[Tensor, Tensor], Tensor]  # (v, grad C(v)) -> the next v; may keep state


def gd(lr: float) -> Step:
    """Plain gradient descent as a step: v <- v - lr grad C."""
    return lambda v, grad: v - lr * grad


def momentum(lr: float, beta: float) -> Step:
    """Heavy-ball momentum, torch.optim.SGD(lr, momentum=beta)'s rule: u <- beta u + grad C,
    v <- v - lr u. The velocity u sums past gradients, so steps grow along a steady slope
    and cancel across a zig-zag."""
    u = torch.zeros((), dtype=F64)

    def step(v: Tensor, grad: Tensor) -> Tensor:
        nonlocal u
        u = beta * u + grad
        return v - lr * u
    return step


def adam(lr: float, betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8) -> Step:
    """Adam (Kingma & Ba 2015, Algorithm 1), torch.optim.Adam's rule: each coordinate's step
    is divided by the root mean square of its own gradients, so steep and shallow directions
    move at about the same speed."""
    beta1, beta2 = betas
    m, s, t = torch.zeros((), dtype=F64), torch.zeros((), dtype=F64), 0

    def step(v: Tensor, grad: Tensor) -> Tensor:
        nonlocal m, s, t
        t += 1
        m = beta1 * m + (1 - beta1) * grad  # m_t: running mean of the gradient
        s = beta2 * s + (1 - beta2) * grad ** 2  # s_t: running mean of its square
        m_hat, s_hat = m / (1 - beta1 ** t), s / (1 - beta2 ** t)  # both started at 0
        return v - lr * m_hat / (s_hat.sqrt() + eps)
    return step


def follow(step: Step, cost: Callable[[Tensor], Tensor], grad: Grad, v0: Tensor, *,
           tol: float, max_steps: int) -> Tensor:
    """Apply `step` from v0 until C < tol (or max_steps): the path, (steps + 1, 2)."""
    path = [v0]
    while len(path) <= max_steps and not cost(path[-1]) < tol:  # nan (diverged) keeps going
        path.append(step(path[-1], grad(path[-1])))
    return torch.stack(path)


def steps_to(costs: Tensor, tol: float) -> int:
    """The first step t with C(v_t) < tol; len(costs) when it never gets there."""
    below = (costs < tol).nonzero()
    return int(below[0]) if len(below) else len(costs)


# --- the four parts -------------------------------------------------------------------------

def check(config: Config) -> None:
    """A DojoError for settings the math cannot use."""
    positive(kappa=config.kappa, tol=config.tol, max_steps=config.max_steps, lr=config.lr,
             adam_lr=config.adam_lr, starts=config.starts, box=config.box,
             well_lr=config.well_lr, well_steps=config.well_steps, grid=config.grid,
             n_points=config.n_points, mse_lr=config.mse_lr, mse_steps=config.mse_steps)
    if len(config.start) != 2:
        raise DojoError(f"start must be two numbers (v1, v2), not {config.start}")
    lrs = config.sweep_lrs
    if len(lrs) != 3 or not 0 < lrs[0] < lrs[1] < lrs[2]:
        raise DojoError(f"sweep_lrs must be three rising positive rates (too small, right, "
                        f"too large), not {lrs}")
    if not 0 <= config.momentum < 1:
        raise DojoError(f"momentum must be in [0, 1), not {config.momentum}")
    if config.n_points < 2:
        raise DojoError("n_points must be at least 2: a line needs two points")


def sweep(config: Config) -> tuple[dict[str, float], Tensor]:
    """Three learning rates on the bowl, from one start: metrics, and the paths (T + 1, 3, 2)."""
    lrs = torch.tensor(config.sweep_lrs, dtype=F64)[:, None]  # (3, 1): one rate per path
    v0 = torch.tensor(config.start, dtype=F64).expand(3, 2)
    paths = descend(lambda v: bowl_grad(v, config.kappa), v0, lrs, config.max_steps)
    costs = bowl(paths, config.kappa)  # (T + 1, 3)
    metrics = {"stable_lr_limit": 2 / config.kappa}
    for i, role in enumerate(("small", "good", "large")):
        metrics[f"steps_{role}_lr"] = steps_to(costs[:, i], config.tol)
        # diverged: it ends higher than it began (inf and nan too: they are not <=)
        metrics[f"diverged_at_{role}_lr"] = int(not costs[-1, i] <= costs[0, i])
    metrics["small_minus_good_lr_steps"] = metrics["steps_small_lr"] - metrics["steps_good_lr"]
    return metrics, paths


def minima(tilt: float) -> Tensor:
    """The well's minima, deepest first: (k, 2), k = 2, or 1 once |tilt| > 8 / sqrt(27).

    grad C = 0 gives v2 = v1/2 and 4 v1^3 - 4 v1 + tilt = 0; its roots are the eigenvalues of
    the companion matrix. A root is a minimum where the curvature 12 v1^2 - 4 is positive.
    """
    companion = torch.tensor([[0.0, 1.0, -tilt / 4], [1.0, 0.0, 0.0], [0.0, 1.0, 0.0]],
                             dtype=F64)
    roots = torch.linalg.eigvals(companion)
    v1 = roots.real[(roots.imag.abs() < 1e-9) & (3 * roots.real ** 2 > 1)]
    points = torch.stack([v1, v1 / 2], dim=-1)
    return points[well(points, tilt).argsort()]


def settle(config: Config, starts: Tensor) -> Tensor:
    """Where GD from each start ends: 0 global minimum, 1 local, -1 neither (not settled)."""
    ends = descend(lambda v: well_grad(v, config.tilt), starts, config.well_lr,
                   config.well_steps)[-1]
    dist = torch.cdist(ends, minima(config.tilt))  # (N, k)
    return torch.where(dist.min(1).values < 1e-3, dist.argmin(1), -1)


def basins(config: Config) -> tuple[dict[str, float], dict[str, Tensor]]:
    """Random starts on the double well: the share that ends in each minimum, and the basin map."""
    g = torch.Generator().manual_seed(config.seed)
    starts = (torch.rand(config.starts, 2, generator=g, dtype=F64) * 2 - 1) * config.box
    outcome = settle(config, starts)
    axis = torch.linspace(-config.box, config.box, config.grid, dtype=F64)
    grid = torch.stack(torch.meshgrid(axis, axis, indexing="xy"), dim=-1)  # (G, G, 2)
    basin_map = settle(config, grid.reshape(-1, 2)).reshape(config.grid, config.grid)
    metrics = {"global_share": float((outcome == 0).double().mean()),
               "local_share": float((outcome == 1).double().mean()),
               "unsettled_starts": int((outcome < 0).sum())}
    return metrics, {"starts": starts, "outcome": outcome, "axis": axis, "map": basin_map,
                     "minima": minima(config.tilt)}


def race(config: Config) -> tuple[dict[str, float], dict[str, Tensor]]:
    """Plain GD, heavy-ball momentum and Adam on the bowl: steps until C < tol, and the paths."""
    steps = {"gd": gd(config.lr), "momentum": momentum(config.lr, config.momentum),
             "adam": adam(config.adam_lr)}
    v0 = torch.tensor(config.start, dtype=F64)
    paths = {name: follow(step, lambda v: bowl(v, config.kappa),
                          lambda v: bowl_grad(v, config.kappa), v0, tol=config.tol,
                          max_steps=config.max_steps)
             for name, step in steps.items()}
    counts = {name: steps_to(bowl(p, config.kappa), config.tol) for name, p in paths.items()}
    metrics = {f"{name}_steps": n for name, n in counts.items()}
    metrics["momentum_minus_gd_steps"] = counts["momentum"] - counts["gd"]
    metrics["adam_minus_gd_steps"] = counts["adam"] - counts["gd"]
    return metrics, paths


def line_data(n: int, seed: int) -> tuple[Tensor, Tensor]:
    """n points near the line y = 2x - 1: x uniform in [-1, 1], noise 0.3."""
    g = torch.Generator().manual_seed(seed)
    x = torch.rand(n, generator=g, dtype=F64) * 2 - 1
    return x, 2 * x - 1 + 0.3 * torch.randn(n, generator=g, dtype=F64)


def half_mse(config: Config) -> tuple[dict[str, float], dict[str, Tensor]]:
    """The 1/2n and 1/n MSE: gradients (half of), minimisers (the same), GD paths."""
    x, y = line_data(config.n_points, config.seed)
    full_grad = partial(gradient, partial(mse, x=x, y=y, half=False))  # v -> grad C(v)
    half_grad = partial(gradient, partial(mse, x=x, y=y, half=True))
    v0 = torch.zeros(2, dtype=F64)
    ratio = half_grad(v0) / full_grad(v0)  # (2,): 0.5, 0.5
    # the least-squares solution: X v* = y in the least-squares sense, X = [x, 1]
    design = torch.stack([x, torch.ones_like(x)], dim=1)  # (n, 2)
    best = torch.linalg.lstsq(design, y[:, None]).solution[:, 0]
    paths = {"1/n, lr": descend(full_grad, v0, config.mse_lr, config.mse_steps),
             "1/2n, lr": descend(half_grad, v0, config.mse_lr, config.mse_steps),
             "1/2n, 2 lr": descend(half_grad, v0, 2 * config.mse_lr, config.mse_steps)}
    errors = {name: (p - best).abs().max(-1).values for name, p in paths.items()}  # (T + 1,)
    full, half = (steps_to(errors[k], 1e-6) for k in ("1/n, lr", "1/2n, lr"))
    metrics = {"half_mse_grad_ratio": float(ratio.mean()),
               "half_mse_grad_ratio_error": float((ratio - 0.5).abs().max()),
               "mse_minimum_gap": float(max(errors["1/n, lr"][-1], errors["1/2n, lr"][-1])),
               "mse_full_steps": full, "mse_half_steps": half,
               "half_minus_full_mse_steps": half - full,
               "double_lr_path_max_diff": float((paths["1/2n, 2 lr"] - paths["1/n, lr"])
                                                .abs().max())}
    return metrics, {"x": x, "y": y, "best": best, "errors": errors}


# --- the pictures ---------------------------------------------------------------------------
# Spacing is set by hand rather than by tight_layout, whose extra layout pass costs more than
# all the math above; the run saves with bbox_inches="tight", which trims the margins.

def _contours(ax, cost: Callable[[Tensor], Tensor], extent: tuple[float, float, float, float],
              levels: int | Tensor = 20) -> None:
    """Contour lines of C(v1, v2) over extent = (v1 min, v1 max, v2 min, v2 max)."""
    a = torch.linspace(extent[0], extent[1], 150, dtype=F64)
    b = torch.linspace(extent[2], extent[3], 150, dtype=F64)
    v = torch.stack(torch.meshgrid(a, b, indexing="xy"), dim=-1)  # (150, 150, 2)
    ax.contour(a, b, cost(v), levels=levels, colors="0.7", linewidths=0.7)
    ax.set_xlabel("v1")
    ax.set_ylabel("v2")


def _log_y(ax) -> None:
    """A log y-axis labelled 1e-06 rather than in mathtext, which costs more to lay out than
    all the descents of this lesson together."""
    ax.set_yscale("log")
    ax.yaxis.set_major_formatter(ticker.LogFormatter())
    ax.yaxis.set_minor_locator(ticker.NullLocator())


def _bowl_levels(config: Config) -> Tensor:
    return torch.logspace(-3, 2, 14, dtype=F64) * bowl(torch.tensor(config.start, dtype=F64),
                                                          config.kappa)


def sweep_figure(config: Config, paths: Tensor, metrics: dict[str, float]) -> Figure:
    """One contour panel per learning rate, with its path (up to 200 steps, or until it leaves)."""
    fig = Figure(figsize=(13, 3.8))
    extent = (-5.0, 5.0, -2.5, 2.5)
    roles = ("small", "good", "large")
    names = {"small": "too small", "good": "right", "large": "too large"}
    for i, ax in enumerate(fig.subplots(1, 3, sharey=True)):
        _contours(ax, lambda v: bowl(v, config.kappa), extent, _bowl_levels(config))
        shown = paths[:201, i]
        outside = ((shown[:, 0].abs() > extent[1]) | (shown[:, 1].abs() > extent[3])).nonzero()
        if len(outside):  # a diverging path: draw it up to its first point out of the picture
            shown = shown[:int(outside[0]) + 1]
        ax.plot(shown[:, 0], shown[:, 1], "o-", markersize=2, linewidth=0.8)
        role, steps = roles[i], metrics[f"steps_{roles[i]}_lr"]
        if metrics[f"diverged_at_{role}_lr"]:
            result = "diverges"
        elif steps > config.max_steps:
            result = f"C >= {config.tol:g} after {config.max_steps} steps"
        else:
            result = f"C < {config.tol:g} after {steps:g} steps"
        ax.set_title(f"lr {config.sweep_lrs[i]:g} ({names[role]}): {result}", fontsize=9)
        ax.set_xlim(extent[:2])
        ax.set_ylim(extent[2:])
        ax.label_outer()
    fig.suptitle(f"C = (v1^2 + {config.kappa:g} v2^2) / 2 from {tuple(config.start)}; GD is "
                 f"stable for lr < 2/{config.kappa:g} = {2 / config.kappa:g}", fontsize=10)
    fig.subplots_adjust(wspace=0.08, top=0.86)
    return fig


def basins_figure(config: Config, parts: dict[str, Tensor], metrics: dict[str, float]) -> Figure:
    """Left: which minimum GD reaches from each point (the basins); right: the random starts."""
    fig = Figure(figsize=(11, 4.5))
    left, right = fig.subplots(1, 2, sharey=True)
    box = config.box
    axis, found = parts["axis"], parts["minima"]
    colours = {-1: "k", 0: "tab:blue", 1: "tab:red"}  # neither, global, local
    left.pcolormesh(axis.numpy(), axis.numpy(), parts["map"].numpy(),
                    cmap=ListedColormap(list(colours.values())), vmin=-1.5, vmax=1.5,
                    shading="nearest", alpha=0.4)
    left.set_title("basins: blue ends in the global minimum, red in the local one", fontsize=9)
    for label, colour in colours.items():
        picked = parts["starts"][parts["outcome"] == label]
        right.scatter(picked[:, 0], picked[:, 1], s=4, color=colour)
    right.set_title(f"{config.starts} random starts: {100 * metrics['global_share']:.1f}% "
                    f"global, {100 * metrics['local_share']:.1f}% local", fontsize=9)
    for ax in (left, right):
        _contours(ax, lambda v: well(v, config.tilt), (-box, box, -box, box), 25)
        ax.plot(found[:, 0], found[:, 1], "k*", markersize=10)
        ax.label_outer()
    fig.subplots_adjust(wspace=0.08)
    return fig


def race_figure(config: Config, paths: dict[str, Tensor]) -> Figure:
    """Left: the three paths on the bowl; right: the cost per step (log scale) down to tol."""
    fig = Figure(figsize=(12, 4.2))
    left, right = fig.subplots(1, 2)
    _contours(left, lambda v: bowl(v, config.kappa), (-4.5, 4.5, -2, 2), _bowl_levels(config))
    labels = {"gd": f"GD, lr {config.lr:g}",
              "momentum": f"momentum {config.momentum:g}, lr {config.lr:g}",
              "adam": f"Adam, lr {config.adam_lr:g}"}
    for name, path in paths.items():
        label = f"{labels[name]}: {len(path) - 1} steps"
        left.plot(path[:, 0], path[:, 1], "-", linewidth=1, label=label)
        right.plot(bowl(path, config.kappa), label=label)
    _log_y(right)
    right.axhline(config.tol, color="0.5", linestyle="--", linewidth=0.8)
    right.set_xlabel("step")
    right.set_ylabel("C(v)")
    right.set_title(f"until C < tol = {config.tol:g}")
    left.set_title(f"kappa = {config.kappa:g}: curvature {config.kappa:g} times larger along v2")
    left.legend(fontsize=8)
    right.legend(fontsize=8)
    fig.subplots_adjust(wspace=0.25)
    return fig


def mse_figure(errors: dict[str, Tensor]) -> Figure:
    """max |v_t - v*| per step for the 1/n and 1/2n costs: same end, the 1/2n one at half speed."""
    fig = Figure(figsize=(6, 4))
    ax = fig.subplots()
    for (name, err), style in zip(errors.items(), ("-", "-", "--")):
        ax.plot(err.clamp(min=1e-17), style, label=name)
    _log_y(ax)
    ax.set_xlabel("step")
    ax.set_ylabel("max |(w, b) - least squares|")
    ax.set_title("GD on the line fit: 1/2n at 2 lr retraces 1/n at lr", fontsize=10)
    ax.legend()
    return fig


@dataclass(kw_only=True)
class LandscapeResult(Result):
    sweep: Tensor  # the learning-rate sweep's paths on the bowl
    basins: dict[str, Tensor]  # the double well's starts and where each ended
    race: dict[str, Tensor]  # optimiser -> its path on the ill-conditioned bowl
    mse: dict[str, Tensor]  # the 1/2n vs 1/n line fits ("errors": their gaps per step)


def run(config: Config, ctx: Context) -> LandscapeResult:
    """The four parts, their counts and their pictures."""
    check(config)
    metrics, figures, parts = {}, {}, {}
    part, parts["sweep"] = sweep(config)
    metrics.update(part)
    figures["sweep"] = ctx.savefig(sweep_figure(config, parts["sweep"], part), "lr_sweep")
    ctx.say(f"bowl: lr {config.sweep_lrs[0]:g} needs {part['steps_small_lr']} steps, "
            f"lr {config.sweep_lrs[1]:g} {part['steps_good_lr']}; lr {config.sweep_lrs[2]:g} "
            + ("diverges" if part["diverged_at_large_lr"] else "does not diverge"))
    part, parts["basins"] = basins(config)
    metrics.update(part)
    figures["basins"] = ctx.savefig(basins_figure(config, parts["basins"], part), "basins")
    ctx.say(f"double well: {100 * part['global_share']:.1f}% of {config.starts} starts end in "
            f"the global minimum, {100 * part['local_share']:.1f}% in the local one")
    part, parts["race"] = race(config)
    metrics.update(part)
    figures["race"] = ctx.savefig(race_figure(config, parts["race"]), "race")
    ctx.say(f"steps to C < {config.tol:g}: GD {part['gd_steps']}, momentum "
            f"{part['momentum_steps']}, Adam {part['adam_steps']}")
    part, parts["mse"] = half_mse(config)
    metrics.update(part)
    figures["mse"] = ctx.savefig(mse_figure(parts["mse"]["errors"]), "half_mse")
    ctx.say(f"MSE: grad(1/2n) / grad(1/n) = {part['half_mse_grad_ratio']:.15g}; both reach the "
            f"least-squares line (gap {part['mse_minimum_gap']:.1e})")
    return LandscapeResult({k: float(v) for k, v in metrics.items()}, dataset="generated",
                           dataset_label=f"costs of two variables; {config.n_points} points "
                                         "near y = 2x - 1", figures=figures, **parts)
