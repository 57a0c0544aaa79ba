"""How close the MLP's training step is to what this device's matmul sustains, and how
cost grows with batch size and width. Printed and plotted, never asserted. On CUDA both
sides compute in bf16 (the step under autocast, the matmuls in bf16), the rate a GPU's
tensor cores are quoted at; on a CPU in float32.

FLOPs of one training step of an MLP with layer shapes (n_in, n_out), batch B:
forward 2*B*n_in*n_out per layer; backward twice that (grad wrt weights and wrt
inputs), so about 6*B*sum(n_in*n_out) in all.
"""

from __future__ import annotations

import platform
import time
from pathlib import Path

import torch
from matplotlib.figure import Figure

from torchdojo.models.mlp import MLP
from torchdojo.train import tasks
from torchdojo.train.device import synchronize
from torchdojo.train.loop import batches
from torchdojo.train.optim import fast

OUT = Path("benchmarks/results")


def _time(fn, repeat: int, device: torch.device) -> float:
    fn()  # warm-up
    synchronize(device)
    t0 = time.perf_counter()
    for _ in range(repeat):
        fn()
    synchronize(device)
    return (time.perf_counter() - t0) / repeat


def _amp(device: torch.device) -> bool:
    """bf16 on a GPU (its tensor cores), float32 on a CPU."""
    return device.type == "cuda"


def step_flops(shapes: list[tuple[int, int]], batch: int) -> float:
    return 6.0 * batch * sum(a * b for a, b in shapes)


def matmul_flops_per_s(shapes: list[tuple[int, int]], batch: int, device: torch.device,
                       repeat: int = 20) -> float:
    """The same matmuls a training step does (forward, grad-input, grad-weight), back to back."""
    mats = []
    like = {"device": device, "dtype": torch.bfloat16 if _amp(device) else torch.float32}
    for n_in, n_out in shapes:
        x, w, g = (torch.randn(batch, n_in, **like), torch.randn(n_in, n_out, **like),
                   torch.randn(batch, n_out, **like))
        mats.append((x, w, g))

    def run() -> None:
        for x, w, g in mats:
            x @ w          # forward          (B, in) @ (in, out)
            g @ w.T        # grad wrt input    (B, out) @ (out, in)
            x.T @ g        # grad wrt weight   (in, B) @ (B, out)

    return step_flops(shapes, batch) / _time(run, repeat, device)


def training_throughput(hidden: tuple[int, ...], batch: int, device: torch.device,
                        n: int = 8192) -> dict[str, float]:
    """Samples/s of full training steps, and the share of time spent slicing batches."""
    torch.manual_seed(0)
    model = MLP(784, hidden, 10).to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3, **fast(device))
    data = (torch.randn(n, 1, 28, 28, device=device), torch.randint(0, 10, (n,), device=device))

    def epoch() -> None:
        for batch_ in batches(data, batch, shuffle=True):
            with torch.autocast(device.type, dtype=torch.bfloat16, enabled=_amp(device)):
                loss, _ = tasks.classification(model, batch_)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()

    def slicing_only() -> None:
        for _ in batches(data, batch, shuffle=True):
            pass

    t_epoch = _time(epoch, 2, device)
    t_data = _time(slicing_only, 3, device)
    return {"samples_per_s": n / t_epoch, "data_share": t_data / t_epoch,
            "step_s": t_epoch / -(-n // batch)}


def _pairs(keys: list[int], values: list[float]) -> str:
    return ", ".join(f"{k}: {v:.0f}" for k, v in zip(keys, values))


def machine(device: torch.device) -> str:
    if device.type == "cuda":
        return f"{torch.cuda.get_device_name(device)}, torch {torch.__version__}"
    return (f"{platform.processor() or platform.machine()}, {torch.get_num_threads()} threads, "
            f"torch {torch.__version__}")


def main(device: torch.device = torch.device("cpu")) -> dict[str, float]:  # noqa: B008
    hidden, batch = (512, 512), 128
    shapes = [(784, 512), (512, 512), (512, 10)]
    peak = matmul_flops_per_s(shapes, batch, device)
    train = training_throughput(hidden, batch, device)
    achieved = step_flops(shapes, batch) / train["step_s"]
    print(f"MLP 784-512-512-10, batch {batch}, on {machine(device)}")
    print(f"  matmul on the same shapes : {peak / 1e9:7.1f} GFLOP/s"
          f"{' (bf16)' if _amp(device) else ''}")
    print(f"  training steps            : {achieved / 1e9:7.1f} GFLOP/s = "
          f"{100 * achieved / peak:.0f}% of that ({train['samples_per_s']:.0f} samples/s)")
    print(f"  data pipeline (batch slicing) share of step time: {100 * train['data_share']:.1f}%")

    sizes = [32, 64, 128, 256, 512, 1024, 2048]
    by_batch = [training_throughput(hidden, b, device)["samples_per_s"] for b in sizes]
    widths = [128, 256, 512, 1024, 2048]
    by_width = [training_throughput((w, w), batch, device)["samples_per_s"] for w in widths]
    print("  samples/s by batch size: " + _pairs(sizes, by_batch))
    print("  samples/s by width     : " + _pairs(widths, by_width))

    fig = Figure(figsize=(10, 3.8))
    left, right = fig.subplots(1, 2)
    left.plot(sizes, by_batch, "-o")
    left.set(xscale="log", xlabel="batch size", ylabel="samples/s", title="MLP 512-512: batch")
    right.plot(widths, by_width, "-o")
    right.set(xscale="log", yscale="log", xlabel="hidden width", ylabel="samples/s",
              title=f"width (batch {batch})")
    for ax in (left, right):
        ax.grid(alpha=0.3)
    fig.suptitle(machine(device), fontsize=8)
    fig.tight_layout()
    OUT.mkdir(parents=True, exist_ok=True)
    fig.savefig(OUT / f"scaling-{device.type}.png", dpi=100)
    print(f"  plot: {OUT / f'scaling-{device.type}.png'}")
    return {"dtype": "bf16" if _amp(device) else "float32",
            "matmul_gflops": peak / 1e9, "train_gflops": achieved / 1e9,
            "share": achieved / peak, "data_share": train["data_share"],
            "samples_per_s_by_batch": dict(zip(map(str, sizes), by_batch)),
            "samples_per_s_by_width": dict(zip(map(str, widths), by_width))}


if __name__ == "__main__":
    main()
