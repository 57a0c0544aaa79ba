"""`make bench`: every benchmark figure in one run, saved to benchmarks/results/."""

from __future__ import annotations

import json
import time
from pathlib import Path

from benchmarks import bench_batching, bench_hardware, bench_time_to_accuracy


def main() -> None:
    results = {"date": time.strftime("%Y-%m-%d %H:%M"), "machine": bench_hardware.machine()}
    print("== in-memory batching vs per-sample DataLoader ==")
    results["batching"] = bench_batching.main()
    print("\n== distance from the hardware limit; cost vs batch size and width ==")
    results["hardware"] = bench_hardware.main()
    print("\n== time to accuracy vs the standard PyTorch example loop ==")
    results["time_to_accuracy"] = bench_time_to_accuracy.main()
    out = Path("benchmarks/results")
    out.mkdir(parents=True, exist_ok=True)
    (out / "bench.json").write_text(json.dumps(results, indent=2, default=str) + "\n")
    print(f"\nsaved {out / 'bench.json'}")


if __name__ == "__main__":
    main()
