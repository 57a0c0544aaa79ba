"""Run folders: lazy creation, atomic checkpoints, clear errors, cleanup of failed runs."""

import os

import pytest
import torch

from torchdojo.errors import DojoError
from torchdojo.train.runs import Run, atomic_write_bytes


def test_nothing_is_written_until_first_use_and_discard_removes_a_started_folder(tmp_path):
    run = Run(tmp_path / "runs" / "r")
    assert not (tmp_path / "runs").exists()
    run.log({"epoch": 1, "loss": 0.5})
    assert run.records() == [{"epoch": 1, "loss": 0.5}]
    run.discard()
    assert not (tmp_path / "runs").exists()  # the parent it created goes too


def test_checkpoint_round_trip_and_atomic_write_leaves_no_temp_files(tmp_path):
    run = Run(tmp_path / "r")
    run.save_checkpoint({"w": torch.arange(3.0), "epoch": 2})
    state = run.load_checkpoint()
    assert torch.equal(state["w"], torch.arange(3.0)) and state["epoch"] == 2
    assert sorted(os.listdir(tmp_path / "r")) == ["checkpoint.pt"]


def test_atomic_write_keeps_the_old_file_when_writing_fails(tmp_path):
    path = tmp_path / "f.bin"
    atomic_write_bytes(path, b"old")

    with pytest.raises(TypeError):
        atomic_write_bytes(path, object())  # type: ignore[arg-type]
    assert path.read_bytes() == b"old"
    assert os.listdir(tmp_path) == ["f.bin"]


def test_corrupt_checkpoint_is_a_clear_error(tmp_path):
    (tmp_path / "checkpoint.pt").write_bytes(b"not a checkpoint")
    with pytest.raises(DojoError, match="cannot read checkpoint"):
        Run(tmp_path, resume=True).load_checkpoint()


def test_bad_folders_are_refused_before_any_training(tmp_path):
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "x").write_text("x")
    with pytest.raises(DojoError, match="not empty"):
        Run(tmp_path / "full")
    with pytest.raises(DojoError, match="no checkpoint"):
        Run(tmp_path / "nothing", resume=True)
    (tmp_path / "file").write_text("x")
    with pytest.raises(DojoError, match="not writable"):
        Run(tmp_path / "file" / "run")
