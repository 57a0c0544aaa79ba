"""Frechet distance against hand-computed cases and scipy, recognisability on hand-made rows."""

import numpy as np
import pytest
import torch

from torchdojo.methods.fid import (
    class_shares,
    feature_statistics,
    frechet_distance,
    frechet_distance_gaussians,
    recognisability,
    trace_sqrt_product,
)


def _random_psd(d: int, g: torch.Generator) -> torch.Tensor:
    m = torch.randn(d, d, generator=g, dtype=torch.float64)
    return m @ m.T / d + 0.1 * torch.eye(d, dtype=torch.float64)


def test_diagonal_gaussians_match_the_hand_formula():
    # diagonal covariances commute: d^2 = |mu1 - mu2|^2 + sum(s1 + s2 - 2 sqrt(s1 s2))
    mu1 = torch.tensor([0.0, 1.0, -2.0], dtype=torch.float64)
    mu2 = torch.tensor([1.0, 1.0, 0.0], dtype=torch.float64)
    s1 = torch.tensor([1.0, 4.0, 9.0], dtype=torch.float64)
    s2 = torch.tensor([4.0, 1.0, 9.0], dtype=torch.float64)
    # by hand: means 1 + 0 + 4 = 5; variances (1+4-4) + (4+1-4) + (9+9-18) = 2
    assert frechet_distance_gaussians(mu1, torch.diag(s1), mu2, torch.diag(s2)) == \
        pytest.approx(7.0, abs=1e-10)


def test_one_dimensional_case_is_the_squared_wasserstein_distance():
    # N(m1, a^2) vs N(m2, b^2): (m1 - m2)^2 + (a - b)^2
    d = frechet_distance_gaussians(torch.tensor([3.0]), torch.tensor([[0.25]]),
                                   torch.tensor([1.0]), torch.tensor([[4.0]]))
    assert d == pytest.approx(4.0 + (0.5 - 2.0) ** 2, abs=1e-10)


def test_full_covariances_match_scipy_sqrtm():
    scipy_linalg = pytest.importorskip("scipy.linalg")
    g = torch.Generator().manual_seed(0)
    for d in (2, 5, 20):
        s1, s2 = _random_psd(d, g), _random_psd(d, g)
        mu1 = torch.randn(d, generator=g, dtype=torch.float64)
        mu2 = torch.randn(d, generator=g, dtype=torch.float64)
        root = scipy_linalg.sqrtm(s1.numpy() @ s2.numpy())
        ref = (((mu1 - mu2) ** 2).sum().item()
               + np.trace(s1.numpy()) + np.trace(s2.numpy()) - 2 * np.trace(root).real)
        assert frechet_distance_gaussians(mu1, s1, mu2, s2) == pytest.approx(ref, rel=1e-9)
        assert trace_sqrt_product(s1, s2).item() == pytest.approx(np.trace(root).real,
                                                                   rel=1e-9)


def test_distance_is_zero_for_the_same_gaussian_and_symmetric():
    g = torch.Generator().manual_seed(1)
    s1, s2 = _random_psd(6, g), _random_psd(6, g)
    mu1, mu2 = torch.randn(6, generator=g), torch.randn(6, generator=g)
    assert frechet_distance_gaussians(mu1, s1, mu1, s1) == pytest.approx(0.0, abs=1e-9)
    assert frechet_distance_gaussians(mu1, s1, mu2, s2) == \
        pytest.approx(frechet_distance_gaussians(mu2, s2, mu1, s1), rel=1e-9)


def test_feature_statistics_match_numpy():
    x = torch.randn(50, 4, generator=torch.Generator().manual_seed(2))
    mu, sigma = feature_statistics(x)
    assert torch.allclose(mu, torch.from_numpy(x.double().numpy().mean(0)))
    assert torch.allclose(sigma, torch.from_numpy(np.cov(x.double().numpy(), rowvar=False)))


def test_real_vs_real_is_near_zero_and_a_shift_costs_its_square():
    g = torch.Generator().manual_seed(3)
    mix = torch.randn(8, 8, generator=g)
    a = torch.randn(20000, 8, generator=g) @ mix  # correlated features
    b = torch.randn(20000, 8, generator=g) @ mix  # same distribution, other draws
    same = frechet_distance(a, b)
    shifted = frechet_distance(a, b + 1.0)  # every feature moved by 1: |shift|^2 = 8
    assert same < 0.05
    # a shift leaves the covariances alone: |mu_a - mu_b - 1|^2 = same's mean term - 2 sum + 8
    drift = (a.double().mean(0) - b.double().mean(0)).sum().item()
    assert shifted == pytest.approx(same + 8.0 - 2 * drift, abs=1e-6)
    assert shifted > 100 * same
    scaled = frechet_distance(a, 2 * b)  # Tr(S + 4S - 2 * 2S) = Tr(S)
    assert scaled == pytest.approx(torch.trace(mix.T @ mix).item(), rel=0.05)


def test_recognisability_counts_confident_rows():
    probs = torch.tensor([[0.95, 0.05, 0.0], [0.5, 0.25, 0.25], [0.1, 0.9, 0.0],
                          [0.05, 0.06, 0.89]], dtype=torch.float64)
    assert recognisability(probs) == 0.5  # rows 0 and 2 (>= 0.9 counts)
    assert recognisability(probs, threshold=0.6) == 0.75
    assert recognisability(probs, threshold=0.0) == 1.0
    with pytest.raises(ValueError):
        recognisability(torch.zeros(0, 3))


def test_class_shares_show_mode_collapse():
    probs = torch.tensor([[0.9, 0.1, 0.0]] * 3 + [[0.0, 0.2, 0.8]])
    assert class_shares(probs).tolist() == [0.75, 0.0, 0.25]
