"""Executed notebooks, cached by a hash of what they were made from.

The key is the lesson script, its experiment module's source, the package version and
the mode (quick/full): change one lesson and only that lesson runs again.
"""

from __future__ import annotations

import hashlib
import importlib.util
from pathlib import Path

from torchdojo import __version__
from torchdojo.files import atomic_write_text
from torchdojo.registry import Lesson

FORMAT = "1"  # bump when the way notebooks are executed changes


def cache_key(lesson: Lesson, *, quick: bool, script: str | None = None) -> str:
    """Hex digest of the lesson's script, experiment source, package version and mode."""
    digest = hashlib.sha256()
    text = script if script is not None else lesson.lesson_path.read_text(encoding="utf-8")
    for part in (FORMAT, __version__, "quick" if quick else "full", text,
                 _experiment_source(lesson)):
        digest.update(part.encode("utf-8"))
        digest.update(b"\0")
    return digest.hexdigest()


def _experiment_source(lesson: Lesson) -> str:
    """The experiment module's source text, or '' when the lesson has none."""
    if lesson.module is None:
        return ""
    spec = importlib.util.find_spec(lesson.module)
    if spec is None or spec.origin is None or not Path(spec.origin).is_file():
        return ""
    return Path(spec.origin).read_text(encoding="utf-8")


class NotebookCache:
    """<folder>/<id>.<mode>.<key>.ipynb; storing a new one drops the lesson's older ones."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def path(self, lesson_id: str, key: str, quick: bool) -> Path:
        """Where the executed notebook for this key lives."""
        return self.folder / f"{lesson_id}.{'quick' if quick else 'full'}.{key[:20]}.ipynb"

    def get(self, lesson_id: str, key: str, quick: bool):  # -> NotebookNode | None
        """The cached executed notebook, or None."""
        import nbformat

        path = self.path(lesson_id, key, quick)
        return nbformat.read(path, as_version=4) if path.is_file() else None

    def put(self, lesson_id: str, key: str, quick: bool, nb) -> Path:
        """Store an executed notebook (atomically) and forget the lesson's stale ones."""
        import nbformat

        self.folder.mkdir(parents=True, exist_ok=True)
        path = self.path(lesson_id, key, quick)
        for old in self.folder.glob(f"{lesson_id}.{'quick' if quick else 'full'}.*.ipynb"):
            if old != path:
                old.unlink()
        atomic_write_text(path, nbformat.writes(nb))
        return path
