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
# # A toy spiral, linear vs 2-layer
#
# *Seed 002 (the cs231n case study).* Target: **linear ≈ 50 %, 2-layer ≥ 98 %** train
# accuracy.
#
# Three arms of a spiral, 100 points each. A softmax classifier (one affine layer,
# cross-entropy) can only cut the plane into three wedges; a hidden layer of 100 ReLUs
# can follow the arms.

# %%
from torchdojo import show
from torchdojo.data import toy

show.source(toy.spiral)

# %%
from torchdojo.runner import quick_mode, run_experiment

result = run_experiment("spiral", quick=quick_mode())
print(f"softmax classifier {100 * result.metrics['linear_acc']:.1f}%, "
      f"2-layer net {100 * result.metrics['mlp_acc']:.1f}% (train accuracy)")

# %%
from torchdojo.figures import boundaries, plots

x, y = toy.spiral()
show.figure(boundaries.boundaries({"softmax (linear)": result.objects["linear"],
                                   "2-layer net": result.objects["net"]}, x, y))
show.figure(plots.curves(result.history, ["loss", "acc"]))
