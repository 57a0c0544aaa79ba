"""losses (430, 450, 480, 002): cross-entropy for one point and a batch, the logistic loss
and MSE, written by hand and compared with torch.nn.functional, hard inputs included."""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from matplotlib.figure import Figure

from torchdojo.backprop import losses
from torchdojo.errors import DojoError
from torchdojo.experiments.toy_classifier import positive
from torchdojo.train.context import Context, Result


@dataclass
class Config:
    batch: int = 16
    classes: int = 5
    large: float = 1000.0  # size of the "hard" logits: exp(1000) overflows even float64
    seed: int = 0


QUICK: dict = {}


def comparisons(config: Config) -> dict[str, tuple[float, float]]:
    """Each case: (ours, torch's), float64."""
    B, K, big = config.batch, config.classes, config.large
    f64 = torch.float64
    logits = torch.randn(B, K, dtype=f64) * 3  # (B, K)
    targets = torch.randint(0, K, (B,))
    hard = logits * big / 3  # (B, K): logits in the thousands
    z = torch.randn(B, dtype=f64) * 3
    labels = torch.randint(0, 2, (B,))
    y = labels.to(f64)
    pred, target = torch.randn(B, 3, dtype=f64), torch.randn(B, 3, dtype=f64)
    cases = {
        "cross-entropy, one point (430)": (losses.cross_entropy_point(logits[0], int(targets[0])),
                                            F.cross_entropy(logits[:1], targets[:1])),
        "cross-entropy, batch (450)": (losses.cross_entropy(logits, targets),
                                       F.cross_entropy(logits, targets)),
        "cross-entropy, large logits": (losses.cross_entropy(hard, targets),
                                        F.cross_entropy(hard, targets)),
        "cross-entropy, one point, large": (losses.cross_entropy_point(hard[0], int(targets[0])),
                                            F.cross_entropy(hard[:1], targets[:1])),
        "logistic, one point (480)": (losses.logistic_loss(z[:1], labels[:1]),
                                      F.binary_cross_entropy_with_logits(z[:1], y[:1])),
        "logistic, batch": (losses.logistic_loss(z, labels),
                            F.binary_cross_entropy_with_logits(z, y)),
        "logistic, large scores": (losses.logistic_loss(z * big, labels),
                                   F.binary_cross_entropy_with_logits(z * big, y)),
        "MSE (002)": (losses.mse(pred, target), F.mse_loss(pred, target)),
    }
    return {name: (float(ours), float(ref)) for name, (ours, ref) in cases.items()}


def overflow_figure(big: float) -> Figure:
    """Left: the losses as curves. Right: naive softmax-then-log vs log-sum-exp as logits grow."""
    fig = Figure(figsize=(11, 3.8))
    left, right = fig.subplots(1, 2)
    s = torch.linspace(-6, 6, 200, dtype=torch.float64)
    left.plot(s, [float(losses.cross_entropy_point(torch.stack([v, 0 * v]), 0)) for v in s],
              label="cross-entropy, 2 classes: z_true - z_other = s")
    left.plot(s, [float(losses.logistic_loss(v[None], torch.ones(1))) for v in s], "--",
              label="logistic loss, y = 1, score s (same curve)")
    left.plot(s, (s - 1) ** 2, ":", label="MSE (s - 1)^2")
    left.set_ylim(0, 8)
    left.set_xlabel("s")
    left.legend(fontsize=8)
    left.set_title("losses of one point")
    scales = torch.logspace(0, 3.5, 60, dtype=torch.float64)
    base = torch.tensor([1.0, 0.5, -1.0], dtype=torch.float32)
    naive = [float(losses.naive_cross_entropy_point(base * a, 1)) for a in scales.float()]
    stable = [float(losses.cross_entropy_point(base * a, 1)) for a in scales.float()]
    right.loglog(scales, stable, label="log-sum-exp (ours, = torch)")
    finite = [(a, v) for a, v in zip(scales.tolist(), naive) if v == v and v < float("inf")]
    right.loglog(*zip(*finite), "--", label="naive: exp, divide, log (float32)")
    cut = finite[-1][0] if finite else 1
    right.axvline(cut, color="C3", lw=0.8)
    right.text(cut, min(stable), " naive -> inf / nan", color="C3", fontsize=8)
    right.set_xlabel("logit scale a, logits = a * (1, 0.5, -1)")
    right.set_ylabel("cross-entropy, target = class 1")
    right.legend(fontsize=8)
    right.set_title("why log-sum-exp")
    fig.tight_layout()
    return fig


@dataclass(kw_only=True)
class LossesResult(Result):
    cases: dict[str, tuple[float, float]]  # loss -> (ours, torch's)
    diffs: dict[str, float]  # loss -> |ours - torch's|


def run(config: Config, ctx: Context) -> LossesResult:
    """Every hand-written loss against torch.nn.functional; the naive formula's overflow shown."""
    positive(batch=config.batch, classes=config.classes, large=config.large)
    if config.classes < 2:
        raise DojoError(f"classes must be at least 2, not {config.classes}")
    cases = comparisons(config)
    diffs = {name: abs(ours - ref) for name, (ours, ref) in cases.items()}
    for name, (ours, ref) in cases.items():
        ctx.say(f"{name:34s} ours {ours:.10g}  torch {ref:.10g}  |diff| {diffs[name]:.2g}")
    big = torch.tensor([config.large, 0.0, -config.large], dtype=torch.float64)
    naive = float(losses.naive_cross_entropy_point(big, 1))
    stable = float(losses.cross_entropy_point(big, 1))
    ctx.say(f"logits {big.tolist()}, target 1: naive {naive}, log-sum-exp {stable}")
    metrics = {"max_abs_diff": max(diffs.values()), "naive_is_finite": float(naive == naive and
                                                                             abs(naive) < 1e308),
               "stable_large_logit_loss": stable}
    result = LossesResult(metrics, dataset="generated",
                          dataset_label=f"random float64 logits, batch {config.batch}, "
                                        f"{config.classes} classes; hard inputs at "
                                        f"+-{config.large:g}",
                          cases=cases, diffs=diffs)
    result.figures["losses"] = ctx.savefig(overflow_figure(config.large), "losses")
    return result
