"""What a check shows in a notebook: HTML (pass/fail per case, expected against got, the
lesson to reread, hints), and the same as plain text where HTML is not shown."""

from __future__ import annotations

import html
import re
from pathlib import Path
from typing import Any

import torch

from torchdojo import registry
from torchdojo.exercises import feedback
from torchdojo.exercises.judge import describe_case, describe_value
from torchdojo.exercises.notebooks import notebook_name
from torchdojo.exercises.progress import Standing
from torchdojo.exercises.spec import Exercise
from torchdojo.notebook.grade import CaseResult, Graded

COLOURS = {"pass": "#2e7d32", "fail": "#c62828", "todo": "#ef6c00", "skipped": "#757575",
           "note": "#1565c0"}
LABELS = {"pass": "PASS", "fail": "FAIL", "todo": "TODO", "skipped": "not run", "note": "NOTE"}
MAX_PRINTED = 40  # lines of the learner's own output shown
PREVIEW = 6  # values shown of a large tensor


class Report:
    """A notebook result: rich HTML for Jupyter, plain text for everything else."""

    def __init__(self, status: str, html_text: str, text: str) -> None:
        self.status = status
        self.passed = status == "pass"
        self.html = html_text
        self.text = text

    def _repr_html_(self) -> str:
        return self.html

    def __repr__(self) -> str:
        return self.text


def _esc(text: Any) -> str:
    return html.escape(str(text), quote=True)


def _box(status: str, body: list[str]) -> str:
    colour = COLOURS[status]
    return (f'<div class="dojo-check dojo-{status}" data-dojo-status="{status}" '
            f'style="border-left: 6px solid {colour}; padding: 4px 12px; margin: 4px 0; '
            f'font-family: var(--jp-ui-font-family, sans-serif); line-height: 1.45">'
            + "".join(body) + "</div>")


def _label(status: str) -> str:
    return f'<b style="color: {COLOURS[status]}">{LABELS[status]}</b>'


def message(text: str, status: str = "note") -> Report:
    """A one-message report: a problem with the input, or a note."""
    return Report(status, _box(status, [f"{_label(status)} {_esc(text)}"]),
                  f"{LABELS[status]}  {text}")


def lesson_href(exercise: Exercise, here: Path | None = None) -> str | None:
    """A relative link to the lesson's notebook when a `dojo lab` workspace has it beside."""
    here = here or Path.cwd()
    found = sorted((here.parent / "lessons").glob(f"[0-9]*_{exercise.lesson}.ipynb"))
    return f"../lessons/{found[0].name}" if found else None


def notebook_href(exercise: Exercise, here: Path | None = None) -> str | None:
    """A relative link to the exercise's notebook, from a workspace's root or exercises/."""
    here = here or Path.cwd()
    name = notebook_name(exercise)
    for rel in (name, f"exercises/{name}", f"../exercises/{name}"):
        if (here / rel).is_file():
            return rel
    return None


def reread(exercise: Exercise, href: str | None) -> str:
    """'Reread: lesson <title>, section "..."' as HTML, linked when there is a notebook."""
    lesson = registry.find(exercise.lesson)
    title = f'<a href="{_esc(href)}">{_esc(lesson.title)}</a>' if href else \
        f"<i>{_esc(lesson.title)}</i> (<code>dojo lesson {_esc(lesson.id)}</code>)"
    return f'<div>Reread: lesson {title}, section "{_esc(exercise.section)}".</div>'


def describe(label: str, value: Any) -> str:
    """describe_value, plus the first values of a tensor too large for it to list."""
    text = describe_value(label, value)
    if isinstance(value, torch.Tensor) and value.numel() > 8:
        flat = value.detach().flatten()[:PREVIEW]
        shown = [f"{x:.4g}" for x in flat.double().tolist()] if flat.is_floating_point() \
            else [str(x) for x in flat.tolist()]
        text += f" = [{', '.join(shown)}, ...] (flattened)"
    return text


def _values(label: str, value: Any, names: tuple[str, ...]) -> list[str]:
    if isinstance(value, (tuple, list)) and len(names) == len(value) > 1:
        return [describe(n, v) for n, v in zip(names, value)]
    return [describe(label, value)]


def focus(result: CaseResult, exercise: Exercise) -> tuple[list[str], list[str]] | None:
    """(expected, got) descriptions of the value a failing case is about, when there is one."""
    got, want, reason = result.got, result.expected, result.reason
    names = result.case.outputs or exercise.outputs
    grad = re.match(r"the gradient with respect to '([^']+)'", reason)
    param = re.match(r"the gradient of (\S+?) ", reason)
    if grad:
        key = grad[1]
        pair = (want.get("grads", {}).get(key), got.get("grads", {}).get(key), f"d/d{key}")
    elif param:
        key = param[1]
        pair = (want.get("param_grads", {}).get(key), got.get("param_grads", {}).get(key),
                f"grad of {key}")
    elif "error" in got or result.case.check is not None or result.case.kind == "dataset":
        return None
    else:
        label = names[0] if len(names) == 1 else "result"
        pair = (want.get("out"), got.get("out"), label)
    expected, mine, label = pair
    return _values(label, expected, names), _values(label, mine, names)


def _case_rows(graded: Graded, exercise: Exercise) -> str:
    rows = []
    for n, r in enumerate(graded.cases, 1):
        inputs = _esc(describe_case(r.case, exercise.entry))
        if r.case.note:
            inputs += f"<br><i>{_esc(r.case.note)}</i>"
        what = _esc(r.reason) if r.status != "pass" else ""
        pair = focus(r, exercise) if r.status == "fail" else None
        if pair:
            what += ("<br>expected: <code>" + "</code>, <code>".join(map(_esc, pair[0]))
                     + "</code><br>got: <code>" + "</code>, <code>".join(map(_esc, pair[1]))
                     + "</code>")
        if r.status == "fail" and r.case.advice:
            what += f"<br>advice: {_esc(r.case.advice)}"
        rows.append(f'<tr data-dojo-case="{r.status}"><td>{n}</td><td>{_label(r.status)}</td>'
                    f'<td style="text-align: left">{inputs}</td>'
                    f'<td style="text-align: left">{what}</td></tr>')
    table = ('<table style="margin: 6px 0; font-size: 0.95em"><tr><th>case</th><th></th>'
             '<th style="text-align: left">inputs</th><th style="text-align: left">what came '
             'back</th></tr>' + "".join(rows) + "</table>")
    if graded.verdict.passed:  # nothing to read: folded
        return f"<details><summary>all {len(rows)} cases passed</summary>{table}</details>"
    return table


def _case_lines(graded: Graded, exercise: Exercise) -> list[str]:
    lines = []
    for n, r in enumerate(graded.cases, 1):
        lines.append(f"  case {n}: {LABELS[r.status]:<7} {describe_case(r.case, exercise.entry)}")
        if r.status != "pass":
            lines.append(f"           {r.reason}")
        pair = focus(r, exercise) if r.status == "fail" else None
        if pair:
            lines += [f"           expected: {'; '.join(pair[0])}",
                      f"           got:      {'; '.join(pair[1])}"]
    return lines


def hints(exercise: Exercise, level: int) -> tuple[str, list[str]]:
    """Hints 1..level as HTML and as lines; the last nearly gives the answer away."""
    level = max(1, min(level, len(exercise.hints)))
    shown = exercise.hints[:level]
    more = level < len(exercise.hints)
    again = f"check({exercise.number}, hint=True) again for a stronger one"
    items = "".join(f"<li>{_esc(h)}</li>" for h in shown)
    body = (f"<div><b>Hint {level} of {len(exercise.hints)}</b><ol>{items}</ol>"
            + (f"<i>{_esc(again)}</i>" if more else "") + "</div>")
    lines = [f"hint {i} of {len(exercise.hints)}: {h}" for i, h in enumerate(shown, 1)]
    return body, lines + ([f"({again})"] if more else [])


def check_report(exercise: Exercise, graded: Graded, *, seed: int, hint_level: int = 0,
                 next_up: Exercise | None = None, href: str | None = None) -> Report:
    """The result of check(N): the verdict, each case, the lesson to reread, hints, output."""
    v = graded.verdict
    status = v.status if v.status in COLOURS else ("pass" if v.passed else "fail")
    head = f"{exercise.number:02d} {exercise.slug}: {exercise.title}"
    body = [f"<div>{_label(status)} {_esc(head)}"
            + (f" ({v.seconds:.2f} s)" if v.passed and v.seconds is not None else "") + "</div>"]
    text = [f"{LABELS[status]}  {head}"]
    if status == "todo":
        todo = (f"not written yet: replace the `# TODO` and `raise NotImplementedError` in the "
                f"stub cell with your code, run that cell, then check({exercise.number}) again")
        body.append(f"<div>{_esc(todo)}</div>")
        text.append(f"      {todo}")
    elif not v.passed:
        body.append(f"<div>{_esc(v.reason)}</div>")
        text.append(f"      {v.reason}")
        if "NameError" in v.reason:
            tip = ("the check runs only the cells that define this exercise's functions: define "
                   "what they use in those cells")
            body.append(f"<div><i>{_esc(tip)}</i></div>")
            text.append(f"      ({tip})")
    if graded.cases and status != "todo":
        body.append(_case_rows(graded, exercise))
        text += _case_lines(graded, exercise)
    if not v.passed:
        body.append(reread(exercise, href))
        text.append(f"      {feedback.lesson_pointer(exercise)}")
        if graded.cases and status == "fail":
            again = f"seed {seed}: check({exercise.number}, seed={seed}) repeats these inputs"
            body.append(f'<div style="color: #757575">{_esc(again)}</div>')
            text.append(f"      ({again})")
    if hint_level:
        hint_html, hint_lines = hints(exercise, hint_level)
        body.append(hint_html)
        text += [f"      {line}" for line in hint_lines]
    elif v.passed and next_up is not None:
        up = f"Next: {next_up.number:02d} {next_up.slug}: {next_up.title}."
        body.append(f"<div>{_esc(up)}</div>")
        text.append(up)
    printed = graded.printed.strip().splitlines()
    if printed:
        shown = "\n".join(printed[-MAX_PRINTED:])
        title = "Output of your code" + (f" (last {MAX_PRINTED} lines)"
                                         if len(printed) > MAX_PRINTED else "")
        body.append(f"<details><summary>{title}</summary><pre>{_esc(shown)}</pre></details>")
        text += [f"{title}:", *[f"  | {line}" for line in printed[-MAX_PRINTED:]]]
    return Report(status, _box(status, body), "\n".join(text))


def progress_report(exercises: tuple[Exercise, ...], standings: dict[str, Standing],
                    where: Path) -> Report:
    """The progress table, part by part, and what is next (the text is `dojo progress`'s)."""
    text = feedback.progress_lines(exercises, standings)
    done = {slug for slug, s in standings.items() if s.first_passed is not None}
    rows, part = [], None
    for ex in exercises:
        lesson_part = registry.find(ex.lesson).part
        if lesson_part != part:
            part = lesson_part
            rows.append(f'<tr><th colspan="4" style="text-align: left; padding-top: 6px">'
                        f'{_esc(registry.PARTS[part])}</th></tr>')
        s = standings.get(ex.slug)
        state = "pass" if ex.slug in done else ("fail" if s else "skipped")
        label = {"pass": "passed", "fail": "tried", "skipped": ""}[state]
        note = f"{s.attempts} attempt{'s' * (s.attempts != 1)}" if s else ""
        rows.append(f'<tr data-dojo-progress="{ex.slug}"><td style="color: {COLOURS[state]}">'
                    f'{label}</td><td>{ex.number:02d}</td><td style="text-align: left">'
                    f'{_esc(ex.slug)}: {_esc(ex.title)}</td><td>{note}</td></tr>')
    todo = [ex for ex in exercises if ex.slug not in done]
    up = _esc(text[-1].strip())  # "Everything passed."
    if todo:
        href = notebook_href(todo[0])
        up = _esc(f"Next: {todo[0].number:02d} {todo[0].slug}: {todo[0].title}.")
        up = f'<a href="{_esc(href)}">{up}</a>' if href else up
    body = [f"<div><b>{_esc(text[0])}</b> <span style='color: #757575'>({_esc(where)})</span>"
            f"</div>", f"<div>{up}</div>",
            '<details><summary>every exercise</summary><table style="font-size: 0.95em">'
            + "".join(rows) + "</table></details>"]
    return Report("note", _box("note", body), f"Progress ({where})\n" + "\n".join(text))
