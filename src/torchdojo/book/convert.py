"""Lesson script (jupytext percent format) -> notebook, for the book and for learners."""

from __future__ import annotations

from pathlib import Path

from torchdojo.registry import Lesson

KERNELSPEC = {"display_name": "Python 3", "language": "python", "name": "python3"}


def to_notebook(text: str):  # -> nbformat.NotebookNode
    """The notebook a percent-format script describes, with a python3 kernelspec."""
    import jupytext

    nb = jupytext.reads(text, fmt="py:percent")
    nb.metadata["kernelspec"] = dict(KERNELSPEC)
    nb.metadata.setdefault("language_info", {"name": "python"})
    nb.metadata.get("jupytext", {}).pop("text_representation", None)
    return nb


def lesson_notebook(lesson: Lesson):  # -> nbformat.NotebookNode
    """The lesson's notebook, unexecuted, titled with the lesson's title."""
    nb = to_notebook(script_text(lesson))
    nb.metadata["title"] = lesson.title
    return nb


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
