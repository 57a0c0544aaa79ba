"""The spy that the lesson tests use to find host waits in training steps (tests/syncspy.py):
it must see what would stall a GPU, on a CPU, and nothing else."""

import torch
from syncspy import SyncSpy, spying_on_training_steps
from torch import nn

from torchdojo.train import tasks
from torchdojo.train.context import Context


def test_scalar_reads_and_boolean_masks_are_caught_and_device_side_ops_are_not():
    x = torch.randn(8)
    with SyncSpy() as spy:
        torch.where(x > 0, x, 0.0).sum()  # stays on the device
        x[torch.tensor([0, 2])]  # integer indices: no wait
        torch.optim.SGD([nn.Parameter(torch.ones(2))], lr=0.1).step()  # the optimiser's own
    assert not spy.hits
    with SyncSpy() as spy:
        x[x > 0]  # the result's size depends on the data
        y = x.clone()
        y[y < 0] = 0.0
        float(x.sum())
        torch.unique(x)
    assert {op for op, _ in spy.hits} == {"aten.index.Tensor", "aten.index_put_",
                                          "aten._local_scalar_dense", "aten._unique2"}


def test_only_the_training_steps_of_fit_are_watched(monkeypatch):
    def reading_loss(model, batch):
        loss, metrics = tasks.classification(model, batch)
        loss.item()  # a host read in the step
        return loss, metrics

    data = (torch.randn(32, 2), torch.randint(0, 3, (32,)))
    with spying_on_training_steps(monkeypatch) as spy:
        float(data[0].sum())  # outside fit: not a step
        model = nn.Linear(2, 3)
        Context(quiet=True).fit(model, data, loss_fn=reading_loss, epochs=1, batch_size=8,
                                optimizer=torch.optim.Adam(model.parameters()), log=False)
    assert list(spy.hits.values()) == [4]  # one read in each of the 4 steps
    assert "aten._local_scalar_dense" == next(iter(spy.hits))[0]


def test_copies_to_the_host_are_caught_though_a_cpu_tensor_makes_none(monkeypatch):
    def copying_loss(model, batch):
        batch[1].tolist()
        return tasks.classification(model, (batch[0], batch[1].cpu()))

    data = (torch.randn(16, 2), torch.randint(0, 3, (16,)))
    with spying_on_training_steps(monkeypatch) as spy:
        data[1].cpu()  # outside fit: not a step
        model = nn.Linear(2, 3)
        Context(quiet=True).fit(model, data, loss_fn=copying_loss, epochs=1, batch_size=8,
                                optimizer=torch.optim.Adam(model.parameters()), log=False)
    assert {op: n for (op, _), n in spy.hits.items()} == {"Tensor.tolist": 2, "Tensor.cpu": 2}


def test_a_sampling_step_of_ddpm_reads_nothing_back(monkeypatch):
    """Algorithm 2 runs T steps of the denoiser: the schedule's scalars are read to the host
    once (three lists), not in every step."""
    from torchdojo.methods.diffusion import Schedule, sample

    counts = []
    for steps in (25, 50):
        spy = SyncSpy()
        spy.watch_copies(monkeypatch)
        with spy:
            x, _ = sample(lambda x, t: 0.1 * x, (2, 1, 4, 4), Schedule.scaled_linear(steps),
                          generator=torch.Generator().manual_seed(0), clip_x0=True)
        assert torch.isfinite(x).all()
        counts.append(dict(spy.hits))
    assert counts[0] == counts[1] == {("Tensor.tolist", "methods/diffusion.py:Schedule.on_host"): 3}
