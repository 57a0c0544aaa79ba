"""The learner's workspace: stub files cut from the reference solutions, and a README."""

from __future__ import annotations

import ast
from pathlib import Path

from torchdojo.exercises.spec import Exercise

README_TEMPLATE = Path(__file__).resolve().parent / "README_WORKSPACE.md"
TODO = "# TODO: write this (the task and the math are in the docstrings above)"


def _bodies_to_cut(tree: ast.Module, keep: tuple[str, ...]) -> list[ast.FunctionDef]:
    """Top-level functions and methods of top-level classes, except those the stub keeps."""
    found = []
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name not in keep:
            found.append(node)
        elif isinstance(node, ast.ClassDef):
            found += [m for m in node.body if isinstance(m, ast.FunctionDef)
                      and f"{node.name}.{m.name}" not in keep]
    return found


def make_stub(exercise: Exercise) -> str:
    """The solution's source with each body to write replaced by a TODO and NotImplementedError."""
    source = exercise.solution_path.read_text(encoding="utf-8")
    lines = source.splitlines()
    for fn in sorted(_bodies_to_cut(ast.parse(source), exercise.keep), key=lambda f: -f.lineno):
        body = fn.body
        has_doc = isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
            and isinstance(body[0].value.value, str)
        if has_doc and len(body) == 1:
            continue
        start = body[0].end_lineno if has_doc else body[0].lineno - 1  # comments go too
        indent = " " * body[0].col_offset
        lines[start:fn.end_lineno] = [f"{indent}{TODO}", f"{indent}raise NotImplementedError"]
    return "\n".join(lines) + "\n"


def readme(exercises: list[Exercise]) -> str:
    """The workspace README, with the table of exercises filled in."""
    rows = "\n".join(f"| {ex.number:02d} | `{ex.file_name}` | {ex.title} | {ex.lesson} |"
                     for ex in exercises)
    return README_TEMPLATE.read_text(encoding="utf-8").replace("{{EXERCISES}}", rows)


def init_workspace(folder: Path, exercises: list[Exercise], *, notebooks: bool = False
                   ) -> tuple[list[Path], list[Path]]:
    """Write stubs (or exercise notebooks) and a README into `folder`; never overwrite.

    Returns (written, kept)."""
    folder.mkdir(parents=True, exist_ok=True)
    written, kept = [], []
    if notebooks:
        from torchdojo.exercises.notebooks import notebook_files

        files = notebook_files(folder, exercises)
    else:
        files = [(folder / ex.file_name, make_stub(ex)) for ex in exercises]
        files.append((folder / "README.md", readme(exercises)))
    for path, text in files:
        try:
            with open(path, "x", encoding="utf-8") as f:  # "x": fails if the file exists
                f.write(text)
        except FileExistsError:
            kept.append(path)
        else:
            written.append(path)
    return written, kept
