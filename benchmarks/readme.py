"""The README's benchmark section, written from the saved results: one block per device
(`benchmarks/results/bench-<device>.json`), between markers, never typed by hand."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
README = ROOT / "README.md"


def markers(device: str) -> tuple[str, str]:
    return (f"<!-- bench-{device}:start (written by `make bench`; do not edit) -->",
            f"<!-- bench-{device}:end -->")


def _n(x: float) -> str:
    return f"{x:,.0f}"


def render(results: dict[str, Any]) -> str:
    """Markdown for one device's figures."""
    b, h = results["batching"], results["hardware"]
    lines = [f"Measured by `make bench` on {results['machine']}, device {results['device']}, "
             f"{results['date']}:", "",
             f"- **Batching**: one epoch of MLP 784-512-512-10 on Fashion-MNIST runs at "
             f"{_n(b['ours_sps'])} samples/s through the engine vs {_n(b['dataloader_sps'])} "
             f"with a per-sample `DataLoader` ({b['ratio']:.1f}x). **Engine overhead**: "
             f"{100 * b['engine_overhead']:+.1f} % over a bare in-memory loop on the same "
             f"model ({_n(b['bare_sps'])} samples/s), side by side, best of two each.",
             f"- **Hardware limit**: a training step sustains {100 * h['share']:.0f} % of the "
             f"FLOP/s of `torch.matmul` on the same shapes, in {h.get('dtype', 'float32')} "
             f"({h['train_gflops']:.1f} of "
             f"{h['matmul_gflops']:.1f} GFLOP/s); slicing batches is "
             f"{100 * h['data_share']:.1f} % of step time."]
    by_batch, by_width = h.get("samples_per_s_by_batch"), h.get("samples_per_s_by_width")
    if by_batch and by_width:
        (b0, s0), (b1, s1) = list(by_batch.items())[0], list(by_batch.items())[-1]
        (w0, t0), (w1, t1) = list(by_width.items())[0], list(by_width.items())[-1]
        lines.append(f"  Samples/s grows from {_n(s0)} at batch {b0} to {_n(s1)} at batch "
                     f"{b1}, and falls from {_n(t0)} at width {w0} to {_n(t1)} at width {w1}.")
    lines += ["- **Time to accuracy** on Fashion-MNIST's validation split against the "
              "standard PyTorch MNIST example loop (per-sample `DataLoader`, batch 64, "
              "Adadelta + StepLR), the same model on both sides, clocks started before the "
              "data is read:", "",
              "  | lesson, config | threshold | torchdojo | reference | sooner |",
              "  |---|---|---|---|---|"]
    for r in results["time_to_accuracy"]:
        ours = (f"{r['ours_s']:.1f} s (epoch {r['ours_epochs']})"
                if r["ours_s"] != float("inf") else f"not reached in {r['ours_epochs']} epochs")
        ref = (f"{r['reference_s']:.1f} s (epoch {r['reference_epochs']})"
               if r["reference_s"] != float("inf") else "not reached")
        lines.append(f"  | {r['lesson']}, {r['config']} ({r.get('settings', '')}) | "
                     f"{100 * r['threshold']:.0f} % | {ours} | {ref} | {r['ratio']:.1f}x |")
    switches: dict[str, list[str]] = {}
    for r in results.get("switches", ()):
        if r["switches"] == "none":
            continue
        switches.setdefault(r["lesson"], []).append(
            f"{r['switches']} refused (no native bf16)" if r["refused"] else
            f"{r['switches']} {r['speedup']:.2f}x" + (f" (+{r['first_epoch_extra_s']:.0f} s "
                                                      f"to compile, cold)" if "compile" in
                                                      r["switches"] else ""))
    if switches:
        lines.append("- **Switches**, training samples/s after the first epoch against no switch, "
                     "side by side: " + "; ".join(f"{lesson} {', '.join(parts)}"
                                                  for lesson, parts in switches.items()) + ".")
    v = results.get("verify")
    if v:
        lines.append(f"- **`dojo verify`** on this device ({v['source']}, commit "
                     f"{', '.join(v['commits'])}, {', '.join(v['dates'])}): {v['rows']} rows "
                     f"in {v['total_s']:,.0f} s (first seeds); slowest "
                     + ", ".join(f"{n} {s:,.0f} s" for n, s in v["slowest"]) + ".")
    return "\n".join(lines)


def load(device: str, results: Path = RESULTS) -> dict[str, Any]:
    return json.loads((results / f"bench-{device}.json").read_text(encoding="utf-8"))


def rendered(text: str, device: str, results: dict[str, Any]) -> str:
    """`text` with the device's block replaced (appended at the markers' place)."""
    start, end = markers(device)
    if start not in text or end not in text:
        raise ValueError(f"README has no {start} ... {end} markers")
    head, rest = text.split(start, 1)
    _, tail = rest.split(end, 1)
    return f"{head}{start}\n{render(results)}\n{end}{tail}"


def publish(device: str, readme: Path = README) -> None:
    readme.write_text(rendered(readme.read_text(encoding="utf-8"), device, load(device)),
                      encoding="utf-8")
