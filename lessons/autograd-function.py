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
# The target compares values and gradients, for inputs as large as ±1000.
#
# Every operation autograd records is a *Function*: a `forward` that computes the result
# and a `backward` that turns dL/d(output) into dL/d(input). You can write your own by
# subclassing `torch.autograd.Function`. Our example is softplus(x) = log(1 + eˣ), whose
# derivative is sigmoid(x), computed so that nothing overflows.

# %% [markdown]
# **Teacher:** About 30 minutes. Run the cells live. Before the ±1000 cell, ask: *what does
# log(1 + e¹⁰⁰⁰) give in float64?* Let people guess, then run it: the naive formula
# returns inf and its gradient nan.

# %% [markdown]
# **Say:** Autograd is not magic: every operation it records is a pair of functions, a
# forward and a backward. When the built-in pair does not do what you need, you write
# your own, and PyTorch treats it like any other operation.

# %% slideshow={"slide_type": "subslide"}
import torch

from torchdojo import show
from torchdojo.experiments import autograd_function as af

show.source(af.StableSoftplus)
show.source(af.softplus)

# %% [markdown] slideshow={"slide_type": "subslide"}
# `forward` keeps x with `ctx.save_for_backward`; `backward` reads it back from
# `ctx.saved_tensors` and applies the chain rule. A Function is never called directly:
# `StableSoftplus.apply(x)` runs `forward` and hangs a `StableSoftplusBackward` node on
# the result. Written as printed, log(1 + eˣ) has e¹⁰⁰⁰ = inf even in float64:

# %% slideshow={"slide_type": "subslide"}
x = torch.tensor([-1000.0, 0.0, 1000.0], dtype=torch.float64, requires_grad=True)
y = af.softplus(x)
y.sum().backward()
print("ours:  y =", y.tolist(), " dy/dx =", x.grad.tolist())
x.grad = None
y = af.naive_softplus(x)
y.sum().backward()
print("naive: y =", y.tolist(), " dy/dx =", x.grad.tolist())

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Checking a backward: gradcheck, and the built-in
#
# `torch.autograd.gradcheck` compares your backward with central differences,
# (f(x + ε) − f(x − ε)) / 2ε with ε = 10⁻⁶, for every input and every output: the whole
# Jacobian. It needs float64: in float32 the difference of two nearly equal numbers keeps
# only one or two digits. Then we compare values and gradients with `F.softplus`.

# %% [markdown]
# **Teacher:** Ask why gradcheck needs float64 before you reveal the answer; then, if time
# allows, call `torch.autograd.gradcheck(af.softplus, (x,))` on a float32 `x` in a scratch
# cell and show a correct backward "failing".

# %% slideshow={"slide_type": "subslide"}
show.source(af.passes_gradcheck)
show.source(af.diff_from_builtin)
show.source(af.measure)

# %% slideshow={"slide_type": "subslide"}
from torchdojo.runner import quick_mode, run_experiment

result = run_experiment("autograd-function", quick=quick_mode())
print({k: float(f"{v:.4g}") for k, v in result.metrics.items()})  # every metric, 4 digits

# %% [markdown]
# Our Function passes both; the naive formula fails both, with inf and nan at x = 1000.
# The built-in is not exact either: above `threshold=20` it returns x, off by
# log(1 + e⁻ˣ) ≈ 2·10⁻⁹ at x = 20. With `threshold=40` its switch is exact to the last bit
# of a float64, so that is the reference the comparison uses.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## The graph, and what it costs
#
# Our Function is one node of the graph, like any built-in operation; `backward()` walks
# `grad_fn` and its `next_functions` from the loss down to the leaves.

# %% slideshow={"slide_type": "subslide"}
from torchdojo.experiments.autograd import graph_figure

W = torch.randn(3, 2, requires_grad=True)
b = torch.zeros(3, requires_grad=True)
loss = af.softplus(torch.randn(4, 2) @ W.T + b).mean()
print(loss.grad_fn, "->", [fn for fn, _ in loss.grad_fn.next_functions])
show.figure(graph_figure(loss))

# %% [markdown] slideshow={"slide_type": "subslide"}
# Each node keeps the tensors its backward needs, until `backward()` frees them. A
# `saved_tensors_hooks` pair sees every tensor saved, so we can count the bytes. The same
# softplus as six recorded ops also keeps exp(−|x|); our Function keeps only x. `detach()`
# cuts a branch out of the graph (here: layer 1 is frozen); `torch.no_grad()` records
# nothing at all, which is why evaluation runs under it.

# %% [markdown]
# **Say:** Each node of the graph keeps what its backward will need, until backward frees
# it. That is where training memory goes. `detach` and `no_grad` are how you tell
# PyTorch: this part needs no gradient, keep nothing for it.

# %% slideshow={"slide_type": "subslide"}
show.source(af.saved_bytes)
show.figure(af.figure(torch.linspace(-6, 6, 121, dtype=torch.float64), result.memory))

# %% [markdown] slideshow={"slide_type": "slide"}
# ## A second Function: the straight-through estimator
#
# round(x) has derivative 0 almost everywhere, so nothing behind it can learn. A
# Function may return any backward it likes: the straight-through estimator rounds in
# the forward pass and passes the gradient through unchanged (quantised networks use it).

# %% slideshow={"slide_type": "subslide"}
show.source(af.RoundSTE)
x = torch.tensor([0.2, 1.7, -0.6], requires_grad=True)
af.RoundSTE.apply(x).sum().backward()
print("round:", torch.round(x).tolist(), " straight-through gradient:", x.grad.tolist())

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Your turn
#
# Predict first, then run; each cell prints our Function's numbers beside yours.
#
# **1. A backward that forgets `grad_out`.** The class below returns sigmoid(x) instead
# of grad_out · sigmoid(x). *Predict* both metrics before you run it: does gradcheck
# pass? How far is it from `F.softplus`, whose gradient is taken of `y.sum()`? Then fix
# the line and run again.

# %% slideshow={"slide_type": "subslide"}
class Forgetful(af.StableSoftplus):
    @staticmethod
    def backward(ctx, grad_out):
        (x,) = ctx.saved_tensors
        return torch.sigmoid(x)  # the chain rule wants grad_out * torch.sigmoid(x)


grid, sample = af.check_points(af.Config(), torch.Generator().manual_seed(0))
forgetful = show.your_turn(lambda: af.measure(Forgetful.apply, grid, sample))
show.compare(result, forgetful, "gradcheck_passed", "max_abs_diff")

# %% [markdown] slideshow={"slide_type": "subslide"}
# **2. How far does the naive formula go?** *Predict*: does `naive_softplus` meet both
# targets when the points only reach ±700 (e⁷⁰⁰ ≈ 10³⁰⁴ is still finite)? Run it, then
# try `limit = 710.0`.

# %%
limit = 700.0  # the run above went to 1000.0
grid, sample = af.check_points(af.Config(limit=limit), torch.Generator().manual_seed(0))
naive = show.your_turn(lambda: af.measure(af.naive_softplus, grid, sample))
show.compare(result.naive, naive, "gradcheck_passed", "max_abs_diff")

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Check yourself
#
# **1. Why must `gradcheck` run in float64?**
#
# <details><summary>Answer</summary>
#
# It divides a difference f(x + ε) − f(x − ε) by 2ε with ε = 10⁻⁶. float32 holds about
# 7 significant digits, so that difference keeps one or two, and a correct backward
# would "fail"; float64's 16 digits leave about 10.
#
# </details>
#
# **2. Our Function and the same formula written as separate ops compute identical numbers.
# Why does the Function keep fewer bytes for backward, and what does `no_grad` keep?**
#
# <details><summary>Answer</summary>
#
# Each recorded op saves what *its* backward needs (exp keeps its output, log1p its
# input, ...); our backward needs only x, so only x is saved. Under `no_grad` nothing
# is recorded, so nothing is saved (and nothing can be backpropagated).
#
# </details>
#
# **3. The `Forgetful` backward matches the built-in's gradient of `y.sum()` exactly. Why,
# and why does gradcheck still fail?**
#
# <details><summary>Answer</summary>
#
# For `y.sum()` the incoming grad_out is all ones, so multiplying by it changes
# nothing. gradcheck builds the whole Jacobian, one unit vector of grad_out at a time;
# a backward that ignores grad_out puts sigmoid(x) in every row, not only on the
# diagonal.
#
# </details>

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Further reading
#
# - PyTorch, [Extending torch.autograd](https://pytorch.org/docs/stable/notes/extending.html):
#   `Function`, `ctx.save_for_backward`, `once_differentiable` and gradcheck.
# - [A gentle introduction to torch.autograd](https://pytorch.org/tutorials/beginner/blitz/autograd_tutorial.html),
#   part 2 of the [60-minute blitz](https://pytorch.org/tutorials/beginner/deep_learning_60min_blitz.html).
