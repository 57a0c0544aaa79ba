"""Checks across lessons: e.g. diffusion beats the GAN, from their two verify rows.

A row's run folder holds `judged.pt`, what the image judge saw of the run's samples. The
comparison bootstraps both (methods/lead.py) and says whether each lead is significant.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from torchdojo import registry
from torchdojo.methods.judge import JUDGED_FILE
from torchdojo.methods.lead import Judged, leads


@dataclass
class ComparisonRow:
    """One cross-lesson check, its verdict and the leads it rests on."""

    label: str
    verdict: str  # PASS, FAIL, n/a (not both measured on the same data), error: ...
    leads: list[str] = field(default_factory=list)
    date: str = ""

    @classmethod
    def from_dict(cls, data: dict) -> ComparisonRow:
        return cls(**{k: data[k] for k in ("label", "verdict", "leads", "date") if k in data})


def compare(comparison: registry.Comparison, rows: list, date: str = "") -> ComparisonRow:
    """The verdict of `comparison` from this verify run's rows (Row objects)."""
    label = comparison.label

    def row_of(lesson: str):
        mine = [r for r in rows if r.lesson == lesson and r.run_dir]
        return mine[0] if mine else None

    better, than = row_of(comparison.better), row_of(comparison.than)
    if better is None or than is None:
        return ComparisonRow(label, "n/a: both lessons must be verified in the same run",
                             date=date)
    if better.dataset != than.dataset:
        return ComparisonRow(label, f"n/a: measured on {better.dataset} and {than.dataset}",
                             date=date)
    if "n/a" in (better.verdict, than.verdict):
        return ComparisonRow(label, "n/a: a lesson's own target is n/a on this data", date=date)
    paths = [Path(r.run_dir) / JUDGED_FILE for r in (better, than)]
    missing = [str(p) for p in paths if not p.is_file()]
    if missing:
        return ComparisonRow(label, f"error: no judged samples in {', '.join(missing)}",
                             date=date)
    found = leads(Judged.load(paths[0]), Judged.load(paths[1]))
    by = {lead.measure: lead for lead in found}
    # FID is the measure that sees both quality and variety: it must lead significantly;
    # the recognised share must not be significantly worse.
    ok = by["fid"].significant and by["recognised"].high >= 0
    return ComparisonRow(label, "PASS" if ok else "FAIL",
                         [f"{comparison.better} vs {comparison.than}, {lead}" for lead in found],
                         date=date)


def compare_all(rows: list, date: str = "") -> list[ComparisonRow]:
    """Every registered comparison whose two lessons this run verified."""
    measured = {r.lesson for r in rows}
    return [compare(c, rows, date) for c in registry.COMPARISONS
            if c.better in measured and c.than in measured]
