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
# # Tensors
#
# *Exercise 110 of the source course; seed 002, 004.* Target: **runs** (every check holds).
#
# A tensor is an n-dimensional array of numbers: a scalar, a vector, a matrix, a stack
# of matrices. PyTorch tensors behave like NumPy arrays, can live on a GPU, and remember
# how they were computed (the next lesson). Each row of an `(N, 2)` tensor is a point of
# the plane; each row of an `(N, 3)` tensor a point of space.

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
