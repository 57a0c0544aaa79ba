"""attention (004, transformers): scaled dot-product, causal and multi-head attention written
from Q, K and V, each compared with torch's own on the same inputs and weights."""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from matplotlib.figure import Figure
from torch import Tensor, nn

from torchdojo.models.attention import (
    MultiHeadAttention,
    causal_mask,
    scaled_dot_product_attention,
)
from torchdojo.train.context import Context, Result


@dataclass
class Config:
    batch: int = 4
    seq_len: int = 12
    d_model: int = 64
    n_heads: int = 4
    seed: int = 0


QUICK: dict = {}  # already a few milliseconds


def max_diff(a: Tensor, b: Tensor) -> float:
    """Largest absolute difference between two tensors of the same shape."""
    assert a.shape == b.shape, (a.shape, b.shape)
    return (a - b).abs().max().item()


@dataclass(kw_only=True)
class AttentionResult(Result):
    mha: MultiHeadAttention  # ours, with torch_mha's weights
    torch_mha: nn.MultiheadAttention
    diffs: dict[str, float]  # case -> max |ours - torch|


def run(config: Config, ctx: Context) -> AttentionResult:
    """Compare each hand-written attention with torch's; plot the weights it computes."""
    g = torch.Generator().manual_seed(config.seed)
    B, T, C, h = config.batch, config.seq_len, config.d_model, config.n_heads
    d = C // h
    q, k, v = (torch.randn(B, h, T, d, generator=g) for _ in range(3))  # (B, h, T, d)
    diffs: dict[str, float] = {}

    out, weights = scaled_dot_product_attention(q, k, v)
    diffs["sdpa"] = max_diff(out, F.scaled_dot_product_attention(q, k, v))
    out_c, weights_c = scaled_dot_product_attention(q, k, v, causal=True)
    diffs["sdpa_causal"] = max_diff(out_c, F.scaled_dot_product_attention(q, k, v,
                                                                          is_causal=True))
    keep = torch.rand(T, T, generator=g) > 0.3
    keep[:, 0] = True  # every query sees at least one key
    diffs["sdpa_bool_mask"] = max_diff(scaled_dot_product_attention(q, k, v, mask=keep)[0],
                                       F.scaled_dot_product_attention(q, k, v, attn_mask=keep))

    torch.manual_seed(config.seed)
    ref = nn.MultiheadAttention(C, h, batch_first=True)
    with torch.no_grad():  # torch starts the biases at zero; random ones test them too
        ref.in_proj_bias.normal_(generator=g)
        ref.out_proj.bias.normal_(generator=g)
    mha = MultiHeadAttention(C, h).load_from_torch(ref)
    x = torch.randn(B, T, C, generator=g)
    ours, ours_w = mha(x)
    theirs, theirs_w = ref(x, x, x, average_attn_weights=False)
    diffs["mha"] = max(max_diff(ours, theirs), max_diff(ours_w, theirs_w))
    ours, ours_w = mha(x, causal=True)
    theirs, theirs_w = ref(x, x, x, attn_mask=~causal_mask(T), average_attn_weights=False)
    diffs["mha_causal"] = max(max_diff(ours, theirs), max_diff(ours_w, theirs_w))
    memory = torch.randn(B, T + 3, C, generator=g)
    pad = torch.arange(T + 3)[None, :] >= torch.tensor([T + 3, T, T - 2, 5])[:B, None]
    ours, _ = mha(x, memory, memory, key_padding_mask=pad)
    theirs, _ = ref(x, memory, memory, key_padding_mask=pad)
    diffs["mha_cross_padded"] = max_diff(ours, theirs)

    for name, value in diffs.items():
        ctx.say(f"{name:18s} max |ours - torch| = {value:.2e}")
    metrics = {"max_abs_diff": max(diffs.values()), **{f"diff_{k}": v for k, v in diffs.items()}}
    figures = {"weights": ctx.savefig(weights_figure(weights[0, 0], weights_c[0, 0]), "weights"),
               "heads": ctx.savefig(heads_figure(mha(x, causal=True)[1][0]), "heads")}
    return AttentionResult(metrics, dataset="generated",
                           dataset_label=f"random q, k, v: batch {B}, length {T}, "
                                         f"d_model {C}, {h} heads",
                           figures=figures, mha=mha, torch_mha=ref, diffs=diffs)


def weights_figure(plain: Tensor, causal: Tensor) -> Figure:
    """Attention weights (query rows, key columns): full, and causal (lower triangle only)."""
    fig = Figure(figsize=(9, 4))
    axes = fig.subplots(1, 2)
    for ax, w, title in ((axes[0], plain, "softmax(QK^T / sqrt(d))"),
                         (axes[1], causal, "causal: query t sees keys <= t")):
        image = ax.imshow(w.detach().numpy(), cmap="viridis", vmin=0)
        ax.set_xlabel("key position")
        ax.set_ylabel("query position")
        ax.set_title(title)
        fig.colorbar(image, ax=ax, fraction=0.046)
    fig.tight_layout()
    return fig


def heads_figure(weights: Tensor) -> Figure:
    """Each head's causal attention weights for one sequence: (h, T, T)."""
    h = weights.shape[0]
    fig = Figure(figsize=(3 * h, 3.2))
    axes = fig.subplots(1, h, squeeze=False)[0]
    for i, ax in enumerate(axes):
        ax.imshow(weights[i].detach().numpy(), cmap="viridis", vmin=0)
        ax.set_title(f"head {i}")
        ax.set_xlabel("key")
    axes[0].set_ylabel("query")
    fig.suptitle("multi-head attention: each head attends in its own way")
    fig.tight_layout()
    return fig
