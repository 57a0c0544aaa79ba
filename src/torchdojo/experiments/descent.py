"""descent (510, 530, 550, 002): gradient descent on C(x) = x^2 + 3, a learning-rate sweep,
then gradient descent on toy problems 1 and 2 with the one loop."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import torch
from matplotlib.figure import Figure
from torch import Tensor

from torchdojo.data import toy
from torchdojo.experiments.toy_classifier import positive, strict_accuracy, train
from torchdojo.figures import boundaries
from torchdojo.models.affine import Affine
from torchdojo.train.context import SWITCH_NAMES, Context, Result


@dataclass
class Config:
    x0: float = 5.0  # where descent starts
    lr: float = 0.1
    steps: int = 100
    sweep: tuple[float, ...] = (0.01, 0.1, 0.5, 0.9, 1.05)  # slow, good, one step, zig-zag, diverge
    n_train: int = 400
    gd_epochs: int = 100  # full-batch gradient descent: one step per epoch
    gd_lr: float = 0.5
    seed: int = 0


SWITCHES = SWITCH_NAMES  # it trains through ctx.fit: --amp, --compile, --nproc reach it

QUICK = {"gd_epochs": 20, "n_train": 200}


def cost(x: Tensor) -> Tensor:
    """The cost of exercise 510: C(x) = x^2 + 3, minimal (C = 3) at x = 0; dC/dx = 2x."""
    return x ** 2 + 3


def minimise(c: Callable[[Tensor], Tensor], x0: float, lr: float, steps: int) -> list[float]:
    """Plain gradient descent, x <- x - lr dC/dx; returns x after every step (x0 first)."""
    # 1. the learnable parameters: here a single number x (float64: we want x -> 1e-9)
    x = torch.tensor(x0, dtype=torch.float64, requires_grad=True)
    path = [x0]
    for _ in range(steps):  # 2. iterate
        value = c(x)  # 3. process the input (forward) and 4. compute the loss
        value.backward()  # 5. propagate the gradient back: x.grad = dC/dx
        with torch.no_grad():
            x -= lr * x.grad  # 6. update: weight = weight - learning_rate * gradient
        x.grad = None  # gradients accumulate unless cleared
        path.append(x.item())
    return path


def sweep_figure(paths: dict[float, Sequence[float]]) -> Figure:
    """Left: |x| over steps per learning rate (log scale); right: the path on the parabola."""
    fig = Figure(figsize=(11, 4))
    left, right = fig.subplots(1, 2)
    grid = torch.linspace(-6, 6, 200)
    right.plot(grid, cost(grid), color="0.6")
    for lr, path in paths.items():
        xs = torch.tensor(path)
        label = f"lr {lr:g}" + ("  (diverges)" if abs(path[-1]) > abs(path[0]) else "")
        left.semilogy(xs.abs().clamp(min=1e-16), label=label)
        shown = xs[:12].clamp(-6, 6)
        right.plot(shown, cost(shown), "o-", markersize=3, label=f"lr {lr:g}")
    left.set_xlabel("step")
    left.set_ylabel("|x|  (distance from the minimum)")
    left.set_title("x_{t+1} = x_t - lr * 2 x_t = (1 - 2 lr) x_t")
    left.legend(fontsize=8)
    right.set_xlabel("x")
    right.set_ylabel("C(x) = x^2 + 3")
    right.set_title("first steps on the cost curve")
    right.legend(fontsize=8)
    fig.tight_layout()
    return fig


@dataclass(kw_only=True)
class DescentResult(Result):
    paths: dict[float, list[float]]  # learning rate -> x at each step
    panels: dict[str, tuple[Affine, Tensor, Tensor, list[float]]]  # (model, x, y, losses)


def run(config: Config, ctx: Context) -> DescentResult:
    """Minimise x^2 + 3, sweep learning rates, then run gradient descent on problems 1 and 2."""
    positive(lr=config.lr, steps=config.steps, n_train=config.n_train,
             gd_epochs=config.gd_epochs, gd_lr=config.gd_lr)
    path = minimise(cost, config.x0, config.lr, config.steps)
    x = path[-1]
    metrics = {"final_x": x, "final_abs_x": abs(x), "final_c": x ** 2 + 3,
               "final_abs_c_minus_3": abs(x ** 2)}
    ctx.say(f"after {config.steps} steps at lr {config.lr:g}: x = {x:.3g}, "
            f"C(x) = {x ** 2 + 3:.12g}")
    paths = {lr: minimise(cost, config.x0, lr, min(config.steps, 60)) for lr in config.sweep}
    for lr, p in paths.items():
        metrics[f"sweep_abs_x_lr{lr:g}"] = min(abs(p[-1]), 1e300)
    figures = {"sweep": ctx.savefig(sweep_figure(paths), "lr_sweep")}

    # Gradient descent on the toy problems: batch = the whole training set, so each epoch
    # of the loop is one exact gradient step on the mean cross-entropy.
    panels, history = {}, []
    for name, make in (("problem1", toy.problem1), ("problem2", toy.problem2)):
        x_train, y_train = make(config.n_train, seed=config.seed)
        torch.manual_seed(config.seed)
        layer = Affine(2, 2)
        hist = train(layer, (x_train, y_train), ctx, epochs=config.gd_epochs,
                     batch_size=config.n_train, lr=config.gd_lr, seed=config.seed,
                     log=name == "problem1")
        history = history or hist
        losses = [r["loss"] for r in hist if r["phase"] == "train"]
        acc = strict_accuracy(layer, x_train.to(ctx.device), y_train.to(ctx.device))
        metrics[f"{name}_acc"] = acc
        metrics[f"{name}_loss"] = losses[-1]
        panels[f"{name}: GD, {config.gd_epochs} steps, {100 * acc:.1f}%"] = (layer, x_train,
                                                                            y_train, losses)
        ctx.say(f"{name}: loss {losses[0]:.3f} -> {losses[-1]:.3f}, train accuracy "
                f"{100 * acc:.1f}%")
    fig = Figure(figsize=(13, 3.8))
    axes = fig.subplots(1, 3)
    for ax, (title, (model, xs, ys, losses)) in zip(axes, panels.items()):
        boundaries.draw(ax, boundaries.predictor(model), xs, ys, title=title)
        axes[2].plot(losses, label=title.split(":")[0])
    axes[2].set_xlabel("gradient step")
    axes[2].set_ylabel("cross-entropy")
    axes[2].set_title("loss during gradient descent")
    axes[2].legend()
    fig.tight_layout()
    figures["problems"] = ctx.savefig(fig, "gd_problems")
    return DescentResult(metrics, dataset="generated",
                         dataset_label=f"C(x) = x^2 + 3; toy problems 1 and 2, "
                                       f"{config.n_train} points",
                         history=history, figures=figures, paths=paths, panels=panels)
