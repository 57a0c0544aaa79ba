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
# # XOR and the multi-layer network
#
# *Exercises 610-695.* Target: **single layer ≤ 75 %; MLP 100 %** on the XOR truth table.
#
# XOR (610) is 1 when exactly one input is 1. Its four corners cannot be split by one
# line: any line gets at most three right (630). Put a non-linear **activation** between
# two layers (650) and the first layer's lines can be bent into regions (670-695):
#
# $$z = W_2\, f(W_1 x + b_1) + b_2, \qquad f = \mathrm{ReLU} \text{ or sigmoid}.$$

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

# %% slideshow={"slide_type": "subslide"}
from torchdojo.runner import quick_mode, run_experiment

result = run_experiment("xor", quick=quick_mode())
for name, acc, sample_acc, why in result.objects["table"]:
    print(f"{name:22s} truth table {100 * acc:3.0f}%  noisy {100 * sample_acc:5.1f}%  {why}")

# %% slideshow={"slide_type": "subslide"}
from torchdojo.figures import boundaries

test_x, test_y = toy.xor(50, noise=0.1, seed=7)
show.figure(boundaries.boundaries(result.objects["models"], test_x, test_y, cols=5))

# %% [markdown] slideshow={"slide_type": "slide"}
# Without a bias a ReLU network is *homogeneous*: f(a x) = a f(x) for a > 0, so every
# ray from the origin gets one class, and the origin itself scores 0 for both classes.
# The bias is what lets a unit's boundary sit anywhere but through (0, 0).
