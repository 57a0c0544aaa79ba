# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# A recurrent network squeezes the past into one vector. Attention lets every
# position look at every other directly. Each position emits a **query** $q$ ("what
# am I looking for?"), a **key** $k$ ("what do I contain?") and a **value** $v$ ("what
# do I pass on?"). A query's output is the average of all values, weighted by how
# well each key matches it:
#
# $$\mathrm{Attention}(Q, K, V) = \mathrm{softmax}\!\left(\frac{QK^\top}{\sqrt{d_k}}\right) V$$
#
# The $\sqrt{d_k}$ keeps the scores' variance near 1, so the softmax does not saturate
# (Vaswani et al., 2017, section 3.2.1).

# %% [markdown]
# **Teacher:** About 30 minutes; nothing trains, every cell is checked against torch. The one
# idea: each output is a weighted average of the values, weighted by a softmax of query-key
# matches. Ask: if every key were the same, what would the weights be? (1/T each.)

# %% [markdown]
# **Say:** Attention is a soft dictionary lookup. A query is compared with every key, and
# instead of returning the one value whose key matches, it returns a blend of all the
# values, weighted by how well each key matched.

# %%
from torchdojo import show
from torchdojo.models.attention import scaled_dot_product_attention

show.source(scaled_dot_product_attention)

# %%
import torch
import torch.nn.functional as F

g = torch.Generator().manual_seed(0)
q, k, v = (torch.randn(1, 5, 8, generator=g) for _ in range(3))  # (B, T, d)
out, weights = scaled_dot_product_attention(q, k, v)
print("each row of weights sums to 1:", weights.sum(-1))
print("max |ours - F.scaled_dot_product_attention| =",
      (out - F.scaled_dot_product_attention(q, k, v)).abs().max().item())

# %% [markdown]
# ## Causal masking
#
# A model that writes text one token at a time must not look at tokens it has not
# written yet. Blocking the scores above the diagonal with $-\infty$ before the
# softmax gives those keys weight exactly 0:

# %% [markdown]
# **Teacher:** Ask for the first row of the causal weights before running: 1 on the first
# position, 0 elsewhere, as the first token sees only itself. Common confusion: the −∞ goes
# in *before* the softmax; zeroing weights after it would leave rows that do not sum to 1.

# %%
from torchdojo.models.attention import causal_mask

print(causal_mask(5).int())
_, causal_weights = scaled_dot_product_attention(q, k, v, causal=True)
print(causal_weights[0].round(decimals=2))

# %% [markdown]
# ## Multi-head attention
#
# One attention layer averages in one way. $h$ heads, each on its own learned
# projection of $Q, K, V$ into $d_{model}/h$ dimensions, attend in $h$ ways at once; their
# outputs are concatenated and projected back:
# $\mathrm{MultiHead}(Q,K,V) = \mathrm{Concat}(\mathrm{head}_1, \dots, \mathrm{head}_h) W_o$.

# %% [markdown]
# **Teacher:** Ask for the shape after `split_heads` before showing it: (B, T, C) becomes
# (B, h, T, C/h). With the comparison below, point out the opposite mask conventions: ours
# is True where a query may look, `nn.MultiheadAttention`'s `attn_mask` where it may not.

# %%
from torchdojo.models.attention import MultiHeadAttention, merge_heads, split_heads

show.source(split_heads)
show.source(merge_heads)
show.source(MultiHeadAttention.forward)

# %% [markdown]
# `nn.MultiheadAttention` keeps $W_q, W_k, W_v$ stacked in one `in_proj_weight`;
# `load_from_torch` splits it, so both modules hold the same weights and must agree.

# %%
from torch import nn

torch.manual_seed(0)
reference = nn.MultiheadAttention(16, 4, batch_first=True)
ours = MultiHeadAttention(16, 4).load_from_torch(reference)
x = torch.randn(2, 6, 16)
a, _ = ours(x, causal=True)
b, _ = reference(x, x, x, attn_mask=~causal_mask(6))  # torch: True = blocked
print("max |ours - nn.MultiheadAttention| =", (a - b).abs().max().item())

# %% [markdown]
# ## The experiment
#
# `dojo run attention` compares all of it with torch on random inputs: plain, causal
# and masked scaled dot-product attention, self-attention, causal self-attention, and
# cross-attention with padded keys. The largest difference is the lesson's metric.

# %%
from torchdojo.runner import quick_mode, run_experiment

result = run_experiment("attention", quick=quick_mode())
print({k: float(f"{v:.4g}") for k, v in result.metrics.items()})  # every metric, 4 digits
for name, value in result.diffs.items():
    print(f"{name:18s} {value:.1e}")

# %%
from torchdojo.experiments.attention import heads_figure

mha = result.mha
x = torch.randn(1, 12, mha.d_model)
show.figure(heads_figure(mha(x, causal=True)[1][0]))

# %% [markdown]
# ## Try it
#
# - Remove the $\sqrt{d_k}$ from a copy of `scaled_dot_product_attention` and look at
#   the weights for $d_k = 512$: nearly one-hot.
# - The `transformer` lesson builds a full model from these pieces.

# %% [markdown]
# ## Your turn
#
# Predict first, then run; each cell prints the number to compare.
#
# **1. No 1/√d_k.** *Predict*: for random queries and keys with d_k = 512, how large is
# a row's largest attention weight on average, with the scale and without it?

# %%
d_k = 512
scaled = False  # True: the formula's 1 / sqrt(d_k)


def largest_weight(scale: bool) -> float:
    g = torch.Generator().manual_seed(0)
    q, k = (torch.randn(1, 12, d_k, generator=g) for _ in range(2))  # (B, T, d_k)
    scores = q @ k.transpose(-2, -1) / (d_k ** 0.5 if scale else 1.0)  # (B, T, T)
    return scores.softmax(-1).max(-1).values.mean().item()


show.compare(largest_weight(True), show.your_turn(lambda: largest_weight(scaled)))

# %% [markdown]
# **2. A wide model.** *Predict*: with `d_model=1024`, does the largest difference from
# torch's attention stay below the target's 10⁻⁵?

# %%
wide = show.your_turn(lambda: run_experiment("attention", quick=quick_mode(), quiet=True,
                                             overrides={"d_model": 1024}))
show.compare(result, wide, "max_abs_diff")

# %% [markdown]
# ## Check yourself
#
# **1. Why divide the scores by √d_k?**
#
# <details><summary>Answer</summary>
#
# For random q and k with unit-variance entries, q·k has variance d_k. Dividing by
# √d_k brings it back to 1, so the softmax does not saturate into a near one-hot row
# whose gradients vanish.
#
# </details>
#
# **2. In causal attention, how much weight does position 0 give to itself?**
#
# <details><summary>Answer</summary>
#
# All of it, 1: it may only look at itself.
#
# </details>
#
# **3. How many parameters has multi-head attention with d_model = 16, and do heads add any?**
#
# <details><summary>Answer</summary>
#
# Four 16×16 projections (W_q, W_k, W_v, W_o) with biases: 4 × (256 + 16) = 1,088,
# whatever the number of heads: the heads split the same projections into slices.
#
# </details>

# %% [markdown]
# ## Further reading
#
# - Vaswani et al., [Attention is all you need](https://arxiv.org/abs/1706.03762) (2017),
#   section 3.2.
# - Rush et al., [The annotated transformer](https://nlp.seas.harvard.edu/annotated-transformer/).
# - Jay Alammar, [The illustrated transformer](https://jalammar.github.io/illustrated-transformer/).
