"""Every exercise, in course order, and how to find one by slug, number or file name."""

from __future__ import annotations

import difflib

from torchdojo.errors import DojoError
from torchdojo.exercises.checks import (
    foundations,
    images,
    part0_autograd_function,
    part0_cifar10,
    part0_intro,
    part0_landscape,
    part0_latent_diffusion,
    part0_quickstart,
    part0_transfer,
    reinforcement,
    sequences,
)
from torchdojo.exercises.spec import Exercise

# In course order. Numbers are stable ids (a learner's files are named by them): Part 0's
# exercises came after 1-39 were published, so they carry 40 and up.
EXERCISES: tuple[Exercise, ...] = (
    part0_intro.EXERCISES + part0_autograd_function.EXERCISES + part0_landscape.EXERCISES
    + part0_quickstart.EXERCISES
    + part0_transfer.EXERCISES
    + part0_cifar10.EXERCISES
    + part0_latent_diffusion.EXERCISES
    + foundations.EXERCISES + images.EXERCISES + sequences.EXERCISES + reinforcement.EXERCISES)


def all_exercises() -> tuple[Exercise, ...]:
    """Every exercise, in course order."""
    return EXERCISES


def find(key: str) -> Exercise:
    """The exercise named by slug ('softmax'), number ('7', '07') or file ('07_softmax.py')."""
    key = key.strip().lower().removesuffix(".py")
    for ex in EXERCISES:
        if key in (ex.slug, ex.file_name.removesuffix(".py"), ex.slug.replace("-", "_")):
            return ex
        if key.isdigit() and int(key) == ex.number:
            return ex
    close = difflib.get_close_matches(key, [ex.slug for ex in EXERCISES], n=3, cutoff=0.5)
    hint = f"; did you mean {' or '.join(close)}?" if close else \
        "; `dojo exercises list` shows them all"
    raise DojoError(f"unknown exercise '{key}'{hint}")


def select(keys: list[str] | None) -> list[Exercise]:
    """The exercises named (in course order, without repeats), or all of them."""
    if not keys:
        return list(EXERCISES)
    chosen = {find(k).slug for k in keys}
    return [ex for ex in EXERCISES if ex.slug in chosen]
