"""The allowed arrows between the package's parts (DESIGN.md): an import against them fails.

    data, models  ->  train, methods, figures  ->  experiments  ->  runner  ->  cli
"""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "torchdojo"

# part -> the parts it must never import (torchdojo.errors, paths, files, config: anyone)
FORBIDDEN = {
    "models": {"data", "train", "methods", "figures", "experiments", "runner", "cli",
               "exercises", "book"},
    "data": {"models", "train", "methods", "figures", "experiments", "runner", "cli",
             "exercises", "book"},
    "train": {"methods", "experiments", "runner", "cli", "exercises", "book"},
    "methods": {"experiments", "runner", "cli", "exercises", "book"},
    "figures": {"experiments", "runner", "cli", "exercises", "book"},
    "experiments": {"runner", "cli", "exercises", "book"},
    "runner": {"cli", "exercises", "book"},
    "exercises": {"cli", "runner", "experiments", "book", "notebook", "lab"},
    "notebook": {"cli", "runner", "experiments", "book", "lab"},
    "lab": {"cli"},
    "book": {"cli"},
    "files": {"data", "models", "train", "methods", "figures", "experiments", "runner", "cli"},
}


def part_of(path: Path) -> str:
    rel = path.relative_to(PACKAGE)
    return rel.parts[0].removesuffix(".py")


def imported_parts(path: Path) -> set[tuple[str, int]]:
    """(part, line) for every `torchdojo.<part>` this file imports, at any depth."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module] + [f"{node.module}.{a.name}" for a in node.names
                                     if node.module == "torchdojo"]
        for name in names:
            parts = name.split(".")
            if parts[0] == "torchdojo" and len(parts) > 1:
                found.add((parts[1], node.lineno))
    return found


FILES = sorted(p for p in PACKAGE.rglob("*.py") if "solutions" not in p.parts)


@pytest.mark.parametrize("path", FILES, ids=[str(p.relative_to(PACKAGE)) for p in FILES])
def test_imports_follow_the_allowed_direction(path):
    part = part_of(path)
    bad = [f"line {line}: torchdojo.{target}" for target, line in imported_parts(path)
           if target in FORBIDDEN.get(part, set())
           or (target == "cli" and part not in ("cli", "__main__"))]
    assert not bad, f"{path.relative_to(PACKAGE)} ({part}) imports " + ", ".join(sorted(bad))


def test_the_checker_sees_a_violation(tmp_path):
    sample = tmp_path / "x.py"
    sample.write_text("def f():\n    from torchdojo.train.loop import fit\n")
    assert ("train", 2) in imported_parts(sample)
