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
# # One layer on MNIST
#
# *Exercise 830 of the source course.* Target: **MNIST ≥ 92 %** test accuracy.
#
# Flatten a 28×28 image into a vector $x \in \mathbb{R}^{784}$. One layer of ten
# neurons is one affine map, one row of $W$ per class:
#
# $$z = W x + b, \qquad W \in \mathbb{R}^{10 \times 784},\; b \in \mathbb{R}^{10}$$
#
# The *softmax* turns the ten scores (logits) into probabilities,
# $p_k = e^{z_k} / \sum_j e^{z_j}$, and training minimises the cross-entropy
# $-\log p_y$ of the true class $y$. This is *softmax regression*: the simplest
# classifier that learns from pixels. In torchdojo it is an `MLP` with no hidden layer:

# %%
from torchdojo import show
from torchdojo.experiments import mnist_linear

show.source(mnist_linear.run)

# %% [markdown]
# ## Train it
#
# The same loop as every other lesson trains it (AdamW, one-cycle schedule, batches
# taken by index from tensors in memory).

# %%
from torchdojo.runner import quick_mode, run_experiment

result = run_experiment("mnist-linear", quick=quick_mode())
print(result.dataset_label)
print(f"test accuracy: {100 * result.metrics['test_acc']:.2f}%")

# %% [markdown]
# ## What one layer learns: a template per class
#
# Each row of $W$ has one weight per pixel, so it can be drawn as an image. The score
# for class $k$ is the dot product of the image with that template: pixels where the
# template is blue add evidence for the class, red ones count against it. The
# templates look like blurry average digits; a single template cannot capture the
# many ways to write a 7, which is why one layer stops near 92 %.

# %%
from torchdojo.figures import plots

model = result.objects["model"]
weights = model.linears()[0].weight.detach().reshape(10, 28, 28)
fig = plots.image_grid(weights, list(result.objects["tensors"].data.classes), cols=5,
                       cmap="RdBu")
show.figure(fig)

# %% [markdown]
# ## Where it fails
#
# The confusion matrix counts, for each true class (row), what the model predicted
# (column). Look for the pairs of digits it mixes up most.

# %%
from torchdojo.train import tasks

tensors = result.objects["tensors"]
logits = tasks.predict(model, tensors.test[0])
show.figure(plots.confusion(tensors.test[1], logits.argmax(-1), tensors.data.classes))

# %% [markdown]
# Next: put a hidden layer and a non-linearity in between (`mnist-mlp`, exercise 850).
