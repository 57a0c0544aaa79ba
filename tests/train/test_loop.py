"""The one training loop: it learns, it is deterministic, and resume is exact."""

import pytest
import torch
from torch import nn

from torchdojo.train import tasks
from torchdojo.train.context import Context
from torchdojo.train.loop import Interrupted, batches, evaluate
from torchdojo.train.runs import Run


def blobs(n=256, seed=0):
    g = torch.Generator().manual_seed(seed)
    y = torch.randint(0, 3, (n,), generator=g)
    centers = torch.tensor([[2.0, 0.0], [-2.0, 1.0], [0.0, -2.0]])
    x = centers[y] + 0.7 * torch.randn(n, 2, generator=g)
    return x, y


def train_once(run=None, epochs=4, callbacks=(), seed=0, world_size=1, rank=0):
    torch.manual_seed(seed)
    model = nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Dropout(0.1), nn.Linear(16, 3))
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=0.1, total_steps=epochs * 8)
    data = blobs()
    ctx = Context(run=run, quiet=True, rank=rank, world_size=world_size)
    history = ctx.fit(model, data, loss_fn=tasks.classification, optimizer=opt,
                      scheduler=sched, epochs=epochs, batch_size=32, val=blobs(128, seed=1),
                      seed=seed, callbacks=callbacks)
    return model, history


def test_batches_cover_every_sample_once_and_shards_partition_the_global_batch():
    x = torch.arange(10)
    seen = torch.cat([b[0] for b in batches((x,), 3, shuffle=True, seed=5)])
    assert sorted(seen.tolist()) == list(range(10))
    single = [b[0].tolist() for b in batches((x,), 4, shuffle=True, seed=5)]
    ranks = [[b[0].tolist() for b in batches((x,), 2, shuffle=True, seed=5, rank=r,
                                                world_size=2)] for r in range(2)]
    for step, whole in enumerate(single):
        assert sorted(ranks[0][step] + ranks[1][step]) == sorted(whole)


def test_fit_lowers_the_loss_and_beats_chance():
    model, history = train_once()
    train = [r for r in history if r["phase"] == "train"]
    assert train[-1]["loss"] < 0.5 * train[0]["loss"]
    val = evaluate(model, blobs(128, seed=1), tasks.classification)
    assert val["acc"] > 0.9  # chance is 1/3


def test_same_seed_same_metrics():
    _, a = train_once()
    _, b = train_once()
    strip = lambda h: [{k: v for k, v in r.items() if k != "time_s"} for r in h]  # noqa: E731
    assert strip(a) == strip(b)


def test_interrupted_then_resumed_run_ends_exactly_like_an_uninterrupted_one(tmp_path):
    model_full, full = train_once(Run(tmp_path / "full"))

    def stop_after_two(end):
        if end.epoch == 2:
            raise KeyboardInterrupt

    with pytest.raises(Interrupted):
        train_once(Run(tmp_path / "cut"), callbacks=[stop_after_two])
    assert (tmp_path / "cut" / "checkpoint.pt").exists()
    model_resumed, resumed = train_once(Run(tmp_path / "cut", resume=True))
    strip = lambda h: [{k: v for k, v in r.items() if k != "time_s"} for r in h]  # noqa: E731
    assert strip(resumed) == strip(full)
    for p, q in zip(model_full.parameters(), model_resumed.parameters()):
        assert torch.equal(p, q)
    lines = Run(tmp_path / "cut", resume=True).records()
    assert [r["epoch"] for r in lines if r["phase"] == "train"] == [1, 2, 3, 4]


def test_fit_needs_exactly_one_of_loss_fn_and_step_fn():
    with pytest.raises(ValueError):
        Context().fit(nn.Linear(2, 3), blobs(), epochs=1, batch_size=8)


def count_host_reads(monkeypatch, train_fn) -> list[tuple[str, str, int]]:
    """Calls from torchdojo's code that read a tensor back to the host while `train_fn` runs."""
    import sys

    reads = []
    for name in ("item", "tolist", "cpu", "__float__"):
        original = getattr(torch.Tensor, name)

        def spy(self, *args, _original=original, _name=name, **kwargs):
            caller = sys._getframe(1).f_code
            if "/torchdojo/" in caller.co_filename:  # ours, not torch's own internals
                reads.append((_name, caller.co_filename, caller.co_firstlineno))
            return _original(self, *args, **kwargs)

        monkeypatch.setattr(torch.Tensor, name, spy)
    train_fn()
    monkeypatch.undo()
    return reads


@pytest.mark.parametrize("kind", ["loss_fn", "step_fn"])
def test_host_reads_do_not_grow_with_the_number_of_steps(monkeypatch, kind):
    from torchdojo.methods.gan import make_step
    from torchdojo.models.gan import GAN

    def train(n):
        torch.manual_seed(0)
        if kind == "loss_fn":
            model = nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Linear(16, 3))
            opt = torch.optim.Adam(model.parameters(), lr=1e-2)
            kw = dict(loss_fn=tasks.classification, optimizer=opt, val=blobs(64, seed=1))
            data = blobs(n)
        else:
            model = GAN(latent=4, width=4)
            opt_g = torch.optim.Adam(model.generator.parameters(), lr=1e-3)
            opt_d = torch.optim.Adam(model.discriminator.parameters(), lr=1e-3)
            kw = dict(step_fn=make_step(model, opt_g, opt_d),
                      optimizer={"generator": opt_g, "discriminator": opt_d})
            data = (torch.rand(n, 1, 28, 28) * 2 - 1,)
        return lambda: Context(quiet=True).fit(model, data, epochs=2, batch_size=8, **kw)

    few = count_host_reads(monkeypatch, train(16))  # 2 steps per epoch
    many = count_host_reads(monkeypatch, train(128))  # 16 steps per epoch
    assert len(many) == len(few), sorted(set(many) - set(few))
    assert len(few) <= 2 * 2  # a read of the sums (and of val's) once per epoch, no more
