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
# # Autograd
#
# *Seed 002.* Target: **gradients match hand-derived ones** (max abs diff ≤ 1e-6).
#
# Give a tensor `requires_grad=True` and PyTorch records every operation on it in a
# graph. `backward()` walks that graph from the result back to the leaves, applying the
# chain rule, and leaves dResult/dLeaf in `leaf.grad`. Check it against calculus:
# for f(x) = x³ − 2x, f′(x) = 3x² − 2.

# %% slideshow={"slide_type": "subslide"}
import torch

x = torch.tensor(2.0, requires_grad=True)
f = x ** 3 - 2 * x
f.backward()
print("autograd:", x.grad.item(), " by hand: 3 * 2**2 - 2 =", 3 * 2 ** 2 - 2)

# %% [markdown] slideshow={"slide_type": "slide"}
# Three things to know: gradients **accumulate** (call `backward` twice and they add up,
# which is why training loops zero them), `detach()` turns a tensor into a constant for
# the graph, and `torch.no_grad()` records nothing at all (evaluation, weight updates).

# %% slideshow={"slide_type": "subslide"}
from torchdojo import show
from torchdojo.experiments import autograd

show.source(autograd.facts)

# %% slideshow={"slide_type": "subslide"}
from torchdojo.runner import quick_mode, run_experiment

result = run_experiment("autograd", quick=quick_mode())
for name, diff in result.objects["diffs"].items():
    print(f"{name:34s} |autograd - by hand| = {diff:.1e}")

# %% [markdown] slideshow={"slide_type": "slide"}
# ## The graph behind a loss
#
# A small loss, `mean(relu(x Wᵀ + b)²)`, and the nodes `backward()` visits: the loss on
# top, the parameters (leaves) at the bottom.

# %%
W = torch.randn(3, 2, requires_grad=True)
b = torch.zeros(3, requires_grad=True)
loss = (torch.randn(4, 2) @ W.T + b).relu().pow(2).mean()
show.figure(autograd.graph_figure(loss))
