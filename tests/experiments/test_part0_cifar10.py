"""cifar10: quick runs on synthetic colour shapes learn (every rung's loss falls), the
augmentation is exact (a flip mirrors, a crop keeps content), normalisation uses training
statistics only, absent CIFAR-10 is n/a with one line on how to get it (in `dojo run` and
`dojo verify`), real-format files are used and judged when present, and resume is exact."""

import contextlib
import dataclasses
import io
import json

import pytest
import torch
import torch.nn.functional as F

from torchdojo import registry, runner
from torchdojo.data import cifar, colour_shapes
from torchdojo.errors import DojoError
from torchdojo.exercises import catalog
from torchdojo.exercises.grader import reference
from torchdojo.experiments import cifar10 as c10
from torchdojo.models.cifar_nets import ResNet9, SmallCNN
from torchdojo.runner import run_experiment, verdicts
from torchdojo.runner import verify as v
from torchdojo.train.loop import Interrupted

TINY = {"synthetic_train": 200, "ladder": False, "epochs": 2, "width": 4, "batch_size": 50}


@pytest.fixture(scope="module")
def quick(tmp_path_factory):
    """The quick run with data=auto in an empty data folder: synthetic, and the one line."""
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        result = run_experiment("cifar10", quick=True, quiet=True, overrides={"data": "auto"},
                                out=tmp_path_factory.mktemp("r") / "quick")
    return result, err.getvalue()


def test_quick_run_on_colour_shapes_learns_on_every_rung(quick):
    result, _ = quick
    assert result.dataset == "colour-shapes"
    assert result.dataset_label.startswith("synthetic colour shapes (720 train / 80 validation "
                                           "from its training set / 160 test), not CIFAR-10")
    for name, history in result.histories.items():
        train = [r["loss"] for r in history if r["phase"] == "train"]
        fall = 0.01 if name == "cnn-raw" else 0.1  # raw pixels: the slow start normalising cures
        assert len(train) == 3 and train[-1] < train[0] - fall, (name, train)
    m = result.metrics
    assert m["val_acc_resnet9"] > 0.5 and m["test_acc"] > 0.5  # chance: 0.1
    assert m["val_acc_cnn_normalised"] > m["val_acc_cnn_raw"]  # 3 epochs: raw pixels lag
    assert m["train_seconds"] == pytest.approx(sum(m[f"seconds_{k}"] for k in (
        "cnn_raw", "cnn_normalised", "cnn_augmented", "resnet9")))
    records = [json.loads(line) for line in
               (result.run_dir / "metrics.jsonl").read_text().splitlines()]
    assert [(r["phase"], r["epoch"]) for r in records] == [
        (p, e) for e in (1, 2, 3) for p in ("train", "val")]  # the ResNet's fit owns the log
    assert records[-1]["acc"] == pytest.approx(m["val_acc_resnet9"])
    for name in ("augmentation", "ladder", "curves", "confusion"):
        assert (result.run_dir / f"{name}.png").stat().st_size > 5_000, name


def test_absent_cifar10_is_n_a_with_one_line_saying_how_to_get_it(quick):
    result, err = quick
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("CIFAR-10 is not in ")
    assert "dojo data fetch cifar10" in lines[0] and "synthetic colour shapes" in lines[0]
    targets = json.loads((result.run_dir / "result.json").read_text())["targets"]
    assert list(targets) == ["test_acc >= 0.8 on cifar10"]
    assert targets["test_acc >= 0.8 on cifar10"].startswith("n/a: ran on colour-shapes")
    assert "dojo data fetch cifar10" in result.dataset_label  # what verify's row says


def test_verify_reports_absent_cifar10_as_n_a_with_the_reason(monkeypatch, tmp_path):
    lesson = registry.find("cifar10")
    tiny = dataclasses.replace(lesson, checks=(dataclasses.replace(
        lesson.checks[0], overrides={"data": "auto", **TINY}),))
    real_find = registry.find
    monkeypatch.setattr(registry, "find", lambda key: tiny if key == "cifar10" else
                        real_find(key))
    with contextlib.redirect_stderr(io.StringIO()):
        [row] = v.verify(["cifar10"], device="cpu", out_root=tmp_path, say=lambda _: None)
    # n/a at once, not after training on colour shapes that cannot measure the target
    assert row.verdict == "n/a" and row.dataset == "-" and row.run_dir == ""
    assert "CIFAR-10 is not in" in row.why and "dojo data fetch cifar10" in row.why
    assert f"| n/a: {row.why} |" in v.table([row])
    assert v.table([dataclasses.replace(row, why="")]).count("| n/a |") == 1  # as before


def test_asking_for_cifar10_when_it_is_absent_is_one_line_and_leaves_nothing(tmp_path):
    with pytest.raises(cifar.CifarAbsent, match="dojo data fetch cifar10"):
        run_experiment("cifar10", quiet=True, overrides={"data": "cifar10", **TINY},
                       out=tmp_path / "run")
    assert not (tmp_path / "run").exists()


def fake_cifar(root, records: int, seed: int = 0) -> None:
    """Real-format batch files of random images and labels: nothing there to learn."""
    g = torch.Generator().manual_seed(seed)
    folder = cifar.folder(root)
    folder.mkdir(parents=True)
    for name in (*cifar.TRAIN_FILES, cifar.TEST_FILE):
        images = torch.randint(0, 256, (records, 3, 32, 32), generator=g, dtype=torch.uint8)
        cifar.write_batch(folder / name, images, torch.randint(0, 10, (records,), generator=g))
    (folder / cifar.META_FILE).write_text("\n".join(cifar.CLASSES) + "\n")


def test_real_format_files_are_used_and_the_target_is_judged_and_can_fail(tmp_path,
                                                                        monkeypatch):
    fake_cifar(tmp_path / "data", records=40)
    monkeypatch.setenv("TORCHDOJO_DATA", str(tmp_path / "data"))
    monkeypatch.setattr(cifar, "RECORDS", 40)
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        result = run_experiment("cifar10", quiet=True, out=tmp_path / "run", overrides=TINY)
    assert err.getvalue() == ""  # found: nothing to announce
    assert result.dataset == "cifar10"
    assert result.dataset_label == ("CIFAR-10 (180 train / 20 validation from its training set "
                                    "/ 40 test)")
    assert result.metrics["test_acc"] < 0.5  # random labels: nothing to learn
    [(target, verdict)] = verdicts(registry.find("cifar10"), c10.Config(), result)
    assert target == "test_acc >= 0.8 on cifar10" and verdict.startswith("FAIL")


# --- normalisation and augmentation --------------------------------------------------------
def test_channel_stats_are_the_training_images_own_and_match_the_exercise():
    images = colour_shapes.sample(300, seed=4)[0]
    mean, std = c10.channel_stats(images, chunk=7)  # chunks: the same numbers
    x = images.double() / 255
    assert torch.allclose(mean.double(), x.mean((0, 2, 3)), atol=1e-7)
    assert torch.allclose(std.double(), x.std((0, 2, 3)), atol=1e-7)
    normalised = c10.normalise(images, mean, std)
    assert torch.allclose(normalised.mean((0, 2, 3)), torch.zeros(3), atol=1e-5)
    assert torch.allclose(normalised.std((0, 2, 3)), torch.ones(3), atol=1e-5)
    others = colour_shapes.sample(20, seed=5)[0]
    exercise = reference(catalog.find("channel-normalise")).channel_normalise
    assert torch.allclose(exercise(images, others), c10.normalise(others, mean, std),
                          atol=1e-5)


def test_load_splits_carves_validation_from_training_and_keeps_test_apart():
    config = c10.Config(data="synthetic", synthetic_train=500, seed=2)
    splits = c10.load_splits(config, say=pytest.fail)
    images, labels = colour_shapes.sample(500, seed=2)
    assert len(splits.train[1]) == 450 and len(splits.val[1]) == 50
    assert len(splits.test[1]) == 100
    rows = {tuple(r.flatten().tolist()): y for r, y in zip(images, labels.tolist())}
    train = {tuple(r.flatten().tolist()) for r in splits.train[0]}
    for image, label in zip(*splits.val):
        key = tuple(image.flatten().tolist())
        assert rows[key] == label and key not in train  # a training image, never trained on
    assert not any(tuple(r.flatten().tolist()) in rows for r in splits.test[0])


def test_a_flip_mirrors_exactly_and_twice_is_the_identity():
    x = torch.randn(6, 3, 5, 7)
    mask = torch.tensor([True, False, True, True, False, False])
    flipped = c10.flip_where(x, mask)
    for i in range(6):
        want = x[i, :, :, torch.arange(6, -1, -1)] if mask[i] else x[i]
        assert torch.equal(flipped[i], want)
    assert torch.equal(c10.flip_where(flipped, mask), x)
    torch.manual_seed(0)
    shares = [(c10.random_flip(x[:1].expand(64, -1, -1, -1)) != x[:1]).flatten(1).any(1).float()
              .mean().item() for _ in range(20)]
    assert 0.4 < sum(shares) / 20 < 0.6  # half the images


def test_a_crop_keeps_content_and_the_exercise_cuts_the_same_windows():
    x = torch.randn(5, 3, 8, 8, dtype=torch.float64)
    pad = 3
    padded = F.pad(x, (pad, pad, pad, pad), mode="reflect")
    assert torch.equal(c10.crop(padded, torch.full((5, 2), pad), (8, 8)), x)  # centre: x
    assert torch.equal(padded[:, :, pad, :pad], x[:, :, 0, 1:pad + 1].flip(-1))  # a mirror
    g = torch.Generator().manual_seed(1)
    offsets = torch.randint(0, 2 * pad + 1, (5, 2), generator=g)
    crops = c10.crop(padded, offsets, (8, 8))
    exercise = reference(catalog.find("crop-padded")).crop_padded
    assert torch.equal(exercise(x, pad, offsets), crops)
    for i, (top, left) in enumerate(offsets.tolist()):
        assert torch.equal(crops[i], padded[i, :, top:top + 8, left:left + 8])
        # the part of the window inside the image is the image, shifted, unchanged
        dy, dx = top - pad, left - pad
        inner = x[i, :, max(dy, 0):8 + min(dy, 0), max(dx, 0):8 + min(dx, 0)]
        assert torch.equal(crops[i, :, max(-dy, 0):8 - max(dy, 0), max(-dx, 0):8 - max(dx, 0)],
                           inner)
    torch.manual_seed(3)
    random = c10.random_crop(x, pad)
    windows = [padded[:, :, r:r + 8, col:col + 8] for r in range(7) for col in range(7)]
    assert all(any(torch.equal(random[i], w[i]) for w in windows) for i in range(5))
    assert torch.equal(c10.random_crop(x, 0), x)


def test_augmentation_happens_only_in_training():
    images = colour_shapes.sample(16, seed=0)[0]
    labels = torch.zeros(16, dtype=torch.long)
    stats = c10.channel_stats(images)
    seen = []

    class Probe(torch.nn.Module):
        def forward(self, x):
            seen.append(x.clone())
            return torch.zeros(x.shape[0], 10, requires_grad=True)

    loss_fn = c10.classification_loss(*stats, augment=True, pad=4, flip=True,
                                      label_smoothing=0.2, channels_last=False)
    probe = Probe()
    loss_fn(probe.eval(), (images, labels))
    assert torch.equal(seen[-1], c10.normalise(images, *stats))  # eval: as stored
    torch.manual_seed(0)
    loss, _ = loss_fn(probe.train(), (images, labels))
    assert not torch.equal(seen[-1], seen[0]) and seen[-1].shape == seen[0].shape
    assert loss.item() == pytest.approx(torch.log(torch.tensor(10.0)).item())  # uniform logits


def test_schedule_rises_to_the_peak_then_falls_to_zero():
    f = c10.schedule(100, 0.2)
    values = [f(step) for step in range(100)]
    assert values[0] == pytest.approx(1 / 20) and values[19] == 1.0
    assert max(values) == 1.0 and values.index(1.0) == 19
    assert values[60] == pytest.approx(0.5) and 0 < values[-1] <= 1 / 80


def test_the_networks_are_the_blitz_cnn_and_page_resnet9():
    assert sum(p.numel() for p in SmallCNN().parameters()) == 62_006  # the blitz's Net
    assert sum(p.numel() for p in ResNet9(64).parameters()) == 6_573_120  # Page's, 6.5 M
    net = ResNet9(8)
    x = torch.randn(2, 3, 32, 32)
    assert net(x).shape == (2, 10) and SmallCNN()(x).shape == (2, 10)
    block = net.net[2]  # layer1's residual block: x + f(x), the identity kept
    h = torch.randn(2, 16, 16, 16)
    assert torch.allclose(block(h), h + block.f(h))


# --- settings and resume -------------------------------------------------------------------
@pytest.mark.parametrize("setting, fragment", [
    ("epochs=0", "epochs must be positive"), ("width=0", "width must be positive"),
    ("warmup=1", "warmup must be in (0, 1)"), ("pad=20", "pad must be in 0..16"),
    ("val_fraction=0", "val_fraction must leave both")])
def test_bad_settings_are_a_dojo_error_and_leave_nothing(tmp_path, setting, fragment):
    key, value = setting.split("=")
    with pytest.raises(DojoError, match=fragment.replace("(", r"\(").replace(")", r"\)")):
        run_experiment("cifar10", quick=True, quiet=True, out=tmp_path / "run",
                       overrides={key: value})
    assert not (tmp_path / "run").exists()


def test_resume_after_an_interrupted_epoch_ends_like_the_uninterrupted_run(tmp_path):
    settings = {"data": "synthetic", **TINY, "epochs": 3}
    whole = run_experiment("cifar10", quiet=True, out=tmp_path / "whole", overrides=settings)

    def interrupt(end):  # Ctrl-C once the ResNet's first epoch is checkpointed
        if end.epoch == 2:
            raise KeyboardInterrupt

    started = runner.prepare("cifar10", quiet=True, out=tmp_path / "cut", overrides=settings)
    started.ctx.callbacks = (interrupt,)
    with pytest.raises(Interrupted):
        runner.execute(started)
    resumed = runner.execute(runner.prepare("cifar10", resume=tmp_path / "cut", quiet=True))
    assert resumed.metrics["test_acc"] == whole.metrics["test_acc"]
    assert resumed.metrics["test_loss"] == whole.metrics["test_loss"]
    assert [r for r in resumed.history if r["phase"] == "val"] == [
        r for r in whole.history if r["phase"] == "val"]
