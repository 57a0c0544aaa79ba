"""Check a workspace: draw hidden cases, observe the learner's code, judge it against references."""

from __future__ import annotations

import functools
import secrets
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

from torchdojo.errors import DojoError
from torchdojo.exercises import observe
from torchdojo.exercises.judge import Verdict, check_source, judge
from torchdojo.exercises.sandbox import MAX_FILE_BYTES, Job, Limits, Outcome, run_jobs
from torchdojo.exercises.spec import Exercise


@functools.cache
def reference(exercise: Exercise) -> ModuleType:
    """The reference solution's module, loaded once per process."""
    return observe.load_learner_module(exercise.solution_path,
                                       f"torchdojo_reference_{exercise.number:02d}")


def load_references(exercises: list[Exercise]) -> None:
    """Load references up front, before any learner code runs or any grading thread starts."""
    for ex in exercises:
        reference(ex)


def new_seed() -> int:
    """A fresh seed for one check: inputs differ every run, so outputs cannot be memorised."""
    return secrets.randbelow(2**31)


def run_in_process(workspace: Path, jobs: list[Job]) -> dict[str, Outcome]:
    """Observe the learner's code in this process: fast and debuggable, but with no protection."""
    outcomes = {}
    for job in jobs:
        start = time.perf_counter()
        name = f"dojo_learner_{job.file_name.removesuffix('.py')}_{id(job)}"
        try:
            module = observe.load_learner_module(workspace / job.file_name, name)
        except Exception as e:
            error = {**observe.describe_error(e, job.file_name), "phase": "import"}
            observations = [{"error": error}] * len(job.probes)
        else:
            observations = observe.run_probes(module, job.probes, job.file_name)
        finally:
            sys.modules.pop(name, None)
        outcomes[job.slug] = Outcome(observations, seconds=time.perf_counter() - start)
    return outcomes


def check_workspace(workspace: Path, exercises: list[Exercise], *, seed: int | None = None,
                    limits: Limits | None = None, in_process: bool = False,
                    ) -> tuple[list[Verdict], str]:
    """A verdict per exercise, in order, and what the learner's code printed (sandbox only)."""
    if not workspace.is_dir():
        raise DojoError(f"no such folder: {workspace}")
    load_references(exercises)
    seed = new_seed() if seed is None else seed
    verdicts: dict[str, Verdict] = {}
    planned: list[tuple[Exercise, list]] = []
    for ex in exercises:
        path = workspace / ex.file_name
        if not path.is_file() and not path.is_symlink():
            verdicts[ex.slug] = Verdict(ex.slug, False, f"{ex.file_name} is missing",
                                        status="missing")
            continue
        if path.is_symlink() or not path.is_file():  # a link could point at /dev/zero
            verdicts[ex.slug] = Verdict(ex.slug, False, f"{ex.file_name} is not a plain file")
            continue
        if path.stat().st_size > MAX_FILE_BYTES:
            verdicts[ex.slug] = Verdict(ex.slug, False, f"{ex.file_name} is larger than 1 MB")
            continue
        problem = check_source(ex, path.read_text(encoding="utf-8", errors="replace"))
        if problem:
            verdicts[ex.slug] = Verdict(ex.slug, False, problem)
            continue
        planned.append((ex, ex.cases(seed)))
    judged, printed = run_and_judge(workspace, planned, limits=limits, in_process=in_process)
    verdicts.update({slug: j.verdict for slug, j in judged.items()})
    return [verdicts[ex.slug] for ex in exercises], printed


@dataclass(frozen=True)
class Judged:
    """An exercise's verdict, with the learner's observations and the reference's expected
    results per case (None where the learner's code never finished)."""

    verdict: Verdict
    observations: list[dict] | None = None
    expected: list[dict] | None = None


def run_and_judge(workspace: Path, planned: list[tuple[Exercise, list]], *,
                  limits: Limits | None = None, in_process: bool = False
                  ) -> tuple[dict[str, Judged], str]:
    """Run the learner's files in `workspace` on each exercise's cases (in the sandbox unless
    in_process), then the references, and judge: by slug, and what the learner's code printed.
    `dojo check`, the gradebook and the notebook's check() all grade through this."""
    jobs = [Job(ex.slug, ex.file_name, [c.probe(ex.entry) for c in cases], ex.preload)
            for ex, cases in planned]
    printed = ""
    if in_process:
        outcomes = run_in_process(workspace, jobs)
    elif jobs:
        outcomes, printed = run_jobs(workspace, jobs, limits or Limits())
    else:
        outcomes = {}
    judged = {}
    # The references run only now, after the learner's code has finished.
    for ex, cases in planned:
        outcome = outcomes.get(ex.slug) or Outcome(failure="was not run")
        if outcome.observations is None:
            judged[ex.slug] = Judged(Verdict(ex.slug, False, outcome.failure or "no result",
                                             seconds=outcome.seconds))
            continue
        expected = [observe.run_probe(reference(ex), c.probe(ex.entry)) for c in cases]
        judged[ex.slug] = Judged(judge(ex, cases, outcome.observations, expected,
                                       outcome.seconds), outcome.observations, expected)
    return judged, printed


def check_module(exercise: Exercise, module: ModuleType, seed: int = 0) -> Verdict:
    """Judge an already-loaded module in this process (the test suite's shortcut)."""
    cases = exercise.cases(seed)
    got = observe.run_probes(module, [c.probe(exercise.entry) for c in cases])
    expected = [observe.run_probe(reference(exercise), c.probe(exercise.entry)) for c in cases]
    return judge(exercise, cases, got, expected)
