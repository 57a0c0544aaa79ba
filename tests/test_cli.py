"""The `dojo` command: runs, resumes, and turns every kind of bad input into one line, exit 2."""

import json
import re
import subprocess
import sys

import pytest
from clitools import dojo, dojo_process, one_line_error

from torchdojo import registry
from torchdojo.cli import main


def test_list_shows_every_lesson_in_course_order_with_aliases(capsys):
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    positions = [re.search(rf"^  (ready  |planned)  {re.escape(lesson.id)} ", out, re.M).start()
                 for lesson in registry.all_lessons()]
    assert positions == sorted(positions)
    assert "(aliases: 610, 630, 650, 670, 680, 690, 695)" in out
    assert "Part IV: Reinforcement learning" in out


def test_the_entry_point_runs_and_fails_in_one_line():
    """`python -m torchdojo`, a real process: the other CLI tests call `main` in-process."""
    code, out, _ = dojo_process("--version")
    assert code == 0 and out.startswith("torchdojo ")
    code, _, err = dojo_process("run", "mnist-mpl")
    one_line_error(code, err, "unknown lesson 'mnist-mpl'")


def test_version_and_help():
    code, out, _ = dojo("--version")
    assert code == 0 and out.startswith("torchdojo ")
    code, out, _ = dojo("run", "--help")
    assert code == 0 and "--resume" in out and "--set" in out


@pytest.mark.parametrize("args, fragments", [
    (["run", "mnist-mpl"], ["unknown lesson 'mnist-mpl'", "did you mean mnist-mlp"]),
    (["run", "mnist-mlp", "--set", "epoch=3"], ["unknown setting 'epoch'", "valid keys"]),
    (["run", "mnist-mlp", "--set", "epochs=three"], ["epochs must be int"]),
    (["run", "mnist-mlp", "--set", "dataset=cifar"], ["dataset must be one of"]),
    (["run", "850", "--device", "cuda:99"], ["device 'cuda:99' is not available here"]),
    (["run", "850", "--device", "tpu"], ["unknown device 'tpu'"]),
    (["run", "850", "--resume", "nowhere"], ["cannot resume"]),
    (["run"], ["the following arguments are required: id"]),
    (["frobnicate"], ["invalid choice"]),
])
def test_bad_input_is_one_line_and_exit_2(args, fragments, tmp_path):
    code, _, err = dojo(*args, cwd=tmp_path)
    one_line_error(code, err, *fragments)
    assert not (tmp_path / "runs").exists()  # nothing half-written


def test_unwritable_out_is_refused_before_training(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    code, _, err = dojo("run", "850", "--quick", "--out", str(blocker / "run"), cwd=tmp_path)
    one_line_error(code, err, "not writable")


def test_corrupt_data_is_one_line_naming_the_file_and_leaves_no_run_folder(tmp_path):
    raw = tmp_path / "data" / "FashionMNIST" / "raw"
    raw.mkdir(parents=True)
    for name in ("train-images-idx3-ubyte", "train-labels-idx1-ubyte",
                 "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"):
        (raw / name).write_bytes(b"\x00\x00\x08\x03garbage")
    code, _, err = dojo("run", "850", "--quick", "--set", "dataset=fashion-mnist",
                        "--out", str(tmp_path / "run"), cwd=tmp_path,
                        env={"TORCHDOJO_DATA": str(tmp_path / "data")})
    one_line_error(code, err, "idx3-ubyte")
    assert not (tmp_path / "run").exists()


def test_quick_run_writes_a_complete_run_folder(fake_data, tmp_path):
    out = tmp_path / "run"
    code, stdout, err = dojo("run", "850", "--quick", "--out", str(out), "--seed", "3",
                             cwd=tmp_path)
    assert code == 0, err
    for name in ("config.json", "metrics.jsonl", "checkpoint.pt", "curves.png",
                 "confusion.png", "mistakes.png", "report.html", "result.json"):
        assert (out / name).exists(), name
    config = json.loads((out / "config.json").read_text())
    assert config["lesson"] == "mnist-mlp" and config["config"]["seed"] == 3
    result = json.loads((out / "result.json").read_text())
    assert result["dataset"] == "mnist" and result["metrics"]["test_acc"] > 0.3  # chance: 0.1
    records = [json.loads(line) for line in (out / "metrics.jsonl").read_text().splitlines()]
    assert [r["phase"] for r in records] == ["train", "val", "train", "val"]
    report = (out / "report.html").read_text()
    assert "data:image/png;base64," in report and "test_acc &gt;= 0.98 on mnist" in report
    assert f"report: {out / 'report.html'}" in stdout


def test_resume_of_a_finished_run_gives_the_same_result_and_rejects_new_settings(fake_data,
                                                                                  tmp_path):
    out = tmp_path / "run"
    assert dojo("run", "mnist-mlp", "--quick", "--out", str(out), cwd=tmp_path)[0] == 0
    first = json.loads((out / "result.json").read_text())["metrics"]
    code, _, err = dojo("run", "mnist-mlp", "--resume", str(out), cwd=tmp_path)
    assert code == 0, err
    assert json.loads((out / "result.json").read_text())["metrics"] == first
    code, _, err = dojo("run", "mnist-mlp", "--resume", str(out), "--set", "epochs=9",
                        cwd=tmp_path)
    one_line_error(code, err, "--resume continues a run with its saved config")
    code, _, err = dojo("run", "mnist-linear", "--resume", str(out), cwd=tmp_path)
    one_line_error(code, err, "is a run of 'mnist-mlp'")


def test_tensorboard_without_the_extra_says_which_extra(tmp_path):
    try:
        import tensorboard  # noqa: F401
    except ImportError:
        code, _, err = dojo("run", "850", "--quick", "--tensorboard", cwd=tmp_path)
        one_line_error(code, err, "torchdojo[tensorboard]")
    else:
        code, _, err = dojo("run", "850", "--quick", "--tensorboard", "--out",
                            str(tmp_path / "r"), cwd=tmp_path)
        assert code == 0 and list((tmp_path / "r" / "tensorboard").iterdir())


def test_ctrl_c_leaves_a_checkpoint_and_resume_ends_like_an_uninterrupted_run(fake_data,
                                                                               tmp_path):
    import signal
    import time

    settings = ["--quick", "--set", "epochs=40", "train_limit=256", "--seed", "1"]
    cut = tmp_path / "cut"
    proc = subprocess.Popen([sys.executable, "-m", "torchdojo", "run", "mnist-mlp", *settings,
                             "--out", str(cut)], cwd=tmp_path, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True,
                            # a shell's background job starts with SIGINT ignored, and Python
                            # then never raises KeyboardInterrupt: give the run the default
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    deadline = time.time() + 120
    while time.time() < deadline and not (cut / "metrics.jsonl").exists():
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    assert f"--resume {cut}" in err
    assert not (cut / "result.json").exists()
    code, _, err = dojo("run", "mnist-mlp", "--resume", str(cut), cwd=tmp_path)
    assert code == 0, err
    full = tmp_path / "full"
    assert dojo("run", "mnist-mlp", *settings, "--out", str(full), cwd=tmp_path)[0] == 0
    resumed = json.loads((cut / "result.json").read_text())["metrics"]
    assert resumed == json.loads((full / "result.json").read_text())["metrics"]
