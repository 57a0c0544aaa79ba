"""Grade a notebook's code as `dojo check` grades a file, keeping every case's result.

The same steps as grader.check_workspace, through the same function (grader.run_and_judge:
the sandbox with the same Limits, the references afterwards, `judge`); only the per-case
results are extra, for the notebook's table.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from torchdojo.exercises.grader import load_references, run_and_judge
from torchdojo.exercises.judge import Verdict, check_source, judge_case
from torchdojo.exercises.sandbox import Limits
from torchdojo.exercises.spec import Case, Exercise
from torchdojo.notebook.cells import LearnerCode


@dataclass(frozen=True)
class CaseResult:
    """One hidden case: its inputs, and pass, or the status and reason it failed."""

    case: Case
    status: str  # pass, fail, todo, skipped
    reason: str
    got: dict[str, Any]
    expected: dict[str, Any]


@dataclass(frozen=True)
class Graded:
    """The verdict `dojo check` would give, each case's result, and what the code printed."""

    verdict: Verdict
    cases: tuple[CaseResult, ...] = ()
    printed: str = ""


def grade(exercise: Exercise, code: LearnerCode, *, seed: int, limits: Limits | None = None,
          in_process: bool = False) -> Graded:
    """Run the learner's code on the seed's hidden cases and judge it against the reference."""
    load_references([exercise])
    problem = check_source(exercise, code.source)
    if problem:
        return Graded(Verdict(exercise.slug, False, code.localise(problem, exercise.file_name)))
    cases = exercise.cases(seed)
    with tempfile.TemporaryDirectory(prefix="dojo-notebook-") as tmp:
        (Path(tmp) / exercise.file_name).write_text(code.source, encoding="utf-8")
        judged, printed = run_and_judge(Path(tmp), [(exercise, cases)], limits=limits,
                                        in_process=in_process)
    done = judged[exercise.slug]
    verdict = done.verdict
    if done.observations is None:
        return Graded(verdict, printed=printed)
    verdict = Verdict(verdict.slug, verdict.passed,
                      code.localise(verdict.reason, exercise.file_name), verdict.detail,
                      verdict.seconds, verdict.status)
    results = []
    for case, got, want in zip(cases, done.observations, done.expected):
        if got.get("error", {}).get("type") == "Skipped":
            results.append(CaseResult(case, "skipped", "not run after an earlier error", got,
                                      want))
            continue
        status, reason = judge_case(exercise, case, got, want) or ("pass", "")
        results.append(CaseResult(case, status, code.localise(reason, exercise.file_name),
                                  got, want))
    return Graded(verdict, tuple(results), printed)
