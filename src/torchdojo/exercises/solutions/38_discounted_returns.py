"""Discounted returns.

In an episode with rewards r_0 .. r_{T-1}, the return from step t is the
discounted sum of the rewards from t on:

    G_t = sum_{k >= 0} gamma^k r_{t+k} = r_t + gamma * G_{t+1},     G_T = 0

Compute it backwards, from the last step to the first, in one pass. rewards is
(T,) float64, gamma a float in [0, 1]; return G as a (T,) float64 tensor.
"""

import torch


def discounted_returns(rewards: torch.Tensor, gamma: float) -> torch.Tensor:
    """G_t = r_t + gamma * G_{t+1}, for every step t: (T,) -> (T,)."""
    returns = torch.zeros_like(rewards)
    running = 0.0
    for t in reversed(range(len(rewards))):
        running = rewards[t] + gamma * running
        returns[t] = running
    return returns
