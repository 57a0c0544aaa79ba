"""Wall time of `dojo verify` on one device, read from the rows verify itself wrote.

A whole verify takes about 1.5 hours on 2 CPU cores, so the bench does not rerun it: it
summarises the published `results/verify.json` (or a run's `verify-*.json`, for example
the one `benchmarks/gpu_check.sh` writes) for the rows measured on that device type.
Seconds are each row's first seed, as the README's results table gives them.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from torchdojo.runner.verify import PUBLISHED


def main(device: str, path: Path | None = None, slowest: int = 5) -> dict[str, Any] | None:
    """Rows, total seconds, commits and the `slowest` rows measured on `device` (cpu or
    cuda) in `path` (default: the published results), or None if the file has none."""
    path = path or PUBLISHED
    rows = [r for r in json.loads(Path(path).read_text(encoding="utf-8"))["rows"]
            if str(r.get("device", "")).split(":")[0] == device]
    if not rows:
        print(f"no dojo verify rows measured on {device} in {path}")
        return None
    rows.sort(key=lambda r: -r["seconds"])
    label = [f"{r['lesson']}" + ("" if r["check"] == "default" else f" ({r['check']})")
             for r in rows]
    summary = {"source": Path(path).name, "rows": len(rows),
               "total_s": round(sum(r["seconds"] for r in rows), 1),
               "commits": sorted({r.get("commit", "") for r in rows}),
               "dates": sorted({r.get("date", "") for r in rows}),
               "slowest": [[name, r["seconds"]] for name, r in zip(label, rows)][:slowest]}
    print(f"dojo verify on {device}: {summary['rows']} rows, {summary['total_s']:.0f} s "
          f"(first seeds), slowest: " + ", ".join(f"{n} {s:.0f} s" for n, s in
                                                  summary["slowest"]))
    return summary
