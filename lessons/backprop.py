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
# The target checks every gradient against autograd and against central differences.
#
# For softmax cross-entropy the whole backward pass starts from one fact:
#
# $$\frac{\partial L}{\partial z} = \mathrm{softmax}(z) - \mathrm{onehot}(y).$$
#
# For a layer z = W x + b the chain rule then gives ∂L/∂W = (∂L/∂z) xᵀ and
# ∂L/∂b = ∂L/∂z. One point (710), another point (720), a batch (730: the mean of the
# points' gradients):

# %% [markdown]
# **Teacher:** About 30 minutes. The one idea: the backward pass starts from
# softmax(z) − onehot(y) and then repeats one rule per layer, ∂L/∂W = (∂L/∂z) xᵀ. Derive
# the first line on the board for two classes before showing any code.

# %% [markdown]
# **Say:** Autograd is not magic: it is the chain rule, applied one layer at a time from the
# loss backwards. Today we write those steps by hand once, so that when a gradient looks
# wrong later you know where to look.

# %%
from torchdojo import show
from torchdojo.backprop import gradcheck, manual

show.source(manual.layer_point)
show.source(manual.layer_batch)

# %% [markdown]
# Two layers (740, 750): go back through W₂ to the hidden layer, multiply by the
# activation's derivative, and repeat the layer rule for W₁, b₁.

# %% [markdown]
# **Teacher:** Ask for the shapes of ∂L/∂h and ∂L/∂W₁ before showing the code ((H,) and
# (H, D): a gradient has its parameter's shape). Common confusion: f'(a) multiplies
# elementwise; for ReLU it is a 0/1 mask of where the pre-activation a was positive.

# %%
show.source(manual.two_layer_point)

# %% [markdown]
# ## Checking gradients
#
# Nudge each parameter by ±ε and watch the loss: (L(θ+ε) − L(θ−ε)) / 2ε. In float64
# with ε = 1e-6 this estimate is good to about 1e-9, plenty to catch a wrong formula.

# %% [markdown]
# **Say:** Central differences need no calculus at all, only two forward passes for every
# single number in every parameter. That makes them slow but trustworthy: the referee for
# any backward pass you write by hand.

# %%
show.source(gradcheck.numerical_gradients)

# %% [markdown]
# **Teacher:** Before running, ask what the planted bug, a batch backward that forgets 1/B,
# does to the gradients (B = 8 here, so each comes out 8 times too large). In the figure,
# point at the dashed tolerance line: the five correct cases sit below it, the bug above.

# %%
from torchdojo.runner import quick_mode, run_experiment

result = run_experiment("backprop", quick=quick_mode())
print({k: float(f"{v:.4g}") for k, v in result.metrics.items()})  # every metric, 4 digits
for name, check in result.checks.items():
    print(f"{name:28s} vs autograd {check.vs_autograd:.1e}  vs numerical {check.vs_numerical:.1e}")
bug = result.bug
print(f"a backward that forgets 1/B: off by {bug.max_abs_diff:.2f} -> caught: {not bug.ok}")

# %%
from torchdojo.experiments.backprop import checks_figure

show.figure(checks_figure(result.checks, bug))

# %% [markdown]
# ## Your turn
#
# Predict first, then run. Each cell repeats the run above with one setting changed
# and prints the numbers to compare.
#
# **1. A coarse step.** *Predict*: with ε = 10⁻² for the central differences, do all
# checks still pass (max abs diff ≤ 10⁻⁶)? Then try ε = 10⁻¹².

# %%
coarse = show.your_turn(lambda: run_experiment("backprop", quick=quick_mode(), quiet=True,
                                               overrides={"eps": 1e-2}))
show.compare(result, coarse, "max_abs_diff", "max_abs_diff_vs_autograd", "checks_failed")

# %% [markdown]
# **2. A stricter tolerance.** *Predict*: with `tol=1e-12`, do the correct manual
# gradients still pass? Does the forgotten 1/B still fail?

# %%
strict = show.your_turn(lambda: run_experiment("backprop", quick=quick_mode(), quiet=True,
                                               overrides={"tol": 1e-12}))
show.compare(result, strict, "checks_failed", "bug_caught", "max_abs_diff")

# %% [markdown]
# ## Check yourself
#
# **1. ∂L/∂z = softmax(z) − onehot(y). What is it for z = (0, 0) and y = 0?**
#
# <details><summary>Answer</summary>
#
# softmax(0, 0) = (0.5, 0.5), so ∂L/∂z = (−0.5, 0.5): a step against the gradient
# raises the true class's score and lowers the other by the same amount.
#
# </details>
#
# **2. Forgetting the 1/B of a batch mean does not stop the loss from falling. Why?**
#
# <details><summary>Answer</summary>
#
# The gradient becomes B times too large but points the same way: it is the right
# direction with a B times larger learning rate. Training may still work (or
# diverge), which is why only a gradient check catches such a bug reliably.
#
# </details>
#
# **3. Why are the checks done in float64 with ε = 10⁻⁶?**
#
# <details><summary>Answer</summary>
#
# A central difference has two errors: truncation, about ε² times the third
# derivative, and rounding, about (machine precision)/ε. In float64 (10⁻¹⁶) ε = 10⁻⁶
# keeps both near 10⁻¹⁰. float32's 10⁻⁷ gives errors near 10⁻¹ at that ε, and about
# 10⁻⁵ at best with any ε: a correct gradient would fail.
#
# </details>

# %% [markdown]
# ## Further reading
#
# - CS231n, [Backpropagation, intuitions](https://cs231n.github.io/optimization-2/).
# - Nielsen, chapter 2, [How the backpropagation algorithm works](http://neuralnetworksanddeeplearning.com/chap2.html).
# - CS231n, [Gradient checks](https://cs231n.github.io/neural-networks-3/#gradcheck):
#   relative errors, kinks, and the step size.
