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
# *After PyTorch's Quickstart and learnpytorch.io.*
#
# Almost every PyTorch project you will read has the same five parts: a `Dataset` that
# returns one example, a `DataLoader` that batches and shuffles them, an `nn.Module`,
# a `train_loop` / `test_loop` pair, and `torch.save` of the model's `state_dict`. This
# lesson writes them out plainly, the way the official Quickstart does, on Fashion-MNIST:
# 28×28 grey photos of ten kinds of clothing. Then it trains the same model through
# torchdojo's engine and shows what that adds.

# %% [markdown]
# **Teacher:** About 40 minutes; the full run takes minutes on a CPU, so run it with
# `--quick` live and show the full numbers from the book. Ask who has written a
# training loop before; pair those people with those who have not.

# %% [markdown]
# **Say:** This is the shape of almost every PyTorch project you will read: a Dataset, a
# DataLoader, a model, a training loop and a test loop, and a saved state_dict. Learn to
# spot these five parts and any PyTorch repository becomes readable.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 1. Data: a Dataset and its DataLoader
#
# A `Dataset` answers two questions: how many items (`__len__`) and what item *i* is
# (`__getitem__`). Ours turns a stored byte image (0 to 255) into a float image in
# [0, 1] with a channel axis, `(1, 28, 28)`, exactly what torchvision's `ToTensor()`
# gives. A `DataLoader` calls it once per example and stacks the results into batches.

# %% slideshow={"slide_type": "subslide"}
from torch.utils.data import DataLoader

from torchdojo import show
from torchdojo.data.vision import load_images
from torchdojo.experiments import quickstart as qs

show.source(qs.ImageDataset)

data = load_images("fashion-mnist")
dataset = qs.ImageDataset(data.train_x, data.train_y.long())
image, label = dataset[0]
print(len(dataset), "items; item 0:", tuple(image.shape), image.dtype,
      f"values in [{image.min():.2f}, {image.max():.2f}], label {int(label)} "
      f"({data.classes[label]})")
x, y = next(iter(DataLoader(dataset, batch_size=64, shuffle=True)))
print("one batch:", tuple(x.shape), tuple(y.shape))  # (64, 1, 28, 28) (64,)

# %% slideshow={"slide_type": "subslide"}
from torchdojo.figures import plots

show.figure(plots.image_grid(x[:16], [data.classes[i] for i in y[:16]], cols=8))

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 2. The model, and 3. the loops
#
# The Quickstart's network flattens the 784 pixels and passes them through two hidden
# layers of 512 ReLU units to 10 logits, one per class. `train_loop` is the loop you
# will meet in every lesson: forward, loss, `zero_grad`, `backward`, `step`.
# `test_loop` runs the model in eval mode under `torch.no_grad()`, since nothing is
# learned there.

# %% [markdown]
# **Teacher:** Read `train_loop` aloud line by line and ask the room what each line does
# before you say it. Then ask: *what breaks if we forget `zero_grad`?* (The gradients of
# every batch add up.)

# %% slideshow={"slide_type": "subslide"}
model = qs.build_model()
print(model)
print(f"{sum(p.numel() for p in model.parameters()):,} parameters")
show.source(qs.train_loop)
show.source(qs.test_loop)

# %% [markdown] slideshow={"slide_type": "subslide"}
# `train_plain` puts the pieces together: cross-entropy loss, Adam, a learning rate
# that decays along a cosine to zero, and one `train_loop` plus one `test_loop` per
# epoch. The recipe (Adam from 10⁻³ with the cosine decay, batches of 128, 10 epochs) was
# chosen on 10,000 images held out from the *training* set (`--set val_split=10000`;
# the numbers are in the run's notes); the test set only measures the result.

# %% slideshow={"slide_type": "subslide"}
show.source(qs.train_plain)
show.source(qs.make_scheduler)

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 4. Save and reload
#
# Save the `state_dict` (a dictionary of tensors), not the model object: it stays
# readable when the code changes. Loading with `weights_only=True` refuses anything but
# tensors and plain containers, so a downloaded file cannot run code.

# %% [markdown]
# **Say:** Save the weights, not the object. A state_dict is just named tensors: it
# survives when your code changes, and loading it with `weights_only=True` cannot run
# anyone's code on your machine.

# %% slideshow={"slide_type": "subslide"}
show.source(qs.save_and_reload)

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Running it, then the same model through the engine
#
# The experiment trains the plain way, saves `model.pt` into the run folder, reloads it
# and compares every prediction. Then it trains the same network, from the same initial
# weights, with the same optimiser and epochs, through `ctx.fit`: the engine every other
# lesson uses. Both sides are timed.

# %% slideshow={"slide_type": "subslide"}
show.source(qs.train_engine)

# %% slideshow={"slide_type": "subslide"}
from torchdojo.runner import quick_mode, run_experiment

result = run_experiment("quickstart", quick=quick_mode())
print({k: float(f"{v:.4g}") for k, v in result.metrics.items()})  # every metric, 4 digits
m = result.metrics
print(result.dataset_label)
print(f"plain:  test accuracy {100 * m['test_acc']:.2f} %  in {m['plain_s']:.1f} s")
print(f"engine: test accuracy {100 * m['engine_test_acc']:.2f} %  in {m['engine_s']:.1f} s"
      f"  ({m['speedup']:.1f}x)")
print("reloaded predictions differ by at most", m["reload_max_abs_diff"])

# %% slideshow={"slide_type": "subslide"}
show.figure(qs.timing_figure(result.plain_history, result.history, m["plain_s"],
                             m["engine_s"]))
print(sorted(p.name for p in result.run_dir.iterdir()))

# %% [markdown] slideshow={"slide_type": "subslide"}
# The two curves are not identical (the batches come in a different shuffled order), but
# they are the same model and end at about the same accuracy. The engine keeps the whole
# data set as one tensor and takes each batch with one indexing operation, instead of
# 128 `__getitem__` calls and a stack. How much that saves depends on how much of a
# step is arithmetic: on a small CPU most of it is, so the gain is the data path's
# share (a full run on a 2-core CPU: about 1.3x); the per-item Python calls cost the same
# on any device, so the faster the arithmetic (a GPU), the larger their share becomes. On
# a tiny data set (quick mode) the engine's checkpoint after every epoch can even make it
# the slower side. The engine also writes what you saw
# listed above: `config.json`, `metrics.jsonl` (one line per epoch), a checkpoint after
# every epoch, `report.html`; and after Ctrl-C, `dojo run quickstart --resume RUN_DIR`
# continues to exactly the result an uninterrupted run gives. A `DataLoader` stays the
# right tool when data does not fit in memory or must be decoded or augmented per item.
#
# **Exercise 43** (`dojo check image-subset`): write a `Dataset` that serves only the
# images at given indices, which is how a validation split is carved without copying.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Your turn
#
# Predict first, then run. Each cell repeats the run above with one setting changed
# and prints the numbers to compare.
# (A full run takes minutes on a CPU; in a quick session, `quick=True`, it takes
# seconds and compares with the quick run above.)
#
# **1. Bigger batches.** Four times the batch means a quarter of the steps per epoch.
# *Predict*: after the same epochs, does test accuracy go up or down, and does the
# engine's speedup grow or shrink?

# %% slideshow={"slide_type": "subslide"}
big_batches = show.your_turn(lambda: run_experiment(
    "quickstart", quick=quick_mode(), quiet=True, overrides={"batch_size": 512}))
show.compare(result, big_batches, "test_acc", "engine_test_acc", "speedup")

# %% [markdown] slideshow={"slide_type": "subslide"}
# **2. A model that never learns.** *Predict*: what is the test accuracy with
# `lr=1e-7`, and which of the two targets (accuracy, identical reload) still passes?

# %%
frozen = show.your_turn(lambda: run_experiment("quickstart", quick=quick_mode(),
                                               quiet=True, overrides={"lr": 1e-7}))
show.compare(result, frozen, "test_acc", "reload_max_abs_diff")

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Check yourself
#
# **1. Why `torch.load(path, weights_only=True)`?**
#
# <details><summary>Answer</summary>
#
# `torch.load` unpickles, and a pickle can call any function while it loads.
# `weights_only=True` allows only tensors and plain containers, all that a
# `state_dict` holds, so a file from elsewhere cannot run code on your machine.
#
# </details>
#
# **2. The engine trains the very same network with the same optimiser. Where does its
# speed come from?**
#
# <details><summary>Answer</summary>
#
# From the data path. The `DataLoader` calls `__getitem__` once per image (60,000
# Python calls an epoch) and stacks each batch; the engine holds the data set as one
# tensor and takes a batch with one index operation. The arithmetic of the forward
# and backward passes is the same on both sides.
#
# </details>
#
# **3. Why choose the learning rate, batch size and epochs on a validation split, not on
# the test set?**
#
# <details><summary>Answer</summary>
#
# A test set that has helped choose the recipe has been fitted to a little, so its
# accuracy overstates what the model does on new images. Held-out training images
# answer "which recipe?"; the test set, used once, answers "how good is it?".
#
# </details>

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Further reading
#
# - PyTorch, [Quickstart](https://pytorch.org/tutorials/beginner/basics/quickstart_tutorial.html):
#   the official version of this lesson's plain half.
# - Zero to Mastery, [learnpytorch.io](https://www.learnpytorch.io/): the course
#   outline 003 follows, with the workflow and computer-vision chapters.
# - PyTorch, [Datasets & DataLoaders](https://pytorch.org/tutorials/beginner/basics/data_tutorial.html)
#   and [Saving and loading models](https://pytorch.org/tutorials/beginner/saving_loading_models.html).
