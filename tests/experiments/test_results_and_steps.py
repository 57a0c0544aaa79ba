"""Typed results and named steps: each experiment's run() declares the Result subclass it
returns (what its lesson shows, as typed fields), and the steps that the long run()s were
split into give run()'s numbers when a lesson calls them one at a time (reinforce here;
gan, diffusion and transformer were checked against their run() by quick runs before and
after the split)."""

import dataclasses
import importlib
import importlib.util
import typing

import pytest
import torch

from torchdojo import registry
from torchdojo.runner import prepare, run_experiment
from torchdojo.train.context import Result
from torchdojo.train.device import seed_everything

# those whose experiment exists (a lesson being written may be registered before it)
MODULES = sorted({lesson.module for lesson in registry.all_lessons()
                  if lesson.module and importlib.util.find_spec(lesson.module)})
BASE = {f.name for f in dataclasses.fields(Result)}


@pytest.mark.parametrize("module", MODULES)
def test_run_returns_a_result_class_with_keyword_fields(module):
    cls = typing.get_type_hints(importlib.import_module(module).run)["return"]
    assert dataclasses.is_dataclass(cls) and issubclass(cls, Result), cls
    own = [f for f in dataclasses.fields(cls) if f.name not in BASE]
    assert all(f.kw_only for f in own), [f.name for f in own if not f.kw_only]
    hints = typing.get_type_hints(cls)
    assert all(f.name in hints for f in own)  # every field says its type


def test_base_result_still_takes_metrics_first():
    result = Result({"acc": 1.0}, "mnist")
    assert result.metrics == {"acc": 1.0} and result.dataset == "mnist"


def _steps_run(key, tmp_path, overrides=None):
    """A started run (its config and context, seeded as execute() seeds it) for the steps."""
    started = prepare(key, quick=True, overrides=overrides, out=tmp_path / "steps", quiet=True)
    seed_everything(started.config.seed)
    return started.config, started.ctx


def _train_rows(history, keys):
    return [{k: r[k] for k in keys} for r in history if r["phase"] == "train"]


def test_reinforce_steps_one_at_a_time_give_the_runs_numbers(tmp_path):
    pytest.importorskip("gymnasium")
    from torchdojo.experiments import reinforce
    from torchdojo.methods import rl

    small = {"epochs": 2, "episodes_per_epoch": 4, "select_episodes": 1, "eval_episodes": 3}
    ran = run_experiment("reinforce", quick=True, overrides=small, out=tmp_path / "run",
                         quiet=True)
    config, ctx = _steps_run("reinforce", tmp_path, small)
    env = rl.make_env(config.env)
    model = reinforce.build_model(config, env)
    history, best_epoch, _ = reinforce.train(model, env, config, ctx)
    returns = reinforce.evaluate(model, env, config)
    env.close()
    ctx.run.close()
    assert returns == ran.eval_returns
    assert best_epoch == ran.metrics["best_epoch"]
    keys = ("return", "policy_loss", "value_loss")
    assert _train_rows(history, keys) == _train_rows(ran.history, keys)
    for a, b in zip(model.state_dict().values(), ran.model.state_dict().values()):
        assert torch.equal(a, b)

