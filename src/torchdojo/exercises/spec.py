"""What an exercise is: its task, where it sits in the course, its hidden cases and its hints."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch

SOLUTIONS = Path(__file__).resolve().parent / "solutions"


@dataclass(frozen=True)
class Case:
    """One hidden input, drawn fresh for every check, and how to look at the answer.

    `args` are passed positionally in their order; their names appear in messages.
    `grad` names the arguments whose gradients must match the reference's (a gradient
    check through the learner's own function); `cotangent` weights a non-scalar output
    for that backward pass. `check`, when given, replaces comparison with the reference:
    it gets the learner's output and returns a message when it is wrong.
    """

    args: dict[str, Any] = field(default_factory=dict)
    note: str = ""
    advice: str = ""
    grad: tuple[str, ...] = ()
    cotangent: Any = None
    entry: str | None = None
    kind: str = "call"
    init: dict[str, Any] = field(default_factory=dict)
    state: dict[str, torch.Tensor] | None = None
    items: tuple[int, ...] = ()
    backward: bool = False
    outputs: tuple[str, ...] | None = None
    check: Callable[[Any], str | None] | None = None

    def probe(self, default_entry: str) -> dict:
        """The probe the observer runs for this case (see observe.py)."""
        return {"kind": self.kind, "entry": self.entry or default_entry, "args": self.args,
                "grad": list(self.grad), "cotangent": self.cotangent, "init": self.init,
                "state": self.state, "items": list(self.items), "backward": self.backward}


@dataclass(frozen=True)
class Exercise:
    """One exercise: a stub file in the learner's workspace, checked against a reference."""

    number: int
    slug: str
    lesson: str  # a registry lesson id
    section: str  # where in that lesson the idea is taught
    title: str
    entry: str  # the function or class the cases call by default
    make_cases: Callable[[torch.Generator], list[Case]]
    hints: tuple[str, ...]
    outputs: tuple[str, ...] = ()  # names of the returned values, for messages
    forbidden: tuple[str, ...] = ()  # library functions the learner is asked not to use
    keep: tuple[str, ...] = ()  # functions given in the stub, e.g. "LeNet5.__init__"
    preload: tuple[str, ...] = ()  # slow lazy imports of torch's, done before the clock starts
    rtol: float = 1e-6
    atol: float = 1e-8

    @property
    def file_name(self) -> str:
        """The workspace file: NN_slug.py, with underscores so it reads like a module."""
        return f"{self.number:02d}_{self.slug.replace('-', '_')}.py"

    @property
    def solution_path(self) -> Path:
        """The reference solution that ships with the package."""
        return SOLUTIONS / self.file_name

    def cases(self, seed: int) -> list[Case]:
        """The hidden cases for this seed: the same seed gives the same cases, per exercise."""
        digest = hashlib.sha256(f"{seed}:{self.slug}".encode()).digest()
        return self.make_cases(torch.Generator().manual_seed(int.from_bytes(digest[:7], "big")))
