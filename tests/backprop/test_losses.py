"""Hand-written losses against torch.nn.functional, including numerically hard inputs."""

import pytest
import torch
import torch.nn.functional as F

from torchdojo.backprop import losses

DTYPES = [(torch.float64, 1e-12), (torch.float32, 1e-6)]


def randn(*shape, dtype, scale=1.0, seed=0):
    return torch.randn(*shape, generator=torch.Generator().manual_seed(seed), dtype=dtype) * scale


@pytest.mark.parametrize("dtype, tol", DTYPES)
@pytest.mark.parametrize("scale", [0.1, 3.0])
def test_cross_entropy_batch_and_point_match_torch(dtype, tol, scale):
    logits = randn(16, 7, dtype=dtype, scale=scale)
    targets = torch.randint(0, 7, (16,), generator=torch.Generator().manual_seed(1))
    assert abs(losses.cross_entropy(logits, targets) - F.cross_entropy(logits, targets)) <= tol
    for i in range(4):
        ours = losses.cross_entropy_point(logits[i], int(targets[i]))
        assert abs(ours - F.cross_entropy(logits[i:i + 1], targets[i:i + 1])) <= tol


def test_cross_entropy_of_a_known_point():
    # logits (0, log 3): softmax = (1/4, 3/4); loss for class 1 is -log(3/4)
    z = torch.tensor([0.0, torch.log(torch.tensor(3.0))], dtype=torch.float64)
    assert torch.isclose(losses.cross_entropy_point(z, 1), -torch.log(torch.tensor(0.75,
                                                                                   dtype=z.dtype)))


def test_large_logits_stay_finite_and_match_torch_while_the_naive_formula_fails():
    z = torch.tensor([1000.0, 0.0, -1000.0])
    assert losses.cross_entropy_point(z, 1) == 1000.0
    assert losses.cross_entropy_point(z, 0) == 0.0
    assert not torch.isfinite(losses.naive_cross_entropy_point(z, 1))
    hard = randn(8, 5, dtype=torch.float32, scale=1e4)
    targets = torch.arange(8) % 5
    ours, ref = losses.cross_entropy(hard, targets), F.cross_entropy(hard, targets)
    assert torch.isfinite(ours) and abs(ours - ref) <= 1e-6 * ref.abs()  # relative, at ~1e4


def test_logsumexp_and_softmax_match_torch_at_any_scale():
    for scale in (1.0, 100.0, 1e5):
        z = randn(4, 6, dtype=torch.float64, scale=scale)
        assert torch.allclose(losses.logsumexp(z), torch.logsumexp(z, -1), rtol=1e-12)
        assert torch.allclose(losses.softmax(z), torch.softmax(z, -1), atol=1e-12)


@pytest.mark.parametrize("dtype, tol", DTYPES)
def test_logistic_loss_matches_bce_with_logits_including_huge_scores(dtype, tol):
    y = torch.tensor([0, 1, 1, 0, 1, 0])
    for z in (randn(6, dtype=dtype), torch.tensor([800.0, -800.0, 50.0, -50.0, 0.0, 1e-3],
                                                  dtype=dtype)):
        ref = F.binary_cross_entropy_with_logits(z, y.to(dtype))
        assert abs(losses.logistic_loss(z, y) - ref) <= tol * max(1.0, float(ref))
        assert torch.isfinite(losses.logistic_loss(z, y))


def test_logistic_loss_is_two_class_cross_entropy_with_logits_0_and_z():
    z = randn(10, dtype=torch.float64, scale=4)
    y = torch.arange(10) % 2
    two_class = torch.stack([torch.zeros_like(z), z], dim=1)  # (B, 2)
    assert torch.allclose(losses.logistic_loss(z, y), losses.cross_entropy(two_class, y))


def test_mse_matches_torch():
    a, b = randn(5, 3, dtype=torch.float32), randn(5, 3, dtype=torch.float32, seed=1)
    assert abs(losses.mse(a, b) - F.mse_loss(a, b)) <= 1e-6
    assert losses.mse(torch.tensor([1.0, 3.0]), torch.tensor([0.0, 0.0])) == 5.0
