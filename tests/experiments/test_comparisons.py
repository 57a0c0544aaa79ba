"""The cross-lesson check (diffusion better than the GAN): a bootstrap over both runs' judged
samples, significant only when the interval excludes zero."""

import torch

from torchdojo import registry
from torchdojo.methods.lead import Judged, leads
from torchdojo.runner import comparisons
from torchdojo.runner.verify import Row

D = 8


def judged(shift: float, confident: float, n: int = 400, seed: int = 0) -> Judged:
    """Features ~ N(shift, I) against a real N(0, I); `confident` of the samples at p = 0.95."""
    g = torch.Generator().manual_seed(seed)
    features = torch.randn(n, D, generator=g) + shift
    probs = torch.full((n, 10), 0.5 / 9)
    probs[:, 0] = 0.5
    probs[: int(confident * n)] = torch.tensor([0.95] + [0.05 / 9] * 9)
    return Judged(probs, features, torch.zeros(D, dtype=torch.float64),
                  torch.eye(D, dtype=torch.float64))


def test_a_clear_lead_is_significant_and_a_tie_is_not():
    good, bad = judged(0.0, 0.95), judged(1.0, 0.60, seed=1)
    fid, recognised = sorted(leads(good, bad, reps=200), key=lambda lead: lead.measure)
    assert fid.measure == "fid" and fid.significant and fid.lead > 5  # |shift|^2 * D = 8
    assert recognised.significant and abs(recognised.lead - 0.35) < 1e-9
    tie = leads(judged(0.0, 0.9, seed=2), judged(0.0, 0.9, seed=3), reps=200)
    assert not any(lead.significant for lead in tie)
    assert all(lead.low < 0 < lead.high for lead in tie)  # the interval straddles zero


def test_judged_samples_round_trip(tmp_path):
    a = judged(0.5, 0.8)
    a.save(tmp_path / "judged.pt")
    b = Judged.load(tmp_path / "judged.pt")
    assert torch.equal(a.features, b.features) and b.fid() == a.fid()


def row(lesson, run_dir, dataset="mnist", verdict="PASS"):
    return Row(lesson, "train_limit=5000", dataset, "m=1", verdict, 1.0, str(run_dir))


def test_diffusion_must_beat_the_gan_on_fid_without_losing_recognised(tmp_path):
    comparison = registry.Comparison("diffusion", "gan")
    for name, record in (("good", judged(0.0, 0.95)), ("bad", judged(1.0, 0.9, seed=1))):
        (tmp_path / name).mkdir()
        record.save(tmp_path / name / comparisons.JUDGED_FILE)
    passed = comparisons.compare(comparison, [row("diffusion", tmp_path / "good"),
                                              row("gan", tmp_path / "bad")])
    assert passed.verdict == "PASS" and len(passed.leads) == 2
    assert "fid" in passed.leads[1] and "significant" in passed.leads[1]
    failed = comparisons.compare(comparison, [row("diffusion", tmp_path / "bad"),
                                              row("gan", tmp_path / "good")])
    assert failed.verdict == "FAIL"


def test_the_comparison_needs_both_rows_on_the_same_data(tmp_path):
    comparison = registry.Comparison("diffusion", "gan")
    other = comparisons.compare(comparison, [row("diffusion", tmp_path),
                                             row("gan", tmp_path, dataset="mnist-sample")])
    assert other.verdict.startswith("n/a: measured on mnist and mnist-sample")
    missing = comparisons.compare(comparison, [row("diffusion", tmp_path), row("gan", tmp_path)])
    assert missing.verdict.startswith("error: no judged samples")
    assert comparisons.compare_all([row("gan", tmp_path)]) == []  # diffusion not verified
