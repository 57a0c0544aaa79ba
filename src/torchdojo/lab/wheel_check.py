"""The wheel alone runs a lesson notebook and grades an exercise notebook (`make wheel-check`).

    python -m torchdojo.lab.wheel_check [--out build/wheel-check]

1. Build the wheel (`pip wheel . --no-deps`: hatchling, in an isolated build) and check
   that it ships the lessons and the exercises' sources (solutions, checks, sandbox).
2. Make a fresh venv that cannot see this checkout (`--without-pip`, no system
   site-packages; this venv's pip installs into it, torch 2.13.0 from the local disk).
3. As on Colab or a plain Jupyter: install the wheel with only a kernel and nbclient
   beside it, write the exercise notebooks (`dojo exercises init --notebooks`), paste
   the reference solution into one stub cell, execute the notebook: its check must say
   PASS, and `dojo progress` must list the exercise as passed.
4. Add the notebooks extra and execute one lesson's notebook (`dojo lesson`, quick mode).

Steps 3 and 4 run inside the fresh venv, in an empty folder (`--inside`).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]  # the source checkout (outside: unused)
LESSON = "tensors"  # quick, and needs no dataset
EXERCISE = "7"
PLAIN_JUPYTER = ("ipykernel", "nbclient")  # what Colab or any Jupyter already has
CELL_TIMEOUT = 600


def expected_members() -> list[str]:
    """Files the wheel must hold: every ready lesson, every exercise's sources, the sandbox."""
    from torchdojo import registry
    from torchdojo.exercises import catalog

    names = [f"torchdojo/lessons/{lesson.id}.py" for lesson in registry.all_lessons()
             if lesson.status == "ready"]
    names += [f"torchdojo/exercises/solutions/{ex.file_name}" for ex in catalog.all_exercises()]
    checks = sorted({ex.make_cases.__module__ for ex in catalog.all_exercises()})
    names += [f"{module.replace('.', '/')}.py" for module in checks]
    return names + ["torchdojo/exercises/sandbox_child.py", "torchdojo/exercises/observe.py",
                    "torchdojo/exercises/notebooks.py", "torchdojo/notebook/__init__.py",
                    "torchdojo/lab/workspace.py"]


def wheel_problems(members: list[str], expected: list[str]) -> list[str]:
    """What the wheel lacks, one line each (empty when it has everything)."""
    have = set(members)
    return [f"the wheel lacks {name}" for name in expected if name not in have]


def solve(notebook: dict, source: str) -> dict:
    """The notebook with its stub cell (id 'stub') holding `source`, as a learner leaves it."""
    stubs = [cell for cell in notebook["cells"] if cell.get("id") == "stub"]
    if len(stubs) != 1:
        raise ValueError(f"expected one stub cell, found {len(stubs)}")
    stubs[0]["source"] = source.splitlines(keepends=True)
    return notebook


def check_outputs(notebook) -> list[str]:
    """The dojo results (their HTML) in the executed notebook's outputs."""
    found = []
    for cell in notebook.cells:
        for out in cell.get("outputs", []):
            html = out.get("data", {}).get("text/html", "")
            if "data-dojo-status" in html:
                found.append(html)
    return found


def _run(command: list[str], **kwargs) -> None:
    print("$ " + " ".join(command), flush=True)
    subprocess.run(command, check=True, **kwargs)


def build_wheel(dist: Path) -> Path:
    """Build the wheel into `dist`; its path."""
    shutil.rmtree(dist, ignore_errors=True)
    _run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(dist), str(ROOT)])
    return next(dist.glob("torchdojo-*.whl"))


def make_venv(venv: Path) -> Path:
    """A fresh venv without pip and without the system's (or this venv's) packages."""
    shutil.rmtree(venv, ignore_errors=True)
    _run([sys.executable, "-m", "venv", "--without-pip", str(venv)])
    return venv / "bin" / "python"


def pip_install(python: Path, *requirements: str) -> None:
    """This venv's pip, installing into the fresh one, pinned by constraints.txt."""
    _run([sys.executable, "-m", "pip", "--python", str(python), "install", "-q",
          "--disable-pip-version-check", "-c", str(ROOT / "constraints.txt"), *requirements])


def outside(out: Path) -> int:
    """Build, inspect, install, then run the two checks inside the fresh venv."""
    start = time.monotonic()
    wheel = build_wheel(out / "dist")
    members = zipfile.ZipFile(wheel).namelist()
    problems = wheel_problems(members, expected_members())
    for line in problems:
        print(f"FAIL {line}")
    if problems:
        return 1
    print(f"ok   {wheel.name}: {len(members)} files, every lesson and exercise source in it")
    python = make_venv(out / "venv")
    work = out / "work"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env.update(TORCHDOJO_HOME=str(work / "home"), JUPYTER_DATA_DIR=str(work / "jupyter"),
               TORCHDOJO_OFFLINE="1", MPLBACKEND="Agg", DOJO_QUICK="1")
    pip_install(python, "torch==2.13.0", str(wheel), *PLAIN_JUPYTER)
    _run([str(python), "-m", "torchdojo.lab.wheel_check", "--inside", str(work),
          "--phase", "exercise"], cwd=work, env=env)
    pip_install(python, f"{wheel}[notebooks]")
    _run([str(python), "-m", "torchdojo.lab.wheel_check", "--inside", str(work),
          "--phase", "lesson"], cwd=work, env=env)
    print(f"wheel-check passed in {time.monotonic() - start:.0f} s")
    return 0


def _execute(path: Path, cwd: Path):
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    NotebookClient(nb, timeout=CELL_TIMEOUT, kernel_name="python3",
                   resources={"metadata": {"path": str(cwd)}}).execute()
    return nb


def inside(work: Path, phase: str) -> int:
    """In the fresh venv: grade an exercise notebook, or run a lesson notebook."""
    import torchdojo

    where = Path(torchdojo.__file__).resolve()
    if Path(sys.prefix).resolve() not in where.parents:
        print(f"FAIL torchdojo comes from {where}, not from the fresh venv {sys.prefix}")
        return 1
    dojo = Path(sys.prefix) / "bin" / "dojo"
    if phase == "exercise":
        from torchdojo.exercises import catalog
        from torchdojo.exercises.notebooks import notebook_name, solution_cell_source

        ex = catalog.find(EXERCISE)
        folder = work / "exercises"
        _run([str(dojo), "exercises", "init", "--notebooks", str(folder)])
        path = folder / notebook_name(ex)
        path.write_text(json.dumps(solve(json.loads(path.read_text()), solution_cell_source(ex))))
        results = check_outputs(_execute(path, folder))
        if not results or 'data-dojo-status="pass"' not in results[0]:
            print(f"FAIL the check in {path.name} did not pass: {results[:1]}")
            return 1
        shown = subprocess.run([str(dojo), "progress"], capture_output=True, text=True).stdout
        if f"passed  {ex.number:02d} {ex.slug}" not in shown:
            print(f"FAIL `dojo progress` does not list {ex.slug} as passed:\n{shown}")
            return 1
        print(f"ok   {path.name}: check({ex.number}) PASS in the notebook, `dojo progress` "
              f"lists it (torchdojo from {where.parent})")
        return 0
    folder = work / "lessons"
    folder.mkdir(exist_ok=True)
    _run([str(dojo), "lesson", LESSON, "--dir", str(folder)])
    start = time.monotonic()
    nb = _execute(folder / f"{LESSON}.ipynb", folder)
    errors = [out for cell in nb.cells for out in cell.get("outputs", [])
              if out.get("output_type") == "error"]
    if errors:
        print(f"FAIL the {LESSON} notebook raised {errors[0].get('ename')}")
        return 1
    print(f"ok   lesson {LESSON}: {len(nb.cells)} cells executed in "
          f"{time.monotonic() - start:.0f} s, no errors")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("build/wheel-check"))
    parser.add_argument("--inside", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--phase", choices=("exercise", "lesson"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.inside:
        return inside(args.inside, args.phase)
    try:
        return outside(args.out.resolve())
    except subprocess.CalledProcessError as e:
        print(f"FAIL {' '.join(map(str, e.cmd))} exited with {e.returncode}")
        return 1


if __name__ == "__main__":
    sys.exit(main())
