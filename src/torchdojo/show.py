"""Helpers for lesson scripts: show the package's own source, so lessons never drift from it."""

from __future__ import annotations

import inspect
import os
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

T = TypeVar("T")


def _in_notebook() -> bool:
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and shell.__class__.__name__ == "ZMQInteractiveShell"


def source(obj: Any) -> None:
    """Display the source of a function or class from the package (highlighted in Jupyter)."""
    text = inspect.getsource(obj)
    if _in_notebook():
        from IPython.display import Code, display

        display(Code(text, language="python"))
    else:
        print(text)


def figure(fig: Any) -> None:
    """Display a matplotlib Figure in a notebook; in a plain script there is nothing to do."""
    if _in_notebook():
        from IPython.display import display

        display(fig)


YOUR_TURN_ENV = "DOJO_YOUR_TURN"  # 1: run "Your turn" cells even in quick mode; 0: never


def your_turn(thunk: Callable[[], T]) -> T | None:
    """Run a "Your turn" cell's experiment, and return what it returns.

    A quick run (DOJO_QUICK=1: the tests, the quick book) only says so, since a learner's
    extra experiments would double its time, and a printed answer spoils the prediction.
    DOJO_YOUR_TURN=1 runs them anyway; DOJO_YOUR_TURN=0 never does.
    """
    from torchdojo.runner import quick_mode

    asked = os.environ.get(YOUR_TURN_ENV, "").strip().lower()
    if asked in ("0", "false", "no"):
        print(f"Your turn: run this cell (skipped: {YOUR_TURN_ENV}={asked}).")
        return None
    if quick_mode() and asked not in ("1", "true", "yes"):
        print(f"Your turn: run this cell (skipped in quick mode; set {YOUR_TURN_ENV}=1 "
              "to run it here).")
        return None
    return thunk()


def compare(before: Any, after: Any, *metrics: str) -> None:
    """Print each metric before -> after; `after` None (a skipped cell) prints nothing.

    `before` and `after` are Results (their `.metrics`), dicts of numbers, or two values.
    """
    if after is None:
        return
    old, new = (getattr(r, "metrics", r) for r in (before, after))
    if not isinstance(new, Mapping):
        print(f"before {_number(old).strip()}, now {_number(new).strip()}")
        return
    for name in metrics or tuple(new):
        print(f"{name:24s} {_number(old.get(name))} -> {_number(new.get(name))}")


def _number(value: Any) -> str:
    return f"{value:10.4g}" if isinstance(value, int | float) else f"{value!s:>10}"
