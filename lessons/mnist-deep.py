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
# The target is for a seven-layer MLP: six hidden layers and the output layer.
#
# Two layers were enough for 98 % in `mnist-mlp`. Why would more layers be harder?
# Backpropagation multiplies the error at the output by one Jacobian per layer on its
# way down:
#
# $$\frac{\partial L}{\partial h_l} = W_{l+1}^\top\,\mathrm{diag}\big(f'(z_{l+1})\big)
#   \cdots W_L^\top\,\frac{\partial L}{\partial z_L},\qquad
#   \frac{\partial L}{\partial W_l} = \frac{\partial L}{\partial z_l}\,h_{l-1}^\top .$$
#
# If every factor shrinks the vector a little (the sigmoid's slope is at most 1/4;
# weights drawn too small), six of them shrink it a lot: the first layers get
# *vanishing gradients* and barely learn. If every factor grows it, they explode.
# Three remedies are compared here:
#
# - **initialisation**: Xavier/Glorot (variance $2/(n_\text{in}+n_\text{out})$) keeps
#   the signal's variance for tanh-like units; Kaiming/He (variance $2/n_\text{in}$)
#   does it for ReLU, which zeroes half its inputs;
# - **activation**: ReLU's slope is exactly 1 where it is active; sigmoid's never
#   exceeds 1/4;
# - **normalisation**: batch norm (per feature, over the batch) or layer norm (per
#   example, over the features) re-centres and re-scales each layer's inputs, whatever
#   the weights did to them.
#
# The model is the same `MLP` as before, with options for the activation and the norm;
# `init_weights` re-draws its weights:

# %% [markdown]
# **Teacher:** About 35 minutes; the comparison trains eighteen short runs, so run quick live
# and show the full figures from the book. The one idea: the backward signal is a product of
# one factor per layer. Ask for 0.25⁶, sigmoid's best case (1/4096, about 2.4 × 10⁻⁴).

# %% [markdown]
# **Say:** Depth is where deep learning gets its name, and where it first went wrong: stack
# enough layers and the first ones stop learning. The cure is not a new algorithm but three
# habits: the right initial weights, an activation that does not squash, and normalisation.

# %%
from torchdojo import show
from torchdojo.models.mlp import MLP, init_weights

show.source(MLP)
show.source(init_weights)

# %% [markdown]
# ## Measuring the gradient of every layer
#
# To see vanishing gradients, measure them. PyTorch calls a parameter's
# *post-accumulate-grad hook* as soon as its `.grad` is complete, so a recorder can log
# $\lVert \partial L / \partial W_l \rVert$ for every layer at every training step,
# on the very batch the optimiser uses, with no extra forward pass:

# %%
from torchdojo.experiments.mnist_deep import GradNormRecorder

show.source(GradNormRecorder)

# %% [markdown]
# ## The experiment
#
# First eighteen short runs (two epochs on 10,000 images; in quick mode much less):
# every activation with every initialisation, then batch and layer norm added to the
# best plain recipe and to two that fail. Then the chosen recipe (ReLU, Kaiming, batch
# norm, a little dropout) is trained on the full training set with AdamW and a one-cycle
# schedule, exactly as `dojo run mnist-deep` does.

# %%
from torchdojo.runner import quick_mode, run_experiment

result = run_experiment("mnist-deep", quick=quick_mode())
print(result.dataset_label)
print({k: round(v, 4) for k, v in result.metrics.items()})
print("report:", result.run_dir / "report.html")

# %% [markdown]
# ## The comparison
#
# Left: the gradient norm of each layer's weights at the first step, on a log scale;
# right: the validation accuracy after the short run. Sigmoid with $\mathcal N(0, 0.01^2)$
# weights is the textbook failure: each layer divides the backward signal by roughly
# $4 / (0.01\sqrt{n})$, so the first layer's gradient is many orders of magnitude below
# the last one's and the network stays at chance. ReLU with Kaiming init keeps the norms
# of all layers within a factor of a few, and batch or layer norm rescues even the bad
# initialisations. (Adam divides each update by a running gradient scale, which hides
# part of the problem; plain SGD would suffer from it even more.)

# %% [markdown]
# **Teacher:** Before the comparison, ask the room to rank three recipes by validation
# accuracy: sigmoid with N(0, 0.01²) weights, sigmoid with batch norm, ReLU with Kaiming.
# Then point at the left panel's scale: it is logarithmic, each step a factor of ten.

# %%
from matplotlib.figure import Figure  # noqa: E402

from torchdojo.figures import plots

rows = result.comparison
for row in rows:
    print(f"{row['name']:<42s} val acc {100 * row['val_acc']:5.1f} %   "
          f"first/last layer gradient {row['grad_ratio']:.1e}")
show.figure(plots.variant_table([r["name"] for r in rows],
                                [[n[0] for n in r["norms"]] for r in rows],
                                [r["val_acc"] for r in rows]))

# %% [markdown]
# ## Gradient norms over training
#
# Per-layer norms over the training steps for four variants and for the main run
# (layer 1, next to the input, is darkest). Without normalisation the sigmoid net's
# layers sit orders of magnitude apart for the whole run; with batch norm they are
# bunched together, as they are for ReLU + Kaiming + batch norm.

# %% [markdown]
# **Teacher:** Point at layer 1, the darkest line, in each panel. Common confusion: a tiny
# gradient does not mean the layer has finished learning; it means the layer is stuck
# where it started.

# %%
shown = {r["name"]: (r["steps"], r["norms"]) for r in rows
         if (r["activation"], r["init"], r["norm"]) in
         {("sigmoid", "normal", "none"), ("sigmoid", "normal", "batch"),
          ("relu", "kaiming", "batch")}}
shown["main run"] = result.grad_norms
fig: Figure = plots.layer_grad_norms(shown)
show.figure(fig)

# %% [markdown]
# ## The main run
#
# Learning curves of the seven-layer network, and what it still gets wrong.

# %%
show.figure(plots.curves(result.history, ["loss", "acc"]))

from torchdojo.train import tasks  # noqa: E402

model, tensors = result.model, result.tensors
logits = tasks.predict(model, tensors.test[0])
images = tensors.test[0] * tensors.std + tensors.mean
show.figure(plots.worst_mistakes(images, logits, tensors.test[1], tensors.data.classes))

# %% [markdown]
# ## Try it
#
# - `dojo run mnist-deep --set activation=sigmoid init=normal norm=none compare=false`:
#   train the failing recipe for real and watch its curves stay flat.
# - `dojo run mnist-deep --set norm=layer`: layer norm instead of batch norm.
# - `dojo run mnist-deep --set hidden=512,512`: is depth buying anything on MNIST?

# %% [markdown]
# ## Your turn
#
# Predict first, then run. Each cell repeats the run above with one setting changed
# and prints the numbers to compare. They compare validation accuracy (training images held
# out), not test accuracy: a setting picked by its test score makes that score
# optimistic.
# (Each cell also reruns the short comparison; a full run takes minutes.)
#
# **1. No normalisation.** *Predict*: with `norm="none"` (still ReLU and Kaiming), how
# much validation accuracy is lost, and how does the ratio of the first layer's
# gradient to the last one's at initialisation (`grad_ratio_at_init`) change?

# %%
no_norm = show.your_turn(lambda: run_experiment("mnist-deep", quick=quick_mode(),
                                                quiet=True, overrides={"norm": "none"}))
show.compare(result, no_norm, "val_acc", "grad_ratio_at_init")

# %% [markdown]
# **2. Sigmoid.** *Predict*: with `activation="sigmoid"` (keeping Kaiming init and
# batch norm), does the seven-layer network still train?

# %%
sigmoid = show.your_turn(lambda: run_experiment(
    "mnist-deep", quick=quick_mode(), quiet=True, overrides={"activation": "sigmoid"}))
show.compare(result, sigmoid, "val_acc", "grad_ratio_at_init")

# %% [markdown]
# ## Check yourself
#
# **1. From the slopes alone, how much can six sigmoid layers shrink a gradient?**
#
# <details><summary>Answer</summary>
#
# Each slope is at most 1/4, so six of them multiply the gradient by at most
# (1/4)⁶ ≈ 2.4 · 10⁻⁴; small weights shrink it further: the textbook failure above.
#
# </details>
#
# **2. Why Kaiming init (variance 2/n_in) for ReLU, and Xavier for tanh?**
#
# <details><summary>Answer</summary>
#
# ReLU zeroes about half its inputs, which halves the variance at every layer; the
# factor 2 makes up for it. tanh is nearly linear around 0 and keeps both halves, so
# about 1/n_in suffices (Xavier averages fan-in and fan-out).
#
# </details>
#
# **3. Batch norm computes different things in `train()` and `eval()` mode. What?**
#
# <details><summary>Answer</summary>
#
# In training it normalises with the current batch's mean and variance (and updates
# running averages of them); in eval it uses those running averages, so a prediction
# does not depend on which other images share its batch.
#
# </details>

# %% [markdown]
# ## Further reading
#
# - Nielsen, chapter 5, [Why are deep neural networks hard to train?](http://neuralnetworksanddeeplearning.com/chap5.html)
# - Glorot and Bengio, [Understanding the difficulty of training deep feedforward
#   neural networks](https://proceedings.mlr.press/v9/glorot10a.html) (2010).
# - He et al., [Delving deep into rectifiers](https://arxiv.org/abs/1502.01852) (2015):
#   Kaiming initialisation.
# - Ioffe and Szegedy, [Batch normalization](https://arxiv.org/abs/1502.03167) (2015).
