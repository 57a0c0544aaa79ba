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
# *After Nielsen, Neural Networks and Deep Learning, ch. 1.* Each claim here is a
# count the code measures: a learning rate past the limit diverges, a too small
# one needs more steps, some random starts end in a local minimum, momentum and
# Adam need fewer steps than plain gradient descent, and the 1/2n MSE has half the
# gradient of the 1/n one and the same minimum.
#
# A cost of two variables C(v1, v2) is a landscape. Its gradient
# ∇C = [∂C/∂v1, ∂C/∂v2] points uphill, so the outline's algorithm steps the other way:
#
#     while we are not satisfied:
#         v <- v - lr * ∇C(v)

# %% [markdown]
# **Teacher:** About 30 minutes. Draw a bowl and a ball on the board first and ask which way
# the ball rolls; that is the whole algorithm. Run the cells live; the quick run takes a
# few seconds.

# %% [markdown]
# **Say:** Training a network is walking downhill on a landscape we cannot see: we only
# feel the slope where we stand. Everything in this lesson, step size, starting point,
# momentum, is about walking that landscape well.

# %% slideshow={"slide_type": "subslide"}
from dataclasses import replace

from torchdojo import show
from torchdojo.experiments import landscape

show.source(landscape.bowl)
show.source(landscape.bowl_grad)
show.source(landscape.descend)

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Too small, right, too large
#
# On the bowl C = (v1² + κ v2²) / 2 each step multiplies v1 by (1 − lr) and v2 by
# (1 − lr κ). Along the steep direction that factor leaves [−1, 1] once lr > 2/κ: each
# step overshoots further than the last, and the path diverges. Below the limit, the
# shallow direction sets the pace: a tiny lr crawls along the valley floor.

# %% [markdown]
# **Teacher:** Before the sweep figure, ask: *with κ = 50, at what learning rate does the
# path start to blow up?* Write the guesses down; the answer, 2/κ = 0.04, is on the
# figure.

# %% slideshow={"slide_type": "subslide"}
from torchdojo.runner import make_config, quick_mode, run_experiment

result = run_experiment("landscape", quick=quick_mode())
print({k: float(f"{v:.4g}") for k, v in result.metrics.items()})  # every metric, 4 digits
m = result.metrics
config = make_config(landscape, quick=quick_mode())  # the settings that run used
show.figure(landscape.sweep_figure(config, result.sweep, m))

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Local and global minima
#
# Gradient descent only ever looks at the slope where it stands. On a landscape with
# two valleys, where it ends depends on where it starts, not on which valley is deeper.

# %% slideshow={"slide_type": "subslide"}
show.source(landscape.well)
print(f"of {config.starts} random starts in [-{config.box:g}, {config.box:g}]^2: "
      f"{100 * m['global_share']:.1f}% end in the global minimum, "
      f"{100 * m['local_share']:.1f}% in the local one")
show.figure(landscape.basins_figure(config, result.basins, m))

# %% [markdown] slideshow={"slide_type": "slide"}
# ## A long narrow valley: GD, momentum, Adam
#
# With κ = 50 the safe learning rate is set by the steep v2 direction, and the shallow v1
# direction then moves slowly. **Momentum** (heavy ball, what `torch.optim.SGD(...,
# momentum=β)` does) keeps a velocity u ← β u + ∇C and steps v ← v − lr u: along the
# valley the gradients agree and add up, across it they alternate and cancel.
# **Adam** divides each coordinate's step by the root mean square of that coordinate's
# own gradients, so both directions move at about the same speed.

# %% [markdown]
# **Say:** Momentum remembers which way it has been going: along the valley the pushes
# agree and add up, across it they cancel. Adam gives every direction a step size of its
# own. Both are what `torch.optim` does for you in every later lesson.

# %% slideshow={"slide_type": "subslide"}
show.source(landscape.momentum)
show.source(landscape.adam)

# %% slideshow={"slide_type": "subslide"}
print(f"steps until C < {config.tol:g}: GD {m['gd_steps']:.0f}, "
      f"momentum {m['momentum_steps']:.0f}, Adam {m['adam_steps']:.0f}")
show.figure(landscape.race_figure(config, result.race))

# %% [markdown] slideshow={"slide_type": "subslide"}
# **Exercise 42** (`dojo check momentum-step`): write one heavy-ball step yourself,
# with the velocity passed in and returned.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 1/2n or 1/n?
#
# The outline writes the MSE of a line fit y = w x + b as C(w, b) = Σ (y − ŷ)² / 2n;
# many texts divide by n. The factor 1/2 cancels the 2 of the derivative, and nothing
# else: it scales C, so the minimiser is the same, and it halves ∇C, so the same
# learning rate takes half-size steps. Doubling the learning rate gives back the 1/n path
# exactly.

# %% slideshow={"slide_type": "subslide"}
show.source(landscape.mse)
print(f"grad(1/2n) / grad(1/n) = {m['half_mse_grad_ratio']} "
      f"(off by {m['half_mse_grad_ratio_error']:.1e})")
print(f"both runs end at the least-squares (w, b) to {m['mse_minimum_gap']:.1e}; "
      f"to within 1e-6: 1/n in {m['mse_full_steps']:.0f} steps, "
      f"1/2n in {m['mse_half_steps']:.0f}")
print("1/2n at 2 lr vs 1/n at lr, largest difference along the path:",
      m["double_lr_path_max_diff"])
show.figure(landscape.mse_figure(result.mse["errors"]))

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Your turn
#
# Predict first, then run. Each cell reruns one part of the experiment with one
# setting of `config` changed, and prints the counts beside the run above.
#
# **1. Too much momentum.** *Predict*: with β = 0.99 instead of 0.9, does the heavy ball
# need fewer or more steps than plain GD's (printed above)?

# %% slideshow={"slide_type": "subslide"}
heavy = show.your_turn(lambda: landscape.race(replace(config, momentum=0.99))[0])
show.compare(m, heavy, "gd_steps", "momentum_steps")

# %% [markdown] slideshow={"slide_type": "subslide"}
# **2. Past the limit.** lr = 0.045 is above 2/κ = 0.04. *Predict*: does plain gradient
# descent still reach C < 10⁻⁶? Does momentum, at the same learning rate?

# %%
past = show.your_turn(lambda: landscape.race(replace(config, lr=0.045))[0])
show.compare(m, past, "gd_steps", "momentum_steps")  # max_steps + 1: never reached

# %% [markdown] slideshow={"slide_type": "subslide"}
# **3. A steeper tilt.** *Predict*: with `tilt=1.0` instead of 0.3, does the share of
# starts that find the global minimum go up or down, and why?

# %%
steep = show.your_turn(lambda: landscape.basins(replace(config, tilt=1.0))[0])
show.compare(m, steep, "global_share", "local_share")

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Check yourself
#
# **1. On C = (v1² + 50 v2²) / 2, which learning rates make gradient descent diverge, and
# why does the v2 direction decide it?**
#
# <details><summary>Answer</summary>
#
# Every lr > 2/50 = 0.04. A step multiplies v2 by (1 − 50 lr), whose size passes 1 at
# lr = 0.04; v1's factor (1 − lr) only does so at lr = 2. The steepest direction, the
# largest curvature, sets the limit. (Momentum widens the limit to 2(1 + β)/κ, which is
# why it survived lr = 0.045.)
#
# </details>
#
# **2. Two starts a hair apart end in different minima. How can that be, with a
# deterministic algorithm?**
#
# <details><summary>Answer</summary>
#
# They lie on either side of the boundary between two basins (here a ridge through the
# saddle point). Gradient descent follows the local slope, which there points into
# different valleys; neither start knows which valley is deeper.
#
# </details>
#
# **3. You switch a training script from the 1/n MSE to the 1/2n one. What must change so
# that it trains exactly as before?**
#
# <details><summary>Answer</summary>
#
# Double the learning rate. The 1/2n gradient is exactly half, so lr 2η on it makes the
# very same steps as lr η on the 1/n cost (to the last bit, as printed above); the
# minimiser is the same either way.
#
# </details>

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Further reading
#
# - Nielsen, *Neural Networks and Deep Learning*, chapter 1,
#   [Learning with gradient descent](http://neuralnetworksanddeeplearning.com/chap1.html#learning_with_gradient_descent):
#   the C(v1, v2) picture this lesson draws.
# - Gabriel Goh, [Why momentum really works](https://distill.pub/2017/momentum/)
#   (Distill, 2017): the heavy ball on ill-conditioned bowls, interactively.
# - Kingma and Ba, [Adam: a method for stochastic optimization](https://arxiv.org/abs/1412.6980)
#   (2015).
