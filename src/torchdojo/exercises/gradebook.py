"""The teacher's gradebook: grade a folder of learners' workspaces in parallel; CSV and HTML out."""

from __future__ import annotations

import csv
import html
import io
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

from tqdm.auto import tqdm

from torchdojo.errors import DojoError
from torchdojo.exercises.grader import check_workspace, load_references, new_seed
from torchdojo.exercises.judge import Verdict
from torchdojo.exercises.sandbox import Limits
from torchdojo.exercises.spec import Exercise
from torchdojo.files import atomic_write_text


@dataclass(frozen=True)
class LearnerGrade:
    """One learner's verdicts, one per exercise graded."""

    learner: str
    verdicts: tuple[Verdict, ...]

    @property
    def score(self) -> int:
        return sum(v.passed for v in self.verdicts)


def find_submissions(root: Path, exercises: list[Exercise]) -> dict[str, Path]:
    """Learner name -> workspace: each folder of `root` (or its only subfolder, if unzipped)."""
    if not root.is_dir():
        raise DojoError(f"no such folder: {root}")
    names = {ex.file_name for ex in exercises}
    found = {}
    for folder in sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")):
        workspace = folder
        if not any((folder / n).is_file() for n in names):  # e.g. an unzipped "dojo/" inside
            inner = [p for p in folder.iterdir() if p.is_dir() and not p.name.startswith(".")]
            if len(inner) == 1:
                workspace = inner[0]
        found[folder.name] = workspace
    if not found:
        raise DojoError(f"{root} holds no learner folders (one folder per learner expected)")
    return found


def grade_class(root: Path, exercises: list[Exercise], *, jobs: int | None = None,
                limits: Limits | None = None, progress: bool = True,
                on_done: Callable[[LearnerGrade], None] | None = None) -> list[LearnerGrade]:
    """Grade every learner's workspace, each in its own sandboxed children, `jobs` at a time."""
    submissions = find_submissions(root, exercises)
    load_references(exercises)  # before any thread starts and before any learner code runs
    jobs = max(1, jobs or os.cpu_count() or 1)
    grades: dict[str, LearnerGrade] = {}

    def grade(name: str, workspace: Path) -> LearnerGrade:
        verdicts, _ = check_workspace(workspace, exercises, seed=new_seed(), limits=limits)
        return LearnerGrade(name, tuple(verdicts))

    with ThreadPoolExecutor(max_workers=jobs) as pool, \
            tqdm(total=len(submissions), desc="grading", unit="learner",
                 disable=not progress) as bar:
        futures = {pool.submit(grade, name, ws): name for name, ws in submissions.items()}
        for future in as_completed(futures):
            name = futures[future]
            try:
                grades[name] = future.result()
            except DojoError as e:  # one broken submission must not stop the class
                grades[name] = LearnerGrade(name, tuple(Verdict(ex.slug, False, str(e))
                                                        for ex in exercises))
            if on_done:
                on_done(grades[name])
            bar.update(1)
    return [grades[name] for name in submissions]


def write_csv(grades: list[LearnerGrade], exercises: list[Exercise], path: Path) -> None:
    """One row per learner and exercise: pass/fail, the reason, and the time taken."""
    numbers = {ex.slug: ex.number for ex in exercises}
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow(["learner", "number", "exercise", "passed", "status", "reason", "seconds"])
    for grade in grades:
        for v in grade.verdicts:
            seconds = "" if v.seconds is None else f"{v.seconds:.3f}"
            writer.writerow([grade.learner, numbers[v.slug], v.slug, int(v.passed), v.status,
                             v.reason, seconds])
    atomic_write_text(path, buffer.getvalue())  # never a half-written gradebook


def _histogram_svg(values: list[float], passed: list[bool], width: int = 180,
                   height: int = 60, bins: int = 10) -> str:
    """A small stacked histogram (passes green, fails red) of the seconds each learner took."""
    if not values:
        return ""
    top = max(values) or 1.0
    counts = [[0, 0] for _ in range(bins)]
    for value, ok in zip(values, passed):
        counts[min(int(value / top * bins), bins - 1)][0 if ok else 1] += 1
    tallest = max(sum(c) for c in counts) or 1
    bar_w = width / bins
    rects = []
    for i, (ok, bad) in enumerate(counts):
        y = height
        for n, colour in ((ok, "#2e7d32"), (bad, "#c62828")):
            h = n / tallest * (height - 12)
            y -= h
            if n:
                rects.append(f'<rect x="{i * bar_w:.1f}" y="{y:.1f}" width="{bar_w - 1:.1f}" '
                             f'height="{h:.1f}" fill="{colour}"><title>{n}</title></rect>')
    label = f'<text x="0" y="10" font-size="9">0 to {top:.2g} s</text>'
    return f'<svg width="{width}" height="{height}" role="img">{label}{"".join(rects)}</svg>'


def write_html(grades: list[LearnerGrade], exercises: list[Exercise], path: Path) -> None:
    """A page with the table (learners by exercises) and a time histogram per exercise."""
    esc = html.escape
    head = "".join(f'<th title="{esc(ex.title)}">{ex.number:02d}<br>{esc(ex.slug)}</th>'
                   for ex in exercises)
    rows = []
    for grade in grades:
        cells = "".join(
            f'<td class="{"ok" if v.passed else "no"}" title="{esc(v.reason or "passed")}">'
            f'{"&#10003;" if v.passed else "&#10007;"}'
            f'<small>{"" if v.seconds is None else f"{v.seconds:.2f}s"}</small></td>'
            for v in grade.verdicts)
        rows.append(f"<tr><th>{esc(grade.learner)}</th>{cells}"
                    f"<td>{grade.score}/{len(grade.verdicts)}</td></tr>")
    per_exercise = []
    for i, ex in enumerate(exercises):
        verdicts = [g.verdicts[i] for g in grades]
        timed = [(v.seconds, v.passed) for v in verdicts if v.seconds is not None]
        n_pass = sum(v.passed for v in verdicts)
        reasons: dict[str, int] = {}
        for v in verdicts:
            if not v.passed:
                reasons[v.reason] = reasons.get(v.reason, 0) + 1
        common = "".join(f"<li>{n} &times; {esc(r)}</li>" for r, n in
                         sorted(reasons.items(), key=lambda kv: -kv[1])[:3])
        per_exercise.append(
            f"<div class=card><h3>{ex.number:02d} {esc(ex.slug)}</h3>"
            f"<p>{n_pass} of {len(verdicts)} passed</p>"
            f"{_histogram_svg([t for t, _ in timed], [ok for _, ok in timed])}"
            f"<ul>{common}</ul></div>")
    page = f"""<!doctype html>
<html><head><meta charset="utf-8"><title>torchdojo gradebook</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 2em; }}
table {{ border-collapse: collapse; font-size: 12px; }}
th, td {{ border: 1px solid #ddd; padding: 3px 5px; text-align: center; }}
td.ok {{ background: #e8f5e9; }} td.no {{ background: #ffebee; }}
small {{ display: block; color: #666; }}
.cards {{ display: flex; flex-wrap: wrap; gap: 1em; }}
.card {{ border: 1px solid #ddd; padding: 0.5em 1em; width: 220px; font-size: 12px; }}
</style></head><body>
<h1>Gradebook</h1>
<p>{len(grades)} learners, {len(exercises)} exercises. Hover over a cell for the reason.</p>
<table><tr><th>learner</th>{head}<th>score</th></tr>
{"".join(rows)}
</table>
<h2>Per exercise: time taken (green passed, red failed) and the commonest reasons</h2>
<div class=cards>{"".join(per_exercise)}</div>
</body></html>
"""
    atomic_write_text(path, page)
