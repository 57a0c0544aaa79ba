"""The course workspace `dojo lab` opens: a start notebook, the lesson notebooks in course
order, one notebook per exercise; refreshed on every launch without losing the learner's work.

A manifest (.dojo-lab.json) holds the SHA-256 of every file as written. On a refresh a
file is written when it is missing, replaced by the new version when it still matches
its hash (the learner never changed it), and kept when it does not (edited, or run and
saved with outputs). Files the course no longer has are removed only when unchanged.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from torchdojo import registry
from torchdojo.errors import DojoError
from torchdojo.exercises import catalog
from torchdojo.exercises.notebooks import (
    KERNELSPEC,
    dumps,
    exercise_notebook,
    language_info,
    notebook_name,
)
from torchdojo.files import atomic_write_text

MANIFEST = ".dojo-lab.json"
START = "00_start.ipynb"


@dataclass
class Refresh:
    """What a refresh did, as paths relative to the workspace."""

    written: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)  # the learner's edits, left alone
    removed: list[str] = field(default_factory=list)
    unchanged: int = 0


def lesson_files() -> dict[str, str]:
    """Lesson id -> its notebook's path in the workspace, numbered in course order."""
    return {lesson.id: f"lessons/{number:02d}_{lesson.id}.ipynb"
            for number, lesson in enumerate(registry.all_lessons(), 1)
            if lesson.status == "ready"}


def lesson_text(lesson: registry.Lesson) -> str:
    """The lesson's notebook file, with cell ids fixed so an unchanged lesson reads the same."""
    import nbformat

    from torchdojo.book.convert import lesson_notebook

    nb = lesson_notebook(lesson)
    for number, cell in enumerate(nb.cells):
        cell["id"] = f"cell-{number}"
    return nbformat.writes(nb) + "\n"


def start_notebook(lessons: dict[str, str]) -> dict:
    """The start page: how the workspace works, where to begin, every lesson and exercise."""
    exercises = catalog.all_exercises()
    first_lesson = next(lesson for lesson in registry.all_lessons() if lesson.id in lessons)
    first_ex = next((ex for ex in exercises if ex.lesson == first_lesson.id), exercises[0])
    intro = [
        "# torchdojo: start here",
        "",
        "Work down this page, part by part: open a **lesson** and run it top to bottom "
        "(Shift+Enter runs a cell), then do its **exercises**. An exercise notebook has a stub "
        "cell for your code and a check cell, `check(N)`, that runs your code on fresh random "
        "inputs in a separate process and compares it with a reference; `check(N, hint=True)` "
        "gives a hint, a stronger one each time.",
        "",
        f"**Begin with** [{first_lesson.title}]({lessons[first_lesson.id]}), then "
        f"[exercise {first_ex.number:02d}: {first_ex.title}](exercises/{notebook_name(first_ex)})."
        " The progress cell at the bottom says what comes next whenever you come back.",
        "",
        "Your notebooks are yours: `dojo lab` adds new lessons on its next start but never "
        "overwrites a notebook you have changed (delete one to get a fresh copy). Progress is "
        "the same as in a terminal (`dojo progress`, `dojo check`).",
    ]
    listing, part = [], None
    for lesson in registry.all_lessons():
        if lesson.part != part:
            part = lesson.part
            listing += ["", f"## {registry.PARTS[part]}", ""]
        title = f"[{lesson.title}]({lessons[lesson.id]})" if lesson.id in lessons else \
            f"{lesson.title} (planned)"
        own = [f"[{ex.number:02d} {ex.title}](exercises/{notebook_name(ex)})"
               for ex in exercises if ex.lesson == lesson.id]
        listing.append(f"1. {title}" + (f"; exercises: {', '.join(own)}" if own else ""))
    cells = [{"cell_type": "markdown", "id": "start", "metadata": {},
              "source": "\n".join(intro).splitlines(keepends=True)},
             {"cell_type": "markdown", "id": "course", "metadata": {},
              "source": "\n".join(listing).strip().splitlines(keepends=True)},
             {"cell_type": "code", "id": "progress", "metadata": {}, "execution_count": None,
              "outputs": [], "source": ["from torchdojo.notebook import progress\n", "\n",
                                        "progress()"]}]
    return {"cells": cells, "nbformat": 4, "nbformat_minor": 5,
            "metadata": {"kernelspec": dict(KERNELSPEC), "language_info": language_info(),
                         "title": "torchdojo: start here"}}


def plan() -> dict[str, str]:
    """Every file of the workspace: relative path -> text."""
    lessons = lesson_files()
    files = {START: dumps(start_notebook(lessons))}
    for lesson in registry.all_lessons():
        if lesson.id in lessons:
            files[lessons[lesson.id]] = lesson_text(lesson)
    for ex in catalog.all_exercises():
        href = f"../{lessons[ex.lesson]}" if ex.lesson in lessons else None
        files[f"exercises/{notebook_name(ex)}"] = dumps(exercise_notebook(ex, href))
    return files


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _create(path: Path, data: bytes) -> bool:
    """Write a new file whole (temp file, then a hard link); False if one appeared meanwhile."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.link(tmp, path)  # fails, rather than overwrite, when the path exists
    except FileExistsError:
        return False
    finally:
        Path(tmp).unlink(missing_ok=True)
    return True


def read_manifest(folder: Path) -> dict[str, str]:
    """Relative path -> SHA-256 of the file as last written; {} when there is none."""
    try:
        data = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    files = data.get("files") if isinstance(data, dict) else None
    return {k: v for k, v in files.items() if isinstance(v, str)} \
        if isinstance(files, dict) else {}


def refresh(folder: Path, files: dict[str, str] | None = None) -> Refresh:
    """Bring the workspace up to date with the course; never touch a file the learner changed."""
    if folder.exists() and not folder.is_dir():
        raise DojoError(f"{folder} is a file; `dojo lab --dir` needs a folder")
    files = plan() if files is None else files
    old = read_manifest(folder)
    new: dict[str, str] = {}
    done = Refresh()
    try:
        for rel, text in files.items():
            path, data = folder / rel, text.encode("utf-8")
            if not path.exists():
                if _create(path, data):
                    done.written.append(rel)
                    new[rel] = _digest(data)
                else:
                    done.kept.append(rel)
                continue
            current = _digest(path.read_bytes())
            if current == _digest(data):
                done.unchanged += 1
                new[rel] = current
            elif old.get(rel) == current:  # as we wrote it: the learner never changed it
                atomic_write_text(path, text)
                done.updated.append(rel)
                new[rel] = _digest(data)
            else:
                done.kept.append(rel)
                if rel in old:
                    new[rel] = old[rel]  # still ours to update, should the learner revert
        for rel, digest in old.items():
            path = folder / rel
            if rel in files or not path.is_file():
                continue
            if _digest(path.read_bytes()) == digest:
                path.unlink()
                done.removed.append(rel)
        atomic_write_text(folder / MANIFEST, json.dumps({"files": new}, indent=1) + "\n")
    except OSError as e:
        raise DojoError(f"cannot write the workspace {folder}: {e.strerror or e}") from e
    return done
