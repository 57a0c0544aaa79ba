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
# # Your first neural network
#
# *Exercise 850 of the source course; seed tutorial 1.* Target: **MNIST ≥ 98 %,
# Fashion-MNIST ≥ 89 %** test accuracy.
#
# One affine layer (lesson `mnist-linear`) draws straight boundaries between classes
# in pixel space and tops out near 92 % on MNIST. Put a non-linearity between two
# affine maps and the network can bend those boundaries:
#
# $$\text{logits} = W_3\,\mathrm{ReLU}(W_2\,\mathrm{ReLU}(W_1 x + b_1) + b_2) + b_3$$
#
# That is a multi-layer perceptron (MLP). Here is the one torchdojo uses, the
# package's own code:

# %%
from torchdojo import show
from torchdojo.models.mlp import MLP

show.source(MLP)

# %% [markdown]
# ## Training
#
# Training is the loop you will meet in every lesson: shuffle, take a batch, compute
# the cross-entropy between the logits and the labels, backpropagate, step the
# optimiser. The dataset is small enough to live in memory as one tensor, so batches
# are taken by index: much faster than a per-sample `DataLoader`.
#
# We use AdamW with a *one-cycle* learning-rate schedule (warm up, then anneal to
# zero) and a little dropout. `run_experiment` is exactly what `dojo run mnist-mlp`
# calls; it writes a run folder with metrics, a checkpoint, plots and a report.

# %%
from torchdojo.runner import quick_mode, run_experiment

result = run_experiment("mnist-mlp", quick=quick_mode())
print(result.dataset_label)
print({k: round(v, 4) for k, v in result.metrics.items()})
print("report:", result.run_dir / "report.html")

# %% [markdown]
# ## Learning curves
#
# Loss falls and accuracy rises on both the training data and the held-out test
# images. A widening gap between the two would be overfitting.

# %%
from torchdojo.figures import plots

fig = plots.curves(result.history, ["loss", "acc"])
show.figure(fig)

# %% [markdown]
# ## What it gets wrong
#
# The confusion matrix shows which classes are mixed up; below it, the mistakes the
# network was most confident about. Many are digits a person would hesitate over too.

# %%
from torchdojo.train import tasks

model, tensors = result.objects["model"], result.objects["tensors"]
logits = tasks.predict(model, tensors.test[0])
show.figure(plots.confusion(tensors.test[1], logits.argmax(-1), tensors.data.classes))
images = tensors.test[0] * tensors.std + tensors.mean
show.figure(plots.worst_mistakes(images, logits, tensors.test[1], tensors.data.classes))

# %% [markdown]
# ## Try it
#
# - `dojo run mnist-mlp --set dataset=fashion-mnist`: clothes instead of digits.
# - `dojo run mnist-mlp --set hidden=128 dropout=0`: a smaller net without dropout;
#   compare the gap between training and test accuracy.
# - `dojo exercises init work` and the exercise on the training loop: write it yourself.
