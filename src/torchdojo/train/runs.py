"""Run folders: config.json, metrics.jsonl, an atomic checkpoint, plots and a report.

A run folder is created on first write, so a run that fails on bad input before
writing anything leaves nothing behind; `discard()` removes one that a failed
run did start.
"""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path
from typing import Any

import torch

from torchdojo.errors import DojoError
from torchdojo.files import atomic_write_bytes
from torchdojo.pathargs import output_dir

CHECKPOINT = "checkpoint.pt"


def default_run_dir(lesson_id: str, root: Path = Path("runs")) -> Path:
    """`runs/<id>-<timestamp>`, made unique if two runs start in the same second."""
    stamp = time.strftime("%Y%m%d-%H%M%S")
    path = root / f"{lesson_id}-{stamp}"
    n = 1
    while path.exists():
        n += 1
        path = root / f"{lesson_id}-{stamp}-{n}"
    return path


class Run:
    """One run folder. Writes are lazy: nothing exists on disk until the first one."""

    def __init__(self, path: Path | str, *, tensorboard: bool = False, resume: bool = False,
                 check: bool = True):
        self.path = Path(path)
        self.resume = resume
        self._created_here: Path | None = None
        self._tb = None
        self._tensorboard = tensorboard
        if tensorboard:
            try:
                from torch.utils.tensorboard import SummaryWriter  # noqa: F401
            except ImportError:
                raise DojoError("--tensorboard needs the tensorboard extra: "
                                "pip install 'torchdojo[tensorboard]'") from None
        if resume and not (self.path / CHECKPOINT).exists():
            raise DojoError(f"cannot resume: {self.path} has no {CHECKPOINT}")
        if check and not resume:  # under DDP only rank 0 checks: the others find its files
            self._check_writable()

    def _check_writable(self) -> None:
        """Fail early, before training, if the run folder cannot be written."""
        output_dir(self.path, "run folder (--out)")  # a file, or not writable: one line
        if self.path.exists() and any(self.path.iterdir()):
            raise DojoError(f"run folder {self.path} already exists and is not empty; "
                            "choose another --out or use --resume")

    def dir(self) -> Path:
        """The folder, created on first use."""
        if not self.path.exists():
            top = self.path  # the outermost folder this run creates (e.g. runs/), for discard()
            while not top.parent.exists():
                top = top.parent
            try:
                self.path.mkdir(parents=True)
            except OSError as e:
                raise DojoError(f"cannot create run folder {self.path}: {e.strerror}") from None
            self._created_here = top
        return self.path

    def discard(self) -> None:
        """Remove the folder if this run created it (a run that failed on bad input)."""
        if self._created_here and not self.resume:
            shutil.rmtree(self._created_here, ignore_errors=True)
        self._created_here = None

    # --- records -------------------------------------------------------------------------
    def write_json(self, name: str, data: Any) -> Path:
        path = self.dir() / name
        atomic_write_bytes(path, (json.dumps(data, indent=2, default=str) + "\n").encode())
        return path

    def read_json(self, name: str) -> Any:
        return json.loads((self.path / name).read_text())

    def log(self, record: dict[str, Any]) -> None:
        """Append one line to metrics.jsonl (and to TensorBoard when asked)."""
        with open(self.dir() / "metrics.jsonl", "a") as f:
            f.write(json.dumps(record) + "\n")
        if self._tensorboard:
            self._log_tensorboard(record)

    def rewrite_log(self, records: list[dict[str, Any]]) -> None:
        """Replace metrics.jsonl with `records` (on resume, drop lines past the checkpoint)."""
        text = "".join(json.dumps(r) + "\n" for r in records)
        atomic_write_bytes(self.dir() / "metrics.jsonl", text.encode())

    def records(self) -> list[dict[str, Any]]:
        path = self.path / "metrics.jsonl"
        if not path.exists():
            return []
        return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]

    def _log_tensorboard(self, record: dict[str, Any]) -> None:
        from torch.utils.tensorboard import SummaryWriter

        if self._tb is None:
            self._tb = SummaryWriter(str(self.dir() / "tensorboard"))
        step = int(record.get("epoch", 0))
        phase = record.get("phase", "train")
        for key, value in record.items():
            if isinstance(value, int | float) and key not in ("epoch", "step"):
                self._tb.add_scalar(f"{phase}/{key}", value, step)
        self._tb.flush()

    # --- checkpoints -----------------------------------------------------------------------
    def save_checkpoint(self, state: dict[str, Any]) -> Path:
        """torch.save to a temp file, then rename: a crash never leaves a broken checkpoint."""
        import io

        buffer = io.BytesIO()
        torch.save(state, buffer)
        path = self.dir() / CHECKPOINT
        atomic_write_bytes(path, buffer.getvalue())
        return path

    def load_checkpoint(self) -> dict[str, Any] | None:
        path = self.path / CHECKPOINT
        if not path.exists():
            return None
        try:
            return torch.load(path, map_location="cpu", weights_only=True)
        except Exception as e:  # a learner's file: say what is wrong, do not run its code
            raise DojoError(f"cannot read checkpoint {path}: {e}") from None

    # --- figures ---------------------------------------------------------------------------
    def savefig(self, fig: Any, name: str) -> Path:
        """Save a matplotlib Figure as PNG in the run folder."""
        import io

        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=100, bbox_inches="tight")
        path = self.dir() / f"{name}.png"
        atomic_write_bytes(path, buffer.getvalue())
        return path

    def figures(self) -> list[Path]:
        return sorted(self.path.glob("*.png")) if self.path.exists() else []

    def close(self) -> None:
        if self._tb is not None:
            self._tb.close()
            self._tb = None
