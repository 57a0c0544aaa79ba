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
# *After Rombach et al. (2022), the "latent diffusion" of the topic list's picture (004).*
#
# The `diffusion` lesson trained a DDPM on pixels: every training step and every one of
# the T sampling steps runs a U-Net over all 784 pixels of every image. Most of that work
# is spent on detail an autoencoder can summarise: a VAE squeezes a digit into 20
# numbers and decodes them back into a recognisable digit. *Latent diffusion* runs the
# diffusion model on those 20 numbers instead, and decodes only at the end. This lesson
# builds it from the course's own pieces (the `vae` lesson's VAE, the `diffusion`
# lesson's loss, schedule, sampler and guidance, and the same judge), and measures on
# one machine what it saves and what it costs.

# %% [markdown]
# **Teacher:** About 40 minutes, after `vae` and `diffusion`. The full run takes a few
# minutes on a CPU; run `--quick` live and show the full numbers from the book. Start by
# asking the room where the pixel lesson spent its 15 minutes.

# %% [markdown]
# **Say:** Diffusion is expensive because it repeats a big network many times over every
# pixel. If most pixels are predictable from a few numbers, do the expensive part on the
# few numbers, and let a cheap decoder paint the pixels once.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 1. Encode, diffuse, decode
#
# The autoencoder is the `vae` lesson's: an encoder q(z | x) = N(mu(x), diag sigma²(x))
# and a decoder p(x | z) with one Bernoulli per pixel. Each training image is encoded
# **once**, to its posterior mean, and scaled by one number s:
#
# $$z_0 = s\,\mu(x), \qquad s = \frac{1}{\operatorname{std}(\text{all entries of } \mu)}$$
#
# The diffusion model is then the pixel lesson's, with z in place of x (eq. 4 and eq. 14
# of Ho et al.):
#
# $$z_t = \sqrt{\bar\alpha_t}\,z_0 + \sqrt{1-\bar\alpha_t}\,\epsilon, \qquad
# L = \mathbb E_{t, z_0, \epsilon}\,\|\epsilon - \epsilon_\theta(z_t, t, c)\|^2$$
#
# and a sample is drawn in latent space and decoded once:
# z_T ~ N(0, I) → (T reverse steps) → z_0 → x = sigmoid(decoder(z_0 / s)).
#
# Why the scale s? The schedule mixes signal and noise as if the data had unit scale. If
# the latents were spread 5 times wider, sqrt(alpha_bar_T) z_0 would still stand out of
# the noise at t = T and sampling, which starts from N(0, I), would start from the wrong
# place; 5 times narrower, and most steps would see only noise. Rombach et al. compute
# this "scale factor" from the first batch of latents; we use the whole training set.
# It is one number for all dimensions: a VAE leaves some dimensions unused (constant, the
# prior's), and a scale per dimension would blow those up into noise the decoder never saw.

# %% slideshow={"slide_type": "subslide"}
from torchdojo import show
from torchdojo.experiments import latent_diffusion as ld

show.source(ld.make_vae_loss)
show.source(ld.encode)
show.source(ld.scale_latents)
show.source(ld.decode)

# %% [markdown] slideshow={"slide_type": "subslide"}
# The KL weight beta (`kl_weight`) is the one change to the `vae` lesson's loss. With
# beta = 1 (the ELBO) the VAE's own prior N(0, I) must be a good generator, so the
# encoder is pushed to keep the latents close to it and the decoder gets blurry codes.
# In latent diffusion the diffusion model is the prior, so the autoencoder only has to
# compress: Rombach et al. weight the KL by about 10⁻⁶, just enough to keep the latent
# space tidy. The run below reports both priors on the same judge (`prior_*`: the VAE's
# N(0, I); the judged samples: the diffusion model).
#
# **Exercise 48** (`dojo check scale-latents`): write the scale factor yourself.

# %% slideshow={"slide_type": "subslide"}
import torch

g = torch.Generator().manual_seed(0)
mu = torch.randn(5000, 4, generator=g) * torch.tensor([3.0, 1.5, 0.5, 0.001])  # 1 unused
z, s = ld.scale_latents(mu)
print(f"s = {s:.3f}; overall std of z {z.std():.4f}; per dimension "
      f"{[round(v, 3) for v in z.std(0).tolist()]}")
per_dimension = mu / mu.std(0)  # what one scale per dimension would do instead
print(f"scaled per dimension, the unused one would have std "
      f"{per_dimension[:, 3].std():.3f}: as wide as the others, noise the decoder never saw")

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 2. A denoiser for 20 numbers
#
# A latent has no pixels next to each other, so there is nothing for a convolution to
# exploit: the denoiser is a small residual MLP. Everything else about it is the U-Net's:
# the step t as a sinusoidal embedding, the class as a learned vector (plus one for "no
# label", for classifier-free guidance), both added inside every block, and an output
# layer that starts at zero.

# %% slideshow={"slide_type": "subslide"}
from torchdojo.experiments import diffusion as pixel
from torchdojo.models.latent_denoiser import LatentDenoiser, ResidualMLPBlock
from torchdojo.models.mlp import count_parameters

show.source(ResidualMLPBlock)
show.source(LatentDenoiser)

config = ld.Config()
latent_net = LatentDenoiser(config.latent, config.width, config.depth, classes=10)
pixel_net = pixel.build_model(pixel.Config(), 10, torch.device("cpu"))
latent_flops = ld.flops_per_sample(latent_net, (config.latent,))
pixel_flops = ld.flops_per_sample(pixel_net, (1, 28, 28))
print(f"pixel U-Net: {count_parameters(pixel_net):,} parameters, "
      f"{pixel_flops / 1e6:.1f} MFLOP per image and step")
print(f"latent MLP:  {count_parameters(latent_net):,} parameters, "
      f"{latent_flops / 1e6:.2f} MFLOP per latent and step ({pixel_flops / latent_flops:.0f}x "
      "less)")

# %% [markdown] slideshow={"slide_type": "subslide"}
# The MLP has *more* parameters than the U-Net and still does a fraction of the work: a
# convolution reuses its few weights at every one of the 14×14 or 7×7 positions, so its
# cost grows with the pixels; the MLP applies each weight once per latent. The cost of an
# epoch and of a sampling step follows the arithmetic, not the parameter count.
#
# Training is the pixel lesson's recipe, unchanged: its `make_loss` (eq. 14, with 20 % of
# labels dropped for guidance), AdamW with a one-cycle rate, and an EMA of the weights
# that samples. The VAE is checkpointed with the run, so the checkpoint holds all that
# sampling needs.

# %% slideshow={"slide_type": "subslide"}
show.source(ld.train_denoiser)

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 3. Sampling in latent space
#
# Algorithm 2, with the guided eps of the pixel lesson, on (n, 20) tensors, then one
# decoder pass. One thing changes: the pixel lesson clips its x0 estimate to [-1, 1],
# the range of pixels. Latents have no such range, so nothing is clipped.
#
# **Exercise 49** (`dojo check latent-reverse-step`): write one reverse step.

# %% slideshow={"slide_type": "subslide"}
show.source(ld.draw)

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 4. Running it, and timing the pixel lesson beside it
#
# The run trains the VAE, encodes, trains the latent DDPM, samples 1,000 digits (100 of
# each class) and judges them. Then, on the same images with the same batch size, it
# trains the pixel lesson's own U-Net (its default config) for one epoch and times a few
# of its sampling steps: both sides measured on the same machine in the same run.
# `recon_*` judge the VAE's reconstructions of held-out training images (the best the
# decoder can do), `prior_*` the VAE's own samples from N(0, I).

# %% slideshow={"slide_type": "subslide"}
from torchdojo.runner import quick_mode, run_experiment

result = run_experiment("latent-diffusion", quick=quick_mode())
print({k: float(f"{v:.4g}") for k, v in result.metrics.items()})  # every metric, 4 digits
m = result.metrics
print(result.dataset_label)
print(f"recognised {m['recognised']:.1%}, classifier FID {m['classifier_fid']:.1f}, "
      f"agreement with the class asked for {m['agreement']:.1%}")
print(f"VAE reconstructions: recognised {m['recon_recognised']:.1%}, FID {m['recon_fid']:.1f};"
      f" VAE prior N(0, I): recognised {m['prior_recognised']:.1%}, FID {m['prior_fid']:.1f}")
print(f"one epoch: latent {m['epoch_seconds']:.3f} s, pixel {m['pixel_epoch_seconds']:.2f} s"
      f" ({m['pixel_over_latent_epoch_time']:.0f}x)")

# %% slideshow={"slide_type": "subslide"}
show.figure(ld.reconstructions_figure(result.vae, result.held_out[:12], result.scale))
show.figure(ld.per_class_figure(result.samples, result.ema.classes))

# %% slideshow={"slide_type": "subslide"}
from torchdojo.methods.judge import judged_figures

judged = judged_figures(result.samples, result.probs, result.data.classes, n=32)
show.figure(judged["samples"])
show.figure(pixel.guidance_figure(result.sweep))

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 5. What it saved, and what it cost
#
# The per-epoch ratio is the diffusion model's own training cost. It is not the whole
# bill: the latent pipeline trains the VAE first and encodes once, and it may need more
# epochs than the pixel model (each is cheap). The totals below count everything. The
# pixel lesson's judge scores come from its published full run (`dojo verify diffusion`,
# 80 epochs on 5,000 digits), since they are not measured here.

# %% slideshow={"slide_type": "subslide"}
PIXEL_FULL_RUN = {"recognised": 0.982, "classifier_fid": 10.8}  # the diffusion lesson's notes
show.figure(ld.costs_figure(m))
rows = [("recognised", f"{PIXEL_FULL_RUN['recognised']:.1%}", f"{m['recognised']:.1%}"),
        ("classifier FID", f"{PIXEL_FULL_RUN['classifier_fid']:.1f}",
         f"{m['classifier_fid']:.1f}"),
        ("seconds per training epoch", f"{m['pixel_epoch_seconds']:.2f}",
         f"{m['epoch_seconds']:.3f}"),
        ("seconds to draw the judged samples", f"~{m['pixel_sample_seconds_estimate']:.0f}",
         f"{m['sample_seconds']:.1f}"),
        ("seconds, all training and sampling", f"~{m['pixel_total_seconds_estimate']:.0f}",
         f"{m['total_seconds']:.0f} (VAE {m['vae_seconds']:.0f})")]
print(f"{'':36s}{'pixel DDPM':>16s}{'latent DDPM':>22s}")
for name, pixel_value, latent_value in rows:
    print(f"{name:36s}{pixel_value:>16s}{latent_value:>22s}")
print("(pixel scores: its full run; pixel times: measured or estimated in this run)")

# %% [markdown] slideshow={"slide_type": "subslide"}
# The decoder sets a ceiling: a sample can be no sharper than the VAE's reconstruction of
# a real digit (`recon_*` above). Latent diffusion buys its speed with that ceiling, which
# is why Rombach et al. spend effort on the autoencoder (a convolutional one, trained with
# perceptual and adversarial losses) and keep its latents spatial (e.g. 64×64×4 for a
# 512×512 image), so that a U-Net still has structure to work with. Our 20 numbers are
# the extreme case: cheapest, and blurriest.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Your turn
#
# Predict first, then run. Each cell repeats the run above with one setting changed
# and prints the numbers to compare.
# (A full run takes minutes on a CPU; in a quick session, `quick=True`, it takes
# seconds and compares with the quick run above.)
#
# **1. Rombach's tiny KL.** *Predict*: with `kl_weight=1e-6` (the scale Rombach et al.
# use) instead of the ELBO's 1, do the VAE's own prior samples (`prior_recognised`) get
# better or worse, and the diffusion model's (`recognised`)?

# %% slideshow={"slide_type": "subslide"}
tiny_kl = show.your_turn(lambda: run_experiment(
    "latent-diffusion", quick=quick_mode(), quiet=True, overrides={"kl_weight": 1e-6}))
show.compare(result, tiny_kl, "recognised", "classifier_fid", "prior_recognised",
             "recon_recognised")

# %% [markdown] slideshow={"slide_type": "subslide"}
# **2. A bigger denoiser.** *Predict*: with `width=1024`, how much does the per-epoch
# advantage over the pixel U-Net shrink, and do the samples improve?

# %% slideshow={"slide_type": "subslide"}
wide = show.your_turn(lambda: run_experiment(
    "latent-diffusion", quick=quick_mode(), quiet=True, overrides={"width": 1024}))
show.compare(result, wide, "pixel_over_latent_epoch_time", "recognised", "classifier_fid")

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Check yourself
#
# **1. Why scale the latents by one number before diffusion?**
#
# <details><summary>Answer</summary>
#
# The schedule assumes data of about unit scale: at t = T, sqrt(alpha_bar_T) z_0 must be
# lost in noise of standard deviation about 1, since sampling starts from N(0, I). One
# number for all dimensions keeps the dimensions the VAE leaves unused nearly constant.
#
# </details>
#
# **2. The pixel sampler clips its estimate of x_0 to [-1, 1]. Why not here?**
#
# <details><summary>Answer</summary>
#
# Pixels live in [-1, 1]; latents have no fixed range, so a clip would cut off real
# latents. The decoder's sigmoid brings the pixels into range at the end.
#
# </details>
#
# **3. Latent diffusion is many times cheaper per epoch. Why is the whole run not that
# many times cheaper?**
#
# <details><summary>Answer</summary>
#
# The VAE has to be trained first and the images encoded, and the latent model may need
# more epochs. And the decoder's blur is a ceiling on quality, a cost the timing does
# not show.
#
# </details>

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Further reading
#
# - Rombach, Blattmann, Lorenz, Esser and Ommer,
#   [High-resolution image synthesis with latent diffusion models](https://arxiv.org/abs/2112.10752)
#   (2022): the method, the KL-regularised autoencoder and the scale factor.
# - Vahdat, Kreis and Kautz, [Score-based generative modeling in latent space](https://arxiv.org/abs/2106.05931)
#   (2021): a VAE and a diffusion prior trained together.
# - Ho, Jain and Abbeel, [Denoising diffusion probabilistic models](https://arxiv.org/abs/2006.11239)
#   (2020), and the `diffusion` and `vae` lessons of this course.
