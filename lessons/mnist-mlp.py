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
# One affine layer (lesson `mnist-linear`) draws straight boundaries between classes
# in pixel space and tops out near 92 % on MNIST. Put a non-linearity between two
# affine maps and the network can bend those boundaries:
#
# $$\text{logits} = W_3\,\mathrm{ReLU}(W_2\,\mathrm{ReLU}(W_1 x + b_1) + b_2) + b_3$$
#
# That is a multi-layer perceptron (MLP). Here is the one torchdojo uses, the
# package's own code:

# %% [markdown]
# **Teacher:** About 30 minutes; a full run takes minutes on a CPU, so run it quick live and
# show the full numbers from the book. The one idea: a ReLU between two affine maps lets
# the boundaries bend. Compare sizes: the run prints the MLP's parameters, one layer had
# 7,850.

# %% [markdown]
# **Say:** Every image lesson after this one keeps the same data, the same loss and the same
# loop, and changes only the model in the middle. If you can read this lesson, you can
# read the rest of Part II.

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

# %% [markdown]
# **Teacher:** Before the curves, ask what overfitting would look like on them: the
# training curve keeps improving while the held-out one flattens or turns back. Then look
# for it in the figure.

# %%
from torchdojo.figures import plots

fig = plots.curves(result.history, ["loss", "acc"])
show.figure(fig)

# %% [markdown]
# ## What it gets wrong
#
# The confusion matrix shows which classes are mixed up; below it, the mistakes the
# network was most confident about. Many are digits a person would hesitate over too.

# %% [markdown]
# **Teacher:** Show the confident mistakes one at a time and ask the room to label each
# before revealing the truth. Many split the room, which is the point: some errors are in
# the digits, not in the network.

# %%
from torchdojo.train import tasks

model, tensors = result.model, result.tensors
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

# %% [markdown]
# ## Your turn
#
# Predict first, then run. Each cell repeats the run above with one setting changed
# and prints the numbers to compare. They compare validation accuracy (training images held
# out), not test accuracy: a setting picked by its test score makes that score
# optimistic.
# (A full run takes minutes on a CPU; in a quick session, `quick=True`, it takes
# seconds and compares with the quick run above.)
#
# **1. No dropout.** *Predict*: with `dropout=0.0`, does the gap between training and
# validation accuracy widen or shrink?

# %%
no_dropout = show.your_turn(lambda: run_experiment("mnist-mlp", quick=quick_mode(),
                                                   quiet=True, overrides={"dropout": 0.0}))
show.compare(result, no_dropout, "train_acc", "val_acc")

# %% [markdown]
# **2. One epoch.** *Predict*: after a single epoch (`epochs=1`), how far below the
# run above is the validation accuracy?

# %%
one_epoch = show.your_turn(lambda: run_experiment("mnist-mlp", quick=quick_mode(),
                                                  quiet=True, overrides={"epochs": 1}))
show.compare(result, one_epoch, "train_acc", "val_acc")

# %% [markdown]
# ## Check yourself
#
# **1. How many parameters does the 784-512-512-10 MLP have?**
#
# <details><summary>Answer</summary>
#
# 784·512 + 512 + 512·512 + 512 + 512·10 + 10 = 669,706.
#
# </details>
#
# **2. What would the network be without the ReLUs between its layers?**
#
# <details><summary>Answer</summary>
#
# One affine map (lesson `affine`): softmax regression with extra arithmetic, stuck
# near the 92 % of `mnist-linear`.
#
# </details>
#
# **3. Dropout is on in training and off after `model.eval()`. Why off for predictions?**
#
# <details><summary>Answer</summary>
#
# Dropout zeroes random units only so that training cannot rely on any one of them.
# PyTorch scales the kept units by 1/(1 − p) in training, so the expected activation
# is the same; a prediction then uses every unit, deterministically.
#
# </details>

# %% [markdown]
# ## Further reading
#
# - Nielsen, [chapter 1](http://neuralnetworksanddeeplearning.com/chap1.html): the
#   same kind of network on MNIST, derived by hand.
# - Srivastava et al., [Dropout](https://jmlr.org/papers/v15/srivastava14a.html)
#   (JMLR 2014).
# - learnpytorch.io, [03. Computer vision](https://www.learnpytorch.io/03_pytorch_computer_vision/).
