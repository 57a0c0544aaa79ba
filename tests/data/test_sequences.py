"""The order-task generator keeps its promises; the series generator is seeded and seasonal."""

import pytest
import torch

from torchdojo.data.sequences import PAD, A, B, check, label_of, make_sequences
from torchdojo.data.series import make_series, windows
from torchdojo.errors import DojoError


def test_every_promised_property_holds():
    data = make_sequences(400, min_len=3, max_len=20, vocab_size=6, seed=3)
    assert all(check(data).values()), check(data)
    assert data.tokens.shape == (400, 20) and data.tokens.dtype == torch.long
    assert data.lengths.min() >= 3 and data.lengths.max() <= 20
    assert set(data.tokens.unique().tolist()) <= set(range(6))


def test_label_is_a_before_b_and_depends_only_on_order():
    data = make_sequences(200, seed=0)
    for i in range(200):
        seq = data.tokens[i, :data.lengths[i]].tolist()
        assert seq.count(A) == 1 and seq.count(B) == 1 and PAD not in seq
        assert data.labels[i] == int(seq.index(A) < seq.index(B))
    # the same symbols in both classes: counts cannot tell the classes apart
    counts = torch.stack([torch.bincount(t, minlength=8) for t in data.tokens])
    assert (counts[:, A] == 1).all() and (counts[:, B] == 1).all()
    assert label_of(torch.tensor([3, A, 4, B])) == 1 and label_of(torch.tensor([B, A])) == 0


def test_check_catches_broken_data():
    data = make_sequences(50, seed=1)
    data.mask[0, int(data.lengths[0]) - 1] = False  # a mask that disagrees with its length
    data.labels[1] = 1 - data.labels[1]  # a wrong label
    report = check(data)
    assert not report["mask matches lengths"] and not report["label is the order rule"]
    assert report["exactly one A and one B each"]


def test_seeded_deterministic_and_seeds_differ():
    a, b, c = make_sequences(100, seed=5), make_sequences(100, seed=5), make_sequences(100, seed=6)
    assert torch.equal(a.tokens, b.tokens) and torch.equal(a.labels, b.labels)
    assert not torch.equal(a.tokens, c.tokens)


@pytest.mark.parametrize("kw", [dict(n=0), dict(n=5, min_len=1), dict(n=5, min_len=9, max_len=4),
                                dict(n=5, vocab_size=3)])
def test_bad_settings_are_dojo_errors(kw):
    with pytest.raises(DojoError):
        make_sequences(**kw)


def test_series_is_seeded_with_a_weekly_season_and_chronological_windows():
    y = make_series(728, seed=0, noise=0.0, trend=0.0, yearly=0.0)
    assert torch.allclose(y[7:], y[:-7], atol=1e-5)  # pure weekly pattern repeats every 7 days
    assert torch.equal(make_series(100, seed=1), make_series(100, seed=1))
    data = windows(make_series(400, seed=0), 28)
    (x, target), (xt, _) = data.train, data.test
    assert x.shape[1] == 28 and x.shape[0] + xt.shape[0] == 400 - 28
    assert torch.equal(x[1, :-1], x[0, 1:]) and target[0] == x[1, -1]  # sliding by one day
    assert abs(data.series[:data.split].mean()) < 1e-5  # standardised with train statistics
    assert xt.shape[0] == 400 - data.split  # every test target lies after the split
