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
# The gradient points uphill, so step the other way: **x ← x − lr · dC/dx**. For
# C(x) = x² + 3, dC/dx = 2x and one step gives x ← (1 − 2 lr) x: slow for small lr,
# exact in one step at lr = 0.5, zig-zagging above it, diverging past lr = 1.
#
# The six-step training procedure of the source (define parameters, iterate, forward,
# loss, backward, update) is, for one number x:

# %% [markdown]
# **Teacher:** About 25 minutes. Ask the room to do two steps by hand from x = 5 with
# lr = 0.1 (5 → 4 → 3.2) before running the cell.

# %% [markdown]
# **Say:** Every training loop in this course is this one line, x ← x − lr · gradient,
# applied to millions of numbers at once. Today we watch it on one number, where we can
# see everything.

# %%
from torchdojo import show
from torchdojo.experiments import descent

show.source(descent.minimise)
path = descent.minimise(descent.cost, x0=5.0, lr=0.1, steps=100)
x = path[-1]
print(f"x after 100 steps: {x:.2e}, C(x) = x^2 + 3 = {x ** 2 + 3}")

# %% [markdown]
# ## The learning-rate sweep

# %% [markdown]
# **Teacher:** Before the sweep figure, ask for a prediction for each learning rate: crawls,
# one step, zig-zags or explodes. Reveal the figure and compare; 1.05 is the one people
# miss.

# %%
paths = {lr: descent.minimise(descent.cost, 5.0, lr, 60) for lr in (0.01, 0.1, 0.5, 0.9, 1.05)}
show.figure(descent.sweep_figure(paths))

# %% [markdown]
# ## Gradient descent on problems 1 and 2 (530, 550)
#
# The same update, now on W and b of a layer, with the mean cross-entropy over all
# training points as C. The experiment runs it through the course's one training loop
# (`torchdojo.train.loop.fit`) with the whole data set as one batch: one epoch, one step.

# %%
from torchdojo.runner import quick_mode, run_experiment

result = run_experiment("descent", quick=quick_mode())
print({k: float(f"{v:.4g}") for k, v in result.metrics.items()})  # every metric, 4 digits
m = result.metrics
print(f"x -> {m['final_abs_x']:.1e}, C - 3 -> {m['final_abs_c_minus_3']:.1e}; "
      f"problem 1: {100 * m['problem1_acc']:.1f}%, problem 2: {100 * m['problem2_acc']:.1f}%")

# %%
from matplotlib.figure import Figure

from torchdojo.figures import boundaries

fig = Figure(figsize=(9, 3.6))
for ax, (title, (model, x, y, _)) in zip(fig.subplots(1, 2), result.panels.items()):
    boundaries.draw(ax, boundaries.predictor(model), x, y, title=title)
fig.tight_layout()
show.figure(fig)

# %% [markdown]
# The loss on problem 2 stalls near log 2 ≈ 0.69: no setting of W and b does better,
# because no line separates a disc from a ring. Gradient descent is not the problem;
# the model is.

# %% [markdown]
# ## Your turn
#
# Predict first, then run. Each cell repeats the run above with one setting changed
# and prints the numbers to compare.
#
# **1. lr = 1.** *Predict*: starting from x₀ = 5 with `lr=1.0`, where is x after 100
# steps: near 0, huge, or somewhere else?

# %%
lr_one = show.your_turn(lambda: run_experiment("descent", quick=quick_mode(), quiet=True,
                                               overrides={"lr": 1.0}))
show.compare(result, lr_one, "final_x", "final_c")

# %% [markdown]
# **2. Longer on problem 2.** *Predict*: with 500 gradient steps (`gd_epochs=500`),
# does problem 2's loss fall clearly below log 2 ≈ 0.69?

# %%
longer = show.your_turn(lambda: run_experiment("descent", quick=quick_mode(), quiet=True,
                                               overrides={"gd_epochs": 500}))
show.compare(result, longer, "problem2_loss", "problem2_acc")

# %% [markdown]
# ## Check yourself
#
# **1. For C(x) = x² + 3, which learning rates converge, and which reaches 0 in one step?**
#
# <details><summary>Answer</summary>
#
# A step gives x ← (1 − 2 lr) x, which shrinks iff |1 − 2 lr| < 1, that is
# 0 < lr < 1. lr = 0.5 lands on 0 at once; between 0.5 and 1 the path zig-zags in;
# above 1 it diverges (at exactly 1 it flips between +x₀ and −x₀ for ever).
#
# </details>
#
# **2. Why does `minimise` set `x.grad = None` after every update?**
#
# <details><summary>Answer</summary>
#
# `backward()` adds into `.grad`; without clearing it, step t would use the sum of all
# t gradients so far instead of the gradient at the current x.
#
# </details>
#
# **3. Why is the update `x -= lr * x.grad` inside `torch.no_grad()`?**
#
# <details><summary>Answer</summary>
#
# The update is not part of the function being differentiated. Outside `no_grad`,
# autograd refuses an in-place change of a leaf that requires grad; if it allowed it,
# the next `backward()` would differentiate through the optimiser's own steps.
#
# </details>

# %% [markdown]
# ## Further reading
#
# - Nielsen, chapter 1, [Learning with gradient descent](http://neuralnetworksanddeeplearning.com/chap1.html#learning_with_gradient_descent).
# - CS231n, [Optimization: stochastic gradient descent](https://cs231n.github.io/optimization-1/).
# - The blitz's [Neural networks](https://pytorch.org/tutorials/beginner/blitz/neural_networks_tutorial.html):
#   the update `weight = weight - learning_rate * gradient` with `torch.optim`.
