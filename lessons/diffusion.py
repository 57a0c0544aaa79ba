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
# It is judged by the same measurements as the `gan` lesson, and should beat
# the GAN on both.
#
# A denoising diffusion probabilistic model (Ho et al. 2020) learns to undo noise. The
# *forward process* adds a little Gaussian noise T times (eq. 2):
#
# $$q(x_t \mid x_{t-1}) = \mathcal N\big(\sqrt{1-\beta_t}\,x_{t-1},\ \beta_t I\big)$$
#
# and because Gaussians compose, step t can be reached from x_0 in one jump (eq. 4),
# with alpha_t = 1 - beta_t and alpha_bar_t = prod_{s<=t} alpha_s:
#
# $$q(x_t \mid x_0) = \mathcal N\big(\sqrt{\bar\alpha_t}\,x_0,\ (1-\bar\alpha_t) I\big),
# \qquad x_t = \sqrt{\bar\alpha_t}\,x_0 + \sqrt{1-\bar\alpha_t}\,\epsilon$$
#
# We use T = 200 steps instead of the paper's 1000 (sampling costs T network calls and
# this course runs on a CPU), with the paper's linear betas scaled by 1000/T so that x_T
# is still pure noise.

# %% [markdown]
# **Teacher:** About 45 minutes; the full run is long (Your turn says how long), so run it
# quick live and show the book's figures. The one idea: adding noise has a closed form, the
# network only learns to predict the noise, and sampling removes it one step at a time.

# %%
from torchdojo import show
from torchdojo.methods import diffusion

show.source(diffusion.Schedule)
show.source(diffusion.q_sample)
show.source(diffusion.q_step)

# %% [markdown]
# ## The jump equals the walk
#
# Iterate eq. 2 step by step on many copies of one image, and compare the mean and
# spread with eq. 4's closed form:

# %% [markdown]
# **Teacher:** Ask whether 100 small noisy steps and one jump with eq. 4 give the same mean
# and spread, then read the two printed lines. Point out that the spread is the same for
# all three pixels: it depends on ᾱ only, not on the pixel's value.

# %%
import torch

schedule = diffusion.Schedule.scaled_linear(200)
g = torch.Generator().manual_seed(0)
x0 = torch.tensor([-1.0, 0.0, 1.0], dtype=torch.float64).repeat(20_000, 1)  # 3 pixels
x = x0.clone()
for i in range(100):
    x = diffusion.q_step(x, torch.full((20_000,), i),
                         torch.randn(x.shape, generator=g, dtype=torch.float64), schedule.beta)
a = schedule.alpha_bar[99]
print("walked 100 steps: mean", x.mean(0).numpy().round(3), " std", x.std(0).numpy().round(3))
print("closed form:      mean", (a.sqrt() * x0[0]).numpy().round(3),
      " std", round((1 - a).sqrt().item(), 3))

# %%
from torchdojo.experiments import diffusion as experiment

show.figure(experiment.schedule_figure(schedule))

# %% [markdown]
# ## Learning to denoise: the simple loss (eq. 14)
#
# A network eps_theta(x_t, t) is trained to predict the noise eps that was mixed in:
#
# $$L_\text{simple} = \mathbb E_{t, x_0, \epsilon}\,
# \big\| \epsilon - \epsilon_\theta(\sqrt{\bar\alpha_t}\,x_0 + \sqrt{1-\bar\alpha_t}\,\epsilon,\ t)
# \big\|^2$$
#
# Ho et al. derive it from the variational bound and drop the weights of its terms,
# which trains better. The network is a small U-Net (the paper's design, cut down): the
# step t enters as a sinusoidal embedding added inside every residual block, and at the
# coarsest level (7x7) self-attention lets every part of the digit see every other.

# %% [markdown]
# **Say:** The network is never asked to draw a digit. It is handed a noisy image and the
# step number, and asked one question: what noise was mixed in? The sampler and the guidance
# are built around that one prediction.

# %%
from torchdojo.models.unet import UNet

show.source(diffusion.ddpm_loss)
show.source(UNet)

# %% [markdown]
# ## Sampling: Algorithm 2
#
# Start from x_T ~ N(0, I); at each step remove the predicted noise and add back a
# little fresh noise (sigma_t^2 = beta_t), down to x_0:
#
# $$x_{t-1} = \frac{1}{\sqrt{\alpha_t}}\Big(x_t - \frac{\beta_t}{\sqrt{1-\bar\alpha_t}}\,
# \epsilon_\theta(x_t, t)\Big) + \sigma_t z$$

# Written through x_0, the same mean is the posterior mean of eq. 7: predict
# x0_hat = (x_t - sqrt(1 - alpha_bar_t) eps_theta) / sqrt(alpha_bar_t) (eq. 4 turned
# around) and take mu_tilde_t(x_t, x0_hat). The paper's released code does it this way
# and clips x0_hat to the data range [-1, 1] first; `--set clip_x0=true` does that here,
# and `--set sigma=posterior` uses eq. 7's smaller variance beta_tilde_t instead of beta_t
# (the paper found both give similar results). On the unconditional model of this lesson
# they changed nothing beyond the noise of 500 samples; with guidance (below) they help a
# little (classifier FID 37.0 -> 33.1 at w = 2), so this lesson samples that way.

# %%
show.source(diffusion.p_sample_step)
show.source(diffusion.sample)

# %% [markdown]
# ## Asking for a digit: classifier-free guidance
#
# Unconditional samples of a small denoiser trained for minutes on a CPU are often
# half-formed digits. The cheapest large gain is to tell the model which digit to draw.
# Classifier-free guidance (Ho & Salimans 2022) trains one network for both cases: the
# class c enters as a learned vector added to the step embedding, and for a random 20 %
# of training images the label is replaced by a "no label" vector, so the same network
# also learns the unconditional eps_theta(x_t, t). At sampling time the two predictions
# are extrapolated with a guidance scale w:
#
# $$\tilde\epsilon_\theta = (1 + w)\,\epsilon_\theta(x_t, t, c) - w\,\epsilon_\theta(x_t, t)$$
#
# w = 0 is the plain conditional model; w > 0 pushes each sample further towards "what
# makes this a c", at the cost of variety. Algorithm 2 is unchanged: it is simply given
# the guided eps.

# %%
show.source(diffusion.guided)

# %% [markdown]
# ## Training
#
# The loss is an ordinary loss, so training is the course's one loop with a `loss_fn`.
# The weights that sample are an exponential moving average (EMA) of the trained ones,
# updated after every optimiser step and checkpointed with the run: it smooths out the
# noise of the last steps and gives visibly cleaner digits. Batches are 64 images: on a
# CPU an epoch costs about the same whatever the batch size, and for the same cost twice
# as many (noisier) updates gave clearly better samples than batches of 128.

# %%
from torchdojo.runner import quick_mode, run_experiment

show.source(experiment.make_loss)
show.source(experiment.train)
result = run_experiment("diffusion", quick=quick_mode())
print(result.dataset_label)
print({k: round(v, 4) for k, v in result.metrics.items()})

# %%
from torchdojo.figures import plots

show.figure(plots.curves(result.history, ["loss"]))

# %% [markdown]
# ## The denoising chain
#
# Each row is one sample, from pure noise x_T (left) to the final x_0 (right). The
# coarse shape of the digit is settled early; the last steps only sharpen strokes.

# %% [markdown]
# **Teacher:** Before running the cell, ask at which step the digit becomes recognisable:
# early, in the middle, or only at the end. Then point at the column where the shape
# settles.

# %%
chain = result.chain
steps = sorted(chain, reverse=True)
rows = torch.stack([chain[t][:6].clamp(-1, 1) for t in steps], 1)  # (6, steps, 1, 28, 28)
show.figure(plots.image_rows((rows + 1) / 2, col_labels=[f"t = {t}" for t in steps]))

# %% [markdown]
# ## Measured like the GAN
#
# The same judge (a LeNet-5 trained on the real digits) scores the samples: the
# classifier FID against real training digits and the share recognised with confidence
# >= 0.9; `fid_real` and `real_recognised` are the same numbers for real test digits.
# The judged samples are guided (w = 1) and ask for the classes 0, 1, ..., 9 in turn, so
# `agreement` is the share the judge names as the digit that was asked for.
# `unconditional_*` score samples drawn with no label at all: that is the model to
# compare with the (unconditional) GAN. Run the `gan` lesson, or see the README's
# results table, to compare.

# %%
from torchdojo.methods.judge import judged_figures, summary

print(summary(result.metrics))

judged = judged_figures(result.samples, result.probs, result.data.classes, n=32)
show.figure(judged["samples"])
show.figure(judged["classes"])

# %% [markdown]
# ## What guidance buys, and what it costs
#
# The same trained network sampled at several guidance scales, and with no label, each
# point from the same number of samples (200 in a full run: enough to compare points,
# while FID from so few samples runs higher than the judged 1,000 samples' FID). More
# guidance: more samples recognised, until the digits become exaggerated and the FID
# (distance from the variety of real digits) rises again. Guided samples can score above
# real test digits on recognisability: they are the most typical digits, not typical ones.

# %% [markdown]
# **Teacher:** Ask for a prediction before the figure: as w grows, which way do
# recognisability and FID move? Common confusion: more recognised is not better; FID also
# measures variety, and exaggerated digits are far from the real ones.

# %%
show.figure(experiment.guidance_figure(result.sweep))

# %% [markdown]
# ## Try it
#
# - `dojo run diffusion --set T=50`: fewer steps; faster sampling, worse samples?
# - `dojo run diffusion --set ema_decay=0`: sample from the raw weights instead of the EMA.
# - `dojo run diffusion --set conditional=false epochs=120`: the paper's unconditional model.
# - `dojo run diffusion --set guidance=0`, or `guidance=6`: watch recognisability and FID.
# - `dojo run diffusion --set clip_x0=false sigma=beta`: Algorithm 2 exactly as printed.
# - `dojo run diffusion --set dataset=fashion-mnist`.
# - `dojo exercises init work`: exercises 29 to 31 ask you to write the schedule, the
#   forward process and this loss yourself.

# %% [markdown]
# ## Your turn
#
# Predict first, then run. Each cell repeats the run above with one setting changed
# and prints the numbers to compare.
# (A full run takes about 15 minutes on 2 CPU cores; `quick=True` about one.)
#
# **1. No EMA.** *Predict*: sampling from the raw trained weights (`ema_decay=0.0`)
# instead of their moving average, do recognisability and FID get worse, and by how
# much?

# %%
raw = show.your_turn(lambda: run_experiment("diffusion", quick=quick_mode(), quiet=True,
                                            overrides={"ema_decay": 0.0}))
show.compare(result, raw, "recognised", "fid", "agreement")

# %% [markdown]
# **2. Never drop the label.** *Predict*: with `p_uncond=0.0` the network never learns
# eps(x_t, t) without a class. What happens to `unconditional_recognised`, and to the
# guided samples, which subtract that prediction?

# %%
always_labelled = show.your_turn(lambda: run_experiment(
    "diffusion", quick=quick_mode(), quiet=True, overrides={"p_uncond": 0.0}))
show.compare(result, always_labelled, "recognised", "fid", "unconditional_recognised")

# %% [markdown]
# ## Check yourself
#
# **1. Why can training jump straight to a random x_t instead of noising step by step?**
#
# <details><summary>Answer</summary>
#
# Gaussians compose: q(x_t | x₀) = N(√ᾱ_t x₀, (1 − ᾱ_t) I) in closed form (eq. 4), so
# one noise draw gives x_t for any t, as the walk-vs-jump check above showed.
#
# </details>
#
# **2. How much of x₀ is left in x_T with this schedule?**
#
# <details><summary>Answer</summary>
#
# A factor √ᾱ_T ≈ √(5 · 10⁻⁵) ≈ 0.007 of the image, under noise of standard deviation
# ≈ 1: pure noise for practical purposes, which is why sampling may start from N(0, I).
#
# </details>
#
# **3. Guidance w = 0 or w = 4: which gives more recognisable digits, and which more varied?**
#
# <details><summary>Answer</summary>
#
# w = 4 pushes each sample towards what makes it its class: more recognised, less
# varied, and past some w a higher FID. w = 0 keeps more of the real variety. The
# guidance sweep above measures the trade-off.
#
# </details>

# %% [markdown]
# ## Further reading
#
# - Ho, Jain and Abbeel, [Denoising diffusion probabilistic models](https://arxiv.org/abs/2006.11239)
#   (2020): the equations this lesson numbers.
# - Ho and Salimans, [Classifier-free diffusion guidance](https://arxiv.org/abs/2207.12598)
#   (2022).
# - Lilian Weng, [What are diffusion models?](https://lilianweng.github.io/posts/2021-07-11-diffusion-models/)
