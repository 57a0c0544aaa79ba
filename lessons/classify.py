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
# # From a layer to a classifier
#
# *Exercises 310, 350, 380, 410.* Target: **problem 1 ≥ 99 %** accuracy.
#
# A layer gives one score per class. Add a **decision rule** and it classifies: pick
# the class with the highest score (argmax), or, with a single score, say "class 1"
# when it is above 0 (a threshold). Either way the boundary between two classes is
# where two scores are equal: w·x + b = 0, a straight line.

# %%
from torchdojo import show
from torchdojo.models.affine import Affine

show.source(Affine.decide)

# %% [markdown]
# ## The toy problems (410)
#
# Problem 1: two blobs that a line separates. Problem 2: a disc inside a ring: no
# line can. Both come from seeded generators, so every run sees the same points.

# %%
from torchdojo.data import toy

show.source(toy.problem1)
show.source(toy.problem2)

# %% [markdown]
# ## A hand-set rule, then a trained layer (350, 380)
#
# First we choose W ourselves (class 1 when x₁ + x₂ > 0); then we let gradient descent
# choose it (the lesson `descent` explains how). The shaded regions are what the
# classifier answers at every point of the plane.

# %%
from torchdojo.runner import quick_mode, run_experiment

result = run_experiment("classify", quick=quick_mode())
print({k: round(v, 4) for k, v in result.metrics.items()})

# %%
from matplotlib.figure import Figure

from torchdojo.figures import boundaries

fig = Figure(figsize=(14, 3.6))
for ax, (title, (model, x, y)) in zip(fig.subplots(1, 4), result.objects["panels"].items()):
    boundaries.draw(ax, boundaries.predictor(model), x, y, title=title)
fig.tight_layout()
show.figure(fig)

# %% [markdown]
# Problem 1 is solved; on problem 2 the best line is barely better than a coin. That
# is the question the `xor` lesson answers.
