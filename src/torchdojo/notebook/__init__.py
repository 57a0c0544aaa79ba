"""Exercises in Jupyter: `check(N)` grades the code run in this notebook, `progress()` shows
what is passed.

    from torchdojo.notebook import check
    check(7)              # the same hidden checks, sandbox and limits as `dojo check 7`
    check(7, hint=True)   # and a hint, stronger each time
    progress()            # the same progress store as `dojo progress`

Each returns a Report that Jupyter shows as HTML (plain text elsewhere); a learner's
mistake (a renamed function, the TODO left, code that raises or does not parse) is a
message in it, never a traceback from torchdojo.
"""

from __future__ import annotations

from pathlib import Path

from torchdojo.errors import DojoError
from torchdojo.notebook.render import Report

__all__ = ["Report", "check", "progress"]


def _kernel_namespace() -> dict:
    """The running IPython kernel's user namespace; a DojoError outside one."""
    try:
        from IPython import get_ipython
    except ImportError:
        shell = None
    else:
        shell = get_ipython()
    if shell is None:
        raise DojoError("check() grades the cells run in a Jupyter notebook; outside one, "
                        "`dojo check N` grades your NN_name.py file")
    return shell.user_ns


def check(exercise: int | str, hint: bool = False, *, seed: int | None = None,
          timeout: float = 10.0, record: bool = True, in_process: bool = False,
          namespace: dict | None = None) -> Report:
    """Grade the code this notebook ran for an exercise (number or name); maybe add a hint.

    `seed` repeats an earlier check's inputs; `record=False` leaves progress alone;
    `in_process=True` runs the code here, without the sandbox (debugging), as
    `dojo check --in-process` does; `namespace` stands in for the kernel's (tests).
    """
    from torchdojo.exercises import catalog
    from torchdojo.exercises import progress as store
    from torchdojo.exercises.grader import new_seed
    from torchdojo.exercises.sandbox import Limits
    from torchdojo.notebook import render
    from torchdojo.notebook.cells import history, learner_code
    from torchdojo.notebook.grade import grade

    try:
        if not isinstance(hint, bool):
            raise DojoError(f"hint is True or False, got {hint!r}")
        ex = catalog.find(str(exercise))
        code = learner_code(ex, history(_kernel_namespace() if namespace is None else namespace))
        seed = new_seed() if seed is None else int(seed)
        graded = grade(ex, code, seed=seed, limits=Limits(timeout=timeout), in_process=in_process)
        verdict = graded.verdict
        if record and verdict.status in ("pass", "fail"):  # an untouched stub is no attempt
            store.record([(verdict.slug, verdict.passed, verdict.seconds, verdict.reason)])
        level = store.next_hint_level(ex.slug, len(ex.hints)) \
            if hint and not verdict.passed else 0
        standings = store.standings()
    except DojoError as e:
        return render.message(str(e), "fail")
    next_up = next((other for other in catalog.all_exercises() if other.slug != ex.slug and not (
        standings.get(other.slug) and standings[other.slug].first_passed is not None)), None)
    return render.check_report(ex, graded, seed=seed, hint_level=level, next_up=next_up,
                               href=render.lesson_href(ex))


def progress() -> Report:
    """What is passed, what was tried, and what comes next: the store `dojo progress` reads."""
    from torchdojo.exercises import catalog
    from torchdojo.exercises import progress as store
    from torchdojo.notebook import render

    try:
        return render.progress_report(catalog.all_exercises(), store.standings(),
                                      Path(store.db_path()))
    except DojoError as e:
        return render.message(str(e), "fail")
