"""One epoch of the same MLP three ways: a per-sample DataLoader, a bare in-memory loop
(shuffled index batches, nothing else), and the engine (`ctx.fit`, which adds metrics,
progress and the epoch record on top of the same batching).

Prints samples/s for each, the DataLoader/engine ratio and the engine's overhead over the
bare loop, measured in one run. Never asserted: time on a shared machine is noisy, so only
ratios within one run mean anything.
"""

from __future__ import annotations

import time
from functools import partial

import torch
from torch.utils.data import DataLoader

from torchdojo.data.datasets import ImageDataset
from torchdojo.data.vision import load_images
from torchdojo.models.mlp import MLP
from torchdojo.train import tasks
from torchdojo.train.context import Context
from torchdojo.train.device import synchronize
from torchdojo.train.loop import batches
from torchdojo.train.optim import fast

BATCH = 128


def dataloader_epoch(model: torch.nn.Module, loader: DataLoader,
                     device: torch.device = torch.device("cpu")) -> None:  # noqa: B008
    """The standard loop: per-sample Dataset, DataLoader collation, one optimiser step a batch."""
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    model.train()
    for x, y in loader:
        x, y = x.to(device, non_blocking=True), y.to(device, non_blocking=True)
        loss, _ = tasks.classification(model, (x, y))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()


def bare_epoch(model: torch.nn.Module, tensors: tuple[torch.Tensor, ...], seed: int = 0) -> None:
    """The least a training epoch can do on in-memory tensors: the engine's floor."""
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3, **fast(tensors[0].device))
    model.train()
    for x, y in batches(tensors, BATCH, shuffle=True, seed=seed):
        loss = torch.nn.functional.cross_entropy(model(x), y)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()


def timed(fn, device: torch.device) -> float:
    synchronize(device)
    t0 = time.perf_counter()
    fn()
    synchronize(device)
    return time.perf_counter() - t0


def main(dataset: str = "fashion-mnist",
         device: torch.device = torch.device("cpu")) -> dict[str, float]:  # noqa: B008
    data = load_images(dataset)
    x = data.train_x.float().div(255)
    mean, std = x.mean().item(), x.std().item()
    n = len(data.train_y)

    torch.manual_seed(0)
    model = MLP(784, (512, 512), 10).to(device)
    loader = DataLoader(ImageDataset(data.train_x, data.train_y, mean, std),
                        batch_size=BATCH, shuffle=True)
    loader_s = timed(lambda: dataloader_epoch(model, loader, device), device)

    tensors = (((x - mean) / std).unsqueeze(1).to(device), data.train_y.to(device))
    ctx = Context(device=device)
    def engine_epoch(model: torch.nn.Module) -> None:
        optimizer = torch.optim.Adam(model.parameters(), lr=1e-3, **fast(device))
        ctx.fit(model, tensors, loss_fn=tasks.classification, epochs=1, batch_size=BATCH,
                optimizer=optimizer, log=False)

    def fresh() -> torch.nn.Module:
        torch.manual_seed(0)
        return MLP(784, (512, 512), 10).to(device)

    bare_s, ours_s = [], []
    for _ in range(2):  # alternate, so a load change on the machine hits both alike
        bare_model, engine_model = fresh(), fresh()
        bare_s.append(timed(partial(bare_epoch, bare_model, tensors), device))
        ours_s.append(timed(partial(engine_epoch, engine_model), device))
    bare, ours = min(bare_s), min(ours_s)

    print(f"one epoch of MLP 784-512-512-10 on {data.label}, batch {BATCH}, {device}, "
          f"{torch.get_num_threads()} threads")
    print(f"  per-sample DataLoader : {n / loader_s:9.0f} samples/s  ({loader_s:.1f} s)")
    print(f"  bare in-memory loop   : {n / bare:9.0f} samples/s  ({bare:.2f} s)")
    print(f"  the engine (ctx.fit)  : {n / ours:9.0f} samples/s  ({ours:.2f} s)")
    print(f"  engine vs DataLoader  : {loader_s / ours:.1f}x faster")
    print(f"  engine overhead       : {100 * (ours / bare - 1):+.1f} % over the bare loop "
          f"(best of 2 each)")
    return {"dataloader_sps": n / loader_s, "bare_sps": n / bare, "ours_sps": n / ours,
            "ratio": loader_s / ours, "engine_overhead": ours / bare - 1,
            "device": str(device)}


if __name__ == "__main__":
    main()
