"""Is one generator better than another, or only luckier? A bootstrap over their samples.

Each generator's run saves what the judge saw (`Judged`: per-sample probabilities and
features, and the real data's feature Gaussian). Resampling each generator's samples with
replacement B times, and recomputing recognised share and classifier FID each time, gives
the spread those numbers would have with another draw of samples. The lead of A over B is
significant when the central 95 % of the B resampled differences excludes zero (the
percentile bootstrap; Efron & Tibshirani 1993, ch. 13). The judge and the real statistics
are held fixed: the interval covers sampling noise, not a retrained judge.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

import torch
from torch import Tensor

from torchdojo.files import atomic_write_bytes
from torchdojo.methods.fid import (
    feature_statistics,
    frechet_distance_gaussians,
    recognisability,
)


@dataclass
class Judged:
    """What the judge saw of one generator's samples."""

    probs: Tensor  # (N, K) class probabilities
    features: Tensor  # (N, D) penultimate features
    real_mu: Tensor  # (D,) of the real training images' features
    real_sigma: Tensor  # (D, D)

    def save(self, path: Path) -> None:
        buffer = io.BytesIO()
        torch.save({k: v.detach().cpu() for k, v in vars(self).items()}, buffer)
        atomic_write_bytes(path, buffer.getvalue())

    @classmethod
    def load(cls, path: Path) -> Judged:
        return cls(**torch.load(path, weights_only=True))

    def fid(self, rows: Tensor | None = None) -> float:
        features = self.features if rows is None else self.features[rows]
        return frechet_distance_gaussians(*feature_statistics(features), self.real_mu,
                                          self.real_sigma)

    def recognised(self, rows: Tensor | None = None) -> float:
        return recognisability(self.probs if rows is None else self.probs[rows])


@dataclass
class Lead:
    """A's lead over B on one measure (positive = A better), with its 95 % interval."""

    measure: str
    a: float
    b: float
    lead: float
    low: float
    high: float

    @property
    def significant(self) -> bool:
        return self.low > 0

    def __str__(self) -> str:
        verdict = "significant" if self.significant else (
            "B significantly better" if self.high < 0 else "not significant")
        return (f"{self.measure}: {self.a:.4g} vs {self.b:.4g}, lead {self.lead:+.4g} "
                f"[95 % CI {self.low:+.4g}, {self.high:+.4g}] {verdict}")


def leads(a: Judged, b: Judged, *, reps: int = 500, seed: int = 0) -> list[Lead]:
    """A's lead over B in recognised share (higher is better) and classifier FID (lower is
    better), each with a percentile-bootstrap 95 % interval over both sets of samples."""
    g = torch.Generator().manual_seed(seed)
    na, nb = a.probs.shape[0], b.probs.shape[0]
    diffs: dict[str, list[float]] = {"recognised": [], "fid": []}
    for _ in range(reps):
        ra, rb = torch.randint(na, (na,), generator=g), torch.randint(nb, (nb,), generator=g)
        diffs["recognised"].append(a.recognised(ra) - b.recognised(rb))
        diffs["fid"].append(b.fid(rb) - a.fid(ra))  # lower FID is better: B minus A
    out = []
    for measure, point_a, point_b, lead in (
            ("recognised", a.recognised(), b.recognised(), a.recognised() - b.recognised()),
            ("fid", a.fid(), b.fid(), b.fid() - a.fid())):
        low, high = torch.tensor(diffs[measure], dtype=torch.float64).quantile(
            torch.tensor([0.025, 0.975], dtype=torch.float64)).tolist()
        out.append(Lead(measure, point_a, point_b, lead, low, high))
    return out
