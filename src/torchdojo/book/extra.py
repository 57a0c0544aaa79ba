"""The `notebooks` extra: the book needs jupytext, nbclient, nbconvert, nbformat, ipykernel."""

from __future__ import annotations

import importlib.util

from torchdojo.errors import DojoError

MODULES = ("jupytext", "nbclient", "nbconvert", "nbformat", "ipykernel")
INSTALL = "pip install 'torchdojo[notebooks]'"


def require_notebooks(command: str = "dojo book") -> None:
    """Raise a one-line DojoError naming the extra when any notebook package is missing."""
    missing = [name for name in MODULES if _missing(name)]
    if missing:
        raise DojoError(f"{command} needs the notebooks extra ({', '.join(missing)} missing): "
                        f"{INSTALL}")


def _missing(name: str) -> bool:
    """True when `name` cannot be imported (absent, or blocked with sys.modules[name] = None)."""
    try:
        return importlib.util.find_spec(name) is None
    except (ImportError, ValueError):  # a None entry in sys.modules raises ValueError
        return True
