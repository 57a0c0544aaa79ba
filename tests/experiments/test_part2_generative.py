"""gan and diffusion in quick mode on fake data: they train through the one loop, their
losses behave, they write their figures, and the judge scores them; the judge's cache."""

import json
import math

import pytest
import torch
from clitools import dojo, one_line_error
from PIL import Image

from torchdojo.data.vision import load_images
from torchdojo.methods import judge as judge_module
from torchdojo.methods.judge import score
from torchdojo.runner import run_experiment


@pytest.fixture(scope="module")
def results(fake_data, tmp_path_factory):
    root = tmp_path_factory.mktemp("runs")
    return {key: run_experiment(key, quick=True, out=root / key, quiet=True)
            for key in ("gan", "diffusion")}


def _train_records(result):
    lines = (result.run_dir / "metrics.jsonl").read_text().splitlines()
    return [r for r in map(json.loads, lines) if r["phase"] == "train"]


def test_both_are_judged_by_the_same_accurate_classifier(results):
    gan, diffusion = results["gan"].metrics, results["diffusion"].metrics
    for m in (gan, diffusion):
        assert {"recognised", "fid", "fid_real", "real_recognised", "judge_test_acc"} <= set(m)
        assert 0 <= m["recognised"] <= 1 and math.isfinite(m["fid"])
        assert m["judge_test_acc"] > 0.8  # the fake classes are learnable
        # a few steps of training make poor samples: far from the real data, unlike real data
        assert m["fid"] > 3 * m["fid_real"]
    assert gan["judge_test_acc"] == diffusion["judge_test_acc"]
    assert gan["fid_real"] == pytest.approx(diffusion["fid_real"], rel=1e-9)


def test_gan_logs_finite_d_and_g_losses_every_epoch_and_checkpoints_both_optimisers(results):
    result = results["gan"]
    records = _train_records(result)
    assert [r["epoch"] for r in records] == [1, 2, 3]
    for r in records:
        for key in ("d_loss", "g_loss", "d_real", "d_fake"):
            assert math.isfinite(r[key]), (key, r)
        assert 0 <= r["d_fake"] <= 1 and 0 <= r["d_real"] <= 1
    state = torch.load(result.run_dir / "checkpoint.pt", weights_only=True)
    assert set(state["optimizers"]) == {"generator", "discriminator"} and state["epoch"] == 3


def test_gan_writes_a_grid_every_epoch_a_strip_and_a_gif(results):
    run_dir = results["gan"].run_dir
    for name in ("curves", "samples", "evolution", "classes"):
        assert (run_dir / f"{name}.png").exists(), name
    assert sorted(p.name for p in (run_dir / "samples").iterdir()) == \
        ["epoch-001.png", "epoch-002.png", "epoch-003.png"]
    with Image.open(run_dir / "evolution.gif") as gif:
        assert gif.n_frames == 3
    snaps = results["gan"].snapshots
    assert not torch.equal(snaps[1], snaps[3])  # the same z, changing with training
    assert 0 <= results["gan"].metrics["agreement"] <= 1  # a cGAN by default


def test_diffusion_loss_falls_and_its_figures_show_the_chain(results):
    result = results["diffusion"]
    records = _train_records(result)
    losses = [r["loss"] for r in records]
    assert losses[0] < 1.05  # the zero-initialised output predicts eps = 0: loss E[eps^2] = 1
    assert losses[-1] < losses[0] - 0.05
    assert result.metrics["val_loss"] < 1.0
    for name in ("curves", "schedule", "forward", "chain", "samples", "classes", "guidance"):
        assert (result.run_dir / f"{name}.png").exists(), name
    sweep = json.loads((result.run_dir / "guidance.json").read_text())
    assert set(sweep) == {"none", "w=0", "w=1", "w=2", "w=4"}  # the judged w = 1 reused
    assert sweep["none"]["recognised"] == result.metrics["unconditional_recognised"]
    judge, data = result.judge, result.data
    first, _ = score(judge, result.samples[:50], data)  # sweep_samples = 50
    assert sweep["w=1"] == {"w": 1.0, "recognised": first["recognised"], "fid": first["fid"]}
    assert sweep["none"]["fid"] == result.metrics["unconditional_fid"]
    assert 0 <= result.metrics["agreement"] <= 1
    chain = result.chain
    assert max(chain) == 40 and min(chain) == 0  # from x_T (T = 40 in quick mode) to x_0
    assert chain[40].std() > 0.8  # x_T ~ N(0, I)
    state = torch.load(result.run_dir / "checkpoint.pt", weights_only=True)
    assert "ema" in state["extra"]  # the EMA weights are checkpointed with the run
    assert result.samples.abs().max() <= 1


def test_judge_is_cached_once_and_a_damaged_cache_is_retrained(fake_data, tmp_path,
                                                                monkeypatch):
    monkeypatch.setenv("TORCHDOJO_HOME", str(tmp_path))
    monkeypatch.setitem(judge_module.RECIPE, "max_epochs", 2)  # a quick recipe, its own key
    data = load_images("mnist")
    first = judge_module.load_judge(data, torch.device("cpu"))
    files = list((tmp_path / "cache" / "judges").iterdir())
    assert len(files) == 1 and not first.cached
    second = judge_module.load_judge(data, torch.device("cpu"))
    assert second.cached and second.test_acc == first.test_acc
    for a, b in zip(first.model.state_dict().values(), second.model.state_dict().values()):
        assert torch.equal(a, b)
    files[0].write_bytes(b"not a checkpoint")
    third = judge_module.load_judge(data, torch.device("cpu"))
    assert not third.cached and third.test_acc == first.test_acc  # same seed, same judge
    assert judge_module.load_judge(data, torch.device("cpu")).cached


def test_bad_settings_are_one_line_errors(fake_data, tmp_path):
    for args, says in ((["diffusion", "--set", "bad=1"], "unknown setting"),
                       (["diffusion", "--set", "channels=8"], "channels needs two widths"),
                       (["diffusion", "--set", "T=10"], "use T >= 21"),
                       (["latent-diffusion", "--set", "T=20"], "use T >= 21")):
        code, _, err = dojo("run", *args, "--quick", "--out", str(tmp_path / "run"))
        one_line_error(code, err, says)
        assert not (tmp_path / "run").exists()


def test_training_set_keeps_images_and_labels_paired_and_agreement_counts_asked_classes(
        fake_data):
    data = load_images("mnist")
    images, labels = judge_module.training_set(data, 50, seed=3, labels=True)
    (alone,) = judge_module.training_set(data, 50, seed=3)
    assert torch.equal(images, alone) and images.shape == (50, 1, 28, 28)
    for image, label in zip(images[:10], labels[:10]):  # each image keeps its own label
        i = (judge_module.to_unit_range(data.train_x) == image).flatten(1).all(1).nonzero()
        assert data.train_y[i.flatten()].eq(label).all()
    asked = judge_module.asked_classes(23, 10)
    assert asked.tolist() == [*range(10), *range(10), 0, 1, 2]
    probs = torch.nn.functional.one_hot(asked, 10).float()
    probs[:5] = probs[:5].roll(1, dims=1)  # five samples named as another class
    assert judge_module.agreement(probs, 10) == pytest.approx(18 / 23)


def test_a_collapsed_generator_and_noise_fail_the_generator_targets(results):
    """One digit repeated, and noise, can fool `recognised` (the judge is sure of both here);
    classifier FID and agreement catch them, and real digits in the asked order pass those."""
    from torchdojo.methods.judge import agreement, asked_classes, to_unit_range
    from torchdojo.registry import GENERATOR_TARGETS

    judge, data = results["gan"].judge, results["gan"].data
    n, test = 100, to_unit_range(data.test_x)
    real = torch.stack([test[(data.test_y == c).nonzero()[i // 10, 0]]
                        for i, c in enumerate(asked_classes(n, 10).tolist())])
    generators = {"collapsed": test[:1].repeat(n, 1, 1, 1),
                  "noise": torch.rand(n, 1, 28, 28, generator=torch.Generator().manual_seed(0))
                  * 2 - 1, "real": real}
    failing = {}
    for name, samples in generators.items():
        metrics, probs = score(judge, samples, data)
        metrics["agreement"] = agreement(probs, 10)
        failing[name] = {t.metric for t in GENERATOR_TARGETS if not t.met(metrics)}
    assert {"fid", "agreement"} <= failing["collapsed"]
    assert {"fid", "agreement"} <= failing["noise"]
    assert not {"fid", "agreement"} & failing["real"]


def test_both_save_what_the_judge_saw_for_the_cross_lesson_check(results):
    from torchdojo.methods.lead import Judged, leads

    gan, diffusion = (Judged.load(results[k].run_dir / "judged.pt") for k in ("gan", "diffusion"))
    assert gan.probs.shape == (results["gan"].samples.shape[0], 10)
    assert torch.allclose(gan.probs, results["gan"].probs)
    assert abs(gan.fid() - results["gan"].metrics["fid"]) < 1e-6 * max(1.0, gan.fid())
    assert {lead.measure for lead in leads(diffusion, gan, reps=20)} == {"recognised", "fid"}


def test_diffusion_validates_on_training_images_it_never_trains_on(fake_data):
    """The validation loss comes from held-out training images: none is trained on and
    none is a test image (the test split is for the judge's reference numbers only)."""
    from torchdojo import config as configs
    from torchdojo.experiments import diffusion
    from torchdojo.methods.judge import to_unit_range
    from torchdojo.train.context import Context

    def rows(images):  # [-1, 1] images -> the set of their bytes
        pixels = ((images.flatten(1) + 1) * 127.5).round().to(torch.uint8).numpy()
        return {bytes(r) for r in pixels}

    data = load_images("mnist")
    test = rows(to_unit_range(data.test_x))
    for limit in (256, None):
        config = configs.replace(diffusion.Config(), {"train_limit": limit})
        images = diffusion.prepare_data(config, Context())
        train, val = rows(images.train[0]), rows(images.val[0])
        assert val and not train & val and not val & test
        assert len(images.train[0]) + len(images.val[0]) <= data.train_x.shape[0]
        assert images.val[1].shape == (images.val[0].shape[0],)  # conditional: labels kept
