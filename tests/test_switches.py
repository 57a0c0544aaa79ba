"""Every switch reaches every lesson that trains, or is refused with one line: never ignored.

Every trainable lesson's quick config runs as a smoke run (two steps per fit) under two
processes with --compile (the "eager" compile backend: dynamo traces the models, no C++ is
generated); what each switch did must be in config.json and the report. --amp is refused off
CUDA. Lessons that train nothing refuse every switch before anything runs.
"""

import importlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from clitools import dojo, one_line_error

from torchdojo import registry, runner
from torchdojo.errors import DojoError
from torchdojo.train import device

LESSONS = [lesson for lesson in registry.all_lessons() if lesson.status == "ready"]
SWITCHES = {lesson.id: set(getattr(importlib.import_module(lesson.module), "SWITCHES", ()))
            for lesson in LESSONS}
TRAINABLE = [key for key, honoured in SWITCHES.items() if honoured]
WORKER = Path(__file__).with_name("switch_worker.py")


def test_the_lessons_that_train_are_the_ones_expected():
    # a lesson that starts training must declare it; this list changes only on purpose
    assert set(TRAINABLE) == {
        "classify", "descent", "xor", "spiral", "workflow", "mnist-linear", "mnist-mlp",
        "mnist-deep", "lenet5", "vae", "mnist-addition", "gan", "diffusion", "rnn", "lstm",
        "seq2seq", "transformer", "reinforce", "intro",
        "quickstart", "cifar10", "transfer", "latent-diffusion"}


def test_two_processes_and_compile_reach_every_lesson_that_trains(fake_data, tmp_path):
    """One torchrun of two CPU processes runs every trainable lesson with --nproc 2, and with
    --compile where the lesson honours it: both are recorded, the ranks end with the same
    weights (loop.fit checks), and only rank 0 writes."""
    plan = {key: {"compile": "compile" in SWITCHES[key]} for key in TRAINABLE}
    env = {**os.environ, "OMP_NUM_THREADS": "1", "TORCHDOJO_COMPILE_BACKEND": "eager"}
    proc = subprocess.run([sys.executable, "-m", "torch.distributed.run", "--standalone",
                           "--nproc-per-node=2", str(WORKER), str(tmp_path), json.dumps(plan)],
                          env=env, capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stderr[-4000:]
    for key in TRAINABLE:
        run = tmp_path / key
        saved = json.loads((run / "config.json").read_text())
        report = (run / "report.html").read_text()
        assert saved["switches"]["nproc"] == 2 and saved["switches"]["compile"] is plan[key][
            "compile"]
        assert saved["applied"]["nproc"].startswith("2 processes"), (key, saved["applied"])
        assert f"--nproc: {saved['applied']['nproc']}" in report
        if plan[key]["compile"]:
            assert saved["applied"]["compile"] == "torch.compile eager", (key, saved["applied"])
            assert "--compile: torch.compile eager" in report
        lines = [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines()]
        keys = [(r["phase"], r["epoch"]) for r in lines if r["phase"] in ("train", "val")]
        assert keys and len(keys) == len(set(keys)), f"{key}: records written twice, or none"


@pytest.mark.parametrize("key", TRAINABLE)
def test_amp_is_refused_off_cuda_and_compile_where_not_honoured(key, tmp_path, monkeypatch):
    monkeypatch.setattr(runner.run, "cpu_has_bf16", lambda: False)  # a CPU without bf16
    if "amp" in SWITCHES[key]:  # honoured on CUDA (benchmarks/gpu_check.sh runs it there)
        with pytest.raises(DojoError, match=r"--amp \(bf16 autocast\) needs a CUDA GPU or a CPU "
                                            r"with bf16 instructions"):
            runner.prepare(key, quick=True, out=tmp_path / "run", amp=True, device="cpu")
    if "compile" not in SWITCHES[key]:
        with pytest.raises(DojoError, match=rf"lesson '{key}' cannot honour --compile"):
            runner.prepare(key, quick=True, out=tmp_path / "run", compile=True)
    assert not (tmp_path / "run").exists()


@pytest.mark.parametrize("key", [k for k in SWITCHES if not SWITCHES[k]])
def test_lessons_that_train_nothing_refuse_each_switch(key, tmp_path):
    for switch in ({"compile": True}, {"amp": True}, {"world_size": 2}):
        with pytest.raises(DojoError, match=rf"lesson '{key}' cannot honour --"):
            runner.prepare(key, quick=True, out=tmp_path / "run", **switch)
        assert not (tmp_path / "run").exists()


@pytest.mark.parametrize("args", [["tensors", "--compile"], ["attention", "--nproc", "2"]])
def test_a_refused_switch_is_one_line_and_exit_2(args, tmp_path):
    code, _, err = dojo("run", *args, "--quick", "--out", str(tmp_path / "run"))
    one_line_error(code, err, f"lesson '{args[0]}' cannot honour {' '.join(args[1:])}")
    assert not (tmp_path / "run").exists()


def test_a_smoke_run_stops_each_fit_early_and_shrinks_what_follows(monkeypatch, tmp_path):
    """$DOJO_SMOKE (the lesson-script tests) caps every fit's steps and applies the
    experiment's SMOKE settings over QUICK; explicit settings still win."""
    monkeypatch.setenv(runner.run.SMOKE_ENV, "2")
    started = runner.prepare("diffusion", quick=True, out=tmp_path / "a",
                             overrides={"sweep_samples": 7})
    assert started.ctx.max_steps == 2
    assert (started.config.n_samples, started.config.sweep_samples) == (20, 7)
    monkeypatch.setenv(runner.run.SMOKE_ENV, "0")  # 0 or empty: a real run
    started = runner.prepare("diffusion", quick=True, out=tmp_path / "b")
    assert started.ctx.max_steps is None and started.config.n_samples == 100


def test_amp_runs_on_a_cpu_with_bf16_and_is_recorded(fake_data, tmp_path, monkeypatch):
    monkeypatch.setattr(runner.run, "cpu_has_bf16", lambda: True)
    result = runner.run_experiment("mnist-mlp", quick=True, out=tmp_path / "run", quiet=True,
                                   amp=True, device="cpu")
    saved = json.loads((tmp_path / "run" / "config.json").read_text())
    assert saved["applied"]["amp"] == "bf16 autocast on cpu"
    assert result.metrics["test_acc"] > 0.5  # it still learns (chance is 0.1)


def test_cpu_bf16_is_read_from_the_cpu_flags():
    assert device.cpu_has_bf16("processor: 0\nflags\t: fpu sse2 avx512f avx512_bf16 fma\n")
    assert device.cpu_has_bf16("flags : fpu amx_bf16 amx_tile")
    assert not device.cpu_has_bf16("flags : fpu sse2 avx2 avx512f avx512_vnni")
    assert not device.cpu_has_bf16("")  # no flags line (not Linux x86): refuse
