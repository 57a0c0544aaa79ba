"""Manual backward passes equal autograd on random shapes; the checker catches a wrong one."""

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from torchdojo.backprop import gradcheck, manual

sizes = st.integers(min_value=1, max_value=6)


def problem(B, D, K, seed):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(B, D, generator=g, dtype=torch.float64)
    y = torch.randint(0, K, (B,), generator=g)
    return x, y


@settings(max_examples=25, deadline=None)
@given(B=sizes, D=sizes, K=st.integers(2, 6), seed=st.integers(0, 10_000))
def test_one_layer_point_and_batch_equal_autograd(B, D, K, seed):
    x, y = problem(B, D, K, seed)
    params = manual.init_params({"W": (K, D), "b": (K,)}, seed=seed)
    batch_loss, grads = manual.layer_batch(params, x, y)
    reference = gradcheck.autograd_gradients(lambda p: manual.layer_batch(p, x, y)[0], params)
    assert gradcheck.max_abs_diff(grads, reference) <= 1e-12
    assert torch.isclose(batch_loss, torch.nn.functional.cross_entropy(x @ params["W"].T
                                                                       + params["b"], y))
    point_losses = []
    for i in range(B):
        loss, g = manual.layer_point(params, x[i], int(y[i]))
        ref = gradcheck.autograd_gradients(lambda p, i=i: manual.layer_point(p, x[i], int(y[i]))[0],
                                           params)
        assert gradcheck.max_abs_diff(g, ref) <= 1e-12
        point_losses.append(loss)
    # the batch gradient is the mean of the point gradients
    mean_w = torch.stack([manual.layer_point(params, x[i], int(y[i]))[1]["W"]
                          for i in range(B)]).mean(0)
    assert torch.allclose(grads["W"], mean_w, atol=1e-12)
    assert torch.isclose(batch_loss, torch.stack(point_losses).mean())


@settings(max_examples=25, deadline=None)
@given(B=sizes, D=sizes, H=sizes, K=st.integers(2, 5), seed=st.integers(0, 10_000),
       activation=st.sampled_from(["relu", "sigmoid"]))
def test_two_layers_point_and_batch_equal_autograd(B, D, H, K, seed, activation):
    x, y = problem(B, D, K, seed)
    params = manual.init_params({"W1": (H, D), "b1": (H,), "W2": (K, H), "b2": (K,)}, seed=seed)
    _, grads = manual.two_layer_batch(params, x, y, activation)
    ref = gradcheck.autograd_gradients(lambda p: manual.two_layer_batch(p, x, y, activation)[0],
                                       params)
    assert {k: v.shape for k, v in grads.items()} == {k: v.shape for k, v in params.items()}
    assert gradcheck.max_abs_diff(grads, ref) <= 1e-12
    _, g0 = manual.two_layer_point(params, x[0], int(y[0]), activation)
    ref0 = gradcheck.autograd_gradients(
        lambda p: manual.two_layer_point(p, x[0], int(y[0]), activation)[0], params)
    assert gradcheck.max_abs_diff(g0, ref0) <= 1e-12


def test_the_forward_pass_matches_torch_modules():
    x, y = problem(5, 3, 4, 0)
    params = manual.init_params({"W1": (6, 3), "b1": (6,), "W2": (4, 6), "b2": (4,)})
    net = torch.nn.Sequential(torch.nn.Linear(3, 6), torch.nn.ReLU(), torch.nn.Linear(6, 4))
    net.double().load_state_dict({"0.weight": params["W1"], "0.bias": params["b1"],
                                  "2.weight": params["W2"], "2.bias": params["b2"]})
    loss, _ = manual.two_layer_batch(params, x, y)
    assert torch.isclose(loss, torch.nn.functional.cross_entropy(net(x), y), atol=1e-12)


@pytest.mark.parametrize("name, manual_fn", [
    ("layer point", lambda p, x, y: manual.layer_point(p, x[0], int(y[0]))),
    ("layer batch", manual.layer_batch),
    ("two layers point", lambda p, x, y: manual.two_layer_point(p, x[1], int(y[1]), "sigmoid")),
    ("two layers batch", manual.two_layer_batch),
])
def test_gradient_check_passes_in_float64(name, manual_fn):
    x, y = problem(6, 3, 3, 2)
    shapes = ({"W": (3, 3), "b": (3,)} if name.startswith("layer")
              else {"W1": (4, 3), "b1": (4,), "W2": (3, 4), "b2": (3,)})
    params = manual.init_params(shapes, seed=5)
    result = gradcheck.check(lambda p: manual_fn(p, x, y), params)
    assert result.ok and result.max_abs_diff <= 1e-6
    assert result.vs_autograd <= 1e-12


def wrong_relu_derivative(params, x, y):
    """Backward that uses f'(a) = 1 everywhere, i.e. forgets the ReLU gate."""
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    a = x @ W1.T + b1
    h = a.clamp(min=0)
    z = h @ W2.T + b2
    B = x.shape[0]
    loss = (manual.logsumexp(z) - z[torch.arange(B), y]).mean()
    dz = manual.softmax(z)
    dz[torch.arange(B), y] -= 1
    dz = dz / B
    da = dz @ W2  # bug: no "* (a > 0)"
    return loss, {"W1": da.T @ x, "b1": da.sum(0), "W2": dz.T @ h, "b2": dz.sum(0)}


def transposed_bug(params, x, y):
    loss, grads = manual.layer_batch(params, x, y)
    return loss, {"W": grads["W"].flip(0), "b": grads["b"]}  # rows swapped: a plausible slip


@pytest.mark.parametrize("buggy, shapes", [
    (wrong_relu_derivative, {"W1": (5, 3), "b1": (5,), "W2": (3, 5), "b2": (3,)}),
    (transposed_bug, {"W": (3, 3), "b": (3,)}),
])
def test_a_wrong_backward_is_caught(buggy, shapes):
    x, y = problem(8, 3, 3, 0)
    params = manual.init_params(shapes, seed=1)
    params = {k: v * 3 for k, v in params.items()}  # large enough that some ReLUs are off
    result = gradcheck.check(lambda p: buggy(p, x, y), params)
    assert not result.ok
    assert result.vs_numerical > 1e-3 and result.vs_autograd > 1e-3


def test_numerical_gradient_of_a_known_function():
    params = {"v": torch.tensor([1.0, -2.0, 0.5], dtype=torch.float64)}
    grads = gradcheck.numerical_gradients(lambda p: (p["v"] ** 3).sum(), params)
    assert torch.allclose(grads["v"], 3 * params["v"] ** 2, atol=1e-8)
    assert torch.equal(params["v"], torch.tensor([1.0, -2.0, 0.5], dtype=torch.float64))


def test_gradient_checks_refuse_float32():
    with pytest.raises(ValueError, match="float64"):
        gradcheck.numerical_gradients(lambda p: p["w"].sum(), {"w": torch.ones(2)})
