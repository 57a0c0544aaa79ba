"""reinforce (Part IV): REINFORCE with a learned baseline on CartPole-v1.

The policy gradient theorem (Williams 1992; Sutton & Barto eq. 13.8 and 13.11):

    grad J(theta) = E[ sum_t grad log pi_theta(a_t | s_t) * (G_t - b(s_t)) ]

G_t is the discounted return from step t; the baseline b(s_t) = V_phi(s_t), fitted
to G_t by regression, does not bias the gradient but shrinks its variance. The loop
is `fit` over a tensor of episode seeds: each batch of seeds is played as a batch of
episodes and turned into one update by `reinforce_step`.
"""

from __future__ import annotations

import copy
import time
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from matplotlib.figure import Figure

from torchdojo.methods import rl
from torchdojo.models.policy import ActorCritic
from torchdojo.train.context import Context, Result
from torchdojo.train.loop import EpochEnd


@dataclass
class Config:
    env: str = "CartPole-v1"
    hidden: int = 64
    gamma: float = 0.99
    lr_policy: float = 3e-3
    lr_value: float = 1e-2
    episodes_per_update: int = 8
    episodes_per_epoch: int = 40
    epochs: int = 25
    select_episodes: int = 10  # greedy episodes after each epoch to pick the best policy
    eval_episodes: int = 100
    render: bool = True  # one greedy episode to episode.gif and a frame strip
    seed: int = 0


SWITCHES = ("nproc",)  # episodes shard over processes; gradients are averaged
SWITCHES_REFUSED = ("its tiny policy acts one step at a time inside a Python environment loop, "
                    "which neither autocast nor compile can speed up")

QUICK = {"epochs": 2, "episodes_per_epoch": 8, "episodes_per_update": 4, "select_episodes": 2,
         "eval_episodes": 5, "render": False}

EVAL_SEED = 1_000_000  # evaluation episodes use seeds never seen in training
SELECT_SEED = 2_000_000


def reinforce_step(env: Any, optimizers: dict[str, torch.optim.Optimizer], gamma: float):
    """The step function for `fit`: play one episode per seed in the batch, update both nets."""

    def step(model: ActorCritic, batch: tuple[torch.Tensor, ...]) -> dict[str, float]:
        episodes = [rl.rollout(env, model.policy, int(seed)) for seed in batch[0]]
        obs = torch.cat([e.obs for e in episodes])  # (sum T, obs_dim)
        actions = torch.cat([e.actions for e in episodes])  # (sum T,)
        returns = torch.cat([rl.discounted_returns(e.rewards, gamma) for e in episodes])
        # baseline: b(s_t) = V_phi(s_t); advantage A_t = G_t - b(s_t), normalised per batch
        values = model.value(obs)  # (sum T,)
        advantages = returns - values.detach()
        advantages = (advantages - advantages.mean()) / (advantages.std() + 1e-8)
        log_probs = model.policy.distribution(obs).log_prob(actions)  # log pi(a_t | s_t)
        policy_loss = -(log_probs * advantages).mean()  # ascend E[log pi * A]
        value_loss = (values - returns).pow(2).mean()  # regress V_phi(s_t) on G_t
        for opt in optimizers.values():
            opt.zero_grad(set_to_none=True)
        (policy_loss + value_loss).backward()  # separate nets: each loss reaches only its own
        for opt in optimizers.values():
            opt.step()
        lengths = [e.obs.shape[0] for e in episodes]
        return {"return": float(np.mean([e.total for e in episodes])),
                "length": float(np.mean(lengths)), "policy_loss": float(policy_loss.detach()),
                "value_loss": float(value_loss.detach())}

    return step


def returns_figure(history: list[dict[str, Any]], eval_returns: list[float]) -> Figure:
    """Training return per epoch (sampled actions), greedy selection return, final evaluation."""
    fig = Figure(figsize=(10, 3.4))
    ax, hist = fig.subplots(1, 2)
    train = [r for r in history if r.get("phase") == "train"]
    ax.plot([r["epoch"] for r in train], [r["return"] for r in train], "-o", ms=3,
            label="training episodes (sampled)")
    sel = [r for r in history if r.get("phase") == "select"]
    ax.plot([r["epoch"] for r in sel], [r["return"] for r in sel], "--s", ms=3,
            label="greedy policy")
    ax.axhline(475, color="gray", lw=0.8, ls=":", label="target 475")
    ax.set_xlabel("epoch")
    ax.set_ylabel("return")
    ax.set_title("returns")
    ax.legend(fontsize=7)
    hist.hist(eval_returns, bins=20)
    hist.set_title(f"{len(eval_returns)} evaluation episodes: mean {np.mean(eval_returns):.1f}")
    hist.set_xlabel("return")
    fig.tight_layout()
    return fig


def frame_strip(frames: list[np.ndarray], n: int = 6) -> Figure:
    """n evenly spaced frames of an episode, side by side."""
    picks = np.linspace(0, len(frames) - 1, n).astype(int)
    fig = Figure(figsize=(2.4 * n, 2))
    for ax, i in zip(fig.subplots(1, n), picks):
        ax.imshow(frames[i])
        ax.set_title(f"t = {i}", fontsize=8)
        ax.axis("off")
    fig.tight_layout()
    return fig


@dataclass(kw_only=True)
class ReinforceResult(Result):
    model: ActorCritic  # the best greedy policy (and its value net)
    eval_returns: list[float]  # one per evaluation episode
    frames: list[np.ndarray] | None = None  # the rendered greedy episode (render, rank 0)


def build_model(config: Config, env: Any) -> ActorCritic:
    """Policy and value nets sized for `env`, from the config's seed."""
    torch.manual_seed(config.seed)
    return ActorCritic(env.observation_space.shape[0], env.action_space.n, config.hidden)


def train(model: ActorCritic, env: Any, config: Config, ctx: Context
          ) -> tuple[list[dict[str, Any]], int, float]:
    """REINFORCE with a baseline (Adam for each net) over batches of episode seeds; after
    every epoch the greedy policy plays `select_episodes` on seeds of its own, and the best
    one is loaded back into `model` at the end. Returns the history (the selection rows
    appended), the best epoch and the training seconds."""
    optimizers = {"policy": torch.optim.Adam(model.policy.parameters(), lr=config.lr_policy),
                  "value": torch.optim.Adam(model.value.parameters(), lr=config.lr_value)}
    ctx.say(f"{config.env}: obs {env.observation_space.shape[0]}, {env.action_space.n} actions; "
            f"REINFORCE with a learned baseline, {config.episodes_per_update} episodes per update")
    # The batch "data" are reset seeds: the same start states each epoch (CartPole draws them
    # from +-0.05), the episodes still differ because actions are sampled from pi.
    seeds = torch.arange(config.seed * 10_000_000,
                         config.seed * 10_000_000 + config.episodes_per_epoch)
    best: dict[str, Any] = {"return": -1.0, "state": copy.deepcopy(model.state_dict()), "epoch": 0}
    selection: list[dict[str, Any]] = []

    def select(end: EpochEnd) -> None:  # model selection on its own seeds, not the eval seeds
        returns = rl.evaluate_policy(env, model.policy, config.select_episodes,
                                     seed=SELECT_SEED + 1000 * end.epoch)
        mean = float(np.mean(returns))
        selection.append({"phase": "select", "epoch": end.epoch, "return": mean})
        if ctx.is_main:
            ctx.run.log(selection[-1])
        if mean >= best["return"]:  # ties go to the later, longer-trained policy
            best.update({"return": mean, "state": copy.deepcopy(model.state_dict()),
                         "epoch": end.epoch})

    t0 = time.perf_counter()
    history = ctx.fit(model, (seeds,), step_fn=reinforce_step(env, optimizers, config.gamma),
                      optimizer=optimizers, epochs=config.epochs,
                      batch_size=config.episodes_per_update, seed=config.seed,
                      callbacks=(select,))
    train_s = time.perf_counter() - t0
    model.load_state_dict(best["state"])
    return history + selection, best["epoch"], train_s


def evaluate(model: ActorCritic, env: Any, config: Config) -> list[float]:
    """The greedy policy's return on `eval_episodes` episodes, on seeds never trained on."""
    return rl.evaluate_policy(env, model.policy, config.eval_episodes, seed=EVAL_SEED)


def render_episode(model: ActorCritic, config: Config) -> list[np.ndarray]:
    """The frames of one greedy episode on the first evaluation seed."""
    render_env = rl.make_env(config.env, render=True)
    episode = rl.rollout(render_env, model.policy, EVAL_SEED, greedy=True, frames=True)
    render_env.close()
    return episode.frames


def save_figures(result: ReinforceResult, config: Config, ctx: Context) -> None:
    """The returns; with `render`, one greedy episode as a frame strip and episode.gif."""
    result.figures["returns"] = ctx.savefig(returns_figure(result.history, result.eval_returns),
                                            "returns")
    if config.render:
        result.frames = render_episode(result.model, config)
        result.figures["episode"] = ctx.savefig(frame_strip(result.frames), "episode")
        result.figures["episode_gif"] = rl.save_gif(result.frames, ctx.run.dir() / "episode.gif")


def run(config: Config, ctx: Context) -> ReinforceResult:
    """Train with REINFORCE + baseline, keep the best greedy policy, evaluate on 100 episodes."""
    env = rl.make_env(config.env)
    model = build_model(config, env)  # tiny nets: CPU is fastest
    history, best_epoch, train_s = train(model, env, config, ctx)
    eval_returns = evaluate(model, env, config)
    env.close()
    metrics = {"eval_mean_return": float(np.mean(eval_returns)),
               "eval_min_return": float(np.min(eval_returns)),
               "best_epoch": float(best_epoch), "train_s": train_s}
    ctx.say(f"best greedy policy from epoch {best_epoch}: mean return "
            f"{metrics['eval_mean_return']:.1f} over {config.eval_episodes} evaluation episodes "
            f"(min {metrics['eval_min_return']:.0f})")
    result = ReinforceResult(metrics, dataset=config.env,
                             dataset_label=f"gymnasium {config.env} (simulated, no data)",
                             history=history, model=model, eval_returns=eval_returns)
    if ctx.is_main:
        save_figures(result, config, ctx)
    return result
