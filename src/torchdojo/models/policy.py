"""Policy and value networks for policy-gradient methods on small observation vectors."""

from __future__ import annotations

import torch
from torch import Tensor, nn
from torch.distributions import Categorical


def _mlp(inputs: int, hidden: int, outputs: int) -> nn.Sequential:
    return nn.Sequential(nn.Linear(inputs, hidden), nn.Tanh(), nn.Linear(hidden, hidden),
                         nn.Tanh(), nn.Linear(hidden, outputs))


class PolicyNet(nn.Module):
    """pi_theta(a | s): observation (B, obs_dim) -> action logits (B, n_actions)."""

    def __init__(self, obs_dim: int, n_actions: int, hidden: int = 64):
        super().__init__()
        self.net = _mlp(obs_dim, hidden, n_actions)

    def forward(self, obs: Tensor) -> Tensor:
        return self.net(obs)

    def distribution(self, obs: Tensor) -> Categorical:
        """The categorical distribution over actions in each state."""
        return Categorical(logits=self(obs))

    @torch.no_grad()
    def act(self, obs: Tensor, greedy: bool = False) -> Tensor:
        """Sample a ~ pi(.|s) (or take argmax_a pi(a|s) when greedy); (B,) action ids."""
        logits = self(obs)
        return logits.argmax(-1) if greedy else Categorical(logits=logits).sample()


class ValueNet(nn.Module):
    """V_phi(s): observation (B, obs_dim) -> expected return (B,), the learned baseline."""

    def __init__(self, obs_dim: int, hidden: int = 64):
        super().__init__()
        self.net = _mlp(obs_dim, hidden, 1)

    def forward(self, obs: Tensor) -> Tensor:
        return self.net(obs).squeeze(-1)


class ActorCritic(nn.Module):
    """The policy (actor) and its baseline (critic), kept together for checkpoints."""

    def __init__(self, obs_dim: int, n_actions: int, hidden: int = 64):
        super().__init__()
        self.policy = PolicyNet(obs_dim, n_actions, hidden)
        self.value = ValueNet(obs_dim, hidden)
