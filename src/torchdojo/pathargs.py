"""Checks for the paths a user names (arguments, options, environment variables).

Every command calls these at its entry, before it writes or computes anything, so that a
missing, misplaced, unreadable, unwritable or non-UTF-8 path is one line (a DojoError)
naming the path, what is wrong and what to do. `what` names the argument as the user
knows it, e.g. "solution file" or "run folder (--out)".

Permissions are asked of os.access, which answers for the real user (root may read and
write anything); a file we go on to read is read here, so what os.access cannot foresee
(a failing disk, a changed ACL) still ends as one line.

Neutral ground, like files.py: imports nothing of the package but its errors.
"""

from __future__ import annotations

import os
from pathlib import Path

from torchdojo.errors import DojoError


def _nearest_existing(path: Path) -> Path:
    """`path` or its closest ancestor that exists (the folder a new path is created in)."""
    while not path.exists() and not path.is_symlink() and path != path.parent:
        path = path.parent
    return path


def existing(path: str | Path, what: str, kind: str = "file or folder") -> Path:
    """A file or folder that must exist and be readable (a folder: listable too)."""
    p = Path(path)
    if not p.exists():
        why = "a broken link" if p.is_symlink() else f"no such {kind}"
        raise DojoError(f"{what} '{path}' does not exist ({why}); check the path")
    if p.is_dir() and not os.access(p, os.R_OK | os.X_OK):
        raise DojoError(f"{what} '{path}' cannot be read (permission denied); "
                        f"`chmod u+rx '{path}'` or name another folder")
    if not p.is_dir() and not os.access(p, os.R_OK):
        raise DojoError(f"{what} '{path}' cannot be read (permission denied); "
                        f"`chmod u+r '{path}'` or name another file")
    return p


def existing_file(path: str | Path, what: str) -> Path:
    """A file that must exist and be readable."""
    p = Path(path)
    if p.is_dir():
        raise DojoError(f"{what} '{path}' is a folder, not a file; name a file")
    return existing(p, what, "file")


def existing_dir(path: str | Path, what: str, *, writable: bool = False) -> Path:
    """A folder that must exist and be listable (and, if `writable`, writable)."""
    p = Path(path)
    if p.exists() and not p.is_dir():
        raise DojoError(f"{what} '{path}' is a file, not a folder; name a folder")
    existing(p, what, "folder")
    if writable and not os.access(p, os.W_OK | os.X_OK):
        raise DojoError(f"{what} '{path}' is not writable (permission denied); "
                        f"`chmod u+w '{path}'` or name another folder")
    return p


def _writable_from(p: Path, path: str | Path, what: str, doing: str) -> None:
    """The closest existing ancestor of a path to be made must be a writable folder."""
    base = _nearest_existing(p.parent)
    if not base.is_dir():
        raise DojoError(f"{what} '{path}' is not writable: '{base}' is a file, not a folder; "
                        "choose another path")
    if not os.access(base, os.W_OK | os.X_OK):
        raise DojoError(f"{what} '{path}' is not writable: no permission to {doing} "
                        f"'{base}'; choose another path")


def output_dir(path: str | Path, what: str) -> Path:
    """A folder to write into: an existing writable folder, or one that can be created
    (missing parents are created on purpose, as `mkdir -p` would; nothing is created here)."""
    p = Path(path)
    if p.exists():
        return existing_dir(p, what, writable=True)
    if p.is_symlink():
        raise DojoError(f"{what} '{path}' is a broken link; remove it or name another folder")
    _writable_from(p, path, what, "create it in")
    return p


def output_file(path: str | Path, what: str) -> Path:
    """A file to (re)write: not a folder, not read-only, in a folder that is (or can be
    made) writable. Missing parent folders are created on purpose when it is written."""
    p = Path(path)
    if p.is_dir():
        raise DojoError(f"{what} '{path}' is a folder, not a file; name a file")
    if p.exists() and not os.access(p, os.W_OK):
        raise DojoError(f"{what} '{path}' is not writable (read-only); "
                        f"`chmod u+w '{path}'` or name another file")
    _writable_from(p, path, what, "write in")
    return p


def utf8_text(path: str | Path, what: str) -> str:
    """The contents of a text file that must exist, be readable and be UTF-8."""
    p = existing_file(path, what)
    try:
        data = p.read_bytes()
    except OSError as e:
        raise DojoError(f"{what} '{path}' cannot be read ({e.strerror or e})") from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise DojoError(f"{what} '{path}' is not UTF-8 text (byte 0x{data[e.start]:02x} at "
                        f"offset {e.start}); save it as UTF-8") from None
