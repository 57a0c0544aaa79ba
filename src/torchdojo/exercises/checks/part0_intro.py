"""Part 0 exercises of the `intro` lesson: an epsilon-greedy bandit's choice and update."""

from __future__ import annotations

import torch

from torchdojo.exercises.checks.draw import integer, randn, real
from torchdojo.exercises.spec import Case, Exercise


def _values_with_best(g: torch.Generator, k: int, best: int) -> torch.Tensor:
    """k estimates whose single largest is at index `best`."""
    values = randn(g, k)
    values[best] = values.max() + real(g, 0.1, 1.0)
    return values


def _choose(g: torch.Generator) -> list[Case]:
    cases = []
    for explore in (True, False):
        k = integer(g, 3, 8)
        best = integer(g, 0, k - 1)
        epsilon = real(g, 0.1, 0.5)
        u = real(g, 0, epsilon) if explore else real(g, epsilon, 1.0)
        other = (best + integer(g, 1, k - 1)) % k  # never the best: exploring must show
        cases.append(Case({"values": _values_with_best(g, k, best), "epsilon": epsilon,
                           "u": u, "random_arm": other}, outputs=("arm",),
                          note="u < epsilon: explore" if explore else "u >= epsilon: exploit"))
    tie = torch.tensor([0.2, 0.7, 0.1, 0.7], dtype=torch.float64)
    cases.append(Case({"values": tie, "epsilon": 0.1, "u": 0.5, "random_arm": 2},
                      outputs=("arm",), note="two arms share the largest value",
                      advice="on a tie take the first best arm, as values.argmax() does"))
    cases.append(Case({"values": _values_with_best(g, 5, 3), "epsilon": 0.25, "u": 0.25,
                       "random_arm": 0}, outputs=("arm",), note="u equal to epsilon",
                      advice="explore only when u < epsilon, strictly"))
    return cases


def _update(g: torch.Generator) -> list[Case]:
    cases = []
    for first_pull in (False, False, True):
        k = integer(g, 2, 7)
        arm = integer(g, 0, k - 1)
        counts = torch.randint(1, 20, (k,), generator=g).double()
        if first_pull:
            counts[arm] = 0
        cases.append(Case({"values": randn(g, k), "counts": counts, "arm": arm,
                           "reward": real(g, -1.0, 2.0)}, entry="update_estimate",
                          outputs=("values", "counts"),
                          note="the arm's first pull" if first_pull else ""))
    return cases


def _cases(g: torch.Generator) -> list[Case]:
    return _choose(g) + _update(g)


EXERCISES: tuple[Exercise, ...] = (
    Exercise(40, "epsilon-greedy", "intro", "Reinforcement learning: a bandit",
             "An epsilon-greedy bandit", "choose_arm", _cases, (
                 "Exploring ignores what you know: the draw u decides whether to explore and "
                 "random_arm where. A mean of rewards can be kept up to date from the old mean "
                 "and the number of rewards alone.",
                 "choose_arm: random_arm when u < epsilon, else the index of the largest value "
                 "(values.argmax() picks the first of equals). update_estimate: clone both "
                 "tensors, add one to counts[arm] first, then move values[arm] 1/N of the way "
                 "toward the reward.",
                 "choose_arm: return random_arm if u < epsilon else int(values.argmax()); "
                 "update_estimate: counts = counts.clone(); counts[arm] += 1; values = "
                 "values.clone(); values[arm] += (reward - values[arm]) / counts[arm]; "
                 "return values, counts"),
             outputs=("arm",)),
)
