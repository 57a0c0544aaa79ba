"""Part 0 exercises of the `transfer` lesson: a label budget, and the input ImageNet expects."""

from __future__ import annotations

import torch

from torchdojo.exercises.checks.draw import integer, labels
from torchdojo.exercises.spec import Case, Exercise


def _budget(g: torch.Generator) -> list[Case]:
    cases = []
    for classes, k in ((integer(g, 3, 6), integer(g, 2, 4)), (2, 1), (integer(g, 2, 4), 5)):
        # every class at least k times, some more often, in a shuffled order
        y = torch.cat([torch.arange(classes).repeat(k), labels(g, classes, integer(g, 3, 12))])
        y = y[torch.randperm(len(y), generator=g)]
        cases.append(Case({"labels": y, "k": k, "classes": classes},
                          note=f"{len(y)} labels of {classes} classes, k = {k}"))
    return cases


def _imagenet_input(g: torch.Generator) -> list[Case]:
    cases = []
    first = 32 * integer(g, 1, 2)  # sides the network takes: multiples of 32
    for b, side, size in ((integer(g, 1, 3), integer(g, 4, 9), first), (2, 5, 96 - first)):
        x = torch.rand(b, 1, side, side, generator=g, dtype=torch.float64)
        cases.append(Case({"x": x, "size": size},
                          note=f"{b} grey image(s) of {side}x{side}, to {size}x{size}"))
    return cases


EXERCISES: tuple[Exercise, ...] = (
    Exercise(44, "label-budget", "transfer", "Label budgets", "A label budget: k per class",
             "first_per_class", _budget, (
                 "Go class by class: for class c, find where labels == c, keep the first k of "
                 "those positions, then join the classes' positions in class order.",
                 "(labels == c).nonzero() gives the positions as a (n, 1) column: squeeze(1) "
                 "makes it (n,), and [:k] keeps the first k.",
                 "picked = [(labels == c).nonzero().squeeze(1)[:k] for c in range(classes)]; "
                 "return torch.cat(picked)"),
             outputs=("indices",)),
    Exercise(45, "imagenet-input", "transfer", "Grey digits in, ImageNet photos expected",
             "The input an ImageNet network expects", "to_imagenet", _imagenet_input, (
                 "Resize first, then scale, then repeat: three lines, each on the whole batch.",
                 "F.interpolate(x, size=(size, size), mode='bilinear', align_corners=False) "
                 "resizes; (x - 127/255) / (128/255) scales; the channel axis is dim 1.",
                 "x = F.interpolate(x, size=(size, size), mode='bilinear', "
                 "align_corners=False); return ((x - MEAN) / STD).expand(-1, 3, -1, -1)"),
             outputs=("images",)),
)
