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
# # Backpropagation by hand
#
# *Exercises 710-750.* Target: **max abs diff ≤ 1e-6 (float64)** against autograd and
# central differences.
#
# For softmax cross-entropy the whole backward pass starts from one fact:
#
# $$\frac{\partial L}{\partial z} = \mathrm{softmax}(z) - \mathrm{onehot}(y).$$
#
# For a layer z = W x + b the chain rule then gives ∂L/∂W = (∂L/∂z) xᵀ and
# ∂L/∂b = ∂L/∂z. One point (710), another point (720), a batch (730: the mean of the
# points' gradients):

# %%
from torchdojo import show
from torchdojo.backprop import gradcheck, manual

show.source(manual.layer_point)
show.source(manual.layer_batch)

# %% [markdown]
# Two layers (740, 750): go back through W₂ to the hidden layer, multiply by the
# activation's derivative, and repeat the layer rule for W₁, b₁.

# %%
show.source(manual.two_layer_point)

# %% [markdown]
# ## Checking gradients
#
# Nudge each parameter by ±ε and watch the loss: (L(θ+ε) − L(θ−ε)) / 2ε. In float64
# with ε = 1e-6 this estimate is good to about 1e-9, plenty to catch a wrong formula.

# %%
show.source(gradcheck.numerical_gradients)

# %%
from torchdojo.runner import quick_mode, run_experiment

result = run_experiment("backprop", quick=quick_mode())
for name, check in result.objects["checks"].items():
    print(f"{name:28s} vs autograd {check.vs_autograd:.1e}  vs numerical {check.vs_numerical:.1e}")
bug = result.objects["bug"]
print(f"a backward that forgets 1/B: off by {bug.max_abs_diff:.2f} -> caught: {not bug.ok}")

# %%
from torchdojo.experiments.backprop import checks_figure

show.figure(checks_figure(result.objects["checks"], bug))
