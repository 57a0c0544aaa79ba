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
# A tensor is an n-dimensional array of numbers: a scalar, a vector, a matrix, a stack
# of matrices. PyTorch tensors behave like NumPy arrays, can live on a GPU, and remember
# how they were computed (the next lesson). Each row of an `(N, 2)` tensor is a point of
# the plane; each row of an `(N, 3)` tensor a point of space.

# %% [markdown]
# **Teacher:** About 20 minutes. Type the first cell live rather than running it, and ask
# for the shape of `x[:, 2]` and of `x[x > 8]` before you press Enter.

# %% [markdown]
# **Say:** Everything a network sees, images, words, rewards, arrives as a tensor: a grid of
# numbers with a shape. Most bugs in deep learning code are shape bugs, so we start by
# reading shapes fluently.

# %% slideshow={"slide_type": "subslide"}
import numpy as np
import torch

x = torch.arange(12.0).reshape(3, 4)  # (3, 4)
print(x)
print("shape", tuple(x.shape), "dtype", x.dtype, "row 1:", x[1].tolist(), "column 2:", x[:, 2])
print("mask x > 8:", x[x > 8].tolist())

# %% [markdown] slideshow={"slide_type": "slide"}
# **Reshaping** changes how the same numbers are read; `view` shares storage, `permute`
# only swaps strides. **Broadcasting** stretches dimensions of size 1, so a `(3, 1)`
# column plus a `(1, 4)` row is a `(3, 4)` table, no loop needed.

# %% [markdown]
# **Teacher:** Draw the `(3, 1)` column and the `(1, 4)` row on the board and stretch them
# into the table before running the cell. Ask: *what shape does `(3, 1)` plus `(4,)`
# give?* (Also `(3, 4)`: missing dimensions count as 1 from the left.)

# %% slideshow={"slide_type": "subslide"}
col, row = torch.arange(3.0).reshape(3, 1), torch.arange(4.0).reshape(1, 4)
print(col * 10 + row)  # (3, 1) and (1, 4) -> (3, 4)
a = np.ones(3)
t = torch.from_numpy(a)  # shares memory with the NumPy array
a[0] = 5
print("NumPy change seen by torch:", t.tolist())
device = "cuda" if torch.cuda.is_available() else "cpu"
print("moved to", x.to(device).device)

# %% [markdown] slideshow={"slide_type": "slide"}
# The experiment turns each of these facts into a check; here is its code, then its run.

# %% slideshow={"slide_type": "subslide"}
from torchdojo import show
from torchdojo.experiments import tensors
from torchdojo.runner import quick_mode, run_experiment

show.source(tensors.checks)
result = run_experiment("tensors", quick=quick_mode())
print(result.metrics)

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Points of 2-D and 3-D space

# %%
show.figure(tensors.space_figure(200))

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Your turn
#
# Predict first, then run. Each cell changes one value of the code above and
# prints what it gave before and what it gives now.
#
# **1. Broadcasting in three dimensions.** `col * 10 + row` added a `(3, 1)` column and
# a `(1, 4)` row into a `(3, 4)` table. *Predict*: what shape comes out when the row
# has shape `(2, 1, 4)` instead, and how many numbers does it hold?

# %% slideshow={"slide_type": "subslide"}
row_shape = (2, 1, 4)  # was (1, 4)
shape = show.your_turn(lambda: tuple((col * 10 + torch.ones(row_shape)).shape))
show.compare((3, 4), shape)

# %% [markdown] slideshow={"slide_type": "subslide"}
# **2. Copy or share?** `torch.from_numpy(a)` shared memory with `a`, so it saw
# `a[0] = 5`. *Predict*: with `torch.tensor(a)` instead, does the tensor still see it?

# %%
make = torch.tensor  # was torch.from_numpy


def after_write() -> list[float]:
    a = np.ones(3)
    t = make(a)
    a[0] = 5
    return t.tolist()


show.compare([5.0, 1.0, 1.0], show.your_turn(after_write))

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Check yourself
#
# **1. After `t = x.permute(1, 0)`, why does `t.view(-1)` fail while `t.reshape(-1)` works?**
#
# <details><summary>Answer</summary>
#
# `permute` only swaps strides: `t` shares `x`'s storage, but its elements are no
# longer stored in the order a flat view would read them. `view` never copies, so it
# refuses; `reshape` returns a view when it can and a copy when it must.
#
# </details>
#
# **2. Which shapes broadcast together: `(3, 1)` with `(4,)`? `(3, 2)` with `(3,)`?**
#
# <details><summary>Answer</summary>
#
# Line the shapes up from the right. `(3, 1)` and `(4,)`: 1 stretches to 4, a missing
# dimension counts as 1, so `(3, 4)`. `(3, 2)` and `(3,)`: 2 against 3, neither is 1,
# an error. To add one number per row, make it a column: `v[:, None]`, shape `(3, 1)`.
#
# </details>
#
# **3. Why is `torch.arange(12)` int64 but `torch.arange(12.0)` float32, and why care?**
#
# <details><summary>Answer</summary>
#
# The dtype is inferred from the arguments: integers give int64, floats the default
# float32. Only floating tensors can `requires_grad`, and `torch.arange(12).mean()`
# raises an error: a mean, like a gradient, needs a floating dtype.
#
# </details>

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Further reading
#
# - [Tensors](https://pytorch.org/tutorials/beginner/blitz/tensor_tutorial.html), the
#   first part of the [60-minute blitz](https://pytorch.org/tutorials/beginner/deep_learning_60min_blitz.html).
# - PyTorch, [Broadcasting semantics](https://pytorch.org/docs/stable/notes/broadcasting.html).
# - learnpytorch.io, [00. PyTorch fundamentals](https://www.learnpytorch.io/00_pytorch_fundamentals/).
