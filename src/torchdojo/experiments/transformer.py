"""transformer (Part III): an encoder-decoder transformer on the dates task, and a decoder-only
character model against an LSTM on the `lstm` lesson's corpus, with the same token budget.

Part 1 reuses the seq2seq lesson's data, loss and exact-match scoring; only the model
changes. Part 2 trains both character models on the same windows for the same number
of epochs (so both see the same tokens) and reports transformer val loss minus LSTM's.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch
import torch.nn.functional as F
from matplotlib.figure import Figure
from torch import Tensor, nn

from torchdojo.data.dates import DateData, load_dates
from torchdojo.data.text import (
    CharTokenizer,
    Corpus,
    char_windows,
    load_corpus,
    train_val_split,
)
from torchdojo.experiments.seq2seq import attention_figure, exact_match, examples, train_translator
from torchdojo.figures import plots
from torchdojo.methods.sampling import generate
from torchdojo.models.attention import causal_mask
from torchdojo.models.mlp import count_parameters
from torchdojo.models.rnn import CharLM
from torchdojo.models.transformer import CharTransformer, Seq2SeqTransformer, sinusoidal_positions
from torchdojo.train.context import SWITCH_NAMES, Context, Result
from torchdojo.train.optim import fast


@dataclass
class Config:
    # part 1: dates
    n_train: int = 10_000
    n_test: int = 2_000
    d_model: int = 128
    n_heads: int = 4
    layers: int = 2
    epochs: int = 6
    batch_size: int = 128
    lr: float = 2e-3
    # part 2: character models on the lstm lesson's corpus
    corpus: str | None = None  # a text file; default: the fortunes (as in `lstm`)
    max_chars: int | None = 1_200_000  # at 600k the LSTM still won (2.333 vs 2.353 nats/char)
    block: int = 128
    char_layers: int = 4
    char_d_model: int = 128
    lstm_hidden: int = 256
    char_epochs: int = 4
    char_batch_size: int = 64
    char_lr: float = 2e-3
    seed: int = 0


SWITCHES = SWITCH_NAMES  # it trains through ctx.fit: --amp, --compile, --nproc reach it

QUICK = {"n_train": 1500, "n_test": 200, "epochs": 2, "d_model": 32, "layers": 1,
         "max_chars": 20_000, "block": 32, "char_layers": 1, "char_d_model": 32,
         "lstm_hidden": 32, "char_epochs": 1}


def next_char_loss(model: nn.Module, batch: tuple[Tensor, ...]) -> tuple[Tensor, dict]:
    """Mean cross-entropy of the next character at every position (nats per character)."""
    x, y = batch  # (B, T), (B, T)
    logits = model(x)  # (B, T, V)
    return F.cross_entropy(logits.flatten(0, 1), y.flatten()), {}


def train_char_model(model: nn.Module, train: tuple[Tensor, Tensor], val: tuple[Tensor, Tensor],
                     config: Config, ctx: Context, *, log: bool) -> list[dict[str, Any]]:
    """AdamW + one-cycle for `char_epochs` over the same windows, whatever the model."""
    model.to(ctx.device)
    steps = config.char_epochs * -(-train[0].shape[0] // config.char_batch_size)
    optimizer = torch.optim.AdamW(model.parameters(), lr=config.char_lr, weight_decay=0.01,
                                  **fast(ctx.device))
    scheduler = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=config.char_lr,
                                                    total_steps=steps, pct_start=0.1)
    return ctx.fit(model, train, loss_fn=next_char_loss, optimizer=optimizer,
                   scheduler=scheduler, epochs=config.char_epochs,
                   batch_size=config.char_batch_size, val=val, seed=config.seed, log=log,
                   grad_clip=1.0)


def positions_figure(d_model: int = 64, T: int = 64) -> Figure:
    """Sinusoidal positional encodings (heat map and a few channels) and the causal mask."""
    pe = sinusoidal_positions(T, d_model)
    fig = Figure(figsize=(13, 3.6))
    heat, lines, mask = fig.subplots(1, 3)
    image = heat.imshow(pe.T.numpy(), aspect="auto", cmap="RdBu")
    fig.colorbar(image, ax=heat, fraction=0.046)
    heat.set_xlabel("position")
    heat.set_ylabel("channel")
    heat.set_title("positional encoding PE[pos, channel]")
    for c in (0, 2, 10, 30):
        lines.plot(pe[:, c].numpy(), label=f"channel {c}")
    lines.set_xlabel("position")
    lines.set_title("low channels turn fast, high channels slowly")
    lines.legend(fontsize=7)
    mask.imshow(causal_mask(12).numpy(), cmap="Greys")
    mask.set_xlabel("key position s")
    mask.set_ylabel("query position t")
    mask.set_title("causal mask: t may attend to s <= t")
    fig.tight_layout()
    return fig


def char_curves(tf_history: list[dict], lstm_history: list[dict]) -> Figure:
    """Validation loss per epoch of both character models."""
    fig = Figure(figsize=(5, 3.4))
    ax = fig.subplots()
    for name, history in (("transformer", tf_history), ("LSTM", lstm_history)):
        val = [r for r in history if r["phase"] == "val"]
        ax.plot([r["epoch"] for r in val], [r["loss"] for r in val], "-o", ms=3, label=name)
    ax.set_xlabel("epoch (same tokens for both)")
    ax.set_ylabel("val loss (nats/char)")
    ax.legend()
    ax.grid(alpha=0.3)
    fig.tight_layout()
    return fig


@dataclass(kw_only=True)
class TransformerResult(Result):
    model: Seq2SeqTransformer  # part 1, on the dates (its history: `history`)
    data: DateData
    char_model: CharTransformer  # part 2, decoder-only
    lstm: CharLM  # part 2's baseline, trained on the same windows
    tokenizer: CharTokenizer
    sample: str  # 300 characters from char_model
    char_history: list[dict[str, Any]]
    lstm_history: list[dict[str, Any]]


@dataclass
class CharData:
    """The character windows both models of part 2 train on and are scored on."""

    corpus: Corpus
    tokenizer: CharTokenizer
    train: tuple[Tensor, Tensor]  # (N, block) characters and the next ones, on the device
    val: tuple[Tensor, Tensor]


def build_translator(config: Config, data: DateData, ctx: Context) -> Seq2SeqTransformer:
    """Part 1's encoder-decoder transformer, from the config's seed."""
    torch.manual_seed(config.seed)
    model = Seq2SeqTransformer(len(data.src_vocab), len(data.tgt_vocab), config.d_model,
                               config.n_heads, config.layers, 2 * config.d_model,
                               max_len=data.train_src.shape[1])
    ctx.say(f"1) encoder-decoder transformer, {count_parameters(model):,} params, "
            f"on {data.label}")
    return model


def evaluate_translator(model: nn.Module, data: DateData, ctx: Context) -> float:
    """Exact match on the test dates (a few examples printed)."""
    match = exact_match(model, data.test_src, data.test_tgt)
    ctx.say(f"   exact match: {100 * match:.2f}%")
    for written, predicted, true in examples(model, data, 4):
        verdict = "ok" if predicted == true else "want " + true
        ctx.say(f"   {written!r:32} -> {predicted}  {verdict}")
    return match


def prepare_text(config: Config, ctx: Context) -> CharData:
    """The corpus, its tokenizer, and training and validation windows of `block` characters."""
    corpus = load_corpus(config.corpus, max_chars=config.max_chars)
    tokenizer = CharTokenizer.from_text(corpus.text)
    train_ids, val_ids = train_val_split(tokenizer.encode(corpus.text))
    train = tuple(t.to(ctx.device) for t in char_windows(train_ids, config.block))
    val = tuple(t.to(ctx.device) for t in char_windows(val_ids, config.block))
    tokens = train[0].numel() * config.char_epochs
    ctx.say(f"2) character models on {corpus.label}: {train[0].shape[0]:,} windows of "
            f"{config.block}, {tokens:,} training tokens each")
    return CharData(corpus, tokenizer, train, val)


def build_char_transformer(config: Config, vocab_size: int, ctx: Context) -> CharTransformer:
    """Part 2's decoder-only transformer, from the config's seed."""
    torch.manual_seed(config.seed)
    model = CharTransformer(vocab_size, config.block, config.char_d_model, config.n_heads,
                            config.char_layers, 4 * config.char_d_model)
    ctx.say(f"   transformer, {count_parameters(model):,} params")
    return model


def build_lstm(config: Config, vocab_size: int, ctx: Context) -> CharLM:
    """The LSTM it is compared with, from the same seed."""
    torch.manual_seed(config.seed)
    model = CharLM(vocab_size, embed=64, hidden=config.lstm_hidden, cell="lstm")
    ctx.say(f"   LSTM, {count_parameters(model):,} params")
    return model


def compare_char_models(char_tf: nn.Module, lstm: nn.Module, val: tuple[Tensor, Tensor],
                        ctx: Context) -> dict[str, float]:
    """Both models' validation loss (nats per character) and the transformer's minus LSTM's."""
    tf_loss = ctx.evaluate(char_tf, val, next_char_loss)["loss"]
    lstm_loss = ctx.evaluate(lstm, val, next_char_loss)["loss"]
    ctx.say(f"   val loss: transformer {tf_loss:.4f}, LSTM {lstm_loss:.4f} nats/char")
    return {"transformer_val_loss": tf_loss, "lstm_val_loss": lstm_loss,
            "minus_lstm_val_loss": tf_loss - lstm_loss}


def sample_text(model: CharTransformer, text: CharData, config: Config, ctx: Context) -> str:
    """300 characters from `model` at temperature 0.8, after the corpus's first character."""
    g = torch.Generator().manual_seed(config.seed)
    sample = generate(model, text.tokenizer, text.corpus.text[:1], 300, temperature=0.8,
                      generator=g)
    ctx.say("   sample from the transformer:\n" + sample)
    return sample


def save_figures(result: TransformerResult, ctx: Context) -> None:
    """Part 1's curves and cross-attention, positional encodings, both character models' loss."""
    result.figures["curves"] = ctx.savefig(plots.curves(result.history, ["loss", "char_acc"]),
                                           "curves")
    result.figures["attention"] = ctx.savefig(attention_figure(result.model, result.data),
                                              "attention")
    result.figures["positions"] = ctx.savefig(positions_figure(), "positions")
    result.figures["char_val_loss"] = ctx.savefig(
        char_curves(result.char_history, result.lstm_history), "char_val_loss")


def run(config: Config, ctx: Context) -> TransformerResult:
    """Dates with an encoder-decoder transformer; then transformer vs LSTM on text."""
    # 1) the seq2seq task, attention only
    data = load_dates(config.n_train, config.n_test, seed=config.seed, device=ctx.device)
    model = build_translator(config, data, ctx)
    history = train_translator(model, data, config, ctx)
    metrics = {"exact_match": evaluate_translator(model, data, ctx)}
    # 2) decoder-only character model vs an LSTM, same corpus, same windows, same epochs
    text = prepare_text(config, ctx)
    char_tf = build_char_transformer(config, text.tokenizer.vocab_size, ctx)
    tf_history = train_char_model(char_tf, text.train, text.val, config, ctx, log=False)
    lstm = build_lstm(config, text.tokenizer.vocab_size, ctx)
    lstm_history = train_char_model(lstm, text.train, text.val, config, ctx, log=False)
    metrics |= compare_char_models(char_tf, lstm, text.val, ctx)
    sample = sample_text(char_tf, text, config, ctx)
    result = TransformerResult(metrics, dataset="dates+" + text.corpus.name,
                               dataset_label=f"{data.label}; {text.corpus.label}",
                               history=history, model=model, data=data, char_model=char_tf,
                               lstm=lstm, tokenizer=text.tokenizer, sample=sample,
                               char_history=tf_history, lstm_history=lstm_history)
    if ctx.is_main:
        save_figures(result, ctx)
    result.notes.append(f"char val loss: transformer {metrics['transformer_val_loss']:.4f} vs "
                        f"LSTM {metrics['lstm_val_loss']:.4f}")
    return result
