"""Toy data: deterministic per seed, the documented shapes, and the promised geometry."""

import pytest
import torch

from torchdojo.data import toy
from torchdojo.errors import DojoError

GENERATORS = [toy.problem1, toy.problem2, toy.spiral]


@pytest.mark.parametrize("make", GENERATORS)
def test_same_seed_same_data_other_seed_other_data(make):
    a, b, c = make(seed=3), make(seed=3), make(seed=4)
    assert torch.equal(a[0], b[0]) and torch.equal(a[1], b[1])
    assert not torch.equal(a[0], c[0])
    x, y = a
    assert x.dtype == torch.float32 and y.dtype == torch.int64
    assert x.ndim == 2 and x.shape[1] == 2 and y.shape == (x.shape[0],)


def test_problem1_is_balanced_and_separated_by_the_line_x1_plus_x2_equals_0():
    x, y = toy.problem1(1000, seed=0)
    assert x.shape == (1000, 2) and y.bincount().tolist() == [500, 500]
    assert ((x.sum(1) > 0).long() == y).float().mean() > 0.99
    assert torch.allclose(x[y == 1].mean(0), torch.tensor([1.0, 1.0]), atol=0.1)


def test_problem2_is_a_disc_inside_a_ring_with_a_gap():
    x, y = toy.problem2(1000, seed=0)
    r = x.norm(dim=1)
    assert y.bincount().tolist() == [500, 500]
    assert r[y == 0].max() < r[y == 1].min()  # a circle separates them...
    # ...but no line does much better than chance: every class straddles the origin
    assert torch.allclose(x[y == 0].mean(0), torch.zeros(2), atol=0.1)
    assert torch.allclose(x[y == 1].mean(0), torch.zeros(2), atol=0.15)


def test_xor_defaults_to_the_truth_table():
    x, y = toy.xor()
    assert x.tolist() == [[0, 0], [0, 1], [1, 0], [1, 1]]
    assert y.tolist() == [0, 1, 1, 0]


def test_noisy_xor_clouds_keep_their_corner_labels():
    x, y = toy.xor(50, noise=0.1, seed=1)
    assert x.shape == (200, 2) and y.bincount().tolist() == [100, 100]
    corner = x.round().clamp(0, 1)
    assert ((corner[:, 0] != corner[:, 1]).long() == y).float().mean() > 0.99


def test_spiral_matches_the_cs231n_construction():
    x, y = toy.spiral(100, 3, seed=0, noise=0.0)
    assert x.shape == (300, 2) and y.bincount().tolist() == [100, 100, 100]
    r = x.norm(dim=1)
    assert r.min() == 0 and torch.isclose(r.max(), torch.tensor(1.0))
    # without noise, arm j at radius r has angle theta = 4 j + 4 r: x = (r sin t, r cos t)
    arm0 = x[y == 0]
    r0 = arm0.norm(dim=1)
    expected = torch.stack([r0 * (4 * r0).sin(), r0 * (4 * r0).cos()], 1)
    assert torch.allclose(arm0, expected, atol=1e-5)


@pytest.mark.parametrize("call", [lambda: toy.problem1(0), lambda: toy.spiral(5, 0),
                                  lambda: toy.xor(0)])
def test_bad_sizes_are_a_dojo_error(call):
    with pytest.raises(DojoError):
        call()
