"""Episodes for policy-gradient training: environments, rollouts, returns, evaluation, GIFs.

Supervised `fit` iterates over a data tensor; here that tensor holds episode seeds,
so the same loop (progress, metrics.jsonl, checkpoints, resume) drives RL: each batch
of seeds becomes a batch of episodes, played by `rollout` inside the experiment's
`step_fn`. This module holds what is specific to interacting with an environment.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import Tensor

from torchdojo.errors import DojoError


def require_gymnasium() -> Any:
    """The gymnasium module, or a DojoError naming the extra to install."""
    try:
        import gymnasium
    except ImportError:
        raise DojoError("this lesson needs gymnasium: pip install 'torchdojo[rl]'") from None
    return gymnasium


def make_env(name: str = "CartPole-v1", render: bool = False) -> Any:
    """A gymnasium environment (rgb_array rendering when `render`)."""
    gym = require_gymnasium()
    if render:
        # rgb_array frames need no screen; without this, pygame's SDL looks for one and
        # prints "error: XDG_RUNTIME_DIR is invalid" on headless machines
        os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
    try:
        return gym.make(name, render_mode="rgb_array" if render else None)
    except gym.error.Error as e:
        raise DojoError(f"cannot make environment {name!r}: {e}") from None


@dataclass
class Episode:
    """One episode: observations (T, obs_dim), actions (T,), rewards (T,)."""

    obs: Tensor
    actions: Tensor
    rewards: Tensor
    frames: list[np.ndarray] | None = None

    @property
    def total(self) -> float:
        """The undiscounted return sum_t r_t."""
        return float(self.rewards.sum())


def rollout(env: Any, policy: torch.nn.Module, seed: int, *, greedy: bool = False,
            frames: bool = False, device: torch.device | str = "cpu") -> Episode:
    """Play one episode from `env.reset(seed=seed)` with actions from `policy.act`."""
    obs, _ = env.reset(seed=seed)
    observations, actions, rewards, images = [], [], [], []
    done = False
    while not done:
        if frames:
            images.append(env.render())
        state = torch.as_tensor(obs, dtype=torch.float32, device=device)
        action = int(policy.act(state.unsqueeze(0), greedy=greedy)[0])  # (1, obs_dim) -> a
        observations.append(state)
        actions.append(action)
        obs, reward, terminated, truncated, _ = env.step(action)
        rewards.append(float(reward))
        done = terminated or truncated
    return Episode(torch.stack(observations), torch.tensor(actions, device=device),
                   torch.tensor(rewards, device=device), images if frames else None)


def discounted_returns(rewards: Tensor, gamma: float) -> Tensor:
    """G_t = r_t + gamma * G_{t+1} (G_T = 0), computed backwards; (T,) -> (T,)."""
    returns = torch.empty_like(rewards)
    running = 0.0
    for t in range(rewards.shape[0] - 1, -1, -1):
        running = float(rewards[t]) + gamma * running
        returns[t] = running
    return returns


def evaluate_policy(env: Any, policy: torch.nn.Module, episodes: int, *, seed: int,
                    greedy: bool = True) -> list[float]:
    """Undiscounted returns of `episodes` episodes with seeds seed, seed+1, ..."""
    return [rollout(env, policy, seed + i, greedy=greedy).total for i in range(episodes)]


def save_gif(frames: list[np.ndarray], path: Path, *, every: int = 2, fps: int = 25) -> Path:
    """Write every `every`-th rgb frame to an animated GIF, atomically."""
    from torchdojo.figures.plots import gif_bytes
    from torchdojo.files import atomic_write_bytes

    atomic_write_bytes(path, gif_bytes(frames[::every], scale=1,
                                       ms_per_frame=int(1000 * every / fps)))
    return path
