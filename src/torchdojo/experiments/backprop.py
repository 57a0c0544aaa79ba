"""backprop (710-750): manual forward and backward for one layer (a point, another point,
a batch) and for two layers (a point, a batch), checked against autograd and central
differences in float64; a deliberately wrong backward must be caught."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import torch
from matplotlib.figure import Figure
from torch import Tensor

from torchdojo.backprop import gradcheck, manual
from torchdojo.errors import DojoError
from torchdojo.experiments.toy_classifier import positive
from torchdojo.train.context import Context, Result


@dataclass
class Config:
    inputs: int = 4  # D
    hidden: int = 6  # H
    classes: int = 3  # K
    batch: int = 8  # B
    activation: Literal["relu", "sigmoid"] = "relu"
    eps: float = 1e-6  # central-difference step
    tol: float = 1e-6
    seed: int = 0


QUICK: dict = {}


def forgot_to_average(params: manual.Params, x: Tensor, y: Tensor,
                      activation: manual.Activation = "relu") -> tuple[Tensor, manual.Params]:
    """A classic bug: the loss is a batch mean but the gradients are of the sum (no 1/B)."""
    loss, grads = manual.two_layer_batch(params, x, y, activation)
    return loss, {k: g * x.shape[0] for k, g in grads.items()}


@dataclass(kw_only=True)
class BackpropResult(Result):
    checks: dict[str, gradcheck.GradCheck]  # case -> its check
    bug: gradcheck.GradCheck  # the planted bug, which the checker must catch
    params: dict[str, Tensor]  # the two-layer net's parameters
    x: Tensor  # (B, D)
    y: Tensor  # (B,)


def run(config: Config, ctx: Context) -> BackpropResult:
    """Check every manual backward (710-750) and show that the checker catches a bug."""
    positive(inputs=config.inputs, hidden=config.hidden, classes=config.classes,
             batch=config.batch, eps=config.eps, tol=config.tol)
    if config.batch < 2:  # case 720 checks the batch's second point
        raise DojoError(f"batch must be at least 2 (case 720 checks a second point), "
                        f"not {config.batch}")
    D, H, K, B, act = config.inputs, config.hidden, config.classes, config.batch, config.activation
    g = torch.Generator().manual_seed(config.seed)
    x = torch.randn(B, D, generator=g, dtype=torch.float64)  # (B, D)
    y = torch.randint(0, K, (B,), generator=g)  # (B,)
    one = manual.init_params({"W": (K, D), "b": (K,)}, seed=config.seed)
    two = manual.init_params({"W1": (H, D), "b1": (H,), "W2": (K, H), "b2": (K,)},
                             seed=config.seed + 1)
    cases = {
        "710 layer, one point": (lambda p: manual.layer_point(p, x[0], int(y[0])), one),
        "720 layer, another point": (lambda p: manual.layer_point(p, x[1], int(y[1])), one),
        "730 layer, batch": (lambda p: manual.layer_batch(p, x, y), one),
        "740 two layers, one point": (lambda p: manual.two_layer_point(p, x[0], int(y[0]), act),
                                      two),
        "750 two layers, batch": (lambda p: manual.two_layer_batch(p, x, y, act), two),
    }
    checks = {name: gradcheck.check(f, p, tol=config.tol, eps=config.eps)
              for name, (f, p) in cases.items()}
    bug = gradcheck.check(lambda p: forgot_to_average(p, x, y, act), two, tol=config.tol,
                          eps=config.eps)
    for name, c in {**checks, "bug: forgot 1/B": bug}.items():
        ctx.say(f"{name:28s} vs autograd {c.vs_autograd:.1e}  vs numerical {c.vs_numerical:.1e}"
                f"  {'ok' if c.ok else 'MISMATCH'}")
    metrics = {"max_abs_diff": max(c.max_abs_diff for c in checks.values()),
               "max_abs_diff_vs_autograd": max(c.vs_autograd for c in checks.values()),
               "checks_failed": sum(not c.ok for c in checks.values()),
               "bug_caught": float(not bug.ok), "bug_max_abs_diff": bug.max_abs_diff}
    _, manual_grads = manual.two_layer_batch(two, x, y, act)
    auto_grads = gradcheck.autograd_gradients(
        lambda p: manual.two_layer_batch(p, x, y, act)[0], two)
    result = BackpropResult(metrics, dataset="generated",
                            dataset_label=f"random float64 data: B={B}, D={D}, H={H}, K={K}, "
                                          f"{act}",
                            checks=checks, bug=bug, params=two, x=x, y=y)
    result.figures["checks"] = ctx.savefig(checks_figure(checks, bug), "gradient_checks")
    result.figures["dW1"] = ctx.savefig(grads_figure(manual_grads["W1"], auto_grads["W1"]), "dW1")
    return result


def checks_figure(checks: dict[str, gradcheck.GradCheck], bug: gradcheck.GradCheck) -> Figure:
    """Max |manual - reference| per case on a log scale, against the tolerance."""
    rows = {**checks, "bug: forgot 1/B": bug}
    fig = Figure(figsize=(9, 3.8))
    ax = fig.subplots()
    idx = torch.arange(len(rows)).float()
    floor = 1e-18  # an exact match (0) still needs a bar on a log scale
    ax.bar(idx - 0.2, [max(c.vs_autograd, floor) for c in rows.values()], 0.4, label="vs autograd")
    ax.bar(idx + 0.2, [max(c.vs_numerical, floor) for c in rows.values()], 0.4,
           label="vs central differences")
    ax.axhline(bug.tol, color="C3", ls="--", label=f"tolerance {bug.tol:g}")
    ax.set_yscale("log")
    ax.set_xticks(idx.tolist(), list(rows), rotation=20, ha="right", fontsize=8)
    ax.set_ylabel("max |manual - reference|")
    ax.legend(fontsize=8)
    ax.set_title("manual gradients, float64")
    fig.tight_layout()
    return fig


def grads_figure(ours: Tensor, reference: Tensor) -> Figure:
    """dL/dW1 by hand, by autograd, and their difference, as heat maps."""
    fig = Figure(figsize=(10, 3))
    panels = [("dL/dW1 by hand", ours), ("dL/dW1 by autograd", reference),
              ("difference", ours - reference)]
    for ax, (title, m) in zip(fig.subplots(1, 3), panels):
        image = ax.imshow(m.numpy(), cmap="RdBu")
        fig.colorbar(image, ax=ax, fraction=0.046)
        ax.set_title(title, fontsize=9)
    fig.tight_layout()
    return fig
