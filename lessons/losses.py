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
# # Losses
#
# *Exercises 430, 450, 480; seed 002.* Target: **match torch to 1e-6**.
#
# To learn, a classifier needs one number that says how wrong it is. For scores
# (logits) z and true class y, the **cross-entropy** is
#
# $$L = -\log \mathrm{softmax}(z)_y = \log \sum_k e^{z_k} - z_y .$$
#
# Written that way, with the log-sum-exp trick (subtract max z first), it never
# overflows. For a batch we average over points; with two classes and one score z it
# becomes the **logistic loss**, and for numbers rather than classes we use the
# **mean squared error**.

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
for name, diff in result.objects["diffs"].items():
    print(f"{name:34s} |ours - torch| = {diff:.1e}")

# %%
from torchdojo.experiments.losses import overflow_figure

show.figure(overflow_figure(1000.0))
