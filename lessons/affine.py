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
# A neuron computes a weighted sum of its inputs plus a bias. A layer of K neurons
# over D inputs does K of those at once: **y = W x + b**, with W of shape (K, D) and b
# of shape (K,). Here it is, written out; its parameters have the same names and shapes
# as `nn.Linear`'s.

# %% [markdown]
# **Teacher:** About 15 minutes. Write y = W x + b with the shapes (K, D), (D,), (K,) on
# the board and keep it there; later lessons refer back to it.

# %% [markdown]
# **Say:** A layer of neurons sounds like biology, but it is one matrix multiply and one
# add. `nn.Linear` is exactly this, and we show it to the last bit.

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

# %% [markdown]
# **Teacher:** Before the figure, ask what W = [[1, 0], [0, -1]] would do to the smiley
# (mirror it top to bottom). Then ask the question the next lessons answer: *if one layer
# keeps lines straight, how can stacking layers ever bend them?*

# %% slideshow={"slide_type": "subslide"}
from torchdojo.runner import quick_mode, run_experiment

result = run_experiment("affine", quick=quick_mode())
print({k: float(f"{v:.4g}") for k, v in result.metrics.items()})  # every metric, 4 digits
print("max |ours - nn.Linear| =", result.metrics["max_abs_diff"])
from torchdojo.experiments.affine import cloud_figure, smiley

fig = cloud_figure(smiley(500), torch.tensor([[1.2, 0.6], [-0.4, 0.9]]), torch.tensor([1.5, -0.5]))
show.figure(fig)

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Your turn
#
# Predict first, then run; each cell prints the number to compare.
#
# **1. A thousand inputs.** *Predict*: with `in_features=1000` (each output a sum of a
# thousand products), does ours still match `nn.Linear` exactly (a difference of 0),
# or only up to rounding error?

# %% slideshow={"slide_type": "subslide"}
wide = show.your_turn(lambda: run_experiment("affine", quick=quick_mode(), quiet=True,
                                             overrides={"in_features": 1000}))
show.compare(result, wide, "max_abs_diff")

# %% [markdown] slideshow={"slide_type": "subslide"}
# **2. A mirror.** *Predict*: with W = [[1, 0], [0, −1]], does the face still smile,
# and where do its big and small eyes go? The cell also prints det W before and now.

# %%
W_mirror = torch.tensor([[1.0, 0.0], [0.0, -1.0]])  # was [[1.2, 0.6], [-0.4, 0.9]]


def mirror() -> float:
    show.figure(cloud_figure(smiley(500), W_mirror, torch.tensor([1.5, -0.5])))
    return torch.linalg.det(W_mirror).item()  # the area's scale; < 0: flipped


show.compare(torch.linalg.det(torch.tensor([[1.2, 0.6], [-0.4, 0.9]])).item(),
             show.your_turn(mirror))

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Check yourself
#
# **1. `nn.Linear(3, 2).weight` has shape (2, 3), not (3, 2). Why that way round?**
#
# <details><summary>Answer</summary>
#
# One row per neuron: row i holds neuron i's 3 input weights, so y = W x for one input
# column. For a batch of rows x of shape (B, 3) the layer computes x Wᵀ + b, (B, 2).
#
# </details>
#
# **2. Can two affine layers in a row, with nothing between them, do more than one?**
#
# <details><summary>Answer</summary>
#
# No. W₂(W₁x + b₁) + b₂ = (W₂W₁)x + (W₂b₁ + b₂) is again one affine map: straight
# lines stay straight. A non-linearity between the layers is what adds power (lesson
# `xor`).
#
# </details>
#
# **3. What can the bias b do that W cannot?**
#
# <details><summary>Answer</summary>
#
# W always keeps the origin where it is (W·0 = 0); b moves it. Without a bias every
# boundary w·x = 0 of a neuron passes through the origin.
#
# </details>

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Further reading
#
# - Nielsen, *Neural Networks and Deep Learning*,
#   [chapter 1](http://neuralnetworksanddeeplearning.com/chap1.html): a neuron as a
#   weighted sum plus a bias.
# - PyTorch, [`nn.Linear`](https://pytorch.org/docs/stable/generated/torch.nn.Linear.html).
# - 3Blue1Brown, [Linear transformations and matrices](https://www.3blue1brown.com/lessons/linear-transformations):
#   why the columns of W are where the unit vectors land.
