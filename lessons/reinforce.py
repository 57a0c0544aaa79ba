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
# # Policy gradients on CartPole
#
# *Part IV.* Target: **mean return ≥ 475 over 100 evaluation episodes** (500 is the
# maximum: the episode is cut off after 500 steps). Needs the `rl` extra:
# `pip install 'torchdojo[rl]'`.
#
# No dataset here: an agent pushes a cart left or right to keep a pole upright and
# gets +1 per step it survives. There are no labels saying which push was right;
# only the return, the sum of rewards, tells how good a whole episode was.
#
# **REINFORCE** (Williams, 1992) makes actions that led to high returns more likely.
# With $G_t = \sum_{k \ge t} \gamma^{k-t} r_k$ the return from step $t$,
#
# $$\nabla_\theta J = \mathbb{E}\Big[\sum_t \nabla_\theta \log \pi_\theta(a_t \mid s_t)
# \,\big(G_t - b(s_t)\big)\Big]$$
#
# The baseline $b(s_t) = V_\phi(s_t)$, a second network regressed on $G_t$, does not
# change the expected gradient but removes much of its noise: an action is judged
# against what was expected from that state, not in absolute terms.

# %%
from torchdojo import show
from torchdojo.methods import rl
from torchdojo.models.policy import PolicyNet, ValueNet

show.source(PolicyNet)
show.source(ValueNet)
show.source(rl.discounted_returns)

# %% [markdown]
# ## The update is a step function for the one loop
#
# `fit` iterates over a tensor of *episode seeds*; each batch of seeds is played as
# a batch of episodes with actions sampled from $\pi_\theta$, and turned into one
# update of both networks. Progress, `metrics.jsonl` and checkpoints come from the
# same loop every other lesson uses.

# %%
from torchdojo.experiments import reinforce as experiment

show.source(experiment.reinforce_step)

# %% [markdown]
# ## Training
#
# Policy-gradient training is noisy: a good policy can get worse again. After each
# epoch the greedy policy plays a few episodes (on their own seeds) and the best one
# is kept; the final score comes from 100 further episodes on seeds never used before.

# %%
from torchdojo.runner import quick_mode, run_experiment

result = run_experiment("reinforce", quick=quick_mode())
print({k: round(v, 2) for k, v in result.metrics.items()})

# %%
show.figure(experiment.returns_figure(result.history, result.objects["eval_returns"]))

# %% [markdown]
# ## One episode
#
# The full run renders one greedy episode with gymnasium's `rgb_array` renderer,
# into `episode.gif` in the run folder and the frame strip below. (Quick mode skips
# rendering; here we render a short episode of the quick policy.)

# %%
env = rl.make_env("CartPole-v1", render=True)
episode = rl.rollout(env, result.objects["model"].policy, seed=0, greedy=True, frames=True)
env.close()
print(f"{len(episode.frames)} frames, return {episode.total:.0f}")
show.figure(experiment.frame_strip(episode.frames))

# %% [markdown]
# ## Try it
#
# - `dojo run reinforce --set lr_value=0`: a baseline that never learns (it stays
#   near zero); compare the returns curve.
# - `dojo run reinforce --seed 1`: how different is another seed?
# - `dojo run reinforce --set gamma=0.9`: a shorter horizon.
