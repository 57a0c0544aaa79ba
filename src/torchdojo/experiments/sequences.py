"""sequences (910): generate labelled variable-length sequences whose label depends on order,
pad and mask them, pack a batch, and check every property the generator promises."""

from __future__ import annotations

from dataclasses import dataclass

import torch
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure
from torch.nn.utils.rnn import PackedSequence, pack_padded_sequence, pad_packed_sequence

from torchdojo.data.sequences import A, B, SequenceData, check, make_sequences
from torchdojo.train.context import Context, Result


@dataclass
class Config:
    n: int = 10_000
    min_len: int = 4
    max_len: int = 30
    vocab_size: int = 8
    show: int = 12  # sequences shown in the batch figure
    seed: int = 0


QUICK = {"n": 500}


@dataclass(kw_only=True)
class SequencesResult(Result):
    data: SequenceData
    checks: dict[str, bool]  # property -> holds
    packed: PackedSequence  # one packed batch


def run(config: Config, ctx: Context) -> SequencesResult:
    """Generate, check the promised properties, and draw a padded batch and its mask."""
    data = make_sequences(config.n, min_len=config.min_len, max_len=config.max_len,
                          vocab_size=config.vocab_size, seed=config.seed)
    again = make_sequences(config.n, min_len=config.min_len, max_len=config.max_len,
                           vocab_size=config.vocab_size, seed=config.seed)
    checks = check(data)
    checks["same seed, same data"] = torch.equal(data.tokens, again.tokens) and \
        torch.equal(data.labels, again.labels)
    batch = slice(0, min(config.show, len(data)))
    packed = pack_padded_sequence(data.tokens[batch], data.lengths[batch], batch_first=True,
                                  enforce_sorted=False)
    # a packed batch holds exactly the real tokens: sum of lengths, no padding
    checks["packed batch holds only real tokens"] = \
        packed.data.numel() == int(data.lengths[batch].sum()) and bool((packed.data != 0).all())
    for name, ok in checks.items():
        ctx.say(f"{'ok  ' if ok else 'FAIL'} {name}")
    for i in range(batch.stop):
        ctx.say(f"  {data.text(i)}  len {int(data.lengths[i]):2d}  label {int(data.labels[i])}")
    failed = sum(not ok for ok in checks.values())
    metrics = {"checks_failed": float(failed), "checks": float(len(checks)),
               **by_hand_errors(data, packed, batch.stop),
               "mean_length": data.lengths.float().mean().item(),
               "label1_share": data.labels.float().mean().item()}
    figures = {"batch": ctx.savefig(batch_figure(data, batch.stop), "batch"),
               "lengths": ctx.savefig(lengths_figure(data), "lengths")}
    return SequencesResult(metrics, dataset="generated",
                           dataset_label=f"{config.n} sequences, lengths {config.min_len}-"
                                         f"{config.max_len}, {config.vocab_size} symbols",
                           figures=figures, data=data, checks=checks, packed=packed)


def by_hand_errors(data: SequenceData, packed: PackedSequence, n: int) -> dict[str, float]:
    """What the generator and the packing must agree with, rebuilt in plain Python: each
    label by the order rule on the sequence's text, and the first n padded rows and
    lengths (unpacked again) from lists of the real symbols."""
    label_errors = 0
    for i in range(len(data)):
        text = data.text(i).rstrip(".")
        label_errors += int(int(data.labels[i]) != int(text.index("A") < text.index("B")))
    real = [[data.symbols.index(c) for c in data.text(i).rstrip(".")] for i in range(n)]
    width = max(map(len, real))
    padded = torch.tensor([row + [0] * (width - len(row)) for row in real])  # PAD is 0
    tokens, lengths = pad_packed_sequence(packed, batch_first=True)
    rows_wrong = int((tokens != padded).any(1).sum()) if tokens.shape == padded.shape else n
    lengths_wrong = int((lengths != torch.tensor([len(row) for row in real])).sum())
    return {"label_errors": float(label_errors),
            "padding_errors": float(rows_wrong + lengths_wrong)}


def batch_figure(data: SequenceData, n: int) -> Figure:
    """The first n padded sequences as a grid: symbols in cells, padding grey, A and B coloured."""
    tokens = data.tokens[:n]
    colours = torch.full(tokens.shape, 1.0)
    colours[tokens == A], colours[tokens == B] = 2.0, 3.0
    colours[~data.mask[:n]] = 0.0
    fig = Figure(figsize=(0.32 * tokens.shape[1] + 1.5, 0.32 * n + 1.0))
    ax = fig.subplots()
    ax.imshow(colours.numpy(), cmap=ListedColormap(["#dddddd", "white", "#4c9be8", "#f28e2b"]),
              vmin=0, vmax=3, aspect="auto")
    for i in range(n):
        for t in range(tokens.shape[1]):
            if data.mask[i, t]:
                ax.text(t, i, data.symbols[int(tokens[i, t])], ha="center", va="center",
                        fontsize=7)
    ax.set_yticks(range(n), [f"y={int(y)} (len {int(L)})"
                             for y, L in zip(data.labels[:n], data.lengths[:n])], fontsize=7)
    ax.set_xlabel("time step (grey: padding, masked out)")
    ax.set_title("a padded batch: label 1 when A (blue) comes before B (orange)")
    fig.tight_layout()
    return fig


def lengths_figure(data: SequenceData) -> Figure:
    """Histogram of sequence lengths per class (the lengths say nothing about the label)."""
    fig = Figure(figsize=(5, 3.2))
    ax = fig.subplots()
    bins = torch.arange(int(data.lengths.min()), int(data.lengths.max()) + 2) - 0.5
    for label in (0, 1):
        ax.hist(data.lengths[data.labels == label].numpy(), bins=bins.numpy(), alpha=0.5,
                label=f"label {label}")
    ax.set_xlabel("length")
    ax.set_ylabel("sequences")
    ax.legend()
    ax.set_title("lengths by class")
    fig.tight_layout()
    return fig
