"""Figures every experiment can use: curves, confusion matrix, image grids.

Built on matplotlib's object API (Figure, not pyplot), so nothing depends on a
display or a global backend; in a notebook a returned Figure shows itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import matplotlib
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
               cols: int = 8, cmap: str = "gray", title: str | None = None,
               vmin: float | None = None, vmax: float | None = None) -> Figure:
    """A grid of (N, H, W), (N, 1, H, W) or (N, 3, H, W) images, each with an optional caption.

    One imshow of one mosaic (an axes per image costs ~30 ms to lay out: seconds for a grid
    of samples). Without vmin/vmax each grey image is stretched to its own min..max, as a
    separate imshow would; gutters are blank."""
    images = images.detach().float().cpu()
    if images.ndim == 4:
        images = images[:, 0] if images.shape[1] == 1 else images.permute(0, 2, 3, 1)
    n, h, w = images.shape[:3]
    cols = min(cols, max(n, 1))
    rows = -(-n // cols)
    grey = images.ndim == 3
    if grey and (vmin is None or vmax is None):
        low = images.amin((1, 2), keepdim=True)
        span = (images.amax((1, 2), keepdim=True) - low).clamp_min(1e-12)
        images, vmin, vmax = (images - low) / span, 0.0, 1.0
    pad = max(2, h // 10)
    gap = (h // 2 + pad) if titles is not None else pad  # room for two lines of caption
    canvas = _canvas(images, rows, cols, (gap, pad), fill=float("nan") if grey else 1.0,
                     border=False, top=gap if titles is not None else 0)
    fig = Figure(figsize=(1.3 * cols, 1.45 * rows + (0.4 if title else 0)))
    ax = fig.subplots()
    colours = matplotlib.colormaps[cmap].with_extremes(bad="white")
    ax.imshow(canvas.numpy(), cmap=colours, vmin=vmin, vmax=vmax, interpolation="nearest")
    ax.axis("off")
    for i, caption in enumerate(titles[:n] if titles is not None else ()):
        r, c = divmod(i, cols)
        ax.text(c * (w + pad) + w / 2, gap + r * (h + gap) - 0.8, caption, ha="center",
                va="bottom", fontsize=7)
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


def _canvas(images: torch.Tensor, rows: int, cols: int, pad: int | tuple[int, int],
            fill: float, border: bool, top: int = 0) -> torch.Tensor:
    """(N, H, W[, C]) images pasted row by row into one (rows, cols) grid with `pad`-pixel
    gutters (or (between rows, between columns)) of value `fill`, around the outside too
    when `border`, and `top` more rows of gutter above the first row (captions)."""
    n, h, w = images.shape[:3]
    pad_r, pad_c = (pad, pad) if isinstance(pad, int) else pad
    edge_r, edge_c = (pad_r, pad_c) if border else (0, 0)
    out = torch.full((top + rows * (h + pad_r) - pad_r + 2 * edge_r,
                      cols * (w + pad_c) - pad_c + 2 * edge_c, *images.shape[3:]),
                     fill, dtype=images.dtype)
    for i in range(n):
        r, c = divmod(i, cols)
        y, x = top + edge_r + r * (h + pad_r), edge_c + c * (w + pad_c)
        out[y:y + h, x:x + w] = images[i]
    return out


def mosaic(images: torch.Tensor, rows: int, *, title: str | None = None,
           row_labels: Sequence[str] | None = None) -> Figure:
    """(N, H, W) or (N, 1, H, W) images tiled into one picture of `rows` rows (one imshow)."""
    images = images.detach().float().cpu()
    if images.ndim == 4:
        images = images[:, 0]
    n, h, w = images.shape
    cols = -(-n // rows)
    canvas = _canvas(images, rows, cols, pad=1, fill=0.15, border=False)  # light grey gutters
    scale = 0.6 if max(rows, cols) <= 12 else 0.3
    fig = Figure(figsize=(scale * cols + (1.2 if row_labels else 0.3),
                          scale * rows + (0.5 if title else 0.2)))
    ax = fig.subplots()
    ax.imshow(canvas.numpy(), cmap="gray_r", vmin=0, vmax=1)
    ax.set_xticks([])
    if row_labels:
        ax.set_yticks([r * (h + 1) + h / 2 for r in range(rows)], list(row_labels))
        ax.tick_params(left=False)
    else:
        ax.set_yticks([])
    for side in ax.spines.values():
        side.set_visible(False)
    if title:
        ax.set_title(title)
    fig.tight_layout()
    return fig


def latent_scatter(z: torch.Tensor, labels: torch.Tensor, classes: Sequence[str], *,
                   title: str = "latent means of the test images") -> Figure:
    """A 2-D latent code per image (N, 2), coloured by its class."""
    z, labels = z.detach().float().cpu(), labels.cpu()
    fig = Figure(figsize=(6.2, 5.4))
    ax = fig.subplots()
    points = ax.scatter(z[:, 0].numpy(), z[:, 1].numpy(), c=labels.numpy(), cmap="tab10",
                        s=4, alpha=0.7, vmin=-0.5, vmax=9.5)
    bar = fig.colorbar(points, ax=ax, ticks=range(len(classes)))
    bar.ax.set_yticklabels([str(c)[:10] for c in classes])
    ax.set_xlabel("$z_1$")
    ax.set_ylabel("$z_2$")
    ax.set_title(title)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    return fig


def feature_maps(image: torch.Tensor, maps: Sequence[torch.Tensor], names: Sequence[str], *,
                 cols: int = 8) -> Figure:
    """An input image (H, W), then one block of panels per layer's (C, h, w) feature maps,
    each panel titled '<layer name> #<channel>'."""
    rows = [-(-m.shape[0] // cols) for m in maps]  # rows each layer needs
    fig = Figure(figsize=(1.3 * cols, 1.45 * (2 + sum(rows))))
    grid = fig.add_gridspec(2 + sum(rows), cols)
    ax = fig.add_subplot(grid[:2, :2])
    ax.imshow(image.detach().float().cpu().numpy(), cmap="gray")
    ax.set_title("input")
    ax.axis("off")
    row = 2
    for layer, name in zip(maps, names):
        layer = layer.detach().float().cpu()
        for c in range(layer.shape[0]):
            ax = fig.add_subplot(grid[row + c // cols, c % cols])
            ax.imshow(layer[c].numpy(), cmap="viridis")
            ax.axis("off")
            ax.set_title(f"{name} #{c}", fontsize=7)
        row += -(-layer.shape[0] // cols)
    fig.subplots_adjust(left=0.02, right=0.98, bottom=0.02, top=0.96, hspace=0.35, wspace=0.1)
    return fig


def filters(weights: torch.Tensor, *, cols: int = 8, title: str | None = None) -> Figure:
    """Conv filters (N, k, k) on a symmetric colour scale: white 0, blue +, red -."""
    limit = float(weights.detach().abs().max()) or 1.0
    return image_grid(weights, [f"#{i}" for i in range(weights.shape[0])], cols=cols,
                      cmap="RdBu", title=title, vmin=-limit, vmax=limit)


def layer_grad_norms(series: dict[str, tuple[Sequence[int], Sequence[Sequence[float]]]],
                     *, cols: int = 2) -> Figure:
    """Per-layer gradient norms over training, one panel per variant (log scale).

    `series[name] = (steps, norms)` with `norms[layer][i]` the norm at `steps[i]`.
    """
    n = len(series)
    cols = min(cols, max(n, 1))
    rows = -(-n // cols)
    fig = Figure(figsize=(5.2 * cols, 3.4 * rows))
    axes = np.atleast_1d(fig.subplots(rows, cols, squeeze=False)).ravel()
    for ax in axes[n:]:
        ax.axis("off")
    for ax, (name, (steps, norms)) in zip(axes, series.items()):
        shades = matplotlib.colormaps["viridis"](np.linspace(0, 0.9, max(len(norms), 1)))
        for layer, values in enumerate(norms):  # first layer dark, last layer light
            ax.plot(steps, values, label=f"layer {layer + 1}", linewidth=1.2,
                    color=shades[layer])
        ax.set_yscale("log")
        ax.set_xlabel("training step")
        ax.set_ylabel("||dL/dW||")
        ax.set_title(name, fontsize=9)
        ax.grid(alpha=0.3)
    axes[0].legend(fontsize=7, ncol=2)
    fig.tight_layout()
    return fig


def variant_table(names: Sequence[str], layer_values: Sequence[Sequence[float]],
                  accs: Sequence[float]) -> Figure:
    """One row per variant: a heat map of log10 per-layer values (e.g. gradient norms at
    initialisation), and beside it a bar of the variant's accuracy."""
    values = np.log10(np.maximum(np.asarray(layer_values, dtype=float), 1e-30))  # (V, L)
    n, layers = values.shape
    fig = Figure(figsize=(11, 0.42 * n + 1.6))
    left, right = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1.4, 1]}, sharey=True)
    image = left.imshow(values, cmap="magma", aspect="auto")
    fig.colorbar(image, ax=left, fraction=0.04, label="log10 ||dL/dW|| at step 1")
    for i in range(n):
        for j in range(layers):
            left.text(j, i, f"{values[i, j]:.1f}", ha="center", va="center", fontsize=7,
                      color="white" if values[i, j] < values.mean() else "black")
    left.set_xticks(range(layers), [f"layer {j + 1}" for j in range(layers)], fontsize=8)
    left.set_yticks(range(n), list(names), fontsize=8)
    left.set_title("gradient norm per layer at initialisation")
    right.barh(range(n), [100 * a for a in accs], color="tab:blue")
    for i, a in enumerate(accs):
        right.text(100 * a + 1, i, f"{100 * a:.1f}", va="center", fontsize=7)
    right.set_xlim(0, 110)
    right.set_xlabel("validation accuracy after the short run (%)")
    right.grid(alpha=0.3, axis="x")
    fig.tight_layout()
    return fig


def image_rows(rows: torch.Tensor, row_labels: Sequence[str] | None = None,
               col_labels: Sequence[str] | None = None, *, title: str | None = None) -> Figure:
    """A table of images in [0, 1], (R, C, H, W) or (R, C, 1, H, W), on one grey scale: e.g.
    one row per sample and one column per epoch or per denoising step. One mosaic, one
    imshow; the labels are its ticks."""
    rows = rows.detach().float().cpu()
    if rows.ndim == 5:
        rows = rows[:, :, 0]
    n_rows, n_cols, h, w = rows.shape
    pad = max(1, h // 14)
    canvas = _canvas(rows.reshape(n_rows * n_cols, h, w), n_rows, n_cols, pad,
                     fill=float("nan"), border=False)
    fig = Figure(figsize=(0.95 * n_cols + 0.6, 0.95 * n_rows + (0.5 if title else 0.2)))
    ax = fig.subplots()
    ax.imshow(canvas.numpy(), cmap=matplotlib.colormaps["gray"].with_extremes(bad="white"),
              vmin=0, vmax=1, interpolation="nearest")
    ax.set_xticks([c * (w + pad) + w / 2 for c in range(n_cols)],
                  list(col_labels) if col_labels is not None else [""] * n_cols, fontsize=7)
    ax.set_yticks([r * (h + pad) + h / 2 for r in range(n_rows)],
                  list(row_labels) if row_labels is not None else [""] * n_rows, fontsize=7)
    ax.xaxis.tick_top()
    ax.tick_params(length=0)
    for spine in ax.spines.values():
        spine.set_visible(False)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def tile(images: torch.Tensor, cols: int = 8, pad: int = 2) -> np.ndarray:
    """(N, 1, H, W) images in [-1, 1] -> one uint8 (rows*(H+pad), cols*(W+pad)) mosaic."""
    x = ((images.detach().float().cpu().clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8)
    return _canvas(x[:, 0], -(-x.shape[0] // cols), cols, pad, fill=0, border=True).numpy()


def gif_bytes(frames: Sequence[np.ndarray], *, scale: int = 2, ms_per_frame: int = 250) -> bytes:
    """uint8 frames (grey mosaics or rgb) -> an animated GIF (Pillow), each enlarged `scale`
    times, looping: the one GIF writer (samples over training, rendered episodes)."""
    import io

    from PIL import Image

    images = [Image.fromarray(f).resize((f.shape[1] * scale, f.shape[0] * scale),
                                        Image.NEAREST) for f in frames]
    buffer = io.BytesIO()
    images[0].save(buffer, format="GIF", save_all=True, append_images=images[1:],
                   duration=ms_per_frame, loop=0)
    return buffer.getvalue()


def png_bytes(mosaic: np.ndarray, *, scale: int = 2) -> bytes:
    """A grey uint8 mosaic -> PNG bytes (Pillow), enlarged `scale` times."""
    import io

    from PIL import Image

    image = Image.fromarray(mosaic)
    image = image.resize((mosaic.shape[1] * scale, mosaic.shape[0] * scale), Image.NEAREST)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def class_shares(shares: torch.Tensor, classes: Sequence[str], *,
                 title: str = "classes of the samples, as the judge sees them") -> Figure:
    """A bar per class: the share of samples assigned to it (uniform = 1/K; collapse shows)."""
    fig = Figure(figsize=(6, 2.8))
    ax = fig.subplots()
    k = len(classes)
    ax.bar(range(k), shares.cpu().numpy())
    ax.axhline(1 / k, color="grey", lw=0.8, ls="--", label="uniform")
    ax.set_xticks(range(k), [str(c)[:10] for c in classes], rotation=30)
    ax.set_ylabel("share")
    ax.set_title(title, fontsize=10)
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig
