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
# # A layer of neurons is an affine transform
#
# *Exercise 210.* Target: **exact match with `nn.Linear`**.
#
# A neuron computes a weighted sum of its inputs plus a bias. A layer of K neurons
# over D inputs does K of those at once: **y = W x + b**, with W of shape (K, D) and b
# of shape (K,). Here it is, written out; its parameters have the same names and shapes
# as `nn.Linear`'s.

# %% slideshow={"slide_type": "subslide"}
import torch
from torch import nn

from torchdojo import show
from torchdojo.models.affine import Affine

show.source(Affine)

# %% slideshow={"slide_type": "subslide"}
torch.manual_seed(0)
ours, ref = Affine(3, 2), nn.Linear(3, 2)
ref.load_state_dict(ours.state_dict())  # the very same W and b
x = torch.randn(5, 3)  # (B, D)
print("ours:\n", ours(x), "\nnn.Linear:\n", ref(x))
print("identical:", torch.equal(ours(x), ref(x)))

# %% [markdown] slideshow={"slide_type": "slide"}
# ## What W and b do to the plane
#
# W alone moves the unit vectors e₁, e₂ to its two columns and drags every point
# along: rotation, stretching, shearing, about the origin. The bias b then shifts the
# whole cloud. Straight lines stay straight; that is all a single layer can do.

# %% slideshow={"slide_type": "subslide"}
from torchdojo.runner import quick_mode, run_experiment

result = run_experiment("affine", quick=quick_mode())
print("max |ours - nn.Linear| =", result.metrics["max_abs_diff"])
from torchdojo.experiments.affine import cloud_figure, smiley

fig = cloud_figure(smiley(500), torch.tensor([[1.2, 0.6], [-0.4, 0.9]]), torch.tensor([1.5, -0.5]))
show.figure(fig)
