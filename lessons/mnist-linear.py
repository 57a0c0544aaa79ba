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
# Flatten a 28×28 image into a vector $x \in \mathbb{R}^{784}$. One layer of ten
# neurons is one affine map, one row of $W$ per class:
#
# $$z = W x + b, \qquad W \in \mathbb{R}^{10 \times 784},\; b \in \mathbb{R}^{10}$$
#
# The *softmax* turns the ten scores (logits) into probabilities,
# $p_k = e^{z_k} / \sum_j e^{z_j}$, and training minimises the cross-entropy
# $-\log p_y$ of the true class $y$. This is *softmax regression*: the simplest
# classifier that learns from pixels. In torchdojo it is an `MLP` with no hidden layer:

# %% [markdown]
# **Teacher:** About 20 minutes. The one idea: one layer is ten templates, one per class, and
# each score is the dot product of the image with a template. Ask how many parameters
# that is before showing the code (10 · 784 + 10 = 7,850).

# %% [markdown]
# **Say:** This is the spiral lesson's softmax classifier again, with 784 inputs instead of
# two. Nothing in the maths changes when the input is an image: we flatten it into a
# vector and keep going.

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
print({k: float(f"{v:.4g}") for k, v in result.metrics.items()})  # every metric, 4 digits
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

# %% [markdown]
# **Teacher:** Before the weights figure, ask what one row of W will look like drawn as a
# 28×28 image. Then ask which templates the room can read as digits, and which not.
# Common confusion: a template also pushes *against* other classes: it is not the mean image.

# %%
from torchdojo.figures import plots

model = result.model
weights = model.linears()[0].weight.detach().reshape(10, 28, 28)
fig = plots.image_grid(weights, list(result.tensors.data.classes), cols=5,
                       cmap="RdBu")
show.figure(fig)

# %% [markdown]
# ## Where it fails
#
# The confusion matrix counts, for each true class (row), what the model predicted
# (column). Look for the pairs of digits it mixes up most.

# %% [markdown]
# **Teacher:** Ask which pairs of digits will be mixed up most before showing the matrix,
# then read the biggest cells off the diagonal together. Rows are the true class, columns
# the prediction: say it twice, it is the usual confusion about confusion matrices.

# %%
from torchdojo.train import tasks

tensors = result.tensors
logits = tasks.predict(model, tensors.test[0])
show.figure(plots.confusion(tensors.test[1], logits.argmax(-1), tensors.data.classes))

# %% [markdown]
# Next: put a hidden layer and a non-linearity in between (`mnist-mlp`, exercise 850).

# %% [markdown]
# ## Your turn
#
# Predict first, then run. Each cell repeats the run above with one setting changed
# and prints the numbers to compare. They compare validation accuracy (training images held
# out), not test accuracy: a setting picked by its test score makes that score
# optimistic.
#
# **1. Fifty images a class.** *Predict*: trained on only 500 images
# (`train_limit=500`), what validation accuracy does one layer reach?

# %%
few = show.your_turn(lambda: run_experiment("mnist-linear", quick=quick_mode(),
                                            quiet=True, overrides={"train_limit": 500}))
show.compare(result, few, "train_acc", "val_acc")

# %% [markdown]
# **2. Clothes.** *Predict*: on Fashion-MNIST, does softmax regression stay near its
# 92 % on digits?

# %%
clothes = show.your_turn(lambda: run_experiment(
    "mnist-linear", quick=quick_mode(), quiet=True, overrides={"dataset": "fashion-mnist"}))
show.compare(result, clothes, "train_acc", "val_acc")

# %% [markdown]
# ## Check yourself
#
# **1. How many parameters does softmax regression on MNIST have?**
#
# <details><summary>Answer</summary>
#
# 784 × 10 weights + 10 biases = 7,850.
#
# </details>
#
# **2. Why does the template for 0 have red (negative) weights in its middle?**
#
# <details><summary>Answer</summary>
#
# The score is the dot product of the image with the template. A 0 leaves its centre
# empty, while 1s, 7s and others put ink there; ink in the centre is evidence
# *against* 0.
#
# </details>
#
# **3. Why does one layer stop near 92 %?**
#
# <details><summary>Answer</summary>
#
# It has one template per class and draws straight boundaries in pixel space; the
# many ways to write a digit (slanted, thick, shifted) do not all match one template.
# A hidden layer lets the network combine many partial templates (`mnist-mlp`).
#
# </details>

# %% [markdown]
# ## Further reading
#
# - CS231n, [Linear classification](https://cs231n.github.io/linear-classify/): the
#   template interpretation of the weights.
# - Nielsen, [chapter 1](http://neuralnetworksanddeeplearning.com/chap1.html): a
#   network that learns to read MNIST digits.
# - learnpytorch.io, [03. Computer vision](https://www.learnpytorch.io/03_pytorch_computer_vision/).
