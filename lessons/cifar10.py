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
# *After the 60-minute blitz's "Training a classifier", and David Page's "How to train
# your ResNet" (Myrtle.ai, 2018).*
#
# The blitz trains a small CNN on CIFAR-10: 60,000 colour photos of 32×32 pixels in ten
# classes (airplane, automobile, bird, cat, deer, dog, frog, horse, ship, truck), 50,000
# to train on and 10,000 to test. Its network reaches about 55 % after two epochs. This
# lesson starts from that network and climbs one rung at a time: normalise each colour
# channel, augment the images (random crops of the padded image, random flips), then
# swap the network for a residual one, with the recipe of a published fast baseline.
# Each rung is measured on a validation split carved from the training images.
#
# The target above is for the default run, on a 2-core CPU within 20 minutes. On a GPU,
# Page's full width (`dojo run cifar10 --set width=64 epochs=24`) should reach at least
# **90 %** (Page reports 94 %); `dojo verify` does not check that one.

# %% [markdown]
# **Teacher:** About 50 minutes. The full run takes up to 20 minutes on a laptop CPU:
# start it (`dojo run cifar10`) at the beginning of the session and read the ladder
# together at the end; run the cells here with `--quick` live. Ask first: *what is
# harder about photos than about digits?* (colour, backgrounds, pose, the object's size
# and place).

# %% [markdown]
# **Say:** Every gain on this ladder comes from telling the network something true about
# photos: colours have their own scales, a cat moved by four pixels or seen in a mirror
# is still a cat, and a deeper network learns better when each block only adds a
# correction to what it is given.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 1. The data, as bytes
#
# We read the *binary* version of CIFAR-10 (`cifar-10-binary.tar.gz`, MD5
# `c32a1d4ab5d03f1284b67883e8d87530`), not the Python version: that one is a set of
# pickles, and unpickling a downloaded file can run any code. The binary files need no
# parser at all. Each of `data_batch_1.bin` … `data_batch_5.bin` and `test_batch.bin`
# holds 10,000 records of 3,073 bytes: one label byte (0 to 9), then 1,024 red, 1,024
# green and 1,024 blue pixel bytes, each a 32×32 image row by row. So a file is a
# `(10000, 3073)` byte array, and every check is a count: the size a whole number of
# records, 10,000 of them, every label in 0..9.
#
# It is looked for in your data folder in torchvision's layout,
# `<data>/cifar-10-batches-bin/`. To get it: `dojo data fetch cifar10` (about 170 MB,
# MD5-checked) or `dojo data import PATH` (the archive, or the folder it unpacks to);
# `dojo data status` says what is there. Where it is absent (and in quick runs) the
# lesson trains on synthetic colour shapes instead, says so, and the target is n/a.

# %% slideshow={"slide_type": "subslide"}
from torchdojo import show
from torchdojo.data import cifar
from torchdojo.experiments import cifar10 as c10
from torchdojo.runner import make_config, quick_mode

show.source(cifar.parse_batch)

config = make_config(c10, quick=quick_mode())
splits = c10.load_splits(config, say=print)
print(splits.label)
images, labels = splits.train
print("stored:", tuple(images.shape), images.dtype, "labels", tuple(labels.shape),
      labels.dtype)

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 2. One scale per colour channel
#
# The blitz normalises every channel with mean 0.5 and spread 0.5. The channels of real
# photos differ (CIFAR-10's means are about 0.49, 0.48 and 0.45 for red, green and blue:
# its blue is darker), so we measure each channel's mean and standard deviation on the
# *training split only* and apply those
# same numbers to every image we ever show the network: validation, test, a new photo.
# The data stays stored as bytes (a quarter of float32's memory); each batch is
# converted and normalised on the device as it is used.

# %% slideshow={"slide_type": "subslide"}
show.source(c10.channel_stats)
show.source(c10.normalise)
stats = c10.channel_stats(images)
x = c10.normalise(images[:1000], *stats)
print("training means", [round(v, 3) for v in stats[0].tolist()],
      "stds", [round(v, 3) for v in stats[1].tolist()])
print("after: means", [round(v, 3) for v in x.mean((0, 2, 3)).tolist()],
      "stds", [round(v, 3) for v in x.std((0, 2, 3)).tolist()])

# %% [markdown] slideshow={"slide_type": "subslide"}
# **Exercise 46** (`dojo check channel-normalise`): measure the per-channel statistics
# on the training images and normalise other images with them.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 3. Augmentation on the device, a batch at a time
#
# A photo moved a few pixels, or seen in a mirror, shows the same class. *Random crops
# with padding* pad each image by 4 pixels (with a mirror of its edge, as Page does,
# rather than a black frame) and cut a 32×32 window at a random place: a shift of up to
# 4 pixels each way. *Random flips* mirror half the images left to right. Each epoch the
# network sees new versions of every image, so memorising the exact pixels no longer
# pays.
#
# This happens inside the training loss, on the device, for the whole batch at once: one
# `randint` for the offsets, one gather for all the windows, one `where` for the flips.
# No Python loop over images, no `DataLoader` workers, and on a GPU the data never
# leaves it. In evaluation (`model.eval()`) the images are used as stored.

# %% slideshow={"slide_type": "subslide"}
show.source(c10.crop)
show.source(c10.random_crop)
show.source(c10.random_flip)
show.source(c10.classification_loss)

# %% slideshow={"slide_type": "subslide"}
show.figure(c10.augmentation_figure(images[:8], labels[:8], splits.classes, stats,
                                    config.pad))

# %% [markdown] slideshow={"slide_type": "subslide"}
# **Exercise 47** (`dojo check crop-padded`): cut the crops yourself, given the offsets
# the random numbers chose.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 4. Two networks
#
# `SmallCNN` is the blitz's network, unchanged: 62,006 parameters. `ResNet9` is Page's
# DAWNBench network: 3×3 convolutions with batch norm, three stages that halve the
# image and double the channels, and two *residual blocks* that compute x + f(x). At
# initialisation f is small, so a block starts close to the identity and passes the
# gradient straight through the sum; it only has to learn a correction (He et al.,
# 2016). Page's width is 64 (6.5 million parameters); the CPU default is 16, a
# sixteenth of the arithmetic.

# %% slideshow={"slide_type": "subslide"}
from torchdojo.models.cifar_nets import Residual, ResNet9, SmallCNN

show.source(Residual)
show.source(ResNet9)
nets = {"SmallCNN": SmallCNN(), f"ResNet9({config.width})": ResNet9(config.width),
        "ResNet9(64)": ResNet9(64)}
for name, net in nets.items():
    print(f"{name:14s} {sum(p.numel() for p in net.parameters()):>10,} parameters")

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 5. The recipe, and the ladder
#
# Page's recipe, as published: SGD with Nesterov momentum 0.9, batches of 512, weight
# decay 5·10⁻⁴, a learning rate that rises linearly from 0 to 0.4 over the first fifth
# of the steps and falls linearly back to 0, and label smoothing 0.2 (each target is
# 0.8 on the true class and 0.02 on the others, which keeps the network from growing
# over-confident). The small CNN gets the same recipe with the blitz's learning rate
# scaled to batches of 512 (0.001 at batch 4, times 128: about 0.1).
#
# The ladder trains four models on the same training split, changing one thing at a
# time, and scores each on the validation split:
#
# | rung | network | input | augmentation |
# |---|---|---|---|
# | `cnn-raw` | SmallCNN | pixels / 255 | none |
# | `cnn-normalised` | SmallCNN | per-channel normalised | none |
# | `cnn-augmented` | SmallCNN | per-channel normalised | crop and flip |
# | `resnet9` | ResNet-9 | per-channel normalised | crop and flip |
#
# Only the last model meets the test set, once, at the end. The default run is sized to
# finish within 20 minutes on a 2-core CPU, the ResNet's ten epochs taking most of it;
# `train_seconds` in the report says what yours took.

# %% slideshow={"slide_type": "subslide"}
show.source(c10.schedule)
show.source(c10.train_variant)

# %% slideshow={"slide_type": "subslide"}
from torchdojo.runner import run_experiment

result = run_experiment("cifar10", quick=quick_mode())
print({k: float(f"{v:.4g}") for k, v in result.metrics.items()})  # every metric, 4 digits
m = result.metrics
print(result.dataset_label)
for variant in c10.VARIANTS:
    accuracy = m[f"val_acc_{variant.name.replace('-', '_')}"]
    print(f"{variant.name:15s} {variant.title:34s} validation {100 * accuracy:5.1f} %  "
          f"in {result.seconds[variant.name]:6.1f} s")
print(f"test accuracy of the ResNet-9, measured once: {100 * m['test_acc']:.2f} % "
      f"({m['train_seconds']:.0f} s of training)")

# %% slideshow={"slide_type": "subslide"}
from torchdojo.figures import plots

show.figure(c10.ladder_figure(result.histories, result.seconds))
show.figure(plots.curves(result.history, ["loss", "acc"]))

# %% [markdown] slideshow={"slide_type": "subslide"}
# Read the ladder from the bottom up. How much did normalising buy the small CNN, and how
# much did augmenting? Augmentation makes training harder (compare the training and
# validation curves): it pays once a model is big enough and trained long enough to
# start memorising, which is why its gain for the small CNN is smaller than what it does
# for a large network. The training loss is label-smoothed, so it cannot fall to 0;
# the validation loss is the plain cross-entropy.
#
# A quick run (synthetic colour shapes, a few epochs) only shows the loss falling; the
# numbers that answer these questions come from the full run on CIFAR-10. Where CIFAR-10
# was absent, the report says so and the target is n/a rather than passed or failed.

# %% slideshow={"slide_type": "subslide"}
test_images, test_labels = result.splits.test
preds = c10.predict(result.model, test_images, result.stats, config.channels_last).argmax(-1)
show.figure(plots.confusion(test_labels.cpu(), preds.cpu(), result.splits.classes))

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Your turn
#
# Predict first, then run. Each cell repeats the run above with one setting changed
# and prints the numbers to compare: validation accuracy, measured on training images
# held out, never the test set.
# (A full run takes up to 20 minutes on a CPU; in a quick session, `quick=True`, it
# takes seconds and compares with the quick run above.)
#
# **1. No flips.** *Predict*: without random flips (`flip=False`), does the ResNet's
# validation accuracy drop, and by more or less than a point?

# %% slideshow={"slide_type": "subslide"}
no_flips = show.your_turn(lambda: run_experiment("cifar10", quick=quick_mode(), quiet=True,
                                                 overrides={"flip": False}))
show.compare(result, no_flips, "val_acc_resnet9", "seconds_resnet9")

# %% [markdown] slideshow={"slide_type": "subslide"}
# **2. Half the width.** *Predict*: at `width=8` a step costs about a quarter as much.
# How much accuracy does that cost?

# %% slideshow={"slide_type": "subslide"}
narrow = show.your_turn(lambda: run_experiment("cifar10", quick=quick_mode(), quiet=True,
                                               overrides={"width": 8}))
show.compare(result, narrow, "val_acc_resnet9", "seconds_resnet9")

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Check yourself
#
# **1. A horizontal flip helps on CIFAR-10. Would it help on MNIST's digits?**
#
# <details><summary>Answer</summary>
#
# No: a mirrored cat is a cat, but a mirrored 3 is not a digit, and a mirrored 2 looks
# like a 5 gone wrong. An augmentation must keep the label true; which ones do is
# knowledge about the data.
#
# </details>
#
# **2. Why crop and flip on the device, for a whole batch, rather than per image in a
# `Dataset`?**
#
# <details><summary>Answer</summary>
#
# A `Dataset` transforms one image per Python call, 50,000 calls an epoch, on the CPU,
# and the results must be copied to the GPU. On the device, one gather crops the whole
# batch and one `where` flips it, where the data already is.
#
# </details>
#
# **3. What does the residual connection x + f(x) do for the gradient?**
#
# <details><summary>Answer</summary>
#
# The derivative of x + f(x) with respect to x is I + ∂f/∂x: the identity carries the
# gradient back unchanged, however small ∂f/∂x is, so early layers keep learning in a
# deep stack.
#
# </details>

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Further reading
#
# - PyTorch, [Training a classifier](https://pytorch.org/tutorials/beginner/blitz/cifar10_tutorial.html):
#   the blitz's version, with its small CNN.
# - David Page, [How to train your ResNet](https://myrtle.ai/learn/how-to-train-your-resnet/)
#   (Myrtle.ai, 2018): the ResNet-9 and recipe used here, and why each part is there.
# - Krizhevsky, [Learning multiple layers of features from tiny images](https://www.cs.toronto.edu/~kriz/learning-features-2009-TR.pdf)
#   (2009): CIFAR-10 itself.
# - He, Zhang, Ren and Sun, [Deep residual learning for image recognition](https://arxiv.org/abs/1512.03385)
#   (2016): residual blocks.
