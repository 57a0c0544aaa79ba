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
# Give a tensor `requires_grad=True` and PyTorch records every operation on it in a
# graph. `backward()` walks that graph from the result back to the leaves, applying the
# chain rule, and leaves dResult/dLeaf in `leaf.grad`. Check it against calculus:
# for f(x) = x³ − 2x, f′(x) = 3x² − 2.

# %% [markdown]
# **Teacher:** About 20 minutes. Ask someone to differentiate x³ − 2x on the board and
# evaluate it at 2 before you run the cell; autograd should agree with them: 10.

# %% [markdown]
# **Say:** Autograd is the chain rule, done for you. Every operation on a tensor that
# requires a gradient is written down; `backward` reads that record from the end back
# to the start.

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

# %% [markdown]
# **Teacher:** Ask: *call `backward` twice on the same loss; what is in `x.grad`?* Take a
# vote between "the gradient" and "twice the gradient", then show the accumulation
# check in `facts`.

# %% slideshow={"slide_type": "subslide"}
from torchdojo import show
from torchdojo.experiments import autograd

show.source(autograd.facts)

# %% slideshow={"slide_type": "subslide"}
from torchdojo.runner import quick_mode, run_experiment

result = run_experiment("autograd", quick=quick_mode())
print({k: float(f"{v:.4g}") for k, v in result.metrics.items()})  # every metric, 4 digits
for name, diff in result.diffs.items():
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

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Your turn
#
# Predict first, then run. Each cell changes one value of the code above and
# prints the gradient before and now.
#
# **1. Forget to zero, three times.** The check above called `backward` twice on x² at
# x = 3 and got 2x + 2x = 12. *Predict*: what is `x.grad` after three calls?

# %% slideshow={"slide_type": "subslide"}
calls = 3  # the check above made 2


def accumulated() -> float:
    x = torch.tensor(3.0, requires_grad=True)
    for _ in range(calls):
        (x ** 2).backward()
    return x.grad.item()


show.compare(12.0, show.your_turn(accumulated))

# %% [markdown] slideshow={"slide_type": "subslide"}
# **2. Detach one term.** f(x) = x³ − 2x gave f′(2) = 10. *Predict*: if the 2x term is
# computed from `x.detach()`, what gradient does autograd report at x = 2?

# %%
detach_linear_term = True  # False gives the f'(2) = 10 above


def slope_at_2() -> float:
    x = torch.tensor(2.0, requires_grad=True)
    linear = x.detach() if detach_linear_term else x
    (x ** 3 - 2 * linear).backward()
    return x.grad.item()


show.compare(10.0, show.your_turn(slope_at_2))

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Check yourself
#
# **1. Why does a training loop clear the gradients (`zero_grad`) before each `backward()`?**
#
# <details><summary>Answer</summary>
#
# `backward()` adds into `.grad`. Without clearing, each step would use the sum of
# every gradient so far. (Adding on purpose, over several small batches before one
# step, is gradient accumulation: a large batch that does not fit in memory.)
#
# </details>
#
# **2. What is the difference between `x.detach()` and `with torch.no_grad():`?**
#
# <details><summary>Answer</summary>
#
# `detach()` returns one tensor cut from the graph (same data, now a constant); every
# other operation is still recorded. Inside `no_grad()` nothing is recorded: results
# have no `grad_fn`. Evaluation and the optimiser's own update run under it.
#
# </details>
#
# **3. Calling `loss.backward()` a second time on the same graph raises an error. Why?**
#
# <details><summary>Answer</summary>
#
# To save memory, `backward()` frees the tensors the graph saved for it (the inputs
# of `pow`, `mul`, ...). A second pass would need them; `backward(retain_graph=True)`
# keeps them. The checks above recompute `x ** 2` each time: a new graph per call.
#
# </details>

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Further reading
#
# - [A gentle introduction to torch.autograd](https://pytorch.org/tutorials/beginner/blitz/autograd_tutorial.html)
#   (the 60-minute blitz, part 2).
# - PyTorch, [Autograd mechanics](https://pytorch.org/docs/stable/notes/autograd.html):
#   how the graph is recorded, saved tensors, `no_grad` and inference mode.
# - CS231n, [Backpropagation, intuitions](https://cs231n.github.io/optimization-2/).
