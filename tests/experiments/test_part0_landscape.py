"""landscape: the hand-written gradients and optimisers against autograd and torch.optim, the
1/2n vs 1/n MSE, the quick run against every registry target, and variants that miss them."""

import json
from dataclasses import replace

import pytest
import torch

from torchdojo import registry
from torchdojo.errors import DojoError
from torchdojo.exercises import catalog
from torchdojo.exercises.grader import reference
from torchdojo.experiments import landscape
from torchdojo.runner import run_experiment

F64 = torch.float64
QUICK = landscape.Config(**landscape.QUICK)
TARGETS = [t for check in registry.find("landscape").checks for t in check.targets]


def missed(metrics: dict) -> list[str]:
    """The registry targets on these metrics that are not met."""
    return [str(t) for t in TARGETS if t.metric in metrics and not t.met(metrics)]


def autograd_grad(cost, v):
    v = v.clone().requires_grad_(True)
    (grad,) = torch.autograd.grad(cost(v).sum(), v)
    return grad


@pytest.fixture(scope="module")
def quick(tmp_path_factory):
    return run_experiment("landscape", quick=True, out=tmp_path_factory.mktemp("runs") / "ls",
                          quiet=True)


def test_hand_written_gradients_match_autograd():
    g = torch.Generator().manual_seed(0)
    v = torch.randn(50, 2, generator=g, dtype=F64) * 2  # (N, 2)
    for kappa in (1.0, 50.0):
        assert torch.allclose(landscape.bowl_grad(v, kappa),
                              autograd_grad(lambda u, k=kappa: landscape.bowl(u, k), v), atol=1e-12)
    for tilt in (0.0, 0.3, 2.0):
        assert torch.allclose(landscape.well_grad(v, tilt),
                              autograd_grad(lambda u, t=tilt: landscape.well(u, t), v), atol=1e-12)


def test_descend_on_the_bowl_follows_the_algebra():
    # v1 <- (1 - lr) v1 and v2 <- (1 - lr kappa) v2 at every step
    kappa, lr, start = 50.0, 0.03, torch.tensor([-4.0, 1.5], dtype=F64)
    path = landscape.descend(lambda v: landscape.bowl_grad(v, kappa), start, lr, 20)
    t = torch.arange(21, dtype=F64)
    expected = torch.stack([-4.0 * (1 - lr) ** t, 1.5 * (1 - lr * kappa) ** t], dim=1)
    assert torch.allclose(path, expected, rtol=1e-12, atol=1e-15)


def test_the_well_minima_are_stationary_deepest_first_and_merge_past_the_critical_tilt():
    found = landscape.minima(0.3)
    assert found.shape == (2, 2)
    assert landscape.well_grad(found, 0.3).abs().max() < 1e-12
    assert landscape.well(found[0], 0.3) < landscape.well(found[1], 0.3)
    assert found[0, 0] < 0 < found[1, 0]  # a positive tilt deepens the v1 < 0 valley
    assert landscape.minima(2.0).shape == (1, 2)  # |tilt| > 8 / sqrt(27): one valley left


def test_momentum_and_adam_are_torch_optims_rules():
    kappa, v0 = 50.0, torch.tensor([-4.0, 1.5], dtype=F64)
    grad = lambda v: landscape.bowl_grad(v, kappa)  # noqa: E731
    for step, make in ((landscape.gd(0.03), lambda p: torch.optim.SGD(p, lr=0.03)),
                       (landscape.momentum(0.03, 0.9),
                        lambda p: torch.optim.SGD(p, lr=0.03, momentum=0.9)),
                       (landscape.adam(0.1), lambda p: torch.optim.Adam(p, lr=0.1))):
        ours = landscape.follow(step, lambda v: landscape.bowl(v, kappa), grad, v0, tol=0.0,
                                max_steps=60)
        v = v0.clone().requires_grad_(True)
        optimizer = make([v])
        for t in range(1, 61):
            v.grad = grad(v.detach())
            optimizer.step()
            assert torch.allclose(ours[t], v.detach(), rtol=1e-10, atol=1e-12), (t, step)


def test_exercise_42_reference_is_torch_sgd_with_momentum():
    momentum_step = reference(catalog.find("momentum-step")).momentum_step
    g = torch.Generator().manual_seed(1)
    p = torch.randn(3, 2, generator=g, dtype=F64)
    w = p.clone().requires_grad_(True)
    optimizer = torch.optim.SGD([w], lr=0.1, momentum=0.8)
    velocity = torch.zeros_like(p)
    for _ in range(5):
        grad = torch.randn(3, 2, generator=g, dtype=F64)
        p, velocity = momentum_step(p, velocity, grad, 0.1, 0.8)
        w.grad = grad.clone()
        optimizer.step()
        assert torch.allclose(p, w.detach(), atol=1e-14)


def test_half_mse_has_the_same_minimiser_and_exactly_half_the_gradient():
    x, y = landscape.line_data(20, seed=3)
    n = len(x)
    design = torch.stack([x, torch.ones_like(x)], dim=1)
    best = torch.linalg.lstsq(design, y[:, None]).solution[:, 0]
    v = torch.tensor([0.7, 0.2], dtype=F64)
    full = landscape.gradient(lambda u: landscape.mse(u, x, y, half=False), v)
    half = landscape.gradient(lambda u: landscape.mse(u, x, y, half=True), v)
    assert torch.equal(half, full / 2)  # a power of two: exact in floating point
    residual = y - (v[0] * x + v[1])  # d/dw sum r^2 / 2n = -(1/n) sum r x, d/db = -(1/n) sum r
    assert torch.allclose(half, -torch.stack([(residual * x).sum(), residual.sum()]) / n,
                          atol=1e-14)
    assert torch.allclose(landscape.mse(v, x, y, half=True), ((design @ v - y) ** 2).mean() / 2)
    for is_half in (False, True):  # the least-squares line is a minimum of both
        assert landscape.gradient(lambda u, h=is_half: landscape.mse(u, x, y, half=h),
                                  best).abs().max() < 1e-12
    m, _ = landscape.half_mse(QUICK)
    assert m["half_mse_grad_ratio"] == 0.5 and m["double_lr_path_max_diff"] == 0.0
    assert m["mse_minimum_gap"] < 1e-12 and m["mse_half_steps"] > m["mse_full_steps"]


def test_quick_run_meets_every_registry_target(quick):
    m = quick.metrics
    assert len(TARGETS) >= 9
    for target in TARGETS:
        assert target.metric in m, target.metric
        assert target.met(m), (str(target), m[target.metric])
    saved = json.loads((quick.run_dir / "result.json").read_text())
    assert len(saved["targets"]) == len(TARGETS)
    assert all(v.startswith("PASS") for v in saved["targets"].values()), saved["targets"]
    assert {p.name for p in quick.run_dir.glob("*.png")} == {
        "lr_sweep.png", "basins.png", "race.png", "half_mse.png"}
    # the counts are what the math says they should be
    assert m["stable_lr_limit"] == pytest.approx(0.04)
    assert m["diverged_at_small_lr"] == m["diverged_at_good_lr"] == 0
    assert m["steps_good_lr"] == m["gd_steps"]  # the same GD, by descend and by follow
    assert m["global_share"] + m["local_share"] == pytest.approx(1.0)
    assert len(quick.basins["starts"]) == QUICK.starts


@pytest.mark.parametrize("change, metric", [
    ({"momentum": 0.0}, "momentum_minus_gd_steps"),  # beta = 0 is GD itself: equal counts
    ({"momentum": 0.95}, "momentum_minus_gd_steps"),  # too much: it overshoots and circles
    ({"adam_lr": 0.005}, "adam_minus_gd_steps"),  # Adam crawling: more steps than GD
    ({"sweep_lrs": (0.005, 0.03, 0.039)}, "diverged_at_large_lr"),  # under 2/kappa: converges
    ({"sweep_lrs": (0.038, 0.0399, 0.042)}, "small_minus_good_lr_steps"),  # "right" zig-zags
    ({"tilt": 2.0}, "global_share"),  # one valley left: every start finds it
])
def test_a_broken_variant_misses_its_target(change, metric):
    config = replace(QUICK, **change)
    part = {"momentum_minus_gd_steps": landscape.race, "adam_minus_gd_steps": landscape.race,
            "diverged_at_large_lr": landscape.sweep, "small_minus_good_lr_steps": landscape.sweep,
            "global_share": landscape.basins}[metric]
    defaults, _ = part(QUICK)
    broken, _ = part(config)
    assert not missed(defaults)
    assert any(name.startswith(metric) for name in missed(broken)), (broken[metric], change)


@pytest.mark.parametrize("change, fragment", [
    ({"lr": -0.1}, "lr must be positive"),
    ({"momentum": 1.0}, "momentum must be in [0, 1)"),
    ({"start": (1.0,)}, "start must be two numbers"),
    ({"sweep_lrs": (0.1, 0.01, 0.2)}, "sweep_lrs must be three rising"),
])
def test_bad_settings_are_a_dojo_error(change, fragment):
    with pytest.raises(DojoError, match=fragment.replace("[", r"\[").replace(")", r"\)")):
        landscape.check(replace(landscape.Config(), **change))


def test_a_bad_setting_stops_the_run_before_it_leaves_a_folder(tmp_path):
    with pytest.raises(DojoError, match="well_lr must be positive"):
        run_experiment("landscape", quick=True, overrides={"well_lr": "0"}, out=tmp_path / "r",
                       quiet=True)
    assert not (tmp_path / "r").exists()
