"""One epoch of the same MLP: in-memory index batching (ours) vs a per-sample DataLoader.

Prints samples/s for each and the ratio, measured in one run. Never asserted: time
on a shared machine is noisy, so only the ratio within one run means anything.
"""

from __future__ import annotations

import time

import torch
from torch.utils.data import DataLoader

from torchdojo.data.datasets import ImageDataset
from torchdojo.data.vision import load_images
from torchdojo.models.mlp import MLP
from torchdojo.train import tasks
from torchdojo.train.context import Context

BATCH = 128


def dataloader_epoch(model: torch.nn.Module, loader: DataLoader) -> None:
    """The standard loop: per-sample Dataset, DataLoader collation, one optimiser step a batch."""
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    model.train()
    for x, y in loader:
        loss, _ = tasks.classification(model, (x, y))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()


def main(dataset: str = "fashion-mnist") -> dict[str, float]:
    data = load_images(dataset)
    x = data.train_x.float().div(255)
    mean, std = x.mean().item(), x.std().item()
    n = len(data.train_y)

    torch.manual_seed(0)
    model = MLP(784, (512, 512), 10)
    loader = DataLoader(ImageDataset(data.train_x, data.train_y, mean, std),
                        batch_size=BATCH, shuffle=True)
    t0 = time.perf_counter()
    dataloader_epoch(model, loader)
    loader_s = time.perf_counter() - t0

    torch.manual_seed(0)
    model = MLP(784, (512, 512), 10)
    tensors = (((x - mean) / std).unsqueeze(1), data.train_y)
    t0 = time.perf_counter()
    Context().fit(model, tensors, loss_fn=tasks.classification, epochs=1, batch_size=BATCH,
                  optimizer=torch.optim.Adam(model.parameters(), lr=1e-3), log=False)
    ours_s = time.perf_counter() - t0

    print(f"one epoch of MLP 784-512-512-10 on {data.label}, batch {BATCH}, "
          f"{torch.get_num_threads()} threads")
    print(f"  per-sample DataLoader : {n / loader_s:9.0f} samples/s  ({loader_s:.1f} s)")
    print(f"  in-memory batching    : {n / ours_s:9.0f} samples/s  ({ours_s:.1f} s)")
    print(f"  speed-up              : {loader_s / ours_s:.1f}x")
    return {"dataloader_sps": n / loader_s, "ours_sps": n / ours_s, "ratio": loader_s / ours_s}


if __name__ == "__main__":
    main()
