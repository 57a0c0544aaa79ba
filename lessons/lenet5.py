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
# An MLP flattens the image first, so it must learn a stroke at the top left and the
# same stroke at the bottom right separately. A *convolution* slides one small filter
# (here 5×5 weights) over every position of the image and writes its response into a
# *feature map*: the same weights everywhere, so a pattern learned once is found
# anywhere, with a few hundred parameters instead of hundreds of thousands.
# A *pooling* layer then keeps the largest (max) or mean (avg) value of each 2×2 block,
# halving the map's side and making the net tolerant to small shifts.
#
# LeNet-5 (LeCun et al., 1998) stacks two conv → activation → pool stages, then three
# fully connected layers:

# %% [markdown]
# **Teacher:** About 35 minutes. The one idea: a convolution uses the same few weights at
# every position, so a pattern learned once is found anywhere. Ask how many weights one
# first-layer filter has (5 · 5 + 1 bias = 26), against 784 + 1 per hidden unit of an MLP.

# %%
from torchdojo import show
from torchdojo.models.lenet import LeNet5, conv_output_size

show.source(LeNet5)

# %% [markdown]
# ## How big is each feature map?
#
# A conv or pooling layer with kernel $k$, padding $p$ and stride $s$ maps a side of
# $n$ pixels to
#
# $$n' = \left\lfloor \frac{n + 2p - k}{s} \right\rfloor + 1 .$$
#
# The kernel fits $n + 2p - k + 1$ times with stride 1; a stride $s$ keeps every
# $s$-th of those positions. For LeNet-5 on 28×28 images:
#
# | layer | k | p | s | side |
# |---|---|---|---|---|
# | input | | | | 28 |
# | conv 1, 6 filters | 5 | 2 | 1 | (28 + 4 − 5)/1 + 1 = 28 |
# | max pool | 2 | 0 | 2 | ⌊(28 − 2)/2⌋ + 1 = 14 |
# | conv 2, 16 filters | 5 | 0 | 1 | 14 − 5 + 1 = 10 |
# | max pool | 2 | 0 | 2 | 5 |
#
# so the first fully connected layer sees 16 × 5 × 5 = 400 numbers. (The 1998 paper
# fed 32×32 images with no padding: 32 − 5 + 1 = 28, the same from there on.)
# The formula is the package's `conv_output_size`; let us check it against the shapes
# PyTorch's own layers produce:

# %% [markdown]
# **Teacher:** Cover the side column of the table and have the room fill it in from the
# formula, then predict each printed shape (B, C, H, W) before running. The usual slip is
# counting the padding once instead of on both sides (n + 2p).

# %%
import torch
from torch import nn

show.source(conv_output_size)
x = torch.zeros(1, 1, 28, 28)  # (B, C, H, W)
for layer, (k, p, s) in [(nn.Conv2d(1, 6, 5, padding=2), (5, 2, 1)),
                         (nn.MaxPool2d(2), (2, 0, 2)),
                         (nn.Conv2d(6, 16, 5), (5, 0, 1)),
                         (nn.MaxPool2d(2), (2, 0, 2))]:
    n = x.shape[-1]
    x = layer(x)
    predicted = conv_output_size(n, k, padding=p, stride=s)
    print(f"{layer!s:<60} {n:>2} -> {predicted:>2} predicted, shape {tuple(x.shape)}")
    assert x.shape[-1] == predicted
# and over many other settings
checked = 0
for n in (7, 11, 28, 32):
    for k in (1, 3, 5):
        for p in (0, 1, 2):
            for s in (1, 2, 3):
                out = nn.Conv2d(1, 1, k, stride=s, padding=p)(torch.zeros(1, 1, n, n))
                assert out.shape[-1] == conv_output_size(n, k, s, p)
                checked += 1
print(f"formula = torch's shape in all {checked} settings")
model = LeNet5()
print(f"LeNet-5 has {sum(p.numel() for p in model.parameters()):,} parameters; "
      f"the 2-layer MLP of mnist-mlp had about 670,000")

# %% [markdown]
# ## Training
#
# The same recipe as the MLPs (AdamW, one-cycle schedule). On MNIST the 1998 network
# reaches 99 % as it is. Fashion-MNIST is harder: in our runs (15 epochs) the original
# widths of 6 and 16 filters stopped at 90.9–91.3 % whatever we added (batch norm,
# random shifts of 1 or 2 pixels), while training accuracy climbed to 96–98 %: too few
# filters to tell a shirt from a pullover reliably. The default config therefore keeps
# LeNet-5's layout but widens the conv layers to 16 and 32 filters, puts batch norm after
# each conv and hidden layer, and trains on *randomly shifted* images (each moved by up to
# 1 pixel in each direction, a new shift every time it is seen, so the net cannot
# memorise exact pixel positions). Every one of these is a `--set` switch (see "Try it").
# Channels-last memory layout (NHWC) makes convolutions and pooling faster on a CPU.

# %% [markdown]
# **Say:** The honest part of this lesson is the Fashion-MNIST story: the 1998 widths were
# not enough, and every change we made to fix it is a switch you can turn off again.
# That is how to change any model: one setting at a time, judged on validation data.

# %%
from torchdojo.runner import quick_mode, run_experiment

result = run_experiment("lenet5", quick=quick_mode())
print(result.dataset_label)
print({k: round(v, 4) for k, v in result.metrics.items()})
print("report:", result.run_dir / "report.html")

# %%
from torchdojo.figures import plots

show.figure(plots.curves(result.history, ["loss", "acc"]))

# %% [markdown]
# ## What the filters learned
#
# The 5×5 filters of the first layer (blue weights add, red subtract). After training,
# many are edge and stroke detectors at different orientations: a bright band next to
# a dark one.

# %% [markdown]
# **Teacher:** Before the filters, ask what a useful 5×5 detector for pen strokes would
# look like. Then find one in the figure with a bright band beside a dark one, and ask
# which direction of edge it responds to.

# %%
from torchdojo.experiments.lenet5 import feature_maps_figure, filters_figure

model, tensors = result.model, result.tensors
show.figure(filters_figure(model))

# %% [markdown]
# ## Feature maps
#
# One test image and each filter's response to it, after the activation: the first
# layer's maps are still pictures of the digit, each lighting up where its edge
# orientation occurs; the second layer's 10×10 maps combine them into parts that are
# harder to name, and the fully connected layers decide from those.

# %%
show.figure(feature_maps_figure(model, tensors.test[0][:1], tensors.mean, tensors.std))

# %% [markdown]
# ## What it gets wrong

# %%
from torchdojo.train import tasks

logits = tasks.predict(model, tensors.test[0])
images = tensors.test[0] * tensors.std + tensors.mean
show.figure(plots.worst_mistakes(images, logits, tensors.test[1], tensors.data.classes))

# %% [markdown]
# ## Try it
#
# - `dojo run lenet5 --set dataset=fashion-mnist`: clothes; the target there is 91 %.
# - `dojo run lenet5 --preset fast --set dataset=fashion-mnist`: the same target in a
#   third of the epochs: 5 instead of 15, batches of 256, no shifts. A preset is a
#   named recipe; it has its own row in `dojo verify`, and gives up most of a point of
#   validation accuracy (92.3 % against 93.0 %) for the time.
# - `dojo run lenet5 --set channels=6,16 activation=tanh pool=avg batch_norm=false
#   shift=0`: the 1998 network (tanh, average pooling, 6 and 16 filters).
# - `dojo run lenet5 --set dataset=fashion-mnist channels=6,16`: the original widths on
#   clothes; compare the gap between training and test accuracy.
# - The exercise on `conv_output_size`: `dojo exercises init work`.

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
# **1. The 1998 widths.** *Predict*: with `channels=(6, 16)` instead of (16, 32), how
# much validation accuracy is lost, if any?

# %%
narrow = show.your_turn(lambda: run_experiment("lenet5", quick=quick_mode(), quiet=True,
                                               overrides={"channels": (6, 16)}))
show.compare(result, narrow, "train_acc", "val_acc")

# %% [markdown]
# **2. No shifts.** *Predict*: trained on unshifted images (`shift=0`), does training
# accuracy go up or down? And validation accuracy?

# %%
unshifted = show.your_turn(lambda: run_experiment("lenet5", quick=quick_mode(),
                                                  quiet=True, overrides={"shift": 0}))
show.compare(result, unshifted, "train_acc", "val_acc")

# %% [markdown]
# ## Check yourself
#
# **1. A 3×3 conv with padding 1 and stride 2 on a 28×28 image: how wide is its output?**
#
# <details><summary>Answer</summary>
#
# ⌊(28 + 2 − 3) / 2⌋ + 1 = 13 + 1 = 14.
#
# </details>
#
# **2. How many parameters has the 1998 first layer: 6 filters of 5×5 on one channel?**
#
# <details><summary>Answer</summary>
#
# 6 × (5 × 5 + 1) = 156, whatever the image size: the same weights slide over every
# position.
#
# </details>
#
# **3. Why does a 2×2 max pool make the network tolerant to small shifts?**
#
# <details><summary>Answer</summary>
#
# It keeps the largest response in each 2×2 block: a feature that moves by a pixel
# within its block gives the same output.
#
# </details>

# %% [markdown]
# ## Further reading
#
# - LeCun, Bottou, Bengio and Haffner, [Gradient-based learning applied to document
#   recognition](https://doi.org/10.1109/5.726791) (1998): LeNet-5.
# - CS231n, [Convolutional networks](https://cs231n.github.io/convolutional-networks/).
# - Nielsen, chapter 6, [Deep learning](http://neuralnetworksanddeeplearning.com/chap6.html):
#   convolutions and pooling on MNIST.
# - The blitz's [Training a classifier](https://pytorch.org/tutorials/beginner/blitz/cifar10_tutorial.html).
