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
    bench_batching.DEVICE = device
    results = {"date": time.strftime("%Y-%m-%d %H:%M"), "machine": bench_hardware.machine(),
               "device": str(device), "torch": torch.__version__}
    print("== in-memory batching vs per-sample DataLoader ==")
    results["batching"] = bench_batching.main()
    print("\n== distance from the hardware limit; cost vs batch size and width ==")
    results["hardware"] = bench_hardware.main()
    print("\n== time to accuracy vs the standard PyTorch example loop ==")
    results["time_to_accuracy"] = bench_time_to_accuracy.main()
    print("\n== what --amp and --compile buy the conv lessons ==")
    results["switches"] = bench_switches.main(device)
    print("\n== wall time of dojo verify on this device ==")
    results["verify"] = (bench_verify_times.main(device.type, args.verify) if args.verify
                         else bench_verify_times.main(device.type))
    out = Path("benchmarks/results")
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"bench-{device.type}.json"
    path.write_text(json.dumps(results, indent=2, default=str) + "\n")
    print(f"\nsaved {path}")
    try:  # the README's block for this device, from the file just saved
        readme.publish(device.type)
        print(f"README: the {device.type} benchmark block rewritten from {path}")
    except (OSError, ValueError) as e:
        print(f"README not updated: {e}")


if __name__ == "__main__":
    main()
