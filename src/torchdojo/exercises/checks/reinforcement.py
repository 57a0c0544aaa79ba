"""Part IV exercises: returns and the REINFORCE loss with a baseline."""

from __future__ import annotations

import torch

from torchdojo.exercises.checks.draw import integer, randn, real, uniform
from torchdojo.exercises.spec import Case, Exercise


def _returns(g: torch.Generator) -> list[Case]:
    return [Case({"rewards": randn(g, integer(g, 2, 20)), "gamma": real(g, 0.5, 0.99)}),
            Case({"rewards": torch.ones(5, dtype=torch.float64), "gamma": 1.0},
                 note="gamma = 1: returns count the steps left"),
            Case({"rewards": randn(g, 4), "gamma": 0.0}, note="gamma = 0: returns are rewards"),
            Case({"rewards": randn(g, 1), "gamma": 0.9}, note="a one-step episode")]


def _reinforce(g: torch.Generator) -> list[Case]:
    cases = []
    for t in (integer(g, 2, 12), 1):
        cases.append(Case({"log_probs": uniform(g, 0.05, 1.0, t).log(), "returns": randn(g, t) * 5,
                           "values": randn(g, t) * 5}, grad=("log_probs", "values")))
    return cases


EXERCISES = (
    Exercise(38, "discounted-returns", "reinforce", "Returns",
             "Discounted returns", "discounted_returns", _returns, (
                 "The last step's return is just its reward; every earlier return builds on the "
                 "one after it.",
                 "Loop t from T-1 down to 0 keeping a running G: G = r_t + gamma * G, and store "
                 "it at position t.",
                 "returns = torch.zeros_like(rewards); G = 0.0; for t in reversed(range(len("
                 "rewards))): G = rewards[t] + gamma * G; returns[t] = G"),
             outputs=("returns",)),
    Exercise(39, "reinforce-loss", "reinforce", "REINFORCE with a baseline",
             "The REINFORCE loss with a baseline", "reinforce_loss", _reinforce, (
                 "Good actions (positive advantage) should become more likely: minimising the "
                 "loss must raise their log-probabilities.",
                 "advantage = (returns - values).detach(): the value network is trained by its "
                 "own loss, not by this one; average over the steps and mind the minus sign.",
                 "return -(log_probs * (returns - values).detach()).mean()"),
             outputs=("loss",)),
)
