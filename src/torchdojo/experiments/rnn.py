"""rnn (920): an RNN classifier on the order-dependent sequences; the hand-written RNN cell
replays the trained nn.RNN exactly; the hidden state drawn over time."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import torch
import torch.nn.functional as F
from matplotlib.figure import Figure
from torch import Tensor, nn

from torchdojo.data.sequences import SequenceData, make_sequences
from torchdojo.figures import plots
from torchdojo.models.mlp import count_parameters
from torchdojo.models.rnn import RNNCellByHand, SequenceClassifier
from torchdojo.train.context import SWITCH_NAMES, Context, Result
from torchdojo.train.optim import fast


@dataclass
class Config:
    cell: Literal["rnn", "lstm", "gru"] = "rnn"
    n_train: int = 10_000
    n_test: int = 2_000
    min_len: int = 4
    max_len: int = 30
    vocab_size: int = 8
    embed: int = 16
    hidden: int = 64
    epochs: int = 12
    batch_size: int = 64
    lr: float = 3e-3
    grad_clip: float = 1.0
    seed: int = 0


SWITCHES = SWITCH_NAMES  # it trains through ctx.fit: --amp, --compile, --nproc reach it

QUICK = {"n_train": 2000, "n_test": 500, "max_len": 12, "epochs": 6}


def sequence_loss(model: nn.Module, batch: tuple[Tensor, ...]) -> tuple[Tensor, dict]:
    """Cross-entropy and accuracy on a batch (tokens, lengths, labels), trimmed to its longest."""
    tokens, lengths, labels = batch
    tokens = tokens[:, :int(lengths.max())]  # (B, T_max of this batch)
    logits = model(tokens, lengths)  # (B, 2)
    return F.cross_entropy(logits, labels), {"acc": (logits.argmax(-1) == labels).float().mean()}


def as_tensors(data: SequenceData, device: torch.device) -> tuple[Tensor, Tensor, Tensor]:
    """(tokens, lengths, labels) on the device, as the loop batches them."""
    return data.tokens.to(device), data.lengths.to(device), data.labels.to(device)


@torch.no_grad()
def hand_cell_diff(model: SequenceClassifier, data: SequenceData, n: int = 64) -> float:
    """Max |h_hand - h_torch| over n sequences: RNNCellByHand with the trained nn.RNN's weights."""
    model = model.cpu()
    tokens, lengths = data.tokens[:n], data.lengths[:n]
    x = model.embed(tokens)  # (n, T, E)
    hand = RNNCellByHand.from_rnn(model.rnn).unroll(x)  # (n, T, H)
    ours = model.states(tokens, lengths)  # (n, T, H), zero after the end
    real = data.mask[:n]
    return (hand[real] - ours[real]).abs().max().item()


@dataclass(kw_only=True)
class RNNResult(Result):
    model: SequenceClassifier
    train: SequenceData
    test: SequenceData


def run(config: Config, ctx: Context) -> RNNResult:
    """Train the classifier, check the hand cell against it, draw the hidden state over time."""
    kw = dict(min_len=config.min_len, max_len=config.max_len, vocab_size=config.vocab_size)
    train_data = make_sequences(config.n_train, seed=config.seed, **kw)
    test_data = make_sequences(config.n_test, seed=config.seed + 1, **kw)
    # the curves use a validation draw of their own; the test draw is scored once, at the end
    val_data = make_sequences(config.n_test, seed=config.seed + 2, **kw)
    torch.manual_seed(config.seed)
    model = SequenceClassifier(config.vocab_size, 2, embed=config.embed, hidden=config.hidden,
                               cell=config.cell).to(ctx.device)
    ctx.say(f"{config.cell.upper()} classifier, {count_parameters(model):,} parameters, "
            f"{config.n_train} training sequences of length {config.min_len}-{config.max_len}")
    optimizer = torch.optim.Adam(model.parameters(), lr=config.lr, **fast(ctx.device))
    steps = config.epochs * -(-config.n_train // config.batch_size)
    scheduler = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=config.lr,
                                                    total_steps=steps, pct_start=0.2)
    test = as_tensors(test_data, ctx.device)
    history = ctx.fit(model, as_tensors(train_data, ctx.device), loss_fn=sequence_loss,
                      optimizer=optimizer, scheduler=scheduler, epochs=config.epochs,
                      batch_size=config.batch_size, val=as_tensors(val_data, ctx.device),
                      seed=config.seed,
                      grad_clip=config.grad_clip)
    final = ctx.evaluate(model, test, sequence_loss)
    metrics = {"test_acc": final["acc"], "test_loss": final["loss"],
               "train_acc": [r["acc"] for r in history if r["phase"] == "train"][-1]}
    if config.cell == "rnn":
        metrics["hand_cell_max_abs_diff"] = hand_cell_diff(model, test_data)
        ctx.say(f"hand-written RNN cell vs nn.RNN, same trained weights: max abs diff "
                f"{metrics['hand_cell_max_abs_diff']:.2e}")
    model = model.cpu()
    ctx.say(f"test accuracy {100 * final['acc']:.2f}% (chance 50%)")
    figures = {"curves": ctx.savefig(plots.curves(history, ["loss", "acc"]), "curves"),
               "hidden_state": ctx.savefig(hidden_state_figure(model, test_data), "hidden_state")}
    return RNNResult(metrics, dataset="generated",
                     dataset_label=f"order task: {config.n_train} train / {config.n_test} test "
                                   f"sequences, lengths {config.min_len}-{config.max_len}",
                     history=history, figures=figures,
                     model=model, train=train_data, test=test_data)


@torch.no_grad()
def hidden_state_figure(model: SequenceClassifier, data: SequenceData, n: int = 2) -> Figure:
    """Hidden units (rows) over time (columns) for one sequence of each label, and p(label 1)."""
    model.eval()
    picks = [int((data.labels == y).nonzero()[0]) for y in (1, 0)][:n]
    fig = Figure(figsize=(11, 3.4 * len(picks)))
    axes = fig.subplots(len(picks), 2, squeeze=False, gridspec_kw={"width_ratios": [4, 1.3]})
    for row, i in enumerate(picks):
        length = int(data.lengths[i])
        tokens = data.tokens[i:i + 1, :length]  # (1, L)
        states = model.states(tokens, data.lengths[i:i + 1])[0]  # (L, H)
        # read the classifier after every prefix: p(A before B | first t symbols)
        prefix_p = [model(tokens[:, :t], torch.tensor([t])).softmax(-1)[0, 1].item()
                    for t in range(1, length + 1)]
        ax = axes[row, 0]
        ax.imshow(states.T.numpy(), aspect="auto", cmap="RdBu_r", vmin=-1, vmax=1)
        symbols = [data.symbols[int(t)] for t in tokens[0]]
        ax.set_xticks(range(length), symbols, fontsize=8)
        ax.set_ylabel("hidden unit")
        ax.set_title(f"hidden state h_t over time, label {int(data.labels[i])}")
        ax2 = axes[row, 1]
        ax2.plot(range(1, length + 1), prefix_p, "-o", markersize=3)
        ax2.set_ylim(-0.05, 1.05)
        ax2.set_xlabel("prefix length")
        ax2.set_title("p(A before B)", fontsize=9)
        ax2.grid(alpha=0.3)
    fig.tight_layout()
    return fig
