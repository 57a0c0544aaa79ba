"""Lesson script (jupytext percent format) -> notebook, for the book and for learners.

Two things are added on the way, so a lesson script writes neither by hand:

- a header cell rendered from the registry (title, part, sources, aliases, the target
  derived from the lesson's checks, its exercises), first in every notebook;
- teacher notes: a markdown cell whose first line starts `**Teacher:**` (what to do:
  timing, what to run live, what to ask) or `**Say:**` (narrative to say). They are
  tagged `teacher` / `say`, become speaker notes in the slides, and are left out of the
  learner's notebook and the book's pages.
"""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

from torchdojo import registry
from torchdojo.exercises.notebooks import KERNELSPEC, language_info
from torchdojo.registry import Lesson

HEADER_TAG = "dojo-header"
NOTE_KINDS = {"Teacher": "teacher", "Say": "say"}  # first-line marker -> tag
_NOTE = re.compile(r"\*\*(Teacher|Say):\*\*")


def to_notebook(text: str):  # -> nbformat.NotebookNode
    """The notebook a percent-format script describes, python3 kernelspec, notes tagged."""
    import jupytext

    nb = jupytext.reads(text, fmt="py:percent")
    nb.metadata["kernelspec"] = dict(KERNELSPEC)
    nb.metadata["language_info"] = language_info()  # as the kernel reports it
    nb.metadata.get("jupytext", {}).pop("text_representation", None)
    return tag_notes(nb)


def note_kind(cell: Any) -> str | None:
    """'teacher' or 'say' for a teacher-note cell, else None."""
    if cell.cell_type != "markdown":
        return None
    match = _NOTE.match(cell.source.lstrip())
    return NOTE_KINDS[match.group(1)] if match else None


def tag_notes(nb: Any) -> Any:
    """`nb` with each note cell tagged by its kind (in place; idempotent)."""
    for cell in nb.cells:
        kind = note_kind(cell)
        if kind:
            tags = cell.metadata.setdefault("tags", [])
            if kind not in tags:
                tags.append(kind)
    return nb


def without_notes(nb: Any) -> Any:
    """A copy of `nb` without teacher notes: what learners and the book pages see."""
    nb = copy.deepcopy(nb)
    nb.cells = [cell for cell in nb.cells if note_kind(cell) is None]
    return nb


def header_cell(lesson: Lesson):  # -> nbformat.NotebookNode
    """The lesson's first cell, from the registry: title, where it sits, target, exercises."""
    import nbformat

    lessons = registry.all_lessons()
    number = next(n for n, other in enumerate(lessons, start=1) if other.id == lesson.id)
    where = [f"*{registry.PARTS[lesson.part]}*", f"lesson {number} of {len(lessons)}",
             f"`dojo lesson {lesson.id}`" + (f" (or {', '.join(lesson.aliases)})"
                                             if lesson.aliases else ""),
             f"from {sources(lesson.source)}"]
    lines = [f"# {lesson.title}", "", " · ".join(where), "",
             f"**Target** (full run, `dojo verify {lesson.id}`): {lesson.target}"]
    exercises = lesson_exercises(lesson.id)
    if exercises:
        listed = "; ".join(f'{ex.number} *{ex.title}* (section "{ex.section}")'
                           for ex in exercises)
        lines += ["", f"**Exercises:** {listed}. `dojo exercises init` writes their stubs; "
                      f"`dojo check {exercises[0].number}` grades one."]
    return nbformat.v4.new_markdown_cell("\n".join(lines), metadata={"tags": [HEADER_TAG]})


def sources(source: str) -> str:
    """The registry's source field in words: '110, 002' -> 'outline 001 (exercise 110), ...'.

    Three-digit numbers from 100 up are exercises of outline 001; 000 to 004 are outlines.
    """
    items = [item.strip() for item in source.split(",") if item.strip()]
    said = [f"outline {item}" for item in items if item.startswith("00")]
    exercises = [item for item in items if not item.startswith("00")]
    if exercises:
        plural = "s" if len(exercises) > 1 or "-" in exercises[0] else ""
        said.insert(0, f"outline 001 (exercise{plural} {', '.join(exercises)})")
    return ", ".join(said)


def lesson_exercises(lesson_id: str) -> list[Any]:  # -> list[Exercise]
    """The exercises that practise this lesson, in course order."""
    from torchdojo.exercises.catalog import all_exercises

    return [ex for ex in all_exercises() if ex.lesson == lesson_id]


def with_header(nb: Any, lesson: Lesson) -> Any:
    """A copy of `nb` whose first cell is the lesson's header (a stale one is replaced)."""
    nb = copy.deepcopy(nb)
    nb.cells = [header_cell(lesson)] + [cell for cell in nb.cells
                                        if HEADER_TAG not in cell.metadata.get("tags", [])]
    nb.metadata["title"] = lesson.title
    return nb


def lesson_notebook(lesson: Lesson, *, notes: bool = False):  # -> nbformat.NotebookNode
    """The lesson's notebook, unexecuted, with its header; teacher notes only if `notes`."""
    nb = with_header(to_notebook(script_text(lesson)), lesson)
    return nb if notes else without_notes(nb)


def script_text(lesson: Lesson) -> str:
    """The lesson script's text; a DojoError when the lesson is planned but not written."""
    from torchdojo.errors import DojoError

    if lesson.lesson_path is None:
        raise DojoError(f"lesson '{lesson.id}' has no lesson script yet (planned); "
                        "`dojo list` shows what is ready")
    return lesson.lesson_path.read_text(encoding="utf-8")


def write_learner_copy(lesson: Lesson, folder: Path) -> tuple[Path, bool]:
    """Write <folder>/<id>.ipynb unless it exists; return (path, written). Never overwrites."""
    import nbformat

    path = folder / f"{lesson.id}.ipynb"
    if path.exists():
        return path, False
    text = nbformat.writes(lesson_notebook(lesson))
    try:
        with path.open("x", encoding="utf-8") as f:  # "x": fails rather than overwrite
            f.write(text)
    except FileExistsError:
        return path, False
    return path, True
