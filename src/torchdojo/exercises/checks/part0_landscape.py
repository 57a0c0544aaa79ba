"""Part 0 exercises of the `landscape` lesson: one step of heavy-ball momentum."""

from __future__ import annotations

import torch

from torchdojo.exercises.checks.draw import integer, randn, real
from torchdojo.exercises.spec import Case, Exercise


def _momentum(g: torch.Generator) -> list[Case]:
    cases = []
    for shape in ((2,), (integer(g, 1, 5), integer(g, 2, 4))):  # the lesson's (v1, v2); a weight
        cases.append(Case({"p": randn(g, *shape), "velocity": randn(g, *shape),
                           "grad": randn(g, *shape), "lr": real(g, 0.01, 0.5),
                           "beta": real(g, 0.5, 0.99)}))
    n = integer(g, 2, 6)
    cases.append(Case({"p": randn(g, n), "velocity": torch.zeros(n, dtype=torch.float64),
                       "grad": randn(g, n), "lr": real(g, 0.01, 0.5), "beta": 0.9},
                      note="the first step: the velocity starts at zero"))
    cases.append(Case({"p": randn(g, n), "velocity": randn(g, n), "grad": randn(g, n),
                       "lr": real(g, 0.01, 0.5), "beta": 0.0},
                      note="beta = 0: plain gradient descent",
                      advice="with beta = 0 the step is p - lr * grad, whatever the velocity"))
    return cases


EXERCISES: tuple[Exercise, ...] = (
    Exercise(42, "momentum-step", "landscape", "A long narrow valley: GD, momentum, Adam",
             "One step of gradient descent with momentum", "momentum_step", _momentum, (
                 "The velocity is a running sum of past gradients, older ones shrunk by beta; "
                 "the parameters then move against the velocity, not against the raw gradient.",
                 "Update the velocity first (beta times the old one, plus the new gradient), "
                 "then step with the new velocity; with beta = 0 this is plain gradient descent.",
                 "velocity = beta * velocity + grad; return p - lr * velocity, velocity"),
             outputs=("p_new", "velocity_new"), forbidden=("SGD", "sgd")),
)
