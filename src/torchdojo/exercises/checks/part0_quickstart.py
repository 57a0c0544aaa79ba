"""Part 0 exercises of the `quickstart` lesson (none yet)."""

from __future__ import annotations

from torchdojo.exercises.spec import Exercise

EXERCISES: tuple[Exercise, ...] = ()
