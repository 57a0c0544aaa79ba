"""Presets: named recipes (an experiment's PRESETS) that reach a lesson's targets another
way, e.g. sooner; `dojo run --preset NAME`, and their own `dojo verify` rows."""

import json
from dataclasses import dataclass
from types import ModuleType

import pytest
from clitools import dojo

from torchdojo import registry
from torchdojo.errors import DojoError
from torchdojo.experiments import lenet5
from torchdojo.runner import make_config, verdicts
from torchdojo.runner.run import experiment_module, presets
from torchdojo.runner.verify import run_folder
from torchdojo.train.context import Result


@dataclass
class _Config:
    epochs: int = 10
    batch_size: int = 64
    lr: float = 1e-3
    seed: int = 0


def _module(**presets_) -> ModuleType:
    module = ModuleType("torchdojo.experiments.toy_lesson")
    module.Config, module.QUICK, module.PRESETS = _Config, {"epochs": 1}, presets_
    return module


def test_a_preset_sits_between_the_defaults_and_quick_and_set():
    module = _module(fast={"epochs": 3, "batch_size": 512})
    assert make_config(module, preset="fast") == _Config(epochs=3, batch_size=512)
    assert make_config(module, preset="fast", quick=True) == _Config(epochs=1, batch_size=512)
    assert make_config(module, preset="fast", overrides={"batch_size": "128"}, seed=4) == \
        _Config(epochs=3, batch_size=128, seed=4)
    assert make_config(module) == _Config()  # no preset: the defaults, untouched


def test_an_unknown_preset_is_one_clear_error():
    with pytest.raises(DojoError, match="toy-lesson has no preset 'quick'; its presets: fast"):
        make_config(_module(fast={"epochs": 3}), preset="quick")
    with pytest.raises(DojoError, match="has none"):
        make_config(_module(), preset="fast")


def test_every_registered_preset_exists_and_is_a_valid_config():
    seen = 0
    for lesson in registry.LESSONS:
        for check in lesson.checks:
            if check.preset:
                module = experiment_module(lesson)
                assert check.preset in presets(module), (lesson.id, check.preset)
                make_config(module, preset=check.preset, overrides=dict(check.overrides))
                seen += 1
    assert seen >= 1


def test_a_preset_check_judges_preset_runs_only_and_once():
    lesson = registry.find("lenet5")
    fast = [c for c in lesson.checks if c.preset == "fast"]
    assert [c.label for c in fast] == ["preset=fast, dataset=fashion-mnist"]
    assert run_folder(lesson, fast[0], "20261202-051831") == \
        "lenet5-preset-fast_dataset-fashion-mnist-20261202-051831"
    assert "Fashion-MNIST, preset fast: test_acc >= 91 %" in lesson.target
    passed = Result({"test_acc": 0.95}, dataset="fashion-mnist")
    default = make_config(lenet5, overrides={"dataset": "fashion-mnist"})
    preset = make_config(lenet5, overrides={"dataset": "fashion-mnist"}, preset="fast")
    assert default != preset
    # the default run meets the dataset's check; the preset's run meets it too, and its own
    # (the same target): one verdict, not two
    assert verdicts(lesson, default, passed) == verdicts(lesson, preset, passed) == [
        ("test_acc >= 0.91 on fashion-mnist", "PASS (0.95)")]
    # a preset run whose settings were changed afterwards is no longer the preset's
    changed = make_config(lenet5, overrides={"dataset": "fashion-mnist", "epochs": "1"},
                          preset="fast")
    assert len(verdicts(lesson, changed, passed)) == 1


def test_dojo_run_preset_records_it_and_refuses_an_unknown_one(fake_data, tmp_path):
    code, out, err = dojo("run", "lenet5", "--quick", "--preset", "fast", "--set",
                          "dataset=fashion-mnist", "--out", str(tmp_path / "run"), "--quiet")
    assert code == 0, err
    record = json.loads((tmp_path / "run" / "config.json").read_text())
    assert record["preset"] == "fast"
    fast = presets(lenet5)["fast"]
    assert {k: record["config"][k] for k in fast if k not in lenet5.QUICK} == \
        {k: v for k, v in fast.items() if k not in lenet5.QUICK}
    code, out, err = dojo("run", "lenet5", "--preset", "nope", "--out", str(tmp_path / "no"))
    assert code == 2 and err.strip().count("\n") == 0
    assert "lenet5 has no preset 'nope'; its presets: fast" in err
    assert not (tmp_path / "no").exists()
    code, _, err = dojo("run", "tensors", "--preset", "fast", "--out", str(tmp_path / "t"))
    assert code == 2 and "has none" in err


def test_verify_preset_runs_only_that_presets_checks(monkeypatch, tmp_path):
    from torchdojo.runner import verify as verify_module

    ran = []

    def measure(lesson, check, *args, **kwargs):  # no training: an error row says enough
        ran.append((lesson.id, check.label))
        raise DojoError("not measured in this test")

    monkeypatch.setattr(verify_module, "_measure", measure)
    rows = verify_module.verify(["lenet5", "mnist-mlp"], out_root=tmp_path, preset="fast",
                                say=lambda _: None)
    assert ran == [("lenet5", "preset=fast, dataset=fashion-mnist")]
    assert [(r.lesson, r.check) for r in rows] == ran
    with pytest.raises(DojoError, match="no lesson here has a check with preset 'slow'"):
        verify_module.verify(["lenet5"], out_root=tmp_path, preset="slow")
    code, _, err = dojo("verify", "mnist-mlp", "--preset", "fast", "--out",
                        str(tmp_path / "v"))
    assert code == 2 and "no lesson here has a check with preset 'fast'" in err
    assert not (tmp_path / "v").exists()
