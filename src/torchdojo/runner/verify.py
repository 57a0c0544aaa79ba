"""`dojo verify`: full runs of each lesson's checks against the curriculum targets.

Every row says where and when it was measured (machine, device, torch, date, seed, git
commit), so a published table can mix runs and still say which run each number came from.
`dojo verify --publish` merges the rows into the packaged `results/verify.json` and
regenerates the README's results table from that file, between its markers: no row is
ever typed by hand.
"""

from __future__ import annotations

import json
import platform
import subprocess
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, fields
from pathlib import Path

from torchdojo import registry, runner
from torchdojo.errors import DojoError
from torchdojo.files import atomic_write_bytes

PUBLISHED = Path(__file__).resolve().parents[1] / "results" / "verify.json"
README_START = "<!-- verify-table:start (written by `dojo verify --publish`; do not edit) -->"
README_END = "<!-- verify-table:end -->"


@dataclass
class Row:
    """One check of one lesson: what was measured, on what, the verdict, and its provenance."""

    lesson: str
    check: str
    dataset: str
    measured: str
    verdict: str  # PASS, FAIL, n/a (other data than the target's), planned, error: ...
    seconds: float
    run_dir: str
    machine: str = ""
    device: str = ""
    torch: str = ""
    date: str = ""
    seed: int | None = None
    commit: str = ""

    @classmethod
    def from_dict(cls, data: dict) -> Row:
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})


def machine() -> str:
    """A one-line description of this machine for the results table."""
    import os

    import torch

    cpu = platform.processor() or platform.machine()
    where = (torch.cuda.get_device_name(0) if torch.cuda.is_available()
             else f"{os.cpu_count()} CPU cores")
    return f"{where}, {cpu}"


def git_commit() -> str:
    """The source tree's commit (with `+dirty` for uncommitted changes); '' outside git."""
    root = Path(__file__).resolve().parents[3]
    try:
        head = subprocess.run(["git", "-C", str(root), "rev-parse", "--short=12", "HEAD"],
                              capture_output=True, text=True, timeout=10)
        dirty = subprocess.run(["git", "-C", str(root), "status", "--porcelain", "-uno"],
                               capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return ""
    if head.returncode != 0:
        return ""
    return head.stdout.strip() + ("+dirty" if dirty.stdout.strip() else "")


def roll_up(verdicts: Iterable[tuple[str, str]]) -> str:
    """One verdict for a check from its targets' verdicts: any FAIL fails it, else any n/a
    makes it n/a, else PASS. No verdict at all is an error, never a PASS."""
    shown = [verdict for _, verdict in verdicts]
    if not shown:
        return "error: no target applied to this run"
    if any(v.startswith("FAIL") for v in shown):
        return "FAIL"
    if any(v.startswith("n/a") for v in shown):
        return "n/a"
    if all(v.startswith("PASS") for v in shown):
        return "PASS"
    return "error: unreadable verdicts " + "; ".join(shown)


def verify(keys: list[str], *, device: str = "auto", out_root: Path = Path("runs/verify"),
           quiet: bool = True, say: Callable[[str], None] = print) -> list[Row]:
    """Run each lesson's full checks; return one row per check (planned lessons included)."""
    import torch

    lessons = [registry.find(k) for k in keys] if keys else list(registry.all_lessons())
    rows: list[Row] = []
    stamp = time.strftime("%Y%m%d-%H%M%S")
    where = {"machine": machine(), "torch": torch.__version__, "commit": git_commit()}
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
                rows.append(Row(lesson.id, check.label, "-", "-", f"error: {e}", 0.0, "",
                                date=time.strftime("%Y-%m-%d"), **where))
                say(f"{lesson.id:15s} {check.label}: error: {e}")
                continue
            seconds = time.perf_counter() - t0
            verdict = roll_up(runner.verdicts(lesson, started.config, result))
            measured = ", ".join(f"{t.metric}={result.metrics.get(t.metric, float('nan')):.4g}"
                                 for t in check.targets)
            rows.append(Row(lesson.id, check.label, result.dataset or "generated", measured,
                            verdict, round(seconds, 1), str(out), device=str(started.ctx.device),
                            date=time.strftime("%Y-%m-%d"), seed=started.config.seed,
                            **where))
            say(f"{lesson.id:15s} {check.label}: {verdict}  {measured}  on "
                f"{result.dataset or 'generated data'}  ({seconds:.0f} s)")
    return rows


def table(rows: list[Row]) -> str:
    """The Markdown results table: one line per row, with where and when it was measured."""
    lines = ["| lesson | check | data | measured | verdict | time (s) | measured on |",
             "|---|---|---|---|---|---|---|"]
    for r in rows:
        on = ", ".join(x for x in (r.date, r.device, r.machine,
                                   r.torch and f"torch {r.torch}",
                                   r.commit and f"commit {r.commit}") if x)
        lines.append(f"| {r.lesson} | {r.check} | {r.dataset} | {r.measured} | {r.verdict} | "
                     f"{r.seconds:.0f} | {on} |")
    return "\n".join(lines)


def write_summary(rows: list[Row], path: Path) -> Path:
    """Save this run's rows as JSON and as a Markdown table."""
    atomic_write_bytes(path.with_suffix(".md"), (table(rows) + "\n").encode())
    atomic_write_bytes(path.with_suffix(".json"), json.dumps(
        {"rows": [asdict(r) for r in rows]}, indent=2).encode())
    return path.with_suffix(".md")


def load(path: Path = PUBLISHED) -> list[Row]:
    """The published rows."""
    return [Row.from_dict(r) for r in json.loads(path.read_text(encoding="utf-8"))["rows"]]


def merge(published: list[Row], new: list[Row]) -> list[Row]:
    """The published rows with each (lesson, check) measured anew replaced, in course order
    (a lesson re-measured replaces all its rows); planned rows and errors are not published."""
    fresh = [r for r in new if r.verdict != "planned" and not r.verdict.startswith("error")]
    remeasured = {r.lesson for r in fresh}
    kept = [r for r in published if r.lesson not in remeasured]
    order = {lesson.id: i for i, lesson in enumerate(registry.all_lessons())}
    return sorted(kept + fresh, key=lambda r: order.get(r.lesson, len(order)))


def render_readme(text: str, rows: list[Row]) -> str:
    """`text` with the block between the README markers replaced by the table of `rows`."""
    if README_START not in text or README_END not in text:
        raise DojoError(f"the README has no results markers ({README_START} ... "
                        f"{README_END}); add them where the table belongs")
    head, rest = text.split(README_START, 1)
    _, tail = rest.split(README_END, 1)
    return f"{head}{README_START}\n{table(rows)}\n{README_END}{tail}"


def publish(rows: list[Row], *, results: Path = PUBLISHED, readme: Path | None = None) -> Path:
    """Merge `rows` into the published results and regenerate the README's table."""
    readme = readme or Path(__file__).resolve().parents[3] / "README.md"
    if not readme.is_file():
        raise DojoError(f"--publish needs the source checkout's README ({readme} not found); "
                        "run it from a clone of the repository")
    merged = merge(load(results) if results.is_file() else [], rows)
    new_readme = render_readme(readme.read_text(encoding="utf-8"), merged)
    atomic_write_bytes(results, json.dumps({"rows": [asdict(r) for r in merged]},
                                           indent=2).encode())
    atomic_write_bytes(readme, new_readme.encode())
    return results
