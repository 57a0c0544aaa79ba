"""transfer in quick mode on the fake data: every way at every budget, the metric is the best
transfer minus scratch, the target can fail, the lesson runs the in-course path alone where
the pretrained extra is absent; the label budgets are nested and never touch the validation
images; the weight loader refuses a file that does not fit, key by key; the real
EfficientNet-Lite0 (installed with the `pretrained` extra) loads and recognises a photo."""

import json

import pytest
import torch
from torch import nn

from torchdojo import registry
from torchdojo.errors import DojoError
from torchdojo.exercises import catalog
from torchdojo.exercises.grader import reference
from torchdojo.experiments import transfer as tr
from torchdojo.models import efficientnet_lite as lite
from torchdojo.runner import run_experiment, verdicts
from torchdojo.train.context import Context, Result

NO_EXTRA = "the `pretrained` extra is not installed (make's .dev installs it)"
needs_extra = pytest.mark.skipif(not lite.available(), reason=NO_EXTRA)


@pytest.fixture(scope="module", autouse=True)
def one_thread():
    """Small tensors: a second thread only adds overhead, and on a busy machine a lot of it."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="module")
def quick(one_thread, fake_data, tmp_path_factory):
    return run_experiment("transfer", quick=True, out=tmp_path_factory.mktemp("r") / "tr",
                          quiet=True)


def test_quick_run_measures_every_way_at_every_budget(quick):
    m, budgets = quick.metrics, tr.QUICK["budgets"]
    ways = list(tr.WAYS) if lite.available() else ["scratch", "cnn_probe", "cnn_finetune"]
    assert quick.dataset == "fashion-mnist" and m["imagenet_used"] == float(lite.available())
    for way in ways:
        for k in budgets:
            assert 0.0 <= m[f"{way}_at_{k}"] <= 1.0, (way, k)
    assert m["source_acc"] > 0.2  # the CNN learned its source (fake MNIST): chance is 0.1
    best = max(m[f"{w}_at_10"] for w in ways if w != "scratch")
    assert m["transfer_minus_scratch_at_10"] == pytest.approx(best - m["scratch_at_10"])
    assert quick.table.keys() == set(ways) and quick.best_at_10 in tr.TRANSFER
    records = [json.loads(line) for line in
               (quick.run_dir / "metrics.jsonl").read_text().splitlines()]
    assert [(r["phase"], r["epoch"]) for r in records] == [("train", 1), ("val", 1)]  # source
    assert (quick.run_dir / "budgets.png").stat().st_size > 5_000


@needs_extra
def test_quick_run_checks_the_network_on_a_photo_first(quick):
    assert quick.metrics["photo_top1"] == 652  # ImageNet's "military uniform": Grace Hopper's
    top5 = quick.photo_top5
    assert len(top5) == 5 and all(a[1] >= b[1] for a, b in zip(top5, top5[1:]))
    assert (quick.run_dir / "photo.png").stat().st_size > 5_000


def test_without_the_extra_the_in_course_path_runs_and_the_target_can_fail(
        fake_data, tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(lite, "available", lambda: False)
    # fine-tuning a source that learned nothing (no pretraining epochs) is training from
    # scratch again: transfer buys nothing, and the target must say so
    result = run_experiment("transfer", quick=True, out=tmp_path / "none", overrides={
        "source_epochs": 0, "steps": 60, "ways": "cnn_finetune,imagenet_probe"})
    said = capsys.readouterr().out
    assert said.count("ImageNet ways skipped") == 1 and lite.INSTALL in said
    m = result.metrics
    assert m["imagenet_used"] == 0 and "imagenet_probe_at_10" not in m
    assert result.table.keys() == {"scratch", "cnn_finetune"}
    assert m["transfer_minus_scratch_at_10"] == pytest.approx(
        m["cnn_finetune_at_10"] - m["scratch_at_10"]) and m["transfer_minus_scratch_at_10"] < 0.1
    targets = json.loads((result.run_dir / "result.json").read_text())["targets"]
    assert targets["transfer_minus_scratch_at_10 >= 0.1 on fashion-mnist"].startswith("FAIL")
    lesson = registry.find("transfer")
    good = Result({"transfer_minus_scratch_at_10": 0.12}, dataset="fashion-mnist")
    assert all(v.startswith("PASS") for _, v in verdicts(lesson, tr.Config(), good))


def test_budgets_are_nested_balanced_and_never_touch_the_validation_images():
    labels = torch.randint(0, 10, (3000,), generator=torch.Generator().manual_seed(0))
    val, pool, rank = tr.carve(labels, 20, 50, seed=3)
    assert len(set(val.tolist()) | set(pool.tolist())) == len(val) + len(pool)  # disjoint
    assert torch.bincount(labels[val], minlength=10).tolist() == [20] * 10
    for k in (1, 10, 50):
        chosen = pool[rank < k]
        assert torch.bincount(labels[chosen], minlength=10).tolist() == [k] * 10
    assert set(pool[rank < 10].tolist()) <= set(pool[rank < 50].tolist())  # 10 among the 50
    again = tr.carve(labels, 20, 50, seed=3)
    assert all(torch.equal(a, b) for a, b in zip((val, pool, rank), again))
    assert not torch.equal(tr.carve(labels, 20, 50, seed=4)[1], pool)
    with pytest.raises(DojoError, match="class .* has .* fewer than the 400"):
        tr.carve(labels, 100, 300, seed=0)


def test_first_per_class_is_the_exercise_reference():
    labels = torch.tensor([2, 0, 1, 0, 2, 1, 1, 0])
    assert tr.first_per_class(labels, 2, 3).tolist() == [1, 3, 2, 5, 0, 4]  # the docstring's
    solution = reference(catalog.find("label-budget")).first_per_class
    shuffled = torch.randint(0, 4, (40,), generator=torch.Generator().manual_seed(1))
    assert torch.equal(tr.first_per_class(shuffled, 3, 4), solution(shuffled, 3, 4))


def test_preprocessing_resizes_scales_like_tensorflow_and_repeats_the_grey():
    x = torch.rand(2, 1, 28, 28, generator=torch.Generator().manual_seed(0))
    out = lite.Preprocess(64)(x)
    assert out.shape == (2, 3, 64, 64)
    assert torch.equal(out[:, 0], out[:, 1]) and torch.equal(out[:, 1], out[:, 2])
    white, black = lite.Preprocess(32)(torch.ones(1, 1, 28, 28)), lite.Preprocess(32)(
        torch.zeros(1, 1, 28, 28))
    assert torch.allclose(white, torch.tensor(1.0)) and torch.allclose(
        black, torch.tensor(-127 / 128))  # pixel 255 -> (255 - 127) / 128, pixel 0 -> -127/128
    solution = reference(catalog.find("imagenet-input")).to_imagenet
    assert torch.allclose(out, solution(x, 64), atol=1e-6)
    with pytest.raises(DojoError, match="multiple of 32"):
        lite.Preprocess(48)


class Tiny(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 2, 3)
        self.bn = nn.BatchNorm2d(2)


def test_the_loader_checks_every_key_and_shape_before_loading(tmp_path):
    model = Tiny()
    state = {k: torch.full_like(v, 0.5) for k, v in model.state_dict().items()}
    good = tmp_path / "good.pth"
    torch.save(state, good)
    lite.load_weights(model, good)
    assert torch.equal(model.conv.weight, torch.full((2, 1, 3, 3), 0.5))

    cases = {
        "missing": ({k: v for k, v in state.items() if k != "bn.bias"}, "1 missing \\(bn.bias\\)"),
        "extra": ({**state, "fc.weight": torch.zeros(3)}, "1 unexpected \\(fc.weight\\)"),
        "shape": ({**state, "conv.weight": torch.zeros(2, 1, 5, 5)},
                  r"conv.weight \(2, 1, 5, 5\) != \(2, 1, 3, 3\)"),
    }
    for name, (bad, fragment) in cases.items():
        fresh = Tiny()
        before = {k: v.clone() for k, v in fresh.state_dict().items()}
        path = tmp_path / f"{name}.pth"
        torch.save(bad, path)
        with pytest.raises(DojoError, match=f"does not fit {lite.NAME}: .*{fragment}"):
            lite.load_weights(fresh, path)
        assert all(torch.equal(before[k], v) for k, v in fresh.state_dict().items())  # untouched
    torch.save(torch.zeros(3), tmp_path / "tensor.pth")
    with pytest.raises(DojoError, match="holds a Tensor, not a state dict"):
        lite.load_weights(Tiny(), tmp_path / "tensor.pth")
    torch.save({"conv.weight": Tiny}, tmp_path / "code.pth")  # a class: pickled code
    with pytest.raises(DojoError, match="cannot read the weights"):
        lite.load_weights(Tiny(), tmp_path / "code.pth")
    (tmp_path / "cut.pth").write_bytes(good.read_bytes()[:100])
    with pytest.raises(DojoError, match="cannot read the weights"):
        lite.load_weights(Tiny(), tmp_path / "cut.pth")


def test_frozen_batch_norm_keeps_its_statistics_while_the_rest_trains():
    torch.manual_seed(0)
    model = lite.FrozenBatchNorm(nn.Sequential(nn.Conv2d(1, 2, 3), nn.BatchNorm2d(2),
                                               nn.Dropout(0.5)))
    model.train()
    bn = model.model[1]
    assert not bn.training and model.model[2].training and model.training
    before = bn.running_mean.clone()
    model(torch.randn(4, 1, 6, 6) + 3)
    assert torch.equal(bn.running_mean, before)


@needs_extra
def test_the_real_weights_load_and_the_cut_network_equals_the_whole():
    net = lite.pretrained()
    assert sum(p.numel() for p in net.parameters()) == 4_652_008  # EfficientNet-Lite0
    x = torch.rand(2, 1, 28, 28, generator=torch.Generator().manual_seed(0))
    pre = lite.Preprocess(32)
    with torch.no_grad():
        whole = net.extract_features(pre(x)).mean((2, 3))
        for cut in (0, 11, 16):
            bottom, top = lite.split(net, cut, 32)
            assert torch.allclose(top(bottom(x)), whole, atol=1e-5), cut
        h = net._swish(net._bn0(net._conv_stem(pre(x))))  # the network's own loop
        outputs = []
        for block in net._blocks:
            h = block(h)
            outputs.append(h.mean((2, 3)))
        for first in (5, 8):  # the probe's features: blocks 8, 10, 12, 14 averaged, side by side
            probed = lite.BlockFeatures(net, first, (14, 8, 12, 10))(lite.Bottom(net, first, 32)(x))
            assert torch.allclose(probed, torch.cat([outputs[b] for b in (8, 10, 12, 14)], 1),
                                  atol=1e-5), first
        assert torch.allclose(lite.BlockFeatures(net, 12, (16,))(lite.Bottom(net, 12, 32)(x)),
                              whole, atol=1e-5)  # tap 16: the head's features
        both = lite.BlockFeatures(net, 10, (10, 16))(lite.Bottom(net, 10, 32)(x))
        assert torch.allclose(both, torch.cat([outputs[10], whole], 1), atol=1e-5)
        # cells: those taps averaged over each cell of a grid, channel by channel
        gridded = lite.BlockFeatures(net, 8, (8, 14), cells=(8,), grid=2)(
            lite.Bottom(net, 8, 32)(x))
        maps = lite.Blocks(net, 8, 9)(lite.Bottom(net, 8, 32)(x))  # (2, 112, 2, 2) at 32x32
        assert torch.allclose(gridded, torch.cat([maps.flatten(1), outputs[14]], 1), atol=1e-5)
        # keep: the input of block `keep` from the same pass, as the frozen blocks give it
        for first, taps, keep in ((8, (8, 14), 15), (8, (8, 14), 16), (8, (14,), 8),
                                  (5, (8,), 12), (8, (8, 10), 11)):
            h = lite.Bottom(net, first, 32)(x)
            f, kept = lite.BlockFeatures(net, first, taps, keep=keep)(h)
            assert torch.allclose(f, lite.BlockFeatures(net, first, taps)(h), atol=1e-6)
            assert torch.allclose(kept, lite.Blocks(net, first, keep)(h), atol=1e-6), keep
    assert whole.shape == (2, lite.FEATURES) and probed.shape == (2, 112 + 112 + 192 + 192)


def test_mirrored_probe_features_average_an_image_and_its_mirror():
    torch.manual_seed(0)
    bottom = nn.Conv2d(1, 3, 3, padding=1)  # stand-ins: any bottom, any features
    features = nn.Sequential(nn.Conv2d(3, 4, 3), nn.Flatten())
    x = torch.rand(5, 1, 6, 6)
    with torch.no_grad():
        acts = bottom(x)
        plain = tr.probe_features(bottom, features, x, features(acts), mirror=False)
        both = tr.probe_features(bottom, features, x, features(acts), mirror=True)
        assert torch.allclose(plain, features(bottom(x)))
        assert torch.allclose(both, (plain + features(bottom(x.flip(3)))) / 2, atol=1e-6)
        assert not torch.allclose(both, plain)  # the mirror image changed something
        symmetric = torch.cat([x[..., :3], x[..., :3].flip(3)], 3)  # its own mirror image
        even = nn.Conv2d(1, 3, 3, padding=1)  # a bottom whose kernels are mirror-symmetric:
        even.weight.data = (even.weight + even.weight.flip(3)) / 2  # flip in, flip out
        pooled = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten())
        assert torch.allclose(tr.probe_features(even, pooled, symmetric,
                                                pooled(even(symmetric)), True),
                              pooled(even(symmetric)), atol=1e-6)


@pytest.mark.parametrize("setting, fragment", [
    ("budgets=0", "budgets must be"), ("image_size=48", "multiple of 32"),
    ("finetune_from=17", "finetune_from must be"), ("probe_blocks=-1", "probe_blocks must be"),
    ("steps=0", "steps must be positive"), ("probe_grid=0", "probe_grid must be positive"),
    ("val_per_class=0", "val_per_class must be positive"),
    ("budgets=5,1000", "fewer than the 1010"), ("ways=imagenet", "unknown way 'imagenet'")])
def test_bad_settings_are_a_dojo_error(fake_data, tmp_path, setting, fragment):
    key, value = setting.split("=")
    with pytest.raises(DojoError, match=fragment):
        run_experiment("transfer", quick=True, quiet=True, out=tmp_path / "run",
                       overrides={key: value})
    assert not (tmp_path / "run").exists()  # nothing half-written


def test_validation_mode_reports_on_held_out_training_images(fake_data):
    splits = tr.load_splits(tr.Config(evaluate_on="val", val_per_class=10, budgets=(5,)),
                            torch.device("cpu"))
    assert splits.dataset == "fashion-mnist-validation" and len(splits.held[1]) == 100
    lesson = registry.find("transfer")
    result = Result({"transfer_minus_scratch_at_10": 0.5}, dataset=splits.dataset)
    assert all(v.startswith("n/a") for _, v in verdicts(lesson, tr.Config(), result))


def test_the_probe_learns_and_ignores_a_feature_that_never_varied():
    g = torch.Generator().manual_seed(0)
    labels = torch.arange(40) % 4
    centres = torch.randn(4, 6, generator=g) * 5
    features = centres[labels] + torch.randn(40, 6, generator=g)
    features[:, 5] = 2.0  # constant on the labelled set: its spread is zero
    config = tr.Config(steps=300, min_epochs=1, batch_size=40)
    head = tr.probe(features, labels, Context(quiet=True), config)
    fresh = centres[labels] + torch.randn(40, 6, generator=g)
    with torch.no_grad():
        assert (head(fresh).argmax(1) == labels).float().mean() > 0.9
        wild = fresh.clone()
        wild[:, 5] = 1000.0  # standardised by a spread of zero: huge, yet it changes nothing
        assert torch.equal(head(wild), head(fresh))
