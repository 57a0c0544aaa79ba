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
# Let's teach a network to add. It is shown two handwritten digits and must answer
# three questions: what is the first digit, what is the second, and what is their sum
# (0 to 18)? That needs a network with two inputs and three outputs, trained with three
# losses at once, and a dataset whose items are more than an (input, label) pair.
#
# ## A custom Dataset
#
# A `torch.utils.data.Dataset` is anything with `__len__` and `__getitem__`. Ours pairs
# image $i$ with image `partner[i]` (a random permutation, so every image appears once
# in each slot) and returns five things: both images, both labels and their sum.
# (Exercise 27 asks you to write it.)

# %% [markdown]
# **Teacher:** About 35 minutes. The one idea: a Dataset may return any tuple, and a model
# with three outputs trains on one weighted sum of three losses with one backward pass.
# Ask how many classes the sum head needs (19: the sums 0 to 18).

# %%
from torchdojo import show
from torchdojo.data.pairs import AdditionPairs, split_pairs

show.source(AdditionPairs)

# %% [markdown]
# **Teacher:** Before the next slide, ask: could a training pair contain a test image, and
# why would that matter? Let the room find the leak themselves: the network would be
# tested on an image, and a label, it had already seen.

# %% [markdown]
# Pairs are drawn **within one split**: a test pair is two test images. If a training
# pair could contain a test image, the network would have seen that image (and its
# label) before being tested on it.

# %%
from torch.utils.data import DataLoader

from torchdojo.experiments.image_classifier import load_tensors
from torchdojo.runner import quick_mode

tensors = load_tensors("mnist", "cpu")
train_pairs, test_pairs = split_pairs(*tensors.train, *tensors.test, seed=0)
print(tensors.data.label)
print(f"{len(train_pairs):,} training pairs, {len(test_pairs):,} test pairs")
show.source(split_pairs)

# %% [markdown]
# A `DataLoader` turns the Dataset into batches: it calls `__getitem__` for each index
# of a batch and stacks the results, so a batch is five tensors.

# %%
import torch

loader = DataLoader(train_pairs, batch_size=8, shuffle=True,
                    generator=torch.Generator().manual_seed(0))
image_a, image_b, a, b, total = next(iter(loader))
print("image_a", tuple(image_a.shape), " image_b", tuple(image_b.shape))
print("a", a.tolist(), "\nb", b.tolist(), "\nsum", total.tolist())

from torchdojo.figures import plots

side_by_side = torch.cat([image_a, image_b], -1) * tensors.std + tensors.mean  # (8, 1, 28, 56)
show.figure(plots.image_grid(side_by_side, [f"{x} + {y} = {s}" for x, y, s in
                                            zip(a.tolist(), b.tolist(), total.tolist())],
                             cols=4, title="a batch from the DataLoader"))

# %% [markdown]
# For training we skip the per-item `DataLoader`: the whole dataset fits in memory,
# so the loop takes batches of *indices* and the loss gathers the images with one
# indexing operation, many times faster. `pair_index` puts the training images and
# then the test images into one tensor, and hands each split's pairs as indices into
# it; training indices are all below `n_train`, test indices all at or above it.

# %%
from torchdojo.data.pairs import pair_index

index = pair_index(train_pairs, test_pairs)
assert (index.train[0] < index.n_train).all() and (index.train[1] < index.n_train).all()
assert (index.test[0] >= index.n_train).all() and (index.test[1] >= index.n_train).all()
print("no test image in a training pair, no training image in a test pair")

# %% [markdown]
# ## The network
#
# One encoder reads both images (a *siamese* encoder: the same weights, so what it
# learns about a 7 in the first slot serves the second slot too). One digit head names
# each digit; the sum head sees both feature vectors side by side and must learn
# addition from examples: nobody tells it that the answer is $a + b$.

# %%
from torchdojo.models.adder import DigitAdder

show.source(DigitAdder)

# %% [markdown]
# ## Three losses
#
# Each output gets its own cross-entropy, and the loss we minimise is their weighted sum
#
# $$L = w_1\,\mathrm{CE}(\text{first digit}) + w_2\,\mathrm{CE}(\text{second digit})
#       + w_3\,\mathrm{CE}(\text{sum}),$$
#
# with the weights in the Config (all 1 by default). One backward pass through $L$
# sends each loss's gradient to the head it belongs to, and all three into the shared
# encoder. Each loss is logged separately so we can watch them.
#
# Training pairs are **fresh every epoch**: the training data is just the image
# indices, and each image is paired with its neighbour in the shuffled batch. The loop
# reshuffles every epoch, so every epoch brings new pairs (and new sums to learn
# from). The test pairs stay fixed.

# %% [markdown]
# **Say:** Nobody tells the sum head that the answer is a + b. It sees two feature vectors
# and nineteen possible answers, and must learn the addition table from examples, helped
# by an encoder that the two digit heads are teaching at the same time.

# %%
from torchdojo.experiments import mnist_addition

show.source(mnist_addition.make_loss)

# %% [markdown]
# ## Training

# %%
from torchdojo.runner import run_experiment

result = run_experiment("mnist-addition", quick=quick_mode())
print(result.dataset_label)
print({k: round(v, 4) for k, v in result.metrics.items()})

# %% [markdown]
# The total and each of its three parts, on training and test pairs. The digit losses
# fall first; the sum loss stays near $\log 19 \approx 2.9$ for a while (it has to
# wait until the encoder's features say which digit is which), then falls fast. On the
# test pairs the two digit losses are identical: every test image appears once as a
# first and once as a second image, and one head reads both.

# %% [markdown]
# **Teacher:** Ask which of the three losses falls first. A uniform guess over 19 sums costs
# log 19 ≈ 2.9 nats: look for the sum loss sitting near that line before it drops.

# %%
show.figure(plots.curves(result.history, ["loss", "ce_first", "ce_second", "ce_sum"]))
show.figure(plots.curves(result.history, ["digit_acc", "sum_acc", "sum_from_digits_acc"]))

# %% [markdown]
# ## The sum head against plain addition
#
# `sum_from_digits_acc` adds the two predicted digits instead of asking the sum head.
# To be right, it needs both digits right (about digit accuracy squared); the sum head
# has to learn the addition table from examples first, so it lags behind, and catches
# up with enough pairs.

# %%
model = result.model
show.figure(mnist_addition.pairs_figure(model, result.index, tensors.mean,
                                        tensors.std))

# %% [markdown]
# ## Try it
#
# - `dojo run mnist-addition --set w_sum=0`: the sum head gets no gradient. What is
#   its accuracy? And `--set w_first=0 w_second=0`: can the sum head alone teach the
#   encoder the digits?
# - `dojo run mnist-addition --set fresh_pairs=false`: one fixed pairing. Does the sum
#   head still generalise as well?
# - `dojo exercises init work` and exercise 27: the Dataset, yourself.

# %% [markdown]
# ## Your turn
#
# Predict first, then run. Each cell repeats the run above with one setting changed
# and prints the numbers to compare.
# (A full run takes minutes on a CPU; in a quick session, `quick=True`, it takes
# seconds and compares with the quick run above.)
#
# **1. No sum loss.** *Predict*: with `w_sum=0.0`, what is the sum head's accuracy,
# and what is `sum_from_digits_acc`?

# %%
no_sum = show.your_turn(lambda: run_experiment("mnist-addition", quick=quick_mode(),
                                               quiet=True, overrides={"w_sum": 0.0}))
show.compare(result, no_sum, "digit_acc", "sum_acc", "sum_from_digits_acc")

# %% [markdown]
# **2. No loss on the first digit.** *Predict*: with `w_first=0.0` (only the second
# digit and the sum are scored), does the digit accuracy fall?

# %%
no_first = show.your_turn(lambda: run_experiment("mnist-addition", quick=quick_mode(),
                                                 quiet=True, overrides={"w_first": 0.0}))
show.compare(result, no_first, "digit_acc", "sum_acc")

# %% [markdown]
# ## Check yourself
#
# **1. Why must a test pair be made of two test images?**
#
# <details><summary>Answer</summary>
#
# A training image in a test pair has been seen with its label; the score would be
# partly memory, not reading.
#
# </details>
#
# **2. If each digit is read right 98 % of the time, independently, how often is the sum?**
#
# <details><summary>Answer</summary>
#
# Both right: 0.98² ≈ 96 %, a little more since two wrong digits can still add up
# (3 + 5 read as 4 + 4).
#
# </details>
#
# **3. Which parameters does the gradient of the sum's cross-entropy reach?**
#
# <details><summary>Answer</summary>
#
# The sum head, and through both images' features the shared encoder; not the digit
# head. That is how the sum loss alone could teach the encoder about digits.
#
# </details>

# %% [markdown]
# ## Further reading
#
# - PyTorch, [Datasets & DataLoaders](https://pytorch.org/tutorials/beginner/basics/data_tutorial.html):
#   writing a custom `Dataset`.
# - learnpytorch.io, [04. Custom datasets](https://www.learnpytorch.io/04_pytorch_custom_datasets/).
# - Ruder, [An overview of multi-task learning in deep neural networks](https://arxiv.org/abs/1706.05098)
#   (2017): several losses, one shared encoder.
