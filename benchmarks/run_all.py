"""`make bench`: every benchmark figure in one run, saved to benchmarks/results/."""

from __future__ import annotations

import json
import time
from pathlib import Path

from benchmarks import (
    bench_batching,
    bench_hardware,
    bench_switches,
    bench_time_to_accuracy,
    bench_verify_times,
    readme,
)
from torchdojo.files import atomic_write_bytes


def main(argv: list[str] | None = None) -> None:
    import argparse

    import torch

    from torchdojo.train.device import pick_device

    parser = argparse.ArgumentParser(description="torchdojo's speed figures, printed and saved")
    parser.add_argument("--device", default="cpu", help="cpu or cuda (default cpu)")
    parser.add_argument("--verify", type=Path, default=None, metavar="JSON",
                        help="a dojo verify summary (verify-*.json) to take the wall-time "
                             "table from (default: the published results)")
    args = parser.parse_args(argv)
    device = pick_device(args.device)
    results = {"date": time.strftime("%Y-%m-%d %H:%M"), "machine": bench_hardware.machine(device),
               "device": str(device), "torch": torch.__version__}
    out = Path("benchmarks/results")
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"bench-{device.type}.json"
    partial = out / f"partial-bench-{device.type}.json"  # ignored by git
    sections = (
        ("batching", "in-memory batching vs per-sample DataLoader",
         lambda: bench_batching.main(device=device)),
        ("hardware", "distance from the hardware limit; cost vs batch size and width",
         lambda: bench_hardware.main(device)),
        ("time_to_accuracy", "time to accuracy vs the standard PyTorch example loop",
         lambda: bench_time_to_accuracy.main(device=device)),
        ("verify", "wall time of dojo verify on this device",
         lambda: bench_verify_times.main(device.type, args.verify)),
        ("switches", "what --amp and --compile buy the conv lessons",
         lambda: bench_switches.main(device)))
    for key, title, measure in sections:
        print(f"\n== {title} ==", flush=True)
        results[key] = measure()
        # the figures so far survive a run cut short (a GPU check's time limit)
        atomic_write_bytes(partial, (json.dumps(results, indent=2, default=str) + "\n").encode())
    partial.replace(path)
    print(f"\nsaved {path}")
    try:  # the README's block for this device, from the file just saved
        readme.publish(device.type)
        print(f"README: the {device.type} benchmark block rewritten from {path}")
    except (OSError, ValueError) as e:
        print(f"README not updated: {e}")


if __name__ == "__main__":
    main()
