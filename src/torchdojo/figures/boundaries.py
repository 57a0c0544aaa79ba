"""Decision-boundary plots for 2-D toy problems: each class's region shaded, the points on top."""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np
import torch
from matplotlib.axes import Axes
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure
from torch import Tensor, nn

COLOURS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e")
Predict = Callable[[Tensor], Tensor]  # points (N, 2) -> classes (N,)


def predictor(model: nn.Module) -> Predict:
    """A function from points to predicted classes: argmax of the model's scores."""

    @torch.no_grad()
    def predict(points: Tensor) -> Tensor:
        was_training = model.training
        model.eval()
        device = next(model.parameters()).device
        scores = model(points.to(device))  # (N, K)
        model.train(was_training)
        if scores.shape[-1] == 1:
            return (scores[:, 0] > 0).long().cpu()
        return scores.argmax(-1).cpu()

    return predict


def grid(x: Tensor, steps: int = 200, margin: float = 0.3) -> tuple[Tensor, Tensor, Tensor]:
    """A steps x steps grid covering the points `x` (N, 2): (xx, yy, grid points (steps^2, 2))."""
    x = x.detach().float().cpu()
    low, high = x.min(0).values - margin, x.max(0).values + margin
    xs = torch.linspace(float(low[0]), float(high[0]), steps)
    ys = torch.linspace(float(low[1]), float(high[1]), steps)
    xx, yy = torch.meshgrid(xs, ys, indexing="xy")  # (steps, steps) each
    return xx, yy, torch.stack([xx.flatten(), yy.flatten()], dim=1)


def draw(ax: Axes, predict: Predict, x: Tensor, y: Tensor, *, title: str | None = None,
         steps: int = 200) -> None:
    """Shade the class `predict` gives every point of the plane; scatter the data over it."""
    x, y = x.detach().float().cpu(), y.detach().cpu()
    classes = max(int(y.max()) + 1, 2)
    cmap = ListedColormap(COLOURS[:classes])
    xx, yy, points = grid(x, steps)
    regions = predict(points).reshape(xx.shape).numpy()
    ax.contourf(xx.numpy(), yy.numpy(), regions, levels=np.arange(classes + 1) - 0.5,
                cmap=cmap, alpha=0.25)
    ax.scatter(x[:, 0].numpy(), x[:, 1].numpy(), c=y.numpy(), cmap=cmap, vmin=-0.5,
               vmax=classes - 0.5, s=12, edgecolors="k", linewidths=0.3)
    ax.set_aspect("equal", adjustable="box")
    if title:
        ax.set_title(title, fontsize=10)


def boundaries(panels: Mapping[str, Predict | nn.Module], x: Tensor, y: Tensor, *,
               cols: int | None = None, steps: int = 200, title: str | None = None) -> Figure:
    """Side-by-side decision regions, one panel per named model (or predict function)."""
    cols = cols or len(panels)
    rows = -(-len(panels) // cols)
    fig = Figure(figsize=(3.6 * cols, 3.6 * rows + (0.4 if title else 0)))
    axes = np.atleast_1d(fig.subplots(rows, cols, squeeze=False)).ravel()
    for ax, (name, model) in zip(axes, panels.items()):
        predict = predictor(model) if isinstance(model, nn.Module) else model
        draw(ax, predict, x, y, title=name, steps=steps)
    for ax in axes[len(panels):]:
        ax.axis("off")
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig
