"""The last measured result of each lesson, from the newest `dojo verify` summaries."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

PACKAGED = Path(__file__).resolve().parents[1] / "results" / "verify.json"
NOT_MEASURED = "not measured yet"


@dataclass(frozen=True)
class Measured:
    """One lesson's rows from one verify summary, with where and when they were measured."""

    lesson: str
    rows: tuple[dict, ...]
    machine: str
    date: str

    def lines(self) -> list[str]:
        """One line per check: `test_acc=0.9812 on mnist-sample: n/a`."""
        out = []
        for row in self.rows:
            label = "" if row.get("check") in ("default", "-", None) else f" [{row['check']}]"
            data = row.get("dataset")
            where = f" on {data}" if data and data not in ("-", "generated") else ""
            out.append(f"{row.get('measured', '-')}{where}{label}: {row.get('verdict', '?')}")
        return out


def summary_paths(explicit: Path | None = None, cwd: Path | None = None) -> list[Path]:
    """Candidate summaries, oldest first: the packaged one, then runs/verify/verify-*.json."""
    if explicit is not None:
        return [explicit]
    found = [PACKAGED] if PACKAGED.is_file() else []
    found += sorted((cwd or Path.cwd()).glob("runs/verify/verify-*.json"))
    return sorted(found, key=lambda p: (_date(p), p.stat().st_mtime))


def latest(explicit: Path | None = None, cwd: Path | None = None) -> dict[str, Measured]:
    """Lesson id -> its rows in the newest summary that has that lesson (planned rows skipped)."""
    from torchdojo.errors import DojoError

    by_lesson: dict[str, Measured] = {}
    for path in summary_paths(explicit, cwd):
        try:
            summary = json.loads(path.read_text(encoding="utf-8"))
            rows = summary["rows"]
        except (OSError, ValueError, KeyError, TypeError) as e:
            if explicit is not None:
                raise DojoError(f"cannot read verify summary {path}: {e}") from None
            continue  # a stray or half-written file must not stop the book
        grouped: dict[str, list[dict]] = {}
        for row in rows:
            if row.get("verdict") != "planned":
                grouped.setdefault(row.get("lesson", "?"), []).append(row)
        for lesson, lesson_rows in grouped.items():
            first = lesson_rows[0]  # each row carries where and when it was measured
            by_lesson[lesson] = Measured(lesson, tuple(lesson_rows),
                                         str(first.get("machine", summary.get("machine", ""))),
                                         str(first.get("date", summary.get("date", ""))))
    return by_lesson


def _date(path: Path) -> str:
    """The summary's own date field ('' when unreadable), for ordering."""
    try:
        summary = json.loads(path.read_text(encoding="utf-8"))
        return max([str(r.get("date", "")) for r in summary.get("rows", [])]
                   + [str(summary.get("date", ""))])
    except (OSError, ValueError, AttributeError, TypeError):
        return ""
