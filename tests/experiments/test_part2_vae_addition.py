"""vae and mnist-addition in quick mode on the fake data: the ELBO improves and beats a
pixel-independent baseline on data with known structure, the 2-D variant draws its
latent map, the adder beats chance with its three losses logged and weighted as configured,
and no pair crosses the split."""

import json
import math

import pytest
import torch
from clitools import dojo, one_line_error
from torch import nn

from torchdojo.data.pairs import pair_index, split_pairs
from torchdojo.experiments import mnist_addition, vae
from torchdojo.models.vae import VAE, bernoulli_log_likelihood
from torchdojo.runner import run_experiment
from torchdojo.train.context import Context
from torchdojo.train.loop import evaluate


@pytest.fixture(scope="module")
def results(fake_data, tmp_path_factory):
    root = tmp_path_factory.mktemp("runs")
    return {
        "vae": run_experiment("vae", quick=True, out=root / "vae", quiet=True),
        "vae2": run_experiment("vae", quick=True, overrides={"latent": 2}, out=root / "vae2",
                               quiet=True),
        "add": run_experiment("mnist-addition", quick=True, out=root / "add", quiet=True),
    }


def rows(history, phase, key):
    return [r[key] for r in history if r["phase"] == phase]


def test_vae_neg_elbo_falls_and_is_reconstruction_plus_kl(results):
    result = results["vae"]
    for phase in ("train", "val"):
        curve = rows(result.history, phase, "neg_elbo")
        assert curve[-1] < curve[0] - 20, curve  # nats per image
    m = result.metrics
    assert m["test_neg_elbo"] == pytest.approx(m["test_recon"] + m["test_kl"], rel=1e-5)
    assert m["test_kl"] > 0
    assert math.isfinite(m["test_nll_iw5"]) and m["test_nll_iw5"] < m["test_neg_elbo"]
    saved = json.loads((result.run_dir / "result.json").read_text())
    assert saved["metrics"]["test_neg_elbo"] == m["test_neg_elbo"]
    assert {"curves", "reconstructions", "samples"} <= set(result.figures)
    assert all(path.exists() for path in result.figures.values())
    assert (result.run_dir / "checkpoint.pt").exists()


def test_vae_finds_the_structure_that_independent_pixels_miss():
    """Four binary prototypes with 5 % of pixels flipped: one Bernoulli per pixel needs about
    37 nats per image, the true model about 14 (log 4 + 64 H(0.05)); the VAE must get close."""
    torch.manual_seed(0)
    g = torch.Generator().manual_seed(0)
    prototypes = torch.bernoulli(torch.full((4, 64), 0.5), generator=g)
    which = torch.randint(0, 4, (1024,), generator=g)
    x = (prototypes[which] - torch.bernoulli(torch.full((1024, 64), 0.05), generator=g)).abs()
    train, test = x[:768], x[768:]
    p = train.mean(0).clamp(1e-3, 1 - 1e-3)  # (64,) the best independent-pixel model
    baseline = -bernoulli_log_likelihood(torch.logit(p).expand_as(test), test).mean().item()
    true_nll = math.log(4) - 64 * (0.05 * math.log(0.05) + 0.95 * math.log(0.95))
    model = VAE(latent=2, hidden=32, pixels=64)
    loss_fn = vae.make_loss(binarize=False)
    Context().fit(model, (train,), loss_fn=loss_fn, epochs=15, batch_size=64, log=False,
                  optimizer=torch.optim.Adam(model.parameters(), lr=1e-2))
    neg_elbo = evaluate(model, (test,), loss_fn)["neg_elbo"]
    assert true_nll - 1 < neg_elbo < baseline - 15, (true_nll, neg_elbo, baseline)


def test_vae_latent_2_draws_the_latent_map_and_the_manifold(results):
    result = results["vae2"]
    assert {"latent_map", "manifold", "samples"} <= set(result.figures)
    assert all(path.exists() for path in result.figures.values())
    assert result.model.latent == 2
    assert "latent_map" not in results["vae"].figures


def test_adder_beats_chance_and_logs_three_losses_and_their_weighted_sum(results):
    result = results["add"]
    m = result.metrics
    assert m["digit_acc"] > 0.5 and m["sum_acc"] > 0.1  # chance: 0.1 and at most 0.1
    assert 0 <= m["sum_from_digits_acc"] <= 1
    losses = rows(result.history, "train", "loss")
    assert losses[-1] < losses[0]
    for record in result.history:  # weights 1, 1, 1: the loss is the plain sum
        total = record["ce_first"] + record["ce_second"] + record["ce_sum"]
        assert record["loss"] == pytest.approx(total, rel=1e-5)
    assert {"losses", "accuracy", "test_pairs"} <= set(result.figures)


def test_adder_loss_uses_the_configured_weights(results):
    result = results["add"]
    index, model = result.index, result.model
    config = mnist_addition.Config(w_first=0.5, w_second=2.0, w_sum=0.25)
    model.eval()
    loss, parts = mnist_addition.make_loss(index, config)(model, tuple(t[:64] for t in index.test))
    expected = 0.5 * parts["ce_first"] + 2.0 * parts["ce_second"] + 0.25 * parts["ce_sum"]
    torch.testing.assert_close(loss, expected)


class Spy(nn.Module):
    """Records the (split, index) code of every image it is shown; outputs trainable zeros."""

    def __init__(self):
        super().__init__()
        self.w = nn.Parameter(torch.zeros(1))
        self.seen: list[int] = []

    def forward(self, image_a, image_b):
        self.seen += image_a[:, 0, 0, 0].tolist() + image_b[:, 0, 0, 0].tolist()
        zeros = self.w * torch.zeros(len(image_a), 1)
        return zeros.expand(-1, 10), zeros.expand(-1, 10), zeros.expand(-1, 19)


@pytest.mark.parametrize("fresh_pairs", [True, False])
def test_training_sees_only_training_images_and_evaluation_only_test_images(fresh_pairs):
    def coded(n, split):  # pixel (0, 0) says which split an image came from
        images = torch.zeros(n, 1, 28, 28)
        images[:, 0, 0, 0] = split
        return images

    labels = torch.arange(90) % 10
    train, test = split_pairs(coded(60, 0), labels[:60], coded(30, 1), labels[60:], seed=0)
    index = pair_index(train, test)
    config = mnist_addition.Config(fresh_pairs=fresh_pairs)
    loss_fn = mnist_addition.make_loss(index, config)
    spy = Spy()
    data = (index.train[0],) if fresh_pairs else index.train
    Context().fit(spy, data, loss_fn=loss_fn, optimizer=torch.optim.SGD(spy.parameters(), lr=0.1),
                  epochs=2, batch_size=16, log=False)
    assert len(spy.seen) == 2 * 2 * 60 and set(spy.seen) == {0.0}
    spy.seen.clear()
    evaluate(spy, index.test, loss_fn)
    assert len(spy.seen) == 2 * 30 and set(spy.seen) == {1.0}


def test_fresh_pairs_change_between_epochs_and_stay_within_the_batch():
    labels = torch.arange(40) % 10
    index = pair_index(*split_pairs(torch.zeros(40, 1, 28, 28), labels,
                                    torch.zeros(10, 1, 28, 28), labels[:10], seed=0))
    loss_fn = mnist_addition.make_loss(index, mnist_addition.Config())
    batches = []

    def recording(model, batch):
        batches.append(batch[0].clone())
        return loss_fn(model, batch)

    spy = Spy()  # one batch per epoch (batch_size 40 = all the training images)
    Context().fit(spy, (index.train[0],), loss_fn=recording, epochs=2, batch_size=40,
                  log=False, optimizer=torch.optim.SGD(spy.parameters(), lr=0.1))
    pairs = [set(zip(b.tolist(), b.roll(1).tolist())) for b in batches]
    assert len(pairs) == 2 and len(pairs[0]) == 40 and pairs[0] != pairs[1]
    assert sorted(b for b, _ in pairs[0]) == sorted(b for _, b in pairs[0]) == list(range(40))


@pytest.mark.parametrize("args, fragment", [
    (["run", "vae", "--quick", "--set", "binarize=yes"], "binarize must be one of dynamic, none"),
    (["run", "mnist-addition", "--set", "w_sum=heavy"], "w_sum must be float"),
])
def test_bad_settings_are_one_line_errors(args, fragment, tmp_path):
    code, _, err = dojo(*args, cwd=tmp_path)
    one_line_error(code, err, fragment)
    assert not list(tmp_path.glob("runs/*"))  # no run folder left behind
