"""Helpers for lesson scripts: show the package's own source, so lessons never drift from it."""

from __future__ import annotations

import inspect
from typing import Any


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
