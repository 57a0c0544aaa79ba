"""Execute a lesson notebook with nbclient, in its own folder, quick or full."""

from __future__ import annotations

import os
from pathlib import Path

from torchdojo.book.kernel import kernel_manager
from torchdojo.errors import DojoError
from torchdojo.runner import QUICK_ENV


class LessonFailed(DojoError):
    """A lesson's notebook raised: names the lesson, the cell and the error in one line."""

    def __init__(self, lesson_id: str, cell: int | None, source: str, error: str,
                 notebook: Path | None = None) -> None:
        self.lesson_id, self.cell, self.error, self.notebook = lesson_id, cell, error, notebook
        where = f"cell {cell}" if cell is not None else "start-up"
        first = next((line.strip() for line in source.splitlines() if line.strip()), "")
        shown = f" `{first[:60]}{'...' if len(first) > 60 else ''}`" if first else ""
        saved = f" (executed part: {notebook})" if notebook else ""
        super().__init__(f"lesson '{lesson_id}' failed in {where}{shown}: {error}{saved}")


def kernel_env(quick: bool) -> dict[str, str]:
    """The kernel's environment: quick or full configs, inline figures, no progress bars."""
    env = dict(os.environ)
    env.pop(QUICK_ENV, None)
    if quick:
        env[QUICK_ENV] = "1"
    env["MPLBACKEND"] = "module://matplotlib_inline.backend_inline"
    env["TQDM_DISABLE"] = "1"  # epoch bars are noise in a book; the printed lines stay
    env["PYDEVD_DISABLE_FILE_VALIDATION"] = "1"
    env.setdefault("DOJO_YOUR_TURN", "0")  # the book shows the prompts, not their answers
    quiet_tqdm = "ignore:IProgress not found"  # tqdm.auto's warning when ipywidgets is absent
    env["PYTHONWARNINGS"] = ",".join(w for w in (env.get("PYTHONWARNINGS"), quiet_tqdm) if w)
    return env


def execute(nb, lesson_id: str, workdir: Path, *, quick: bool,  # nb: nbformat.NotebookNode
            timeout: int | None = None, kernels: Path | None = None):
    """Run every cell of `nb` with cwd `workdir`; return it with outputs, or raise LessonFailed.

    The kernel's own chatter (start-up warnings) goes to <workdir>/kernel.log, not the terminal.
    """
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

    workdir.mkdir(parents=True, exist_ok=True)
    km = kernel_manager(kernels or workdir.parent)
    client = NotebookClient(nb, km=km, timeout=timeout,
                            resources={"metadata": {"path": str(workdir)}},
                            record_timing=False)
    try:
        with (workdir / "kernel.log").open("w") as log:
            client.execute(env=kernel_env(quick), cwd=str(workdir), stdout=log, stderr=log)
    except (CellExecutionError, CellTimeoutError, DeadKernelError) as e:
        saved = workdir / f"{lesson_id}.failed.ipynb"
        nbformat.write(nb, saved)
        index, source = _failing_cell(nb)
        if isinstance(e, CellExecutionError):
            error = f"{e.ename}: {e.evalue}" if e.ename else str(e).strip().splitlines()[-1]
        else:
            error = f"{type(e).__name__}: {str(e).strip().splitlines()[0] if str(e) else ''}"
        raise LessonFailed(lesson_id, index, source, error, saved) from None
    finally:  # nbclient stops only kernels it made itself: this one would outlive the build
        _shut_down(km)
    return nb


def _shut_down(km) -> None:
    from jupyter_core.utils import run_sync

    if km.has_kernel:
        run_sync(km.shutdown_kernel)(now=True)


def _failing_cell(nb) -> tuple[int | None, str]:
    """(1-based cell number, source) of the cell that raised, else the last one executed."""
    last = (None, "")
    for number, cell in enumerate(nb.cells, start=1):
        if cell.cell_type != "code":
            continue
        if any(out.get("output_type") == "error" for out in cell.get("outputs", [])):
            return number, cell.source
        if cell.get("execution_count") is not None:
            last = (number, cell.source)
    return last
