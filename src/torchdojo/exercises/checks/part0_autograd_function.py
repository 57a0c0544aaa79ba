"""Part 0 exercises of the `autograd-function` lesson: a custom torch.autograd.Function."""

from __future__ import annotations

import torch

from torchdojo.exercises.checks.draw import integer, randn
from torchdojo.exercises.spec import Case, Exercise


def _softplus(g: torch.Generator) -> list[Case]:
    shapes = [(integer(g, 2, 9),), (integer(g, 1, 4), integer(g, 2, 5))]
    cases = [Case({"x": randn(g, *s, scale=4)}, grad=("x",), cotangent=randn(g, *s))
             for s in shapes]
    # exp(x) is inf from x = 709.78 on: the naive forward gives inf, a naive backward nan
    x = torch.cat([torch.tensor([-1000.0, -800.0, -40.0, 0.0, 40.0, 800.0, 1000.0],
                                dtype=torch.float64), randn(g, 1, scale=500)])
    cases.append(Case({"x": x}, grad=("x",), cotangent=randn(g, len(x)),
                      note="inputs as large as 1000 in size",
                      advice="exp(x) overflows for x = 1000: compute max(x, 0) + "
                             "log1p(exp(-|x|)), and a sigmoid that never overflows"))
    return cases


EXERCISES: tuple[Exercise, ...] = (
    Exercise(41, "softplus-function", "autograd-function", "A custom Function: forward, backward",
             "A custom autograd Function: stable softplus", "softplus", _softplus, (
                 "forward computes the value and keeps on ctx what backward will need; backward "
                 "receives dL/dy and must give back dL/dx.",
                 "max(x, 0) + log1p(exp(-|x|)) is softplus without overflow; in backward, "
                 "(x,) = ctx.saved_tensors and the chain rule multiplies grad_out by "
                 "softplus'(x) = sigmoid(x).",
                 "forward: ctx.save_for_backward(x); "
                 "return torch.clamp(x, min=0) + torch.log1p(torch.exp(-x.abs())); "
                 "backward: (x,) = ctx.saved_tensors; return grad_out * torch.sigmoid(x)"),
             outputs=("y",), keep=("softplus",),
             forbidden=("softplus", "Softplus", "logaddexp", "logsigmoid", "LogSigmoid")),
)
