"""reinforce: a quick run writes metrics, checkpoint and plots; training raises the return;
without gymnasium the CLI says which extra to install, in one line with exit code 2."""

import json
import os
import subprocess
import sys

import pytest

from torchdojo.runner import run_experiment

pytest.importorskip("gymnasium")  # the rl extra; test_missing_gymnasium covers its absence


def test_quick_run_is_complete(tmp_path):
    result = run_experiment("reinforce", quick=True, out=tmp_path / "run", quiet=True)
    assert {"eval_mean_return", "eval_min_return"} <= set(result.metrics)
    assert len(result.eval_returns) == 5
    assert result.figures["returns"].exists()
    lines = [json.loads(x) for x in (result.run_dir / "metrics.jsonl").read_text().splitlines()]
    assert {r["phase"] for r in lines} == {"train", "select"}
    assert (result.run_dir / "checkpoint.pt").exists()


def test_training_raises_the_return(tmp_path):
    result = run_experiment("reinforce", quick=True, out=tmp_path / "run", quiet=True,
                            overrides={"epochs": 6, "episodes_per_epoch": 16,
                                       "episodes_per_update": 4, "select_episodes": 4,
                                       "eval_episodes": 10})
    first = [r for r in result.history if r["phase"] == "train"][0]["return"]
    # a random CartPole policy survives ~22 steps; the trained one must do much better
    assert first < 40
    assert result.metrics["eval_mean_return"] > 2 * first, (first, result.metrics)


def test_missing_gymnasium_is_one_line_exit_2(tmp_path):
    blocker = tmp_path / "block"
    blocker.mkdir()
    (blocker / "gymnasium.py").write_text("raise ImportError('simulated: not installed')\n")
    env = {**os.environ, "PYTHONPATH": str(blocker)}
    proc = subprocess.run([sys.executable, "-m", "torchdojo", "run", "reinforce", "--quick",
                           "--out", str(tmp_path / "run")], env=env, cwd=tmp_path,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2, proc.stderr
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "pip install 'torchdojo[rl]'" in lines[0], proc.stderr
    assert not (tmp_path / "run").exists()
