"""Smoke runs of lessons under torchrun, used by test_switches:
`python -m torch.distributed.run --nproc-per-node=2 switch_worker.py OUT PLAN_JSON`.

PLAN_JSON maps lesson ids to {"compile": bool}; every rank runs each lesson's quick config
into OUT/ID as a smoke run: two steps per fit, and the experiment's SMOKE settings."""

import json
import sys
from pathlib import Path

import torch

from torchdojo import runner
from torchdojo.runner.processes import init_process_group, leave, shutdown

if __name__ == "__main__":
    out, plan = Path(sys.argv[1]), json.loads(sys.argv[2])
    info = init_process_group(torch.device("cpu"))  # gloo, also where a GPU is
    for key, how in plan.items():
        started = runner.prepare(key, quick=True, quiet=True, out=out / key, max_steps=2,
                                 compile=how["compile"],
                                 device="cpu", **info)
        runner.execute(started)
    shutdown()
    leave(0)
