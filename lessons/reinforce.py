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
# The target's return is averaged over 100 evaluation episodes; 500 is the
# maximum, since an episode is cut off after 500 steps. Needs the `rl` extra:
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

# %% [markdown]
# **Teacher:** About 35 minutes; install the `rl` extra before class. The one idea: there are
# no labels, only returns, and the update makes each action more likely in proportion to
# how much better than expected things went after it. Ask what a return of 500 means.

# %% [markdown]
# **Say:** Nobody tells the agent which push was right. It tries, and the only feedback is
# how long the pole stayed up. REINFORCE turns that one number per episode into a gradient:
# whatever the agent did becomes more likely when things went better than expected.

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

# %% [markdown]
# **Teacher:** Ask for the discounted returns of rewards 1, 1, 1 with γ = 0.5 first (1.75,
# 1.5, 1). Common confusion: the policy loss is not a score to watch fall; it exists for its
# gradient. Point at `values.detach()`: the policy's loss must not train the baseline.

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

show.source(experiment.train)
result = run_experiment("reinforce", quick=quick_mode())
print({k: round(v, 2) for k, v in result.metrics.items()})

# %% [markdown]
# **Teacher:** Before the figure, ask whether the return will climb smoothly. Look for
# dips: a good policy can get worse again, which is why the best greedy epoch is kept and
# scored on seeds it never played.

# %%
show.figure(experiment.returns_figure(result.history, result.eval_returns))

# %% [markdown]
# ## One episode
#
# The full run renders one greedy episode with gymnasium's `rgb_array` renderer,
# into `episode.gif` in the run folder and the frame strip below. (Quick mode skips
# rendering; here we render a short episode of the quick policy.)

# %%
env = rl.make_env("CartPole-v1", render=True)
episode = rl.rollout(env, result.model.policy, seed=0, greedy=True, frames=True)
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

# %% [markdown]
# ## Your turn
#
# Predict first, then run. Each cell repeats the run above with one setting changed
# and prints the numbers to compare.
# (A full run takes minutes on a CPU; in a quick session, `quick=True`, it takes
# seconds and compares with the quick run above.)
#
# **1. A baseline that never learns.** *Predict*: with `lr_value=0.0` the baseline
# stays near 0. Does the agent still reach a mean return of 475?

# %%
no_baseline = show.your_turn(lambda: run_experiment(
    "reinforce", quick=quick_mode(), quiet=True, overrides={"lr_value": 0.0}))
show.compare(result, no_baseline, "eval_mean_return", "best_epoch")

# %% [markdown]
# **2. A shorter horizon.** *Predict*: with `gamma=0.9`, a reward 10 steps ahead counts
# 0.9¹⁰ ≈ 0.35 as much. Does the agent learn faster, slower, or not at all?

# %%
short_sighted = show.your_turn(lambda: run_experiment(
    "reinforce", quick=quick_mode(), quiet=True, overrides={"gamma": 0.9}))
show.compare(result, short_sighted, "eval_mean_return", "best_epoch")

# %% [markdown]
# ## Check yourself
#
# **1. Why does subtracting a baseline b(s) leave the expected gradient unchanged?**
#
# <details><summary>Answer</summary>
#
# E_a[∇ log π(a|s) · b(s)] = b(s) Σ_a ∇π(a|s) = b(s) ∇ Σ_a π(a|s) = b(s) ∇1 = 0: the
# baseline only removes noise.
#
# </details>
#
# **2. An episode lasts 200 steps with γ = 0.99. About what is its return G₀?**
#
# <details><summary>Answer</summary>
#
# Σ_{k<200} 0.99ᵏ = (1 − 0.99²⁰⁰) / 0.01 ≈ (1 − 0.134) / 0.01 ≈ 87.
#
# </details>
#
# **3. Why is the final score taken on 100 new seeds, not on the selection episodes?**
#
# <details><summary>Answer</summary>
#
# The best policy was picked because it scored well on the selection episodes, partly
# by luck; a score on the same episodes would be optimistic. New seeds measure it
# honestly, like a test set.
#
# </details>

# %% [markdown]
# ## Further reading
#
# - Williams, [Simple statistical gradient-following algorithms for connectionist
#   reinforcement learning](https://doi.org/10.1007/BF00992696) (1992): REINFORCE.
# - Sutton and Barto, [Reinforcement learning: an introduction](http://incompleteideas.net/book/the-book-2nd.html),
#   chapter 13, policy gradient methods.
# - OpenAI Spinning Up, [Intro to policy optimization](https://spinningup.openai.com/en/latest/spinningup/rl_intro3.html).
# - Gymnasium, [CartPole](https://gymnasium.farama.org/environments/classic_control/cart_pole/).
