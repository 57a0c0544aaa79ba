"""quickstart in quick mode on the fake data: the plain PyTorch model and the engine's both
learn, the saved state dict reloads to identical predictions, both sides are timed, the
accuracy target can fail, resume is exact, and bad settings are a DojoError."""

import json

import pytest
import torch
from torch.utils.data import DataLoader

from torchdojo import registry, runner
from torchdojo.data.vision import load_images
from torchdojo.errors import DojoError
from torchdojo.exercises import catalog
from torchdojo.exercises.grader import reference
from torchdojo.experiments import quickstart as qs
from torchdojo.runner import run_experiment, verdicts
from torchdojo.train.context import Result
from torchdojo.train.loop import Interrupted


@pytest.fixture(scope="module")
def quick(fake_data, tmp_path_factory):
    return run_experiment("quickstart", quick=True, out=tmp_path_factory.mktemp("r") / "qs",
                          quiet=True)


def test_quick_run_learns_both_ways_and_times_both(quick):
    m = quick.metrics
    assert quick.dataset == "fashion-mnist"  # the fake files
    assert m["test_acc"] > 0.5 and m["engine_test_acc"] > 0.5  # chance is 0.1
    assert m["plain_s"] > 0 and m["engine_s"] > 0
    assert 0 < m["plain_epoch_s"] < m["plain_s"] and 0 < m["engine_epoch_s"] < m["engine_s"]
    assert m["speedup"] == pytest.approx(m["plain_s"] / m["engine_s"])
    records = [json.loads(line) for line in
               (quick.run_dir / "metrics.jsonl").read_text().splitlines()]
    epochs = qs.QUICK["epochs"]
    assert [(r["phase"], r["epoch"]) for r in records] == [
        (phase, e) for e in range(1, epochs + 1) for phase in ("train", "val")]  # the engine's
    assert records[-1]["acc"] == pytest.approx(m["engine_test_acc"])
    for name in ("timing", "plain_curves"):
        assert (quick.run_dir / f"{name}.png").stat().st_size > 5_000, name


def test_saved_state_dict_reloads_to_identical_predictions(quick):
    assert quick.metrics["reload_max_abs_diff"] == 0.0
    state = torch.load(quick.run_dir / "model.pt", weights_only=True)
    assert set(state) == set(qs.build_model().state_dict())
    fresh = qs.build_model()
    fresh.load_state_dict(state)
    x = torch.rand(32, 1, 28, 28)
    model = quick.model.eval()
    with torch.no_grad():
        assert torch.equal(fresh(x), model(x))
        assert not torch.equal(qs.build_model()(x), model(x))  # a fresh init differs


def test_the_accuracy_target_fails_for_a_model_that_does_not_learn(fake_data, tmp_path):
    broken = run_experiment("quickstart", quick=True, quiet=True, out=tmp_path / "broken",
                            overrides={"dataset": "fashion-mnist", "lr": 1e-7, "epochs": 1})
    assert broken.metrics["test_acc"] < 0.3  # near chance: the weights barely moved
    targets = json.loads((broken.run_dir / "result.json").read_text())["targets"]
    assert targets["test_acc >= 0.88 on fashion-mnist"].startswith("FAIL")
    assert targets["reload_max_abs_diff == 0 on fashion-mnist"].startswith("PASS")
    lesson = registry.find("quickstart")
    good = Result({"test_acc": 0.9, "reload_max_abs_diff": 0.0}, dataset="fashion-mnist")
    assert all(v.startswith("PASS") for _, v in verdicts(lesson, qs.Config(), good))


def test_dataset_scales_like_to_tensor_and_matches_the_exercise_reference(fake_data):
    data = load_images("fashion-mnist")
    dataset = qs.ImageDataset(data.train_x, data.train_y.long())
    assert len(dataset) == len(data.train_y)
    image, label = dataset[3]
    assert image.shape == (1, 28, 28) and image.dtype == torch.float32
    assert torch.equal(image[0], torch.from_numpy(data.train_x[3].numpy() / 255).float())
    assert label == data.train_y[3]
    assert torch.equal(qs.as_tensors((data.train_x, data.train_y), torch.device("cpu"))[0][3],
                       image)  # the engine's tensors hold exactly what the Dataset serves
    subset = reference(catalog.find("image-subset")).ImageSubset
    indices = torch.tensor([3, 0, 7])
    for i, j in enumerate(indices):
        got, want = subset(data.train_x, data.train_y.long(), indices)[i], dataset[int(j)]
        assert torch.equal(got[0], want[0]) and got[1] == want[1]
    x, y = next(iter(DataLoader(dataset, batch_size=16, shuffle=True)))
    assert x.shape == (16, 1, 28, 28) and y.shape == (16,) and 0 <= x.min() <= x.max() <= 1


def test_validation_split_is_carved_from_training_images_never_the_test_set(fake_data):
    data = load_images("fashion-mnist")
    train, held, name, label = qs.load_splits(qs.Config(val_split=100))
    assert name == "fashion-mnist-validation" and "100 validation" in label
    assert len(train[1]) == len(data.train_y) - 100 and len(held[1]) == 100
    rows = {tuple(r.flatten().tolist()) for r in data.train_x}
    assert all(tuple(r.flatten().tolist()) in rows for r in held[0])  # training images
    seen = {tuple(r.flatten().tolist()) for r in train[0]}
    assert not any(tuple(r.flatten().tolist()) in seen for r in held[0])  # never trained on
    lesson = registry.find("quickstart")  # so its metrics are never judged as test results
    result = Result({"val_acc": 0.9, "reload_max_abs_diff": 0.0}, dataset=name)
    assert all(v.startswith("n/a") for _, v in verdicts(lesson, qs.Config(), result))


@pytest.mark.parametrize("setting, fragment", [
    ("epochs=0", "epochs must be positive"), ("lr=0", "lr must be positive"),
    ("batch_size=-4", "batch_size must be positive"), ("train_limit=0", "train_limit must be"),
    ("val_split=-1", "val_split must be in")])
def test_bad_settings_are_a_dojo_error(fake_data, tmp_path, setting, fragment):
    key, value = setting.split("=")
    with pytest.raises(DojoError, match=fragment):
        run_experiment("quickstart", quick=True, quiet=True, out=tmp_path / "run",
                       overrides={key: value})
    assert not (tmp_path / "run").exists()  # nothing half-written


def test_resume_after_an_interrupted_epoch_ends_like_the_uninterrupted_run(quick, tmp_path):
    def interrupt(end):  # as Ctrl-C would, once epoch 1 is checkpointed
        if end.epoch == 2:
            raise KeyboardInterrupt

    started = runner.prepare("quickstart", quick=True, quiet=True, out=tmp_path / "cut")
    started.ctx.callbacks = (interrupt,)
    with pytest.raises(Interrupted):
        runner.execute(started)
    resumed = runner.execute(runner.prepare("quickstart", resume=tmp_path / "cut", quiet=True))
    for key in ("test_acc", "test_loss", "engine_test_acc", "reload_max_abs_diff"):
        assert resumed.metrics[key] == quick.metrics[key], key
    assert [r for r in resumed.history if r["phase"] == "val"] == [
        r for r in quick.history if r["phase"] == "val"]
