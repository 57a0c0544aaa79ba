"""seq2seq (980): GRU encoder-decoder normalising written dates to ISO, without and with attention.

Both models train with teacher forcing (the true previous token is fed in) and are
scored by greedy decoding (their own previous token is fed back): a test pair counts
only if all ten characters of `YYYY-MM-DD` are right (exact match).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch
import torch.nn.functional as F
from matplotlib.figure import Figure
from torch import Tensor, nn

from torchdojo.data.dates import ISO_LEN, DateData, load_dates
from torchdojo.figures import plots
from torchdojo.models.mlp import count_parameters
from torchdojo.models.seq2seq import Seq2Seq
from torchdojo.train.context import SWITCH_NAMES, Context, Result
from torchdojo.train.optim import fast


@dataclass
class Config:
    n_train: int = 20_000
    n_test: int = 2_000
    emb: int = 64
    hidden: int = 128
    epochs: int = 8
    batch_size: int = 128
    lr: float = 3e-3
    compare_plain: bool = True  # also train the model without attention, for comparison
    seed: int = 0


SWITCHES = SWITCH_NAMES  # it trains through ctx.fit: --amp, --compile, --nproc reach it

QUICK = {"n_train": 1500, "n_test": 200, "epochs": 2, "hidden": 32, "emb": 16}


def translation_loss(model: nn.Module, batch: tuple[Tensor, ...]) -> tuple[Tensor, dict]:
    """Teacher forcing: predict tgt[1:] from tgt[:-1]; cross-entropy and per-character acc."""
    src, tgt = batch  # (B, S), (B, T+1)
    logits, _ = model(src, tgt[:, :-1])  # (B, T, V)
    targets = tgt[:, 1:]  # (B, T)
    loss = F.cross_entropy(logits.flatten(0, 1), targets.flatten())
    return loss, {"char_acc": (logits.argmax(-1) == targets).float().mean()}


@torch.no_grad()
def exact_match(model: nn.Module, src: Tensor, tgt: Tensor, batch_size: int = 500) -> float:
    """Share of pairs whose greedy decoding equals the target exactly (10 chars + <eos>)."""
    model.eval()
    hits = 0
    for i in range(0, src.shape[0], batch_size):
        ids, _ = model.greedy(src[i:i + batch_size], ISO_LEN + 1)  # (B, 11)
        hits += (ids == tgt[i:i + batch_size, 1:]).all(1).sum().item()
    return hits / src.shape[0]


def train_translator(model: nn.Module, data: DateData, config: Any, ctx: Context, *,
                     log: bool = True) -> list[dict[str, Any]]:
    """AdamW + one-cycle on the date pairs; `log=False` keeps this fit out of the run folder."""
    model.to(ctx.device)
    steps = config.epochs * -(-data.train_src.shape[0] // config.batch_size)
    optimizer = torch.optim.AdamW(model.parameters(), lr=config.lr, weight_decay=1e-4,
                                  **fast(ctx.device))
    scheduler = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=config.lr,
                                                    total_steps=steps, pct_start=0.2)
    return ctx.fit(model, (data.train_src, data.train_tgt), loss_fn=translation_loss,
                   optimizer=optimizer, scheduler=scheduler, epochs=config.epochs,
                   batch_size=config.batch_size, val=(data.val_src, data.val_tgt),
                   seed=config.seed, log=log, grad_clip=1.0)


def attention_figure(model: nn.Module, data: DateData, n: int = 4) -> Figure:
    """Heat maps of attention weights (output character x source character) for test pairs."""
    src = data.test_src[:n]
    ids, weights = model.greedy(src, ISO_LEN + 1)  # (n, T), (n, T, S) or (n, heads, T, S)
    if weights.dim() == 4:
        weights = weights.mean(1)  # average over heads
    fig = Figure(figsize=(4.2 * n, 3.6))
    axes = fig.subplots(1, n, squeeze=False)[0]
    for ax, i in zip(axes, range(n)):
        text = data.src_vocab.decode(src[i])
        out = data.tgt_vocab.decode(ids[i])
        a = weights[i, :len(out), :len(text)].cpu().numpy()
        ax.imshow(a, cmap="viridis", aspect="auto", vmin=0)
        ax.set_xticks(range(len(text)), list(text), fontsize=7)
        ax.set_yticks(range(len(out)), list(out), fontsize=7)
        ax.set_title(f"{text} -> {out}", fontsize=8)
    fig.suptitle("attention: which source characters each output character looks at")
    fig.tight_layout()
    return fig


def examples(model: nn.Module, data: DateData, n: int = 8) -> list[tuple[str, str, str]]:
    """(written, predicted, true) for the first n test pairs."""
    ids, _ = model.greedy(data.test_src[:n], ISO_LEN + 1)
    return [(data.src_vocab.decode(data.test_src[i]), data.tgt_vocab.decode(ids[i]),
             data.test_text[i][1]) for i in range(n)]


@dataclass(kw_only=True)
class Seq2SeqResult(Result):
    model: nn.Module  # with attention
    data: DateData
    plain_history: list[dict[str, Any]]  # [] without compare_plain
    plain: nn.Module | None = None  # the model without attention (compare_plain)


def run(config: Config, ctx: Context) -> Seq2SeqResult:
    """Train the plain and the attention encoder-decoder; exact match on unseen dates."""
    data = load_dates(config.n_train, config.n_test, seed=config.seed, device=ctx.device)
    ctx.say(f"data: {data.label}")
    metrics: dict[str, float] = {}
    plain_history: list[dict[str, Any]] = []
    if config.compare_plain:
        torch.manual_seed(config.seed)
        plain = Seq2Seq(len(data.src_vocab), len(data.tgt_vocab), config.emb, config.hidden,
                        attention=False)
        ctx.say(f"1) GRU encoder-decoder without attention, {count_parameters(plain):,} params")
        plain_history = train_translator(plain, data, config, ctx, log=False)
        metrics["exact_match_plain"] = exact_match(plain, data.test_src, data.test_tgt)
        ctx.say(f"   exact match without attention: {100 * metrics['exact_match_plain']:.2f}%")
    torch.manual_seed(config.seed)
    model = Seq2Seq(len(data.src_vocab), len(data.tgt_vocab), config.emb, config.hidden,
                    attention=True)
    ctx.say(f"2) with additive attention, {count_parameters(model):,} params")
    history = train_translator(model, data, config, ctx)
    metrics["exact_match"] = exact_match(model, data.test_src, data.test_tgt)
    metrics["char_acc"] = [r for r in history if r["phase"] == "val"][-1]["char_acc"]
    ctx.say(f"   exact match with attention: {100 * metrics['exact_match']:.2f}%")
    for written, predicted, true in examples(model, data, 6):
        verdict = "ok" if predicted == true else "want " + true
        ctx.say(f"   {written!r:32} -> {predicted}  {verdict}")
    result = Seq2SeqResult(metrics, dataset="dates", dataset_label=data.label, history=history,
                           model=model, data=data, plain_history=plain_history,
                           plain=plain if config.compare_plain else None)
    if ctx.is_main:
        result.figures["curves"] = ctx.savefig(plots.curves(history, ["loss", "char_acc"]),
                                               "curves")
        result.figures["attention"] = ctx.savefig(attention_figure(model, data), "attention")
    return result
