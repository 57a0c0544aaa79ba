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
# Its samples are judged by a **classifier FID** and by how many of them our digit
# classifier recognises.
#
# A GAN (Goodfellow et al. 2014) trains two networks against each other. The
# generator G turns noise z ~ N(0, I) into an image; the discriminator D outputs a
# logit, high for "real". D is trained to tell real images from G's; G is trained to
# make D call its images real:
#
# $$\min_G \max_D \; \mathbb{E}_x[\log D(x)] + \mathbb{E}_z[\log(1 - D(G(z)))]$$
#
# In practice G maximises log D(G(z)) instead (the "non-saturating" loss): early on,
# when D easily rejects G's images, log(1 - D(G(z))) is flat and would give G almost no
# gradient. Both losses are binary cross-entropies on D's logits (exercise 28):

# %% [markdown]
# **Teacher:** About 40 minutes; a full run takes minutes, so run it quick live. The one
# idea: two networks trained against each other, so neither loss measures progress and we
# judge the samples instead. Ask: against a perfect G, what should D output? (1/2, everywhere.)

# %% [markdown]
# **Say:** A GAN is a forger and an art expert trained together. The expert learns to spot
# fakes; the forger never sees a real painting, only the expert's verdicts. A forger
# against a blind expert learns nothing, and against an unbeatable one, nothing useful.

# %%
from torchdojo import show
from torchdojo.methods import gan

show.source(gan.discriminator_loss)
show.source(gan.generator_loss)

# %% [markdown]
# ## The two networks: DCGAN
#
# We use convolutions (DCGAN, Radford et al. 2015) rather than MLPs: a transposed
# convolution paints the same stroke anywhere with a few shared weights, so digits come
# out sharp after far fewer steps, and the convolutional D judges stroke texture the same
# way. DCGAN's rules: strided convolutions instead of pooling, batch norm, ReLU in G,
# LeakyReLU in D, tanh output (images in [-1, 1]).
#
# Both are **class-conditional** here (a cGAN, Mirza & Osindero 2014): G is given the
# digit it should draw (a learned vector beside z), and D judges "a real image *of this
# class*" with a projection (Miyato & Koyama 2018): D's logit is w . phi(x) + e_y . phi(x),
# where phi(x) are D's features and e_y a learned vector per class. Knowing the class,
# G no longer has to discover the ten kinds of digit on its own, and D can reject a "3"
# that looks like an "8". `--set conditional=false` trains the plain, unconditional GAN.

# %%
from torchdojo.models.gan import Discriminator, Generator

show.source(Generator)
show.source(Discriminator)

# %% [markdown]
# ## One training step
#
# Each batch updates D once (on real images and on G's images, detached so G is not
# changed), then G once, through the freshly updated D. That is a `step_fn` for the
# course's one training loop, which also checkpoints both optimisers. Every epoch the
# same 64 z are drawn, so we can watch the *same* samples form.

# %% [markdown]
# **Teacher:** Point at `fake.detach()` in D's step and ask why it is there. (D's update needs
# no gradient for G: without it, D's backward runs through G for nothing and frees G's graph,
# so G's own backward then fails.)

# %%
from torchdojo.experiments import gan as experiment

show.source(gan.make_step)
show.source(experiment.train)

# %%
from torchdojo.runner import quick_mode, run_experiment

result = run_experiment("gan", quick=quick_mode())
print(result.dataset_label)
print({k: round(v, 4) for k, v in result.metrics.items()})
print("run folder (a grid per epoch in samples/, evolution.gif):", result.run_dir)

# %% [markdown]
# ## Training curves
#
# A GAN's losses do not fall to zero: they are a game's score. A healthy run keeps D's
# loss near where it can neither win nor lose outright (D(real) a bit above D(fake));
# D's loss collapsing to 0 while G's climbs means D has won and G gets no signal.

# %% [markdown]
# **Teacher:** Before the curves, ask what a healthy GAN's losses look like; most expect both
# to fall. Then point at `d_real` and `d_fake`: apart, but neither pinned at 1 or 0.

# %%
from torchdojo.figures import plots

show.figure(plots.curves(result.history, ["d_loss", "g_loss", "d_real", "d_fake"]))

# %% [markdown]
# ## The same z over training
#
# Each row is one fixed z; each column an epoch. Blobs become strokes become digits.

# %%
import torch

snaps = result.snapshots
epochs = sorted(snaps)[:: max(1, len(snaps) // 8)]
strip = torch.stack([snaps[e][:8] for e in epochs], 1)  # (8 samples, epochs, 1, 28, 28)
show.figure(plots.image_rows((strip + 1) / 2, col_labels=[f"epoch {e}" for e in epochs]))

# %% [markdown]
# ## Measuring a generator
#
# Looking at samples is not a measurement. We use two numbers, both from a LeNet-5
# trained on the real training digits (the *judge*; its test accuracy is printed above):
#
# - **classifier FID**: fit a Gaussian to the judge's 84 penultimate features of the
#   samples and another to those of real training images; the Frechet distance between
#   them, |mu_1 - mu_2|^2 + Tr(S_1 + S_2 - 2 (S_1 S_2)^{1/2}), is 0 when the two agree.
#   It is the FID of Heusel et al. with our LeNet in place of Inception: comparable
#   within this course only. Real test digits against real training digits give the
#   floor (`fid_real`).
# - **recognisability**: the share of samples the judge labels with confidence >= 0.9
#   (`real_recognised` is the same for real test digits).
# - **agreement** (a cGAN): the share of samples the judge names as the digit asked for.
#   The judged samples ask for 0, 1, ..., 9 in turn, like a balanced set of real digits.

# %%
from torchdojo.methods import fid as metrics
from torchdojo.methods.judge import judged_figures, summary

show.source(metrics.frechet_distance_gaussians)
show.source(metrics.recognisability)
print(summary(result.metrics))

# %% [markdown]
# **Teacher:** Common confusion: a sample the judge is sure of is not yet a good generator.
# Ask how a G that only draws perfect 1s would score on recognisability, on FID and in the
# class bar chart, then look at the bars.

# %%
judged = judged_figures(result.samples, result.probs, result.data.classes, n=32)
show.figure(judged["samples"])
show.figure(judged["classes"])

# %% [markdown]
# The bar chart guards against *mode collapse*: a generator that draws only a few
# kinds of digit can be very recognisable yet poor, and its FID shows it.
#
# ## Try it
#
# - `dojo run gan --set conditional=false`: no labels; compare FID and recognisability.
# - `dojo run gan --set width=32`: a smaller pair; compare FID and recognisability.
# - `dojo run gan --set beta1=0.9`: DCGAN chose Adam's beta1 = 0.5 for stability.
# - `dojo run gan --set dataset=fashion-mnist`: clothes (the judge is retrained on them).
# - The `diffusion` lesson scores a DDPM with the same judge.

# %% [markdown]
# ## Your turn
#
# Predict first, then run. Each cell repeats the run above with one setting changed
# and prints the numbers to compare.
# (A full run takes minutes on a CPU; in a quick session, `quick=True`, it takes
# seconds and compares with the quick run above.)
#
# **1. No labels.** *Predict*: with `conditional=False`, do recognisability and the
# classifier FID get better or worse?

# %%
unconditional = show.your_turn(lambda: run_experiment(
    "gan", quick=quick_mode(), quiet=True, overrides={"conditional": False}))
show.compare(result, unconditional, "recognised", "fid")

# %% [markdown]
# **2. Adam's default β₁.** DCGAN chose β₁ = 0.5. *Predict*: with `beta1=0.9`, are the
# samples better or worse, and do D's and G's losses look different?

# %%
beta09 = show.your_turn(lambda: run_experiment("gan", quick=quick_mode(), quiet=True,
                                               overrides={"beta1": 0.9}))
show.compare(result, beta09, "recognised", "fid", "d_loss", "g_loss")

# %% [markdown]
# ## Check yourself
#
# **1. Why does G maximise log D(G(z)) rather than minimise log(1 − D(G(z)))?**
#
# <details><summary>Answer</summary>
#
# Early on D rejects G's images easily, D(G(z)) ≈ 0, where log(1 − D) is flat and gives
# G almost no gradient; log D(G(z)) is steep there. Both have the same fixed point.
#
# </details>
#
# **2. Why are G's images detached when D is updated?**
#
# <details><summary>Answer</summary>
#
# D's loss must not change G's weights; detaching stops the gradient at the images
# (and saves computing G's backward for nothing).
#
# </details>
#
# **3. A generator that draws only perfect 1s: high or low recognisability? And FID?**
#
# <details><summary>Answer</summary>
#
# Recognisability is high (the judge is sure each is a 1), but the FID is high too,
# i.e. bad: the features' mean and covariance are far from those of all ten digits.
# That mode collapse is why the lesson reports both, and the class chart.
#
# </details>

# %% [markdown]
# ## Further reading
#
# - Goodfellow et al., [Generative adversarial networks](https://arxiv.org/abs/1406.2661)
#   (2014).
# - Radford, Metz and Chintala, [DCGAN](https://arxiv.org/abs/1511.06434) (2015).
# - Heusel et al., [GANs trained by a two time-scale update rule converge to a local
#   Nash equilibrium](https://arxiv.org/abs/1706.08500) (2017): the FID.
# - PyTorch, [DCGAN tutorial](https://pytorch.org/tutorials/beginner/dcgan_faces_tutorial.html).
