"""Every lesson script executes top to bottom in quick mode (DOJO_QUICK=1), prints each
metric its targets are measured on, with a number, and leaves a run folder with its report;
and no training step of it would make a GPU wait for the host (tests/syncspy.py), beyond
the waits HOST_WAITS names with their reasons.

They run as smoke runs (DOJO_SMOKE=2: two steps per fit, the experiments' SMOKE settings):
this tests every line of the lesson, not the learning, which the experiments' own tests
check on the same quick configs (tests/experiments/). And they run in the test's process,
as `python lessons/ID.py` would run them: a fresh interpreter per lesson cost ~6 s of
imports (torch, matplotlib, dynamo), most of a smoke run. The torch settings a script could
change are put back after it.
"""

import contextlib
import io
import json
import re
import runpy
import sys

import pytest
import torch
from syncspy import spying_on_training_steps

from torchdojo import registry

LESSONS = [lesson for lesson in registry.all_lessons() if lesson.lesson_path is not None]
# lines of a training step that make a GPU wait for the host, and why each must
HOST_WAITS = {
    # CartPole is a CPU simulation: each action goes back to it before the next is chosen
    "reinforce": "*",
    # pack_padded_sequence takes the lengths on the host (cuDNN's packed-sequence API)
    "rnn": {"experiments/rnn.py:sequence_loss", "models/rnn.py:SequenceClassifier.states"},
    "seq2seq": {"models/seq2seq.py:Encoder.forward"},
}
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
def test_lesson_script_runs_in_quick_mode(lesson, fake_data, tmp_path, monkeypatch):
    for name, value in {"DOJO_QUICK": "1", "DOJO_SMOKE": "2", "MPLBACKEND": "Agg",
                        "TORCHDOJO_DATA": str(fake_data)}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "argv", [str(lesson.lesson_path)])
    printed = io.StringIO()
    with (_torch_settings_restored(), contextlib.redirect_stdout(printed),
          spying_on_training_steps(monkeypatch) as spy):
        runpy.run_path(str(lesson.lesson_path), run_name="__main__")
    stdout = printed.getvalue()
    allowed = HOST_WAITS.get(lesson.id, set())
    waits = sorted(hit for hit in spy.hits if allowed != "*" and hit[1] not in allowed)
    assert not waits, f"{lesson.id}: a training step would wait for the GPU at {waits}"
    if lesson.experiment is None:
        return
    metrics = {target.metric for check in lesson.checks for target in check.targets}
    unshown = sorted(m for m in metrics if not shows_number(m, stdout))
    assert not unshown, f"{lesson.id} prints no number for {unshown}:\n{stdout[-2000:]}"
    # the lesson's runs (its own and any "your turn" variants) each wrote a complete folder
    runs = sorted((tmp_path / "runs").glob(f"{lesson.id}-*"))
    assert runs, f"{lesson.id} wrote no run folder"
    assert all((run / "report.html").stat().st_size > 0 for run in runs), runs
    recorded = [set(json.loads((run / "result.json").read_text())["metrics"]) for run in runs]
    assert any(metrics <= names for names in recorded), (lesson.id, sorted(metrics))


@contextlib.contextmanager
def _torch_settings_restored():
    """Process-wide torch state a lesson may set (dtype, grad mode, threads, RNG): as before."""
    dtype, grad, threads = torch.get_default_dtype(), torch.is_grad_enabled(), \
        torch.get_num_threads()
    deterministic, rng = torch.are_deterministic_algorithms_enabled(), torch.get_rng_state()
    try:
        yield
    finally:
        torch.set_default_dtype(dtype)
        torch.set_grad_enabled(grad)
        torch.set_num_threads(threads)
        torch.use_deterministic_algorithms(deterministic)
        torch.set_rng_state(rng)
