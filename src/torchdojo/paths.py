"""Where torchdojo keeps the user's things: data, progress, caches."""

from __future__ import annotations

import os
from pathlib import Path


def home() -> Path:
    """$TORCHDOJO_HOME, else $XDG_DATA_HOME/torchdojo, else ~/.local/share/torchdojo."""
    if os.environ.get("TORCHDOJO_HOME"):
        return Path(os.environ["TORCHDOJO_HOME"]).expanduser()
    xdg = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(xdg).expanduser() / "torchdojo"


def data_root() -> Path:
    """The user's data folder ($TORCHDOJO_DATA, else <home>/data), in torchvision's layout."""
    if os.environ.get("TORCHDOJO_DATA"):
        return Path(os.environ["TORCHDOJO_DATA"]).expanduser()
    return home() / "data"


def offline() -> bool:
    """True when downloads are forbidden ($TORCHDOJO_OFFLINE=1, set by the tests and CI)."""
    return os.environ.get("TORCHDOJO_OFFLINE", "") not in ("", "0", "false")
