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
# To learn, a classifier needs one number that says how wrong it is. For scores
# (logits) z and true class y, the **cross-entropy** is
#
# $$L = -\log \mathrm{softmax}(z)_y = \log \sum_k e^{z_k} - z_y .$$
#
# Written that way, with the log-sum-exp trick (subtract max z first), it never
# overflows. For a batch we average over points; with two classes and one score z it
# becomes the **logistic loss**, and for numbers rather than classes we use the
# **mean squared error**.

# %% [markdown]
# **Teacher:** About 25 minutes. Work one cross-entropy by hand on the board first: scores
# (2, 1, 0), true class 0. Then run the cell and compare with the room's number (≈ 0.41).

# %% [markdown]
# **Say:** Learning needs one number that says how wrong the model is. Cross-entropy is
# that number for classes: small when the right class gets most of the probability, huge
# when the model is confidently wrong.

# %%
from torchdojo import show
from torchdojo.backprop import losses

show.source(losses.logsumexp)
show.source(losses.cross_entropy_point)
show.source(losses.cross_entropy)
show.source(losses.logistic_loss)

# %% [markdown]
# ## Why log-sum-exp
#
# The textbook formula exponentiates first: e¹⁰⁰⁰ is infinite even in float64.

# %% [markdown]
# **Teacher:** Ask why subtracting the largest score changes nothing mathematically (it
# cancels between the log-sum-exp and z_y) but everything numerically, then run the
# overflow cell.

# %%
import torch
import torch.nn.functional as F

z = torch.tensor([1000.0, 0.0, -1000.0])
print("naive:", losses.naive_cross_entropy_point(z, 1).item(),
      " log-sum-exp:", losses.cross_entropy_point(z, 1).item(),
      " torch:", F.cross_entropy(z[None], torch.tensor([1])).item())

# %%
from torchdojo.runner import quick_mode, run_experiment

result = run_experiment("losses", quick=quick_mode())
print({k: float(f"{v:.4g}") for k, v in result.metrics.items()})  # every metric, 4 digits
for name, diff in result.diffs.items():
    print(f"{name:34s} |ours - torch| = {diff:.1e}")

# %%
from torchdojo.experiments.losses import overflow_figure

show.figure(overflow_figure(1000.0))

# %% [markdown]
# ## Your turn
#
# Predict first, then run. Each cell repeats the run above with one setting changed
# and prints the numbers to compare.
#
# **1. Where does the naive formula break?** *Predict*: with hard logits of ±700
# instead of ±1000, is the naive softmax-then-log finite (float64)? Run it, then try
# `710.0`.

# %%
seven_hundred = show.your_turn(lambda: run_experiment(
    "losses", quick=quick_mode(), quiet=True, overrides={"large": 700.0}))
show.compare(result, seven_hundred, "naive_is_finite", "stable_large_logit_loss")

# %% [markdown]
# **2. A confident mistake.** With logits (1000, 0, −1000) and true class 1 the loss
# was 1000. *Predict*: what is it for logits (10, 0, −10)?

# %%
ten = show.your_turn(lambda: run_experiment("losses", quick=quick_mode(), quiet=True,
                                            overrides={"large": 10.0}))
show.compare(result, ten, "stable_large_logit_loss")

# %% [markdown]
# ## Check yourself
#
# **1. For logits z = (2, 0) and true class 0, what is the cross-entropy? And for (0, 0)?**
#
# <details><summary>Answer</summary>
#
# log(e² + e⁰) − 2 = log(1 + e⁻²) ≈ 0.127. For (0, 0): log 2 ≈ 0.693, the loss of a
# 50/50 guess, where every untrained two-class classifier starts.
#
# </details>
#
# **2. Why subtract max z before exponentiating, and why does it not change the loss?**
#
# <details><summary>Answer</summary>
#
# log Σ e^{z_k} = m + log Σ e^{z_k − m} for any m. With m = max z the largest term is
# e⁰ = 1: nothing overflows, and the sum is at least 1, so its log is never −∞.
#
# </details>
#
# **3. The logistic loss of one score s is a two-class cross-entropy. For which two logits?**
#
# <details><summary>Answer</summary>
#
# For logits (0, s): softmax gives p₁ = eˢ / (1 + eˢ) = σ(s), so for y = 1 the loss
# is −log σ(s) = log(1 + e⁻ˢ). The lesson's figure draws both as the same curve.
#
# </details>

# %% [markdown]
# ## Further reading
#
# - Nielsen, chapter 3, [The cross-entropy cost function](http://neuralnetworksanddeeplearning.com/chap3.html#the_cross-entropy_cost_function).
# - CS231n, [the softmax classifier](https://cs231n.github.io/linear-classify/#softmax)
#   and its numerical stability trick.
# - PyTorch, [`F.cross_entropy`](https://pytorch.org/docs/stable/generated/torch.nn.functional.cross_entropy.html).
