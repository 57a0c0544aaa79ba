"""Every lesson script executes top to bottom in quick mode (DOJO_QUICK=1), prints each
metric its targets are measured on, with a number, and leaves a run folder with its report.

They run as smoke runs (DOJO_SMOKE=2: two steps per fit, the experiments' SMOKE settings):
this tests every line of the lesson, not the learning, which the experiments' own tests
check on the same quick configs (tests/experiments/)."""

import json
import os
import re
import subprocess
import sys

import pytest

from torchdojo import registry

LESSONS = [lesson for lesson in registry.all_lessons() if lesson.lesson_path is not None]
NUMBER = r"-?(?:\d+\.?\d*|\.\d+)(?:e[-+]?\d+)?|-?inf|nan"


def shows_number(metric: str, stdout: str) -> bool:
    """`'metric': 0.93` (a printed metrics dict) or `metric = 0.93` somewhere in stdout."""
    return re.search(rf"(?<![\w]){re.escape(metric)}['\"]?\s*[:=]\s*(?:{NUMBER})",
                     stdout) is not None


def test_shows_number_needs_the_whole_name_and_a_number():
    assert shows_number("test_acc", "{'test_acc': 0.9812, 'x': 1}")
    assert shows_number("max_abs_diff", "{'max_abs_diff': 1.2e-17}")
    assert not shows_number("test_acc", "{'engine_test_acc': 0.98}")
    assert not shows_number("test_acc", "test_acc: missing")


@pytest.mark.parametrize("lesson", LESSONS, ids=[lesson.id for lesson in LESSONS])
def test_lesson_script_runs_in_quick_mode(lesson, fake_data, tmp_path):
    env = {**os.environ, "DOJO_QUICK": "1", "DOJO_SMOKE": "2", "MPLBACKEND": "Agg",
           "TORCHDOJO_DATA": str(fake_data)}
    proc = subprocess.run([sys.executable, str(lesson.lesson_path)], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, (
        f"{lesson.id} failed:\n{proc.stdout[-2000:]}\n{proc.stderr[-4000:]}")
    if lesson.experiment is None:
        return
    metrics = {target.metric for check in lesson.checks for target in check.targets}
    unshown = sorted(m for m in metrics if not shows_number(m, proc.stdout))
    assert not unshown, f"{lesson.id} prints no number for {unshown}:\n{proc.stdout[-2000:]}"
    # the lesson's runs (its own and any "your turn" variants) each wrote a complete folder
    runs = sorted((tmp_path / "runs").glob(f"{lesson.id}-*"))
    assert runs, f"{lesson.id} wrote no run folder"
    assert all((run / "report.html").stat().st_size > 0 for run in runs), runs
    recorded = [set(json.loads((run / "result.json").read_text())["metrics"]) for run in runs]
    assert any(metrics <= names for names in recorded), (lesson.id, sorted(metrics))
