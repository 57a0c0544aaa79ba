"""`dojo verify`: full runs of each lesson's checks against the curriculum targets."""

from __future__ import annotations

import json
import platform
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

from torchdojo import registry
from torchdojo.errors import DojoError
from torchdojo.experiments import runner
from torchdojo.train.runs import atomic_write_bytes


@dataclass
class Row:
    """One check of one lesson: what was measured, on what, and the verdict."""

    lesson: str
    check: str
    dataset: str
    measured: str
    verdict: str  # PASS, FAIL, n/a (other data than the target's), planned
    seconds: float
    run_dir: str


def machine() -> str:
    """A one-line description of this machine for the results table."""
    import os

    import torch

    cpu = platform.processor() or platform.machine()
    where = (torch.cuda.get_device_name(0) if torch.cuda.is_available()
             else f"{os.cpu_count()} CPU cores")
    return f"{where}, {cpu}, torch {torch.__version__}"


def verify(keys: list[str], *, device: str = "auto", out_root: Path = Path("runs/verify"),
           quiet: bool = True, say: Callable[[str], None] = print) -> list[Row]:
    """Run each lesson's full checks; return one row per check (planned lessons included)."""
    lessons = [registry.find(k) for k in keys] if keys else list(registry.all_lessons())
    rows: list[Row] = []
    stamp = time.strftime("%Y%m%d-%H%M%S")
    for lesson in lessons:
        if lesson.status != "ready":
            rows.append(Row(lesson.id, "-", "-", "-", "planned", 0.0, ""))
            say(f"{lesson.id:15s} planned: not built yet")
            continue
        for check in lesson.checks:
            out = out_root / f"{lesson.id}-{check.label.replace('=', '-')}-{stamp}"
            say(f"{lesson.id:15s} {check.label}: running full config ...")
            t0 = time.perf_counter()
            try:
                started = runner.prepare(lesson.id, overrides=dict(check.overrides),
                                         device=device, out=out, quiet=quiet)
                result = runner.execute(started)
            except DojoError as e:  # e.g. data missing here: report it, verify the rest
                rows.append(Row(lesson.id, check.label, "-", "-", f"error: {e}", 0.0, ""))
                say(f"{lesson.id:15s} {check.label}: error: {e}")
                continue
            seconds = time.perf_counter() - t0
            verdicts = runner.verdicts(lesson, started.config, result)
            measured = ", ".join(f"{t.metric}={result.metrics.get(t.metric, float('nan')):.4g}"
                                 for t in check.targets)
            worst = ("FAIL" if any(v.startswith("FAIL") for _, v in verdicts) else
                     "n/a" if any(v.startswith("n/a") for _, v in verdicts) else "PASS")
            rows.append(Row(lesson.id, check.label, result.dataset or "generated", measured,
                            worst, round(seconds, 1), str(out)))
            say(f"{lesson.id:15s} {check.label}: {worst}  {measured}  on "
                f"{result.dataset or 'generated data'}  ({seconds:.0f} s)")
    return rows


def write_summary(rows: list[Row], path: Path) -> Path:
    """Save rows as JSON and as a Markdown table ready for the README."""
    date = time.strftime("%Y-%m-%d")
    lines = [f"Measured by `dojo verify` on {machine()}, {date}.", "",
             "| lesson | check | data | measured | verdict | time (s) |",
             "|---|---|---|---|---|---|"]
    lines += [f"| {r.lesson} | {r.check} | {r.dataset} | {r.measured} | {r.verdict} | "
              f"{r.seconds:.0f} |" for r in rows]
    atomic_write_bytes(path.with_suffix(".md"), ("\n".join(lines) + "\n").encode())
    atomic_write_bytes(path.with_suffix(".json"), json.dumps(
        {"machine": machine(), "date": date, "rows": [asdict(r) for r in rows]},
        indent=2).encode())
    return path.with_suffix(".md")
