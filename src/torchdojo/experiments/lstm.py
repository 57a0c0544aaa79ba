"""lstm (004, LSTM): the gates by hand; a character-level LSTM against a plain RNN of the same
width and training budget on a real corpus, with samples at several temperatures; and an
LSTM forecaster that must beat the naive last-value forecast on a seasonal series."""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from matplotlib.figure import Figure
from torch import Tensor, nn

from torchdojo.data import series as series_data
from torchdojo.data.text import (
    CharTokenizer,
    Corpus,
    char_windows,
    load_corpus,
    train_val_split,
)
from torchdojo.methods.sampling import generate
from torchdojo.models.mlp import count_parameters
from torchdojo.models.rnn import CharLM, SeriesPredictor, lstm_cell_step
from torchdojo.train.context import SWITCH_NAMES, Context, Result
from torchdojo.train.optim import fast


@dataclass
class Config:
    corpus: str | None = None  # a text file; default: fortunes, else the word list, else built-in
    max_chars: int | None = None  # read at most this much of the corpus (None: all of it)
    block: int = 64  # characters per training window (truncated backprop through time)
    embed: int = 64
    hidden: int = 256
    layers: int = 1
    epochs: int = 5
    batch_size: int = 32
    lr: float = 5e-3
    grad_clip: float = 1.0
    prompt: str = "The "
    temperatures: tuple[float, ...] = (0.5, 0.8, 1.0)
    sample_chars: int = 300
    series_days: int = 1461  # four years of daily values
    series_window: int = 28
    series_hidden: int = 32
    series_epochs: int = 40
    series_lr: float = 3e-3
    seed: int = 0


SWITCHES = SWITCH_NAMES  # it trains through ctx.fit: --amp, --compile, --nproc reach it

QUICK = {"max_chars": 30_000, "block": 32, "embed": 16, "hidden": 48, "epochs": 2, "lr": 1e-2,
         "sample_chars": 80, "series_epochs": 8, "series_hidden": 16}


def char_loss(model: nn.Module, batch: tuple[Tensor, ...]) -> tuple[Tensor, dict]:
    """Mean cross-entropy of the next character, in nats per character."""
    x, y = batch  # (B, T), (B, T)
    logits = model(x)  # (B, T, V)
    return F.cross_entropy(logits.flatten(0, 1), y.flatten()), {}


def series_loss(model: nn.Module, batch: tuple[Tensor, ...]) -> tuple[Tensor, dict]:
    """Mean squared error of the one-step-ahead forecast."""
    window, target = batch  # (B, W), (B,)
    return F.mse_loss(model(window), target), {}


def train_char_model(cell: str, train: tuple[Tensor, Tensor], val: tuple[Tensor, Tensor],
                     vocab_size: int, config: Config, ctx: Context,
                     log: bool) -> tuple[CharLM, list[dict]]:
    """One CharLM (`cell`), same seed, width, steps and schedule as every other."""
    torch.manual_seed(config.seed)
    model = CharLM(vocab_size, config.embed, config.hidden, config.layers, cell).to(ctx.device)
    optimizer = torch.optim.Adam(model.parameters(), lr=config.lr, **fast(ctx.device))
    steps = config.epochs * -(-train[0].shape[0] // config.batch_size)
    scheduler = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=config.lr,
                                                    total_steps=steps, pct_start=0.1)
    ctx.say(f"{cell.upper()} character model: {count_parameters(model):,} parameters, "
            f"{steps} steps")
    history = ctx.fit(model, train, loss_fn=char_loss, optimizer=optimizer,
                      scheduler=scheduler, epochs=config.epochs, batch_size=config.batch_size,
                      val=val, seed=config.seed, log=log, grad_clip=config.grad_clip)
    return model, history


@dataclass(kw_only=True)
class LSTMResult(Result):
    lstm: CharLM  # on the CPU
    rnn: CharLM  # the same width, plain RNN cell; on the CPU
    tokenizer: CharTokenizer
    corpus: Corpus
    rnn_history: list[dict]  # the LSTM's is `history`
    gates_figure: Figure
    series_figure: Figure


def run(config: Config, ctx: Context) -> LSTMResult:
    """Text: LSTM vs RNN of the same width; series: LSTM vs the naive forecast; gates by hand."""
    corpus = load_corpus(config.corpus, max_chars=config.max_chars)
    tokenizer = CharTokenizer.from_text(corpus.text)
    prompt = config.prompt
    if not prompt or set(prompt) - set(tokenizer.chars):
        prompt = corpus.text[:4]  # the corpus lacks a character of the prompt
    ids = tokenizer.encode(corpus.text)
    train_ids, val_ids = train_val_split(ids, 0.1)
    train = tuple(t.to(ctx.device) for t in char_windows(train_ids, config.block))
    val = tuple(t.to(ctx.device) for t in char_windows(val_ids, config.block))
    ctx.say(f"corpus: {corpus.label}; {tokenizer.vocab_size} distinct characters; "
            f"uniform guessing costs ln {tokenizer.vocab_size} = "
            f"{math.log(tokenizer.vocab_size):.2f} nats per character")

    lstm, lstm_history = train_char_model("lstm", train, val, tokenizer.vocab_size, config, ctx,
                                          log=True)
    rnn, rnn_history = train_char_model("rnn", train, val, tokenizer.vocab_size, config, ctx,
                                        log=False)
    lstm_val = ctx.evaluate(lstm, val, char_loss)["loss"]
    rnn_val = ctx.evaluate(rnn, val, char_loss)["loss"]
    ctx.say(f"validation loss (nats/char): LSTM {lstm_val:.4f}, RNN {rnn_val:.4f}")

    notes = []
    for name, model in (("LSTM", lstm), ("RNN", rnn)):
        for temperature in config.temperatures:
            g = torch.Generator().manual_seed(config.seed)
            text = generate(model, tokenizer, prompt, config.sample_chars, temperature, g)
            ctx.say(f"--- {name} sample, temperature {temperature:g} ---\n{text}")
            notes.append(f"{name} sample, temperature {temperature:g}: {text!r}")
            if name == "RNN":
                break  # one RNN sample for comparison

    gates_diff, gates = gate_activations(lstm.cpu(), tokenizer, corpus.text[:60])
    series_metrics, series_fig = forecast(config, ctx)
    metrics = {"lstm_val_loss": lstm_val, "rnn_val_loss": rnn_val,
               "lstm_minus_rnn_val_loss": lstm_val - rnn_val,
               "lstm_params": float(count_parameters(lstm)),
               "rnn_params": float(count_parameters(rnn)),
               "gates_max_abs_diff": gates_diff, **series_metrics}
    figures = {"text_curves": ctx.savefig(text_curves(lstm_history, rnn_history,
                                                      tokenizer.vocab_size), "text_curves"),
               "gates": ctx.savefig(gates, "gates"),
               "series": ctx.savefig(series_fig, "series")}
    return LSTMResult(metrics, dataset=corpus.name,
                      dataset_label=f"{corpus.label}; synthetic daily series of "
                                    f"{config.series_days} days",
                      history=lstm_history, figures=figures, notes=notes,
                      lstm=lstm, rnn=rnn.cpu(), tokenizer=tokenizer, corpus=corpus,
                      rnn_history=rnn_history, gates_figure=gates, series_figure=series_fig)


@torch.no_grad()
def gate_activations(model: CharLM, tokenizer: CharTokenizer, text: str) -> tuple[float, Figure]:
    """Replay the trained first LSTM layer with `lstm_cell_step`; max diff vs nn.LSTM, and a
    picture of the input, forget and output gates along the text."""
    lstm = model.rnn
    first = nn.LSTM(lstm.input_size, lstm.hidden_size, batch_first=True)  # layer 0 alone
    first.load_state_dict({k: v for k, v in lstm.state_dict().items() if k.endswith("_l0")})
    x = model.embed(tokenizer.encode(text)[None])  # (1, T, E)
    ref, _ = first(x)  # (1, T, H)
    w = [getattr(lstm, f"{n}_l0") for n in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")]
    h = c = x.new_zeros(1, lstm.hidden_size)
    hs, gate_rows = [], {"input gate i": [], "forget gate f": [], "output gate o": []}
    for t in range(x.shape[1]):
        pre = x[:, t] @ w[0].T + w[2] + h @ w[1].T + w[3]  # (1, 4H) gate pre-activations
        i, f, _, o = pre.chunk(4, dim=-1)
        for key, gate in zip(gate_rows, (i, f, o)):
            gate_rows[key].append(torch.sigmoid(gate)[0, :32])
        h, c = lstm_cell_step(x[:, t], h, c, *w)
        hs.append(h)
    diff = (torch.stack(hs, 1) - ref).abs().max().item()
    fig = Figure(figsize=(12, 7))
    axes = fig.subplots(3, 1)
    for ax, (name, rows) in zip(axes, gate_rows.items()):
        ax.imshow(torch.stack(rows, 1).numpy(), aspect="auto", cmap="viridis", vmin=0, vmax=1)
        ax.set_ylabel(name, fontsize=8)
        shown = [{"\n": "⏎", "\t": "→"}.get(ch, ch) for ch in text]
        ax.set_xticks(range(len(text)), shown, fontsize=7)
    axes[0].set_title("LSTM gates (first 32 units) reading the corpus: 0 = closed, 1 = open")
    fig.tight_layout()
    return diff, fig


def text_curves(lstm: list[dict], rnn: list[dict], vocab_size: int) -> Figure:
    """Validation loss per epoch, LSTM vs RNN, with the uniform-guess line."""
    fig = Figure(figsize=(6, 3.6))
    ax = fig.subplots()
    for name, history, style in (("LSTM", lstm, "-o"), ("RNN", rnn, "--s")):
        for phase, alpha in (("train", 0.5), ("val", 1.0)):
            rows = [r for r in history if r["phase"] == phase]
            ax.plot([r["epoch"] for r in rows], [r["loss"] for r in rows], style, alpha=alpha,
                    label=f"{name} {phase}", markersize=4)
    ax.axhline(math.log(vocab_size), color="grey", lw=0.8, label="uniform guess")
    ax.set_xlabel("epoch")
    ax.set_ylabel("nats per character")
    ax.set_title("character model: LSTM vs RNN, same width and steps")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def forecast(config: Config, ctx: Context) -> tuple[dict[str, float], Figure]:
    """Train the LSTM forecaster; MSE on the last 20 % vs the naive y_hat(t+1) = y(t)."""
    raw = series_data.make_series(config.series_days, seed=config.seed)
    data = series_data.windows(raw, config.series_window)
    torch.manual_seed(config.seed)
    model = SeriesPredictor(config.series_hidden).to(ctx.device)
    train = tuple(t.to(ctx.device) for t in data.train)
    test = tuple(t.to(ctx.device) for t in data.test)
    optimizer = torch.optim.Adam(model.parameters(), lr=config.series_lr, **fast(ctx.device))
    steps = config.series_epochs * -(-train[0].shape[0] // 32)
    scheduler = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=config.series_lr,
                                                    total_steps=steps)
    ctx.fit(model, train, loss_fn=series_loss, optimizer=optimizer, scheduler=scheduler,
            epochs=config.series_epochs, batch_size=32, seed=config.seed, log=False)
    model.eval()
    with torch.no_grad():
        pred = model(test[0]).cpu()  # (N,)
    x, y = data.test
    mse = F.mse_loss(pred, y).item()
    naive = F.mse_loss(x[:, -1], y).item()  # tomorrow = today
    ctx.say(f"series: LSTM test MSE {mse:.4f} vs naive last value {naive:.4f} "
            f"(ratio {mse / naive:.3f})")
    fig = Figure(figsize=(11, 3.6))
    ax = fig.subplots()
    days = torch.arange(data.split, data.split + y.numel())
    ax.plot(days, y * data.std + data.mean, color="black", lw=1, label="truth")
    ax.plot(days, x[:, -1] * data.std + data.mean, color="grey", lw=0.8, ls=":",
            label=f"naive last value (MSE {naive:.3f})")
    ax.plot(days, pred * data.std + data.mean, color="C1", lw=1,
            label=f"LSTM one step ahead (MSE {mse:.3f})")
    ax.set_xlabel("day (test period: the last 20 %)")
    ax.set_title("one-step-ahead forecast on held-out days (MSE on standardised values)")
    ax.legend(fontsize=8)
    fig.tight_layout()
    return {"series_mse": mse, "series_naive_mse": naive,
            "series_mse_ratio_to_naive": mse / naive}, fig
