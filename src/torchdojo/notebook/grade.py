"""Grade a notebook's code as `dojo check` grades a file, keeping every case's result.

The same steps as grader.check_workspace, from the same parts: references loaded first,
the source checked, fresh cases from the seed, the learner's code run in the sandbox
(sandbox.run_jobs, the same Limits), the references run afterwards, `judge` for the
verdict. Only the per-case results are extra, for the notebook's table.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from torchdojo.exercises import observe
from torchdojo.exercises.grader import load_references, reference, run_in_process
from torchdojo.exercises.judge import Verdict, check_source, judge, judge_case
from torchdojo.exercises.sandbox import Job, Limits, Outcome, run_jobs
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
    job = Job(exercise.slug, exercise.file_name, [c.probe(exercise.entry) for c in cases],
              exercise.preload)
    with tempfile.TemporaryDirectory(prefix="dojo-notebook-") as tmp:
        (Path(tmp) / exercise.file_name).write_text(code.source, encoding="utf-8")
        if in_process:
            outcomes, printed = run_in_process(Path(tmp), [job]), ""
        else:
            outcomes, printed = run_jobs(Path(tmp), [job], limits or Limits())
    outcome = outcomes.get(exercise.slug) or Outcome(failure="was not run")
    if outcome.observations is None:
        return Graded(Verdict(exercise.slug, False, outcome.failure or "no result",
                              seconds=outcome.seconds), printed=printed)
    # The references run only now, after the learner's code has finished.
    expected = [observe.run_probe(reference(exercise), c.probe(exercise.entry)) for c in cases]
    verdict = judge(exercise, cases, outcome.observations, expected, outcome.seconds)
    verdict = Verdict(verdict.slug, verdict.passed,
                      code.localise(verdict.reason, exercise.file_name), verdict.detail,
                      verdict.seconds, verdict.status)
    results = []
    for case, got, want in zip(cases, outcome.observations, expected):
        if got.get("error", {}).get("type") == "Skipped":
            results.append(CaseResult(case, "skipped", "not run after an earlier error", got,
                                      want))
            continue
        status, reason = judge_case(exercise, case, got, want) or ("pass", "")
        results.append(CaseResult(case, status, code.localise(reason, exercise.file_name),
                                  got, want))
    return Graded(verdict, tuple(results), printed)
