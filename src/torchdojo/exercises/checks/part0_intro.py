"""Part 0 exercises of the `intro` lesson (none yet)."""

from __future__ import annotations

from torchdojo.exercises.spec import Exercise

EXERCISES: tuple[Exercise, ...] = ()
