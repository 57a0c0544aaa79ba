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
# The target's accuracies are on the training points.
#
# Three arms of a spiral, 100 points each. A softmax classifier (one affine layer,
# cross-entropy) can only cut the plane into three wedges; a hidden layer of 100 ReLUs
# can follow the arms.

# %% [markdown]
# **Teacher:** About 20 minutes. The one idea: a linear classifier's regions are convex
# (each is where one score beats all the others, an intersection of half-planes), so it
# cannot follow an arm that curls; one hidden layer of ReLUs can.

# %% [markdown]
# **Say:** This is the spiral case study from the CS231n notes: the same data, the same two
# models. Both are trained the same way, with the same loss and optimiser; the only
# difference is one hidden layer and its ReLU.

# %%
from torchdojo import show
from torchdojo.data import toy

show.source(toy.spiral)

# %% [markdown]
# **Teacher:** Note out loud that both accuracies the run prints are on the training
# points, as in the CS231n notes: here we ask what a model *can* fit, not how it
# generalises. Ask the room to predict both before running.

# %%
from torchdojo.runner import quick_mode, run_experiment

result = run_experiment("spiral", quick=quick_mode())
print({k: float(f"{v:.4g}") for k, v in result.metrics.items()})  # every metric, 4 digits
print(f"softmax classifier {100 * result.metrics['linear_acc']:.1f}%, "
      f"2-layer net {100 * result.metrics['mlp_acc']:.1f}% (train accuracy)")

# %% [markdown]
# **Teacher:** Before the figure, ask a volunteer to sketch the softmax classifier's three
# regions on the board (three wedges meeting at one point). Then point at where the
# 2-layer net's boundary bends to follow each arm.

# %%
from torchdojo.figures import boundaries, plots

x, y = toy.spiral()
show.figure(boundaries.boundaries({"softmax (linear)": result.linear,
                                   "2-layer net": result.net}, x, y))
show.figure(plots.curves(result.history, ["loss", "acc"]))

# %% [markdown]
# ## Your turn
#
# Predict first, then run. Each cell repeats the run above with one setting changed
# and prints the numbers to compare.
#
# **1. Two hidden units.** *Predict*: with `hidden=2`, does the 2-layer net still reach
# 98 % train accuracy, fall to the linear model's 50 %, or land in between?

# %%
narrow = show.your_turn(lambda: run_experiment("spiral", quick=quick_mode(), quiet=True,
                                               overrides={"hidden": 2}))
show.compare(result, narrow, "linear_acc", "mlp_acc")

# %% [markdown]
# **2. Five arms.** *Predict*: with `classes=5`, which model loses more accuracy, the
# softmax classifier or the 2-layer net?

# %%
five = show.your_turn(lambda: run_experiment("spiral", quick=quick_mode(), quiet=True,
                                             overrides={"classes": 5}))
show.compare(result, five, "linear_acc", "mlp_acc")

# %% [markdown]
# ## Check yourself
#
# **1. Why are the softmax classifier's regions wedges that cannot follow an arm?**
#
# <details><summary>Answer</summary>
#
# Class k wins where its score beats each other score: an intersection of half-planes
# s_k > s_j, which is convex. An arm of the spiral is not.
#
# </details>
#
# **2. The target is measured on the training points. What does that measure, and what not?**
#
# <details><summary>Answer</summary>
#
# Capacity: whether the model can represent the three arms at all (as in the cs231n
# case study). It says nothing about new points; for that, as in every later lesson,
# only held-out data counts.
#
# </details>
#
# **3. How many parameters have the two models, with 100 hidden units and 3 classes?**
#
# <details><summary>Answer</summary>
#
# The 2-layer net: 2·100 + 100 + 100·3 + 3 = 603. The softmax classifier:
# 2·3 + 3 = 9.
#
# </details>

# %% [markdown]
# ## Further reading
#
# - CS231n, [Minimal neural network case study](https://cs231n.github.io/neural-networks-case-study/):
#   this lesson's spiral, in NumPy.
# - [TensorFlow Playground](https://playground.tensorflow.org/): train small networks
#   on a spiral in the browser and watch the boundary.
# - CS231n, [Neural networks, part 1](https://cs231n.github.io/neural-networks-1/).
