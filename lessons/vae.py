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
# The target is for a 20-dimensional latent space; the −ELBO is in nats per MNIST
# image.
#
# So far every network mapped an image to a label. A variational autoencoder (VAE;
# Kingma & Welling, 2014) learns to *generate* images. It has two halves:
#
# - an **encoder** that maps an image $x$ to the mean $\mu(x)$ and the log-variance
#   $\log\sigma^2(x)$ of a diagonal Gaussian
#   $q(z\mid x) = \mathcal N(\mu, \operatorname{diag}\sigma^2)$ over a low-dimensional
#   latent code $z$;
# - a **decoder** that maps a code $z$ back to an image: here one Bernoulli
#   probability per pixel, $p(x\mid z) = \prod_i \mathrm{Bernoulli}(x_i; y_i(z))$.
#
# After training, throw the encoder away, draw $z \sim \mathcal N(0, I)$ and decode: new
# images. Here is the model, the package's own code:

# %% [markdown]
# **Teacher:** About 40 minutes, the densest lesson of Part II; a full run takes minutes, so
# run it quick live. The one idea: the loss is reconstruction minus a KL that keeps codes
# near N(0, I), so a random z decodes to a digit. Draw encoder → z → decoder first.

# %%
from torchdojo import show
from torchdojo.models.vae import VAE

show.source(VAE)

# %% [markdown]
# ## The reparameterisation trick
#
# The decoder needs a sample $z \sim q(z\mid x)$, and the gradient has to flow back
# into $\mu$ and $\log\sigma^2$. Sampling is not differentiable, but a *shifted and
# scaled* standard normal is: $z = \mu + \sigma \odot \varepsilon$ with
# $\varepsilon \sim \mathcal N(0, I)$. The randomness sits in $\varepsilon$, which
# needs no gradient. (Exercise 25 asks you to write this line.)

# %% [markdown]
# **Teacher:** Ask for the sample mean and standard deviation before running: (1, −2) and
# (1, e ≈ 2.72). Common confusion: `logvar` is log σ², so σ = exp(logvar / 2), not
# exp(logvar).

# %%
import torch

from torchdojo.models.vae import reparameterize

show.source(reparameterize)

torch.manual_seed(0)
mu, logvar = torch.tensor([1.0, -2.0]), torch.tensor([0.0, 2.0])
z = reparameterize(mu.expand(100_000, 2), logvar.expand(100_000, 2))
print("sample mean", z.mean(0), "  wanted", mu)
print("sample std ", z.std(0), "  wanted", torch.exp(0.5 * logvar))

# %% [markdown]
# ## The objective: the evidence lower bound
#
# We would like to maximise $\log p(x)$, which needs an intractable integral over $z$.
# The ELBO is a lower bound on it that we can compute (Kingma & Welling, Eq. 3):
#
# $$\log p(x) \;\ge\; \mathrm{ELBO}(x)
#   = \underbrace{\mathbb E_{q(z\mid x)}[\log p(x\mid z)]}_{\text{reconstruction}}
#   \;-\; \underbrace{\mathrm{KL}\big(q(z\mid x)\,\|\,\mathcal N(0, I)\big)}_{\text{stay near
#   the prior}}$$
#
# - **Reconstruction**: for a Bernoulli decoder with pixel logits $\ell$,
#   $\log p(x\mid z) = \sum_i x_i\log y_i + (1-x_i)\log(1-y_i)$ with $y = \sigma(\ell)$:
#   minus the binary cross-entropy, summed over the 784 pixels. One sample of $z$
#   estimates the expectation.
# - **KL** between two Gaussians has a closed form (Appendix B of the paper):
#   $\mathrm{KL} = \tfrac12\sum_j\big(\mu_j^2 + \sigma_j^2 - 1 - \log\sigma_j^2\big)$.
#   It is zero only when $q(z\mid x)$ *is* the prior. (Exercise 26.)
#
# Both are in nats per image; the loss is $-\mathrm{ELBO}$.

# %% [markdown]
# **Say:** The two terms pull against each other. Reconstruction wants each code to describe
# its image exactly; the KL wants every code to look like a draw from the prior. The
# compromise is a latent space in which every point decodes to something plausible.

# %%
from torchdojo.models.vae import bernoulli_log_likelihood, elbo, kl_divergence

show.source(kl_divergence)
show.source(bernoulli_log_likelihood)
show.source(elbo)

# %% [markdown]
# Check the closed form against `torch.distributions`, which computes the same KL from
# the two distributions' definitions:

# %%
from torch.distributions import Normal
from torch.distributions import kl_divergence as torch_kl

mu, logvar = torch.randn(4, 20, dtype=torch.float64), torch.randn(4, 20, dtype=torch.float64)
ours = kl_divergence(mu, logvar)
theirs = torch_kl(Normal(mu, torch.exp(0.5 * logvar)), Normal(0.0, 1.0)).sum(-1)
print("KL per sample:", ours.numpy().round(3))
print("max |ours - torch.distributions| =", (ours - theirs).abs().max().item())

# %% [markdown]
# ## Which pixels are Bernoulli?
#
# MNIST pixels are grey levels in [0, 1], not coin flips. We use **dynamic
# binarisation**: each time a training image is used, every pixel is drawn as
# $x_i \sim \mathrm{Bernoulli}(\text{intensity}_i)$, and the test images are binarised
# once with a fixed seed. Then the ELBO really bounds the log-likelihood of binary
# images. (The common shortcut, `binarize=none`, feeds the grey levels as targets of
# the cross-entropy; that is not a normalised likelihood and its nats are not
# comparable.) The loss the loop calls:

# %%
from torchdojo.experiments import vae as vae_experiment

show.source(vae_experiment.make_loss)

# %% [markdown]
# ## Training
#
# Adam, 128 images a batch, through the same loop as every other lesson.
# `run_experiment` is exactly what `dojo run vae` calls.

# %%
from torchdojo.runner import quick_mode, run_experiment

result = run_experiment("vae", quick=quick_mode())
print(result.dataset_label)
print({k: round(v, 2) for k, v in result.metrics.items()})
figures = vae_experiment.make_figures(result.model, result.test,
                                      result.data, result.history)

# %% [markdown]
# **Teacher:** Before the next slide, ask: the KL is part of the loss, so which way will it
# move during training? Most say down. Then show the curves and point at the KL part.

# %% [markdown]
# The −ELBO falls on training and test images. Its two parts move differently: the
# reconstruction term falls while the KL *rises*: the encoder learns to spend nats of
# information about each image in $z$, and pays for them in KL.

# %%
show.figure(figures["curves"])

# %% [markdown]
# ## Reconstructions and samples
#
# Top row: test images; bottom row: the decoder's Bernoulli means for one $z$ drawn
# from $q(z\mid x)$. Then 64 images decoded from $z \sim \mathcal N(0, I)$: images the
# network invented. They are blurrier than the reconstructions: the prior covers
# regions of latent space that no training image was encoded to.

# %%
show.figure(figures["reconstructions"])
show.figure(figures["samples"])

# %% [markdown]
# ## A 2-D latent space you can look at
#
# With `latent=2` the code is a point in the plane. Encode every test image (its mean
# $\mu$) and colour it by its label: the classes form regions, although the VAE never
# saw a label. Decoding a grid of points shows how one digit morphs into another
# (Kingma & Welling's Fig. 4). Two dimensions cost likelihood: compare its −ELBO with
# the 20-dimensional model's.

# %%
result2 = run_experiment("vae", quick=quick_mode(), overrides={"latent": 2})
print({k: round(v, 2) for k, v in result2.metrics.items()})
figures2 = vae_experiment.make_figures(result2.model, result2.test,
                                       result2.data, result2.history)
show.figure(figures2["latent_map"])
show.figure(figures2["manifold"])

# %% [markdown]
# ## Try it
#
# - `dojo run vae --set dataset=fashion-mnist`: clothes. The −ELBO is much higher:
#   textured garments carry more bits per image than pen strokes.
# - `dojo run vae --set binarize=none`: the grey-level shortcut; why do its nats not
#   compare with the binarised ones?
# - `test_nll_iw100` in the metrics is the importance-weighted bound (Burda et al.,
#   2016) with 100 samples of $z$: a tighter estimate of $-\log p(x)$ than the ELBO.
#   How big is the gap?
# - `dojo exercises init work`, then exercises 25 and 26: the reparameterisation and
#   the KL term, yourself.

# %% [markdown]
# ## Your turn
#
# Predict first, then run. Each cell repeats the run above with one setting changed
# and prints the numbers to compare.
# (A full run takes minutes on a CPU; in a quick session, `quick=True`, it takes
# seconds and compares with the quick run above.)
#
# **1. More latent dimensions.** *Predict*: with `latent=50` instead of 20, does the
# test −ELBO fall, and what happens to its KL part?

# %%
wide = show.your_turn(lambda: run_experiment("vae", quick=quick_mode(), quiet=True,
                                             overrides={"latent": 50}))
show.compare(result, wide, "test_neg_elbo", "test_recon", "test_kl")

# %% [markdown]
# **2. Grey levels as targets.** *Predict*: with `binarize="none"`, is the test −ELBO
# higher or lower, and can you compare the two numbers at all?

# %%
grey = show.your_turn(lambda: run_experiment("vae", quick=quick_mode(), quiet=True,
                                             overrides={"binarize": "none"}))
show.compare(result, grey, "test_neg_elbo", "test_recon", "test_kl")

# %% [markdown]
# ## Check yourself
#
# **1. Why write z = μ + σ ⊙ ε instead of sampling z ~ N(μ, σ²) directly?**
#
# <details><summary>Answer</summary>
#
# A sample has no gradient with respect to μ and σ. Written as a function of μ, σ and
# noise ε that needs no gradient, backpropagation flows through μ and σ.
#
# </details>
#
# **2. The KL term is 0 when q(z|x) = N(0, I) for every image. Why is that a bad encoder?**
#
# <details><summary>Answer</summary>
#
# Then z carries no information about x: the decoder sees the same distribution for
# every image and can only draw something like the average digit. The ELBO trades
# KL (information in z) against reconstruction.
#
# </details>
#
# **3. Why is the reconstruction term a binary cross-entropy?**
#
# <details><summary>Answer</summary>
#
# With one Bernoulli per pixel, log p(x|z) = Σᵢ xᵢ log yᵢ + (1 − xᵢ) log(1 − yᵢ): minus
# the binary cross-entropy between the pixels and the decoder's means, summed.
#
# </details>

# %% [markdown]
# ## Further reading
#
# - Kingma and Welling, [Auto-encoding variational Bayes](https://arxiv.org/abs/1312.6114)
#   (2014): the VAE.
# - Kingma and Welling, [An introduction to variational autoencoders](https://arxiv.org/abs/1906.02691)
#   (2019), the reading outline 000 names.
# - Burda, Grosse and Salakhutdinov, [Importance weighted autoencoders](https://arxiv.org/abs/1509.00519)
#   (2016): the tighter bound in `test_nll_iw100`.
