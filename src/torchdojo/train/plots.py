"""Figures every experiment can use: curves, confusion matrix, image grids.

Built on matplotlib's object API (Figure, not pyplot), so nothing depends on a
display or a global backend; in a notebook a returned Figure shows itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import torch
from matplotlib.figure import Figure


def curves(history: Sequence[dict[str, Any]], keys: Sequence[str] | None = None) -> Figure:
    """One panel per metric (loss, acc, ...), train and val over epochs."""
    metrics = keys or sorted({k for r in history for k in r
                              if k not in ("phase", "epoch", "time_s", "step")},
                             key=lambda k: (k != "loss", k))
    fig = Figure(figsize=(4.2 * max(len(metrics), 1), 3.2))
    axes = fig.subplots(1, max(len(metrics), 1), squeeze=False)[0]
    for ax, key in zip(axes, metrics):
        for phase, style in (("train", "-o"), ("val", "--s")):
            rows = [r for r in history if r.get("phase") == phase and key in r]
            if rows:
                ax.plot([r["epoch"] for r in rows], [r[key] for r in rows], style,
                        label=phase, markersize=3)
        ax.set_xlabel("epoch")
        ax.set_title(key)
        ax.grid(alpha=0.3)
        ax.legend()
    fig.tight_layout()
    return fig


def confusion(targets: torch.Tensor, preds: torch.Tensor, classes: Sequence[str]) -> Figure:
    """Confusion matrix: row = true class, column = predicted, counts in each cell."""
    k = len(classes)
    matrix = torch.bincount(targets.cpu() * k + preds.cpu(), minlength=k * k).reshape(k, k)
    fig = Figure(figsize=(6, 5.4))
    ax = fig.subplots()
    image = ax.imshow(matrix.numpy(), cmap="Blues")
    fig.colorbar(image, ax=ax, fraction=0.046)
    ax.set_xticks(range(k), [str(c)[:10] for c in classes], rotation=60, ha="right")
    ax.set_yticks(range(k), [str(c)[:10] for c in classes])
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    limit = matrix.max().item() / 2
    for i in range(k):
        for j in range(k):
            ax.text(j, i, int(matrix[i, j]), ha="center", va="center", fontsize=7,
                    color="white" if matrix[i, j] > limit else "black")
    ax.set_title("confusion matrix")
    fig.tight_layout()
    return fig


def image_grid(images: torch.Tensor, titles: Sequence[str] | None = None, *,
               cols: int = 8, cmap: str = "gray", title: str | None = None) -> Figure:
    """A grid of (N, H, W) or (N, 1, H, W) images, each with an optional caption."""
    images = images.detach().float().cpu()
    if images.ndim == 4:
        images = images[:, 0] if images.shape[1] == 1 else images.permute(0, 2, 3, 1)
    n = images.shape[0]
    cols = min(cols, max(n, 1))
    rows = -(-n // cols)
    fig = Figure(figsize=(1.3 * cols, 1.45 * rows + (0.4 if title else 0)))
    axes = np.atleast_1d(fig.subplots(rows, cols, squeeze=False)).ravel()
    for i, ax in enumerate(axes):
        ax.axis("off")
        if i < n:
            ax.imshow(images[i].numpy(), cmap=cmap)
            if titles is not None:
                ax.set_title(titles[i], fontsize=7)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def worst_mistakes(images: torch.Tensor, logits: torch.Tensor, targets: torch.Tensor,
                   classes: Sequence[str], n: int = 24) -> Figure:
    """The misclassified images the model was most sure about."""
    probs = logits.float().softmax(-1).cpu()
    preds = probs.argmax(-1)
    wrong = (preds != targets.cpu()).nonzero().flatten()
    confidence = probs[wrong, preds[wrong]]
    worst = wrong[confidence.argsort(descending=True)[:n]]
    titles = [f"{str(classes[preds[i]])[:8]} ({probs[i, preds[i]]:.0%})\nnot "
              f"{str(classes[targets[i]])[:8]}" for i in worst.tolist()]
    return image_grid(images[worst], titles, title="most confident mistakes")
