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
# # Gradient descent
#
# *Exercises 510, 530, 550; seed 002.* Target: minimising C(x) = x² + 3 drives
# **x → 0 and C → 3**.
#
# The gradient points uphill, so step the other way: **x ← x − lr · dC/dx**. For
# C(x) = x² + 3, dC/dx = 2x and one step gives x ← (1 − 2 lr) x: slow for small lr,
# exact in one step at lr = 0.5, zig-zagging above it, diverging past lr = 1.
#
# The six-step training procedure of the source (define parameters, iterate, forward,
# loss, backward, update) is, for one number x:

# %%
from torchdojo import show
from torchdojo.experiments import descent

show.source(descent.minimise)
path = descent.minimise(descent.cost, x0=5.0, lr=0.1, steps=100)
x = path[-1]
print(f"x after 100 steps: {x:.2e}, C(x) = x^2 + 3 = {x ** 2 + 3}")

# %% [markdown]
# ## The learning-rate sweep

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
m = result.metrics
print(f"x -> {m['final_abs_x']:.1e}, C - 3 -> {m['final_abs_c_minus_3']:.1e}; "
      f"problem 1: {100 * m['problem1_acc']:.1f}%, problem 2: {100 * m['problem2_acc']:.1f}%")

# %%
from matplotlib.figure import Figure

from torchdojo.figures import boundaries

fig = Figure(figsize=(9, 3.6))
for ax, (title, (model, x, y, _)) in zip(fig.subplots(1, 2), result.objects["panels"].items()):
    boundaries.draw(ax, boundaries.predictor(model), x, y, title=title)
fig.tight_layout()
show.figure(fig)

# %% [markdown]
# The loss on problem 2 stalls near log 2 ≈ 0.69: no setting of W and b does better,
# because no line separates a disc from a ring. Gradient descent is not the problem;
# the model is.
