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
# A layer gives one score per class. Add a **decision rule** and it classifies: pick
# the class with the highest score (argmax), or, with a single score, say "class 1"
# when it is above 0 (a threshold). Either way the boundary between two classes is
# where two scores are equal: w·x + b = 0, a straight line.

# %% [markdown]
# **Teacher:** About 20 minutes. Draw two clouds of points and one line between them; ask
# which side is "class 1" and why the line is where w·x + b = 0.

# %% [markdown]
# **Say:** A layer only gives scores. A classifier is a layer plus a decision rule: take
# the largest score, or ask whether one score is above zero. Either way the boundary is a
# straight line.

# %%
from torchdojo import show
from torchdojo.models.affine import Affine

show.source(Affine.decide)

# %% [markdown]
# ## The toy problems (410)
#
# Problem 1: two blobs that a line separates. Problem 2: a disc inside a ring: no
# line can. Both come from seeded generators, so every run sees the same points.

# %% [markdown]
# **Teacher:** Before the run, ask for a prediction: *what accuracy can the best straight
# line reach on the disc inside a ring?* (About a coin's; that sets up `xor`.)

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
for ax, (title, (model, x, y)) in zip(fig.subplots(1, 4), result.panels.items()):
    boundaries.draw(ax, boundaries.predictor(model), x, y, title=title)
fig.tight_layout()
show.figure(fig)

# %% [markdown]
# Problem 1 is solved; on problem 2 the best line is barely better than a coin. That
# is the question the `xor` lesson answers.

# %% [markdown]
# ## Your turn
#
# Predict first, then run. Each cell repeats the run above with one setting changed
# and prints the numbers to compare.
#
# **1. One epoch.** *Predict*: trained for a single epoch instead of 30, does the
# layer still reach 99 % on problem 1?

# %%
one_epoch = show.your_turn(lambda: run_experiment("classify", quick=quick_mode(),
                                                  quiet=True, overrides={"epochs": 1}))
show.compare(result, one_epoch, "problem1_acc", "problem2_acc")

# %% [markdown]
# **2. Ten times the data.** *Predict*: with 4,000 training points, does the best line
# do much better than a coin on problem 2?

# %%
more_data = show.your_turn(lambda: run_experiment("classify", quick=quick_mode(),
                                                  quiet=True, overrides={"n_train": 4000}))
show.compare(result, more_data, "problem2_train_acc", "problem2_acc")

# %% [markdown]
# ## Check yourself
#
# **1. A layer gives two scores s₀, s₁ and the rule picks the larger. Where is the
# boundary, and why is it straight?**
#
# <details><summary>Answer</summary>
#
# Where s₀ = s₁, that is (w₁ − w₀)·x + (b₁ − b₀) = 0: one linear equation in x, a line
# in the plane (a hyperplane in more dimensions).
#
# </details>
#
# **2. Why does the lesson count a tie between the two scores as wrong?**
#
# <details><summary>Answer</summary>
#
# A tie is no decision. `argmax` would silently pick the first class, so a model whose
# scores are all equal would be credited with every point of that class for free.
#
# </details>
#
# **3. No line separates a disc from a ring around it. What would make problem 2 solvable?**
#
# <details><summary>Answer</summary>
#
# Either a non-linear model (a hidden layer with an activation: lesson `xor`), or a
# better input: with the feature x₁² + x₂² (the squared radius) one threshold, a
# straight cut in the new feature, separates them.
#
# </details>

# %% [markdown]
# ## Further reading
#
# - CS231n, [Linear classification](https://cs231n.github.io/linear-classify/): scores,
#   decision boundaries, and what a linear classifier cannot do.
# - learnpytorch.io, [02. Neural network classification](https://www.learnpytorch.io/02_pytorch_classification/).
