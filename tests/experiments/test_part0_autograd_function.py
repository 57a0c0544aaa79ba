"""autograd-function: the custom softplus is right (gradcheck, F.softplus), the quick run meets
its targets, and the same measurement fails a broken backward, so the targets can fail."""

import json

import pytest
import torch
import torch.nn.functional as F

from torchdojo import registry
from torchdojo.errors import DojoError
from torchdojo.experiments import autograd_function as af
from torchdojo.runner import run_experiment

F64 = torch.float64
EXTREMES = torch.tensor([-1000.0, -745.0, -40.0, -1.0, 0.0, 1.0, 20.5, 40.0, 745.0, 1000.0],
                        dtype=F64)
TARGETS = [t for check in registry.find("autograd-function").checks for t in check.targets]


class ForgetsGradOut(af.StableSoftplus):
    """A plausible bug: the chain rule's grad_out left out."""

    @staticmethod
    def backward(ctx, grad_out):
        (x,) = ctx.saved_tensors
        return torch.sigmoid(x)


class NaiveBackward(af.StableSoftplus):
    """A stable forward with the textbook backward e^x / (1 + e^x): inf / inf = nan at 1000."""

    @staticmethod
    def backward(ctx, grad_out):
        (x,) = ctx.saved_tensors
        return grad_out * torch.exp(x) / (1 + torch.exp(x))


@pytest.fixture(scope="module")
def points():
    return af.check_points(af.Config(**af.QUICK), torch.Generator().manual_seed(0))


def test_gradcheck_passes_in_float64_and_catches_a_wrong_backward():
    x = (torch.randn(12, dtype=F64) * 5).requires_grad_(True)
    assert torch.autograd.gradcheck(af.softplus, (x,))
    assert torch.autograd.gradcheck(af.softplus, (EXTREMES.clone().requires_grad_(True),))
    assert torch.autograd.gradgradcheck(af.softplus, (x,))  # backward is made of torch ops
    assert not torch.autograd.gradcheck(ForgetsGradOut.apply, (x,), raise_exception=False)


def test_equals_f_softplus_to_1e_10_values_and_gradients_even_at_1000():
    x = torch.cat([EXTREMES, torch.linspace(-50, 50, 1001, dtype=F64)]).requires_grad_(True)
    y = af.softplus(x)
    ref = F.softplus(x, threshold=af.REFERENCE_THRESHOLD)  # exact in float64, see the module
    g = torch.randn_like(x)
    (ours,) = torch.autograd.grad(y, x, g)
    (theirs,) = torch.autograd.grad(ref, x, g)
    assert torch.isfinite(y).all() and torch.isfinite(ours).all()
    assert (y - ref).abs().max() <= 1e-10 and (ours - theirs).abs().max() <= 1e-10
    # the default threshold=20 agrees too, except where it returns x while log1p(exp(-x)),
    # its error, is still above float64's resolution: 1e-9 at x = 20.5, nothing from 34 on
    shortcut = (F.softplus(x) - y).detach().abs()
    x = x.detach()
    assert shortcut[(x < 20) | (x > 34)].max() <= 1e-10
    assert 1e-10 < shortcut[x > 20].max() < 3e-9
    assert torch.isinf(af.naive_softplus(torch.tensor(1000.0, dtype=F64)))


def test_quick_run_meets_every_target_and_writes_its_run(tmp_path):
    result = run_experiment("autograd-function", quick=True, out=tmp_path / "run", quiet=True)
    m = result.metrics
    assert TARGETS and all(t.met(m) for t in TARGETS), m
    saved = json.loads((tmp_path / "run" / "result.json").read_text())
    assert all(v.startswith("PASS") for v in saved["targets"].values()), saved["targets"]
    assert {p.name for p in (tmp_path / "run").glob("*.png")} == {"softplus.png", "graph.png"}
    # what the lesson claims about memory and the straight-through estimator
    memory = result.memory
    assert m["saved_bytes_no_grad"] == 0 < m["saved_bytes_function"] < m["saved_bytes_separate_ops"]
    assert memory["W1.detach() (layer 1 frozen)"][1] < m["saved_bytes_function"]
    assert m["saved_bytes_separate_ops"] - m["saved_bytes_function"] == 256 * 128 * 8  # exp(-|z|)
    assert m["ste_grad_sum"] == 9.0 and not result.ste["torch.round"].any()
    assert not all(t.met(result.naive) for t in TARGETS)


@pytest.mark.parametrize("broken, failing", [(ForgetsGradOut, {"gradcheck_passed"}),
                                             (NaiveBackward, {"gradcheck_passed",
                                                              "max_abs_diff"})])
def test_the_targets_fail_for_a_broken_backward(points, broken, failing):
    m = af.measure(broken.apply, *points)
    assert {t.metric for t in TARGETS if not t.met(m)} == failing, m
    assert all(t.met(af.measure(af.softplus, *points)) for t in TARGETS)


def test_custom_function_is_one_graph_node_and_no_grad_records_nothing():
    x = torch.randn(3, dtype=F64, requires_grad=True)
    y = af.softplus(x)
    assert type(y.grad_fn).__name__ == "StableSoftplusBackward"
    assert type(y.grad_fn.next_functions[0][0]).__name__ == "AccumulateGrad"
    with torch.no_grad():
        assert af.softplus(x).grad_fn is None
    assert af.saved_bytes(lambda: af.softplus(x)) == (1, 3 * 8)  # only x is saved


def test_bad_settings_are_a_dojo_error(tmp_path):
    with pytest.raises(DojoError, match="n_points must be positive"):
        run_experiment("autograd-function", quick=True, overrides={"n_points": 0},
                       out=tmp_path / "bad", quiet=True)
