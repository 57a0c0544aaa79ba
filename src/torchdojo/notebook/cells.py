"""Find the code a learner ran in a notebook: the newest cells that define an exercise's names.

The kernel's input history (IPython's `In`: In[k] is the cell run as [k]) is what was
run, which is what the kernel's functions are, whatever the notebook now shows. The
check grades those cells, joined into one module, and says "cell [k], line j" where
the grader would say "NN_slug.py:line".
"""

from __future__ import annotations

import ast
import functools
import re
from dataclasses import dataclass

from torchdojo.errors import DojoError
from torchdojo.exercises.notebooks import marker
from torchdojo.exercises.spec import Exercise

# Top-level statements of a cell that must not run in the sandbox: the check itself, and
# IPython's magics (`%matplotlib`, `!ls`), which In holds as get_ipython() calls.
_SKIPPED_CALLS = ("check", "progress", "get_ipython")


@dataclass(frozen=True)
class Cell:
    """One cell the kernel ran: its execution count and its (IPython-transformed) source."""

    count: int
    source: str


@dataclass(frozen=True)
class LearnerCode:
    """The learner's cells joined into one module, and where each cell starts in it."""

    source: str
    starts: tuple[tuple[int, int], ...]  # (first line in `source`, execution count)

    def where(self, line: int) -> str:
        """'cell [k], line j' for a line of the joined module."""
        start, count = max((s for s in self.starts if s[0] <= line), default=(1, 0))
        return f"cell [{count}], line {line - start + 1}"

    def localise(self, text: str, file_name: str) -> str:
        """The grader's words about a file, in the notebook's: cells, not NN_slug.py."""
        text = re.sub(rf"{re.escape(file_name)}:(\d+)", lambda m: self.where(int(m[1])), text)
        text = re.sub(r"syntax error at line (\d+)",
                      lambda m: f"syntax error in {self.where(int(m[1]))}", text)
        return text.replace("importing your file", "running your cells") \
            .replace("in your file", "in the cells you ran")


def history(namespace: dict) -> list[Cell]:
    """The cells run so far, oldest first, from a kernel namespace (IPython's `In`)."""
    inputs = namespace.get("In", namespace.get("_ih"))
    if not isinstance(inputs, list):
        raise DojoError("check() grades the cells you ran in this notebook, and this kernel keeps "
                        "no input history (IPython's `In`); in a terminal use `dojo check`")
    return [Cell(k, text) for k, text in enumerate(inputs)
            if isinstance(text, str) and text.strip()]


@functools.cache
def required_names(exercise: Exercise) -> tuple[str, ...]:
    """The top-level functions and classes of the reference solution, entry first."""
    tree = ast.parse(exercise.solution_path.read_text(encoding="utf-8"))
    names = [n.name for n in tree.body if isinstance(n, (ast.FunctionDef, ast.ClassDef))]
    return (exercise.entry, *[n for n in names if n != exercise.entry])


def defined_names(source: str) -> list[str] | None:
    """Top-level def/class names of a cell, in order; None when it does not parse."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return None
    return [n.name for n in tree.body
            if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))]


def defines(source: str, name: str) -> bool:
    """True when a cell defines `name` at top level (by its text when it does not parse)."""
    names = defined_names(source)
    if names is not None:
        return name in names
    return re.search(rf"^(?:async\s+)?(?:def|class)\s+{re.escape(name)}\b", source, re.M) \
        is not None


def without_checks(source: str) -> str:
    """The cell with its top-level check()/progress() calls, notebook imports and magics blanked.

    Blank lines keep the line numbers; a cell that does not parse is left for the grader.
    """
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return source
    lines = source.splitlines()
    for node in tree.body:
        if _is_skipped(node):
            for i in range(node.lineno - 1, node.end_lineno):
                lines[i] = ""
    return "\n".join(lines) + "\n"


def _is_skipped(node: ast.stmt) -> bool:
    if isinstance(node, ast.ImportFrom):
        return (node.module or "").startswith("torchdojo.notebook")
    if isinstance(node, ast.Import):
        return any(a.name.startswith("torchdojo.notebook") for a in node.names)
    if not isinstance(node, (ast.Expr, ast.Assign)) or not isinstance(node.value, ast.Call):
        return False
    func = node.value.func
    while isinstance(func, ast.Attribute):  # get_ipython().run_line_magic(...)
        func = func.value.func if isinstance(func.value, ast.Call) else func.value
    return isinstance(func, ast.Name) and func.id in _SKIPPED_CALLS


def learner_code(exercise: Exercise, cells: list[Cell]) -> LearnerCode:
    """The newest cell defining each of the exercise's names, oldest first, joined.

    A DojoError, worded for the learner, when no cell run defines the entry point.
    """
    chosen: dict[int, Cell] = {}
    for name in required_names(exercise):
        cell = next((c for c in reversed(cells) if defines(c.source, name)), None)
        if cell is not None:
            chosen[cell.count] = cell
        elif name == exercise.entry:
            raise DojoError(_missing_entry(exercise, cells))
    parts, starts, line = [], [], 1
    for count in sorted(chosen):
        text = without_checks(chosen[count].source)
        parts.append(text)
        starts.append((line, count))
        line += text.count("\n")
    return LearnerCode("".join(parts), tuple(starts))


def _missing_entry(exercise: Exercise, cells: list[Cell]) -> str:
    what = "class" if exercise.entry[:1].isupper() else "function"
    stub = next((c for c in reversed(cells) if marker(exercise) in c.source), None)
    others = defined_names(stub.source) if stub else None
    if others:
        return (f"cell [{stub.count}] defines {', '.join(f'`{n}`' for n in others)} but no "
                f"{what} `{exercise.entry}`: the check calls `{exercise.entry}`, so keep the "
                f"name the stub gives")
    keyword = "class" if what == "class" else "def"
    return (f"no cell you have run defines the {what} `{exercise.entry}`: run the cell with "
            f"`{keyword} {exercise.entry}` (Shift+Enter) first; the check grades the code you "
            f"ran")
