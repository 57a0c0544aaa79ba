"""What the learner reads: verdict lines, hints, lesson pointers, the progress table."""

from __future__ import annotations

import time

from torchdojo import registry
from torchdojo.exercises.judge import Verdict
from torchdojo.exercises.progress import Standing
from torchdojo.exercises.spec import Exercise

LABELS = {"pass": "PASS", "fail": "FAIL", "todo": "TODO", "missing": "MISS"}


def lesson_pointer(exercise: Exercise) -> str:
    """Where the idea is taught: lesson title, section, and how to open it."""
    lesson = registry.find(exercise.lesson)
    where = f"lessons/{lesson.id}.py" if lesson.lesson_path else f"`dojo run {lesson.id}`"
    return f"lesson: {lesson.title} ({where}), section \"{exercise.section}\""


def verdict_lines(exercise: Exercise, verdict: Verdict) -> list[str]:
    """One line per verdict, and for a failure the reason, the input, and the lesson section."""
    head = f"{LABELS[verdict.status]}  {exercise.number:02d} {exercise.slug:<24}"
    if verdict.passed:
        seconds = f"{verdict.seconds:.2f} s" if verdict.seconds is not None else ""
        return [f"{head} {seconds}".rstrip()]
    if verdict.status in ("todo", "missing"):
        return [f"{head} {verdict.reason}"]
    lines = [head.rstrip(), f"      {verdict.reason}"]
    lines += [f"      {d}" for d in verdict.detail]
    lines.append(f"      {lesson_pointer(exercise)}")
    return lines


def hint_lines(exercise: Exercise, level: int) -> list[str]:
    """Hints 1..level, the last of which nearly gives the answer away."""
    level = max(1, min(level, len(exercise.hints)))
    lines = [f"      hint {i} of {len(exercise.hints)}: {h}"
             for i, h in enumerate(exercise.hints[:level], 1)]
    if level < len(exercise.hints):
        lines.append(f"      (`dojo check {exercise.slug} --hint` again for a stronger one)")
    return lines


def summary_line(exercises: list[Exercise], verdicts: list[Verdict]) -> str:
    """'3 of 5 passed. Next: ...' after a check."""
    passed = sum(v.passed for v in verdicts)
    text = f"{passed} of {len(verdicts)} passed."
    todo = [ex for ex, v in zip(exercises, verdicts) if not v.passed and v.status != "missing"]
    if todo:
        text += f" Next: {todo[0].number:02d} {todo[0].slug} (`dojo check {todo[0].slug}`," \
                f" `--hint` if stuck)."
    return text


def _when(t: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(t))


def progress_lines(exercises: tuple[Exercise, ...], standings: dict[str, Standing]) -> list[str]:
    """The progress table, part by part, and what to do next."""
    passed = [ex for ex in exercises if standings.get(ex.slug) and
              standings[ex.slug].first_passed is not None]
    lines = [f"{len(passed)} of {len(exercises)} exercises passed."]
    part = None
    for ex in exercises:
        lesson_part = registry.find(ex.lesson).part
        if lesson_part != part:
            part = lesson_part
            lines.append(f"\n{registry.PARTS[part]}")
        s = standings.get(ex.slug)
        if s and s.first_passed is not None:
            state, note = "passed", f"on {_when(s.first_passed)}"
        elif s:
            state = "tried "
            note = f"{s.attempts} attempt{'s' * (s.attempts != 1)}, last {_when(s.last_attempt)}:" \
                   f" {s.last_reason[:60]}"
        else:
            state, note = "      ", ""
        lines.append(f"  {state}  {ex.number:02d} {ex.slug:<24} {note}".rstrip())
    todo = [ex for ex in exercises if ex not in passed]
    if todo:
        ex = todo[0]
        lines.append(f"\nNext: {ex.number:02d} {ex.slug}: {ex.title} (`dojo check {ex.slug}`).")
    else:
        lines.append("\nEverything passed. Well done.")
    return lines
