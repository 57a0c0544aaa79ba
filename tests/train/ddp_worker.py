"""Trains a small model for a few steps; under torchrun, with DDP. Used by test_distributed."""

import sys

import torch
from torch import nn

from torchdojo.train import tasks
from torchdojo.train.context import Context

GLOBAL_BATCH = 32


def train(rank: int = 0, world_size: int = 1) -> nn.Module:
    """Two epochs of SGD on seeded blobs; the global batch is the same for any world size."""
    g = torch.Generator().manual_seed(0)
    y = torch.randint(0, 3, (256,), generator=g)
    x = torch.tensor([[2.0, 0.0], [-2.0, 1.0], [0.0, -2.0]])[y] + torch.randn(256, 2, generator=g)
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(2, 16), nn.Tanh(), nn.Linear(16, 3))
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    Context(rank=rank, world_size=world_size).fit(
        model, (x, y), loss_fn=tasks.classification, optimizer=optimizer, epochs=2,
        batch_size=GLOBAL_BATCH, seed=3, log=False)
    return model


if __name__ == "__main__":
    from torchdojo.runner.processes import init_process_group, leave, shutdown

    info = init_process_group(torch.device("cpu"))  # gloo, also where a GPU is
    model = train(info["rank"], info["world_size"])
    if info["rank"] == 0:
        torch.save(model.state_dict(), sys.argv[1])
    shutdown()
    leave(0)
