"""affine (210): a layer of neurons is an affine map y = W x + b; ours against nn.Linear,
and what W and b do to a cloud of 2-D points."""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from matplotlib.figure import Figure
from torch import Tensor, nn

from torchdojo.experiments.toy_classifier import positive
from torchdojo.models.affine import Affine
from torchdojo.train.context import Context, Result


@dataclass
class Config:
    n_points: int = 500
    batch: int = 64  # points in the random comparison with nn.Linear
    in_features: int = 5
    out_features: int = 3
    seed: int = 0


QUICK: dict = {}


def smiley(n: int) -> Tensor:
    """A 2-D point cloud whose shape shows rotation, shear and reflection: a face. (n, 2)"""
    k = n // 6
    t = torch.linspace(0, 2 * math.pi, n - 3 * k)
    face = torch.stack([t.cos(), t.sin()], 1)  # the outline: a unit circle
    s = torch.linspace(-1, 1, k)
    mouth = torch.stack([0.5 * s, -0.35 - 0.2 * (1 - s ** 2)], 1)  # a smile: up is not down
    ring = 0.1 * torch.stack([torch.linspace(0, 2 * math.pi, k).cos(),
                              torch.linspace(0, 2 * math.pi, k).sin()], 1)
    eyes = [ring + torch.tensor([-0.35, 0.35]), 0.5 * ring + torch.tensor([0.35, 0.35])]
    return torch.cat([face, mouth, *eyes])  # (n, 2)


def compare_with_linear(layer: Affine, x: Tensor) -> float:
    """max |ours - nn.Linear| with the very same weight and bias."""
    reference = nn.Linear(layer.weight.shape[1], layer.weight.shape[0]).to(layer.weight.device)
    reference.load_state_dict(layer.state_dict())  # same names: weight (out, in), bias (out,)
    with torch.no_grad():
        return float((layer(x) - reference(x)).abs().max())


def cloud_figure(points: Tensor, W: Tensor, b: Tensor) -> Figure:
    """Three panels: the cloud x, then W x (rotate/scale/shear about the origin), then W x + b."""
    fig = Figure(figsize=(11, 3.8))
    steps = [("x", points), ("W x", points @ W.T), ("W x + b", points @ W.T + b)]
    for ax, (title, p) in zip(fig.subplots(1, 3, sharex=True, sharey=True), steps):
        ax.scatter(p[:, 0], p[:, 1], s=4, c=torch.arange(len(p)), cmap="viridis")
        ax.axhline(0, color="0.7", lw=0.8)
        ax.axvline(0, color="0.7", lw=0.8)
        ax.set_aspect("equal")
        ax.set_title(title)
        if title == "W x":  # the columns of W are where the unit vectors e1, e2 land
            for j, colour in ((0, "C3"), (1, "C1")):
                ax.annotate("", xy=W[:, j].tolist(), xytext=(0, 0),
                            arrowprops=dict(arrowstyle="->", color=colour, lw=2))
        if title == "W x + b":
            ax.annotate("", xy=b.tolist(), xytext=(0, 0),
                        arrowprops=dict(arrowstyle="->", color="k", lw=2))
    rows = "; ".join(" ".join(f"{v:.1f}" for v in row) for row in W.tolist())
    shift = ", ".join(f"{v:.1f}" for v in b.tolist())
    fig.suptitle(f"W = [{rows}] sends e1, e2 to its columns (red, orange); b = ({shift}) shifts")
    fig.tight_layout()
    return fig


@dataclass(kw_only=True)
class AffineResult(Result):
    layer: Affine  # the random layer compared with nn.Linear
    plane: Affine  # the 2-D map that is plotted
    points: Tensor  # (N, 2) the cloud it maps


def run(config: Config, ctx: Context) -> AffineResult:
    """Compare y = W x + b with nn.Linear (exactly), and plot a 2-D cloud under W and b."""
    positive(n_points=config.n_points, batch=config.batch, in_features=config.in_features,
             out_features=config.out_features)
    # on the CPU whatever --device says: the claim is about arithmetic, not about speed
    layer = Affine(config.in_features, config.out_features)
    x = torch.randn(config.batch, config.in_features)  # (B, in)
    diff = compare_with_linear(layer, x)
    # the same check for the 2-D map that is plotted
    W = torch.tensor([[1.2, 0.6], [-0.4, 0.9]])  # (2 out, 2 in)
    b = torch.tensor([1.5, -0.5])
    plane = Affine(2, 2)
    with torch.no_grad():
        plane.weight.copy_(W)
        plane.bias.copy_(b)
    points = smiley(config.n_points)
    diff = max(diff, compare_with_linear(plane, points))
    ctx.say(f"max |ours - nn.Linear| = {diff} over {config.batch} random points "
            f"({config.in_features} -> {config.out_features}) and the {len(points)}-point cloud")
    fig = cloud_figure(points, W, b)
    result = AffineResult({"max_abs_diff": diff}, dataset="generated",
                          dataset_label=f"random inputs and a {len(points)}-point 2-D cloud",
                          layer=layer, plane=plane, points=points)
    result.figures["cloud"] = ctx.savefig(fig, "affine_cloud")
    return result
