"""One notebook per exercise: the task and the lesson to read, the stub cell, the check cell.

Written as plain nbformat-4 JSON (the standard library only), so `dojo exercises init
--notebooks` needs no notebook package; the cells run `torchdojo.notebook.check` in Jupyter.
"""

from __future__ import annotations

import ast
import json
import sys
from pathlib import Path

from torchdojo import registry
from torchdojo.exercises.spec import Exercise
from torchdojo.exercises.stubs import make_stub

KERNELSPEC = {"display_name": "Python 3", "language": "python", "name": "python3"}


def language_info() -> dict:
    """The language_info ipykernel reports for this Python, in full: Jupyter writes what the
    kernel reports into the notebook when it starts, so a bare {"name": "python"} made every
    notebook show as edited as soon as it was opened."""
    return {"codemirror_mode": {"name": "ipython", "version": sys.version_info[0]},
            "file_extension": ".py", "mimetype": "text/x-python", "name": "python",
            "nbconvert_exporter": "python", "pygments_lexer": f"ipython{sys.version_info[0]}",
            "version": sys.version.split()[0]}


# The cells, in order; lab-check and the tests find them by these ids.
CELL_IDS = ("task", "how", "stub", "check", "progress")


def marker(exercise: Exercise) -> str:
    """The stub cell's first line; check() uses it to name a renamed function."""
    return f"# Exercise {exercise.number:02d} ({exercise.slug}): your code goes in this cell"


def notebook_name(exercise: Exercise) -> str:
    """NN_slug.ipynb, beside the NN_slug.py of the terminal flow."""
    return exercise.file_name.removesuffix(".py") + ".ipynb"


def task_text(exercise: Exercise) -> str:
    """The reference solution's module docstring: the task and its math."""
    tree = ast.parse(exercise.solution_path.read_text(encoding="utf-8"))
    return ast.get_docstring(tree, clean=True) or exercise.title


def stub_cell_source(exercise: Exercise) -> str:
    """The stub without its module docstring (the task cell shows it), under the marker line."""
    return _cell_text(exercise, make_stub(exercise))


def solution_cell_source(exercise: Exercise) -> str:
    """The stub cell as a learner who solved it leaves it: the reference solution's code."""
    return _cell_text(exercise, exercise.solution_path.read_text(encoding="utf-8"))


def _cell_text(exercise: Exercise, module: str) -> str:
    tree = ast.parse(module)
    first = tree.body[0] if tree.body else None
    lines = module.splitlines()
    if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) \
            and isinstance(first.value.value, str):
        lines = lines[first.end_lineno:]
    while lines and not lines[0].strip():
        lines.pop(0)
    return "\n".join([marker(exercise), *lines]).rstrip() + "\n"


def lesson_line(exercise: Exercise, lesson_href: str | None) -> str:
    """'Read first: lesson *Title*, section "..."', linked when the lesson notebook is beside."""
    lesson = registry.find(exercise.lesson)
    title = f"[*{lesson.title}*]({lesson_href})" if lesson_href else \
        f"*{lesson.title}* (`dojo lesson {lesson.id}` writes its notebook)"
    return f"**Read first:** lesson {title}, section \"{exercise.section}\"."


def exercise_notebook(exercise: Exercise, lesson_href: str | None = None) -> dict:
    """The exercise's notebook as nbformat-4 JSON data."""
    n = exercise.number
    task = [f"# Exercise {n:02d}: {exercise.title}", "", lesson_line(exercise, lesson_href), "",
            task_text(exercise)]
    how = [f"**How it works.** Write your code where the cell below says `# TODO` (in place of "
           f"`raise NotImplementedError`), run that cell (Shift+Enter), then run the check. "
           f"The check runs the code you ran on fresh random inputs, in a separate process, "
           f"and compares it with a reference, gradients included. Keep the names the stub "
           f"gives. Stuck? `check({n}, hint=True)` gives a hint, a stronger one each time."]
    sources = {
        "task": ("markdown", "\n".join(task)),
        "how": ("markdown", "\n".join(how)),
        "stub": ("code", stub_cell_source(exercise)),
        "check": ("code", f"from torchdojo.notebook import check\n\ncheck({n})"),
        "progress": ("code", "from torchdojo.notebook import progress\n\n"
                             "progress()  # what you have passed, and what is next"),
    }
    cells = [_cell(cell_id, *sources[cell_id]) for cell_id in CELL_IDS]
    return {"cells": cells, "nbformat": 4, "nbformat_minor": 5,
            "metadata": {"kernelspec": dict(KERNELSPEC), "language_info": language_info(),
                         "title": f"Exercise {n:02d}: {exercise.title}",
                         "torchdojo": {"exercise": n, "slug": exercise.slug}}}


def _cell(cell_id: str, kind: str, source: str) -> dict:
    cell = {"cell_type": kind, "id": cell_id, "metadata": {},
            "source": source.splitlines(keepends=True)}
    if kind == "code":
        cell.update(execution_count=None, outputs=[])
    return cell


def dumps(notebook: dict) -> str:
    """A notebook's file text, as Jupyter writes it (one-space indent, sorted keys)."""
    return json.dumps(notebook, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def readme(exercises: list[Exercise]) -> str:
    """The README of a folder of exercise notebooks."""
    rows = "\n".join(f"| {ex.number:02d} | `{notebook_name(ex)}` | {ex.title} | {ex.lesson} |"
                     for ex in exercises)
    first = notebook_name(exercises[0]) if exercises else "the first notebook"
    return f"""# Your torchdojo exercise notebooks

One notebook per exercise, in course order below. Open `{first}` in Jupyter
(`jupyter lab` in this folder, or `dojo lab` for the whole course with its lessons),
write your code in the stub cell, run it, then run the check cell. `check(N)` says
what is right and what is not; `check(N, hint=True)` gives a hint, stronger each
time; `progress()` shows what you have passed. The terminal sees the same progress
(`dojo progress`). Edited notebooks are never overwritten: delete one and run
`dojo exercises init --notebooks` here again for a fresh copy.

| # | notebook | task | lesson |
|---|---|---|---|
{rows}
"""


def notebook_files(folder: Path, exercises: list[Exercise]) -> list[tuple[Path, str]]:
    """(path, text) of each exercise notebook in `folder`, and its README."""
    files = [(folder / notebook_name(ex), dumps(exercise_notebook(ex))) for ex in exercises]
    return files + [(folder / "README.md", readme(exercises))]
