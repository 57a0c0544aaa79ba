"""Two CPU processes under torchrun (gloo, DDP) end with the parameters of one process."""

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch
import torch.distributed as dist

from torchdojo.errors import DojoError
from torchdojo.runner import processes
from torchdojo.runner.processes import _drop_option
from torchdojo.train.distributed import device_ids

WORKER = Path(__file__).with_name("ddp_worker.py")


def test_two_process_ddp_matches_single_process_with_the_same_global_batch(tmp_path):
    out = tmp_path / "ddp.pt"
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    proc = subprocess.run([sys.executable, "-m", "torch.distributed.run", "--standalone",
                           "--nproc-per-node=2", str(WORKER), str(out)],
                          env=env, capture_output=True, text=True, timeout=180)
    assert proc.returncode == 0, proc.stderr[-3000:]
    spec = importlib.util.spec_from_file_location("ddp_worker", WORKER)
    worker = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(worker)
    single = worker.train().state_dict()
    ddp = torch.load(out, weights_only=True)
    assert single.keys() == ddp.keys()
    for key in single:
        torch.testing.assert_close(ddp[key], single[key], rtol=1e-5, atol=1e-6)
    # and training really moved them: not equal to a fresh initialisation
    torch.manual_seed(0)
    fresh = torch.nn.Linear(2, 16).weight
    assert not torch.allclose(ddp["0.weight"], fresh)


def test_launcher_drops_its_own_option():
    assert _drop_option(["run", "x", "--nproc", "2", "--quick"], "--nproc") == ["run", "x",
                                                                                "--quick"]
    assert _drop_option(["run", "x", "--nproc=2"], "--nproc") == ["run", "x"]


LEAVE = """
import atexit, sys
from torchdojo.runner.processes import leave
atexit.register(lambda: print("atexit ran", file=sys.stderr))
class Teardown:
    def __del__(self): print("torn down", file=sys.stderr)
witness = Teardown()  # its __del__ runs only when the interpreter finalises
sys.stdout.write("buffered, no newline")
leave(3)
"""


def test_a_rank_leaves_with_its_code_after_atexit_and_flushed_streams_without_teardown():
    env = {**os.environ, "WORLD_SIZE": "2"}
    proc = subprocess.run([sys.executable, "-c", LEAVE + "raise SystemExit('not reached')"],
                          env=env, capture_output=True, text=True, timeout=120)
    assert (proc.returncode, proc.stdout, proc.stderr) == (3, "buffered, no newline",
                                                            "atexit ran\n")
    # outside torchrun it is an ordinary exit: the interpreter tears down as usual
    env["WORLD_SIZE"] = "1"
    proc = subprocess.run([sys.executable, "-c", LEAVE], env=env, capture_output=True,
                          text=True, timeout=120)
    assert (proc.returncode, proc.stdout, proc.stderr) == (3, "buffered, no newline",
                                                            "atexit ran\ntorn down\n")


def test_processes_on_cuda_each_need_a_gpu_of_their_own(monkeypatch):
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 2)
    processes.check_gpus(torch.device("cuda"), 2)
    processes.check_gpus(torch.device("cpu"), 8)  # CPU processes share the machine
    processes.check_gpus(torch.device("cuda:1"), 1)
    with pytest.raises(DojoError, match=r"--nproc 3 on CUDA needs a GPU per process and this "
                                        r"machine has 2; use --nproc 2, or --device cpu"):
        processes.check_gpus(torch.device("cuda"), 3)
    with pytest.raises(DojoError, match="--device cuda:1 cannot hold them all; use --device cuda"):
        processes.check_gpus(torch.device("cuda:1"), 2)


@pytest.mark.parametrize("device, backend, gpu", [("cpu", "gloo", None), ("cuda", "nccl", 1)])
def test_a_rank_joins_with_the_backend_of_its_device_and_takes_its_own_gpu(
        monkeypatch, device, backend, gpu):
    joined, chosen = [], []
    monkeypatch.setenv("RANK", "1")
    monkeypatch.setenv("LOCAL_RANK", "1")
    monkeypatch.setenv("WORLD_SIZE", "4")
    monkeypatch.setenv("LOCAL_WORLD_SIZE", "2")  # two machines of two processes
    monkeypatch.setattr(dist, "is_initialized", lambda: False)
    monkeypatch.setattr(dist, "init_process_group", joined.append)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 2)
    monkeypatch.setattr(torch.cuda, "set_device", chosen.append)
    assert processes.init_process_group(torch.device(device)) == {"rank": 1, "world_size": 4}
    assert joined == [backend] and chosen == ([gpu] if gpu is not None else [])
    # torchrun by hand, three processes on a machine of two GPUs: refused before joining
    monkeypatch.setenv("LOCAL_WORLD_SIZE", "3")
    if device == "cuda":
        with pytest.raises(DojoError, match="needs a GPU per process"):
            processes.init_process_group(torch.device(device))
    else:
        processes.init_process_group(torch.device(device))
    assert len(joined) == (1 if device == "cuda" else 2)


def test_ddp_is_told_the_gpu_this_process_trains_on(monkeypatch):
    monkeypatch.setattr(torch.cuda, "current_device", lambda: 1)  # set by init_process_group
    assert device_ids(torch.device("cuda")) == [1]
    assert device_ids(torch.device("cuda:0")) == [0]
    assert device_ids(torch.device("cpu")) is None
