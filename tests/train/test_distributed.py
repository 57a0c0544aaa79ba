"""Two CPU processes under torchrun (gloo, DDP) end with the parameters of one process."""

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import torch

from torchdojo.runner.processes import _drop_option

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
