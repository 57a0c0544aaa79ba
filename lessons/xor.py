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

# %% [markdown] slideshow={"slide_type": "slide"}
# The target's accuracies are measured on the four rows of XOR's truth table.
#
# XOR (610) is 1 when exactly one input is 1. Its four corners cannot be split by one
# line: any line gets at most three right (630). Put a non-linear **activation** between
# two layers (650) and the first layer's lines can be bent into regions (670-695):
#
# $$z = W_2\, f(W_1 x + b_1) + b_2, \qquad f = \mathrm{ReLU} \text{ or sigmoid}.$$

# %% [markdown]
# **Teacher:** About 25 minutes. The one idea: one straight line gets at most three of XOR's
# four corners, and a hidden layer with a non-linear activation bends lines into regions.
# Draw the four corners on the board and ask a volunteer to split them with one line.

# %% [markdown]
# **Say:** XOR is the smallest problem a single layer cannot solve. Stacking two layers
# without an activation does not help either: W₂(W₁x + b₁) + b₂ is again one affine map.
# The activation between them is what buys the network new shapes.

# %% slideshow={"slide_type": "subslide"}
from torchdojo import show
from torchdojo.data import toy
from torchdojo.models.mlp import MLP

x, y = toy.xor()
print("XOR truth table:", [(p, int(t)) for p, t in zip(x.tolist(), y)])
show.source(MLP.__init__)

# %% [markdown] slideshow={"slide_type": "slide"}
# The experiment trains a single layer and four MLPs (ReLU or sigmoid, with or without
# bias) on noisy copies of the four corners, then asks each to compute XOR itself. A
# tie between the two scores counts as wrong: it is not a decision.

# %% [markdown]
# **Teacher:** Before running, ask the room which of the five models will get all four rows
# of the truth table, and which will not. Then read the "why" column the run prints, one row
# at a time.

# %% slideshow={"slide_type": "subslide"}
from torchdojo.runner import quick_mode, run_experiment

result = run_experiment("xor", quick=quick_mode())
print({k: float(f"{v:.4g}") for k, v in result.metrics.items()})  # every metric, 4 digits
for name, acc, sample_acc, why in result.table:
    print(f"{name:22s} truth table {100 * acc:3.0f}%  noisy {100 * sample_acc:5.1f}%  {why}")

# %% [markdown]
# **Teacher:** In the figure, point at the ReLU panel without bias first: its regions are
# wedges with their tip at the origin. Common confusion: "no bias" sounds like a detail, but
# it pins every hidden unit's line through (0, 0).

# %% slideshow={"slide_type": "subslide"}
from torchdojo.figures import boundaries

test_x, test_y = toy.xor(50, noise=0.1, seed=7)
show.figure(boundaries.boundaries(result.models, test_x, test_y, cols=5))

# %% [markdown] slideshow={"slide_type": "slide"}
# Without a bias a ReLU network is *homogeneous*: f(a x) = a f(x) for a > 0, so every
# ray from the origin gets one class, and the origin itself scores 0 for both classes.
# The bias is what lets a unit's boundary sit anywhere but through (0, 0).

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Your turn
#
# Predict first, then run. Each cell repeats the run above with one setting changed
# and prints the numbers to compare.
#
# **1. One hidden unit.** *Predict*: with `hidden=1`, can the ReLU MLP compute XOR
# (100 % on the truth table)? Then try `hidden=2`.

# %% slideshow={"slide_type": "subslide"}
one_unit = show.your_turn(lambda: run_experiment("xor", quick=quick_mode(), quiet=True,
                                                 overrides={"hidden": 1}))
show.compare(result, one_unit, "mlp_acc", "mlp_sample_acc")

# %% [markdown] slideshow={"slide_type": "subslide"}
# **2. Blurry corners.** *Predict*: with `noise=0.5` around each corner (instead of
# 0.1), what happens to the MLP's truth-table accuracy, and to its accuracy on noisy
# points?

# %%
blurry = show.your_turn(lambda: run_experiment("xor", quick=quick_mode(), quiet=True,
                                               overrides={"noise": 0.5}))
show.compare(result, blurry, "mlp_acc", "mlp_sample_acc", "single_layer_sample_acc")

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Check yourself
#
# **1. Why can no single line get all four XOR corners right?**
#
# <details><summary>Answer</summary>
#
# (0, 1) and (1, 0) must lie on one side, (0, 0) and (1, 1) on the other. Each side of
# a line is convex: it holds the segment between any two of its points. The two
# diagonals cross at (0.5, 0.5), which would have to be on both sides.
#
# </details>
#
# **2. A ReLU MLP without biases gets (0, 0) wrong whatever its weights. Why?**
#
# <details><summary>Answer</summary>
#
# Every layer maps 0 to 0 (W·0 = 0 and ReLU(0) = 0), so both logits at the origin are
# 0: a tie, which counts as wrong.
#
# </details>
#
# **3. Two layers with no activation between them: can they compute XOR?**
#
# <details><summary>Answer</summary>
#
# No: together they are one affine map (lesson `affine`), so one line, at most three
# corners right.
#
# </details>

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Further reading
#
# - Nielsen, chapter 4, [A visual proof that neural nets can compute any function](http://neuralnetworksanddeeplearning.com/chap4.html).
# - Goodfellow, Bengio and Courville, *Deep Learning*,
#   [chapter 6](https://www.deeplearningbook.org/contents/mlp.html), which opens by
#   learning XOR.
# - CS231n, [Neural networks, part 1](https://cs231n.github.io/neural-networks-1/).
