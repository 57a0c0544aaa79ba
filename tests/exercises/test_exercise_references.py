"""The reference solutions agree with torch's own implementations (and with autograd)."""

import math

import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn

from torchdojo.exercises import catalog
from torchdojo.exercises.grader import reference

torch.manual_seed(0)


def ref(slug):
    return reference(catalog.find(slug))


def close(a, b, tol=1e-10):
    return torch.allclose(a, b, atol=tol, rtol=tol)


def test_losses_match_torch_even_for_huge_logits():
    z = torch.randn(6, 5, dtype=torch.float64) * 1000
    y = torch.randint(0, 5, (6,))
    assert close(ref("softmax").softmax(z), torch.softmax(z, -1))
    assert close(ref("cross-entropy-batch").cross_entropy(z, y), F.cross_entropy(z, y))
    assert close(ref("cross-entropy-point").cross_entropy_point(z[0], int(y[0])),
                 F.cross_entropy(z[:1], y[:1]))
    s, t = torch.randn(7, dtype=torch.float64) * 800, torch.randint(0, 2, (7,)).double()
    assert close(ref("logistic-loss").logistic_loss(s, t),
                 F.binary_cross_entropy_with_logits(s, t))
    p, q = torch.randn(3, 4, dtype=torch.float64), torch.randn(3, 4, dtype=torch.float64)
    assert close(ref("mse-loss").mse(p, q), F.mse_loss(p, q))
    x = torch.randn(9, dtype=torch.float64) * 900
    assert close(ref("activations").sigmoid(x), torch.sigmoid(x))


def test_manual_backward_matches_autograd():
    X, W, b = (torch.randn(*s, dtype=torch.float64, requires_grad=True)
               for s in ((5, 3), (4, 3), (4,)))
    G = torch.randn(5, 4, dtype=torch.float64)
    (X @ W.T + b).backward(G)
    for mine, auto in zip(ref("linear-backward").linear_backward(X, W, b, G), (X.grad, W.grad,
                                                                               b.grad)):
        assert close(mine, auto)
    y = torch.randint(0, 3, (5,))
    W1, b1, W2, b2 = (torch.randn(*s, dtype=torch.float64, requires_grad=True)
                      for s in ((6, 3), (6,), (3, 6), (3,)))
    F.cross_entropy(torch.relu(X @ W1.T + b1) @ W2.T + b2, y).backward()
    mine = ref("two-layer-backward").two_layer_backward(X.detach(), y, W1, b1, W2, b2)
    for m, p in zip(mine, (W1, b1, W2, b2)):
        assert close(m, p.grad)
    logits = torch.randn(5, 3, dtype=torch.float64, requires_grad=True)
    F.cross_entropy(logits, y).backward()
    assert close(ref("cross-entropy-backward").cross_entropy_backward(logits.detach(), y),
                 logits.grad)


def test_recurrent_cells_match_torch_modules():
    x, h, c = torch.randn(3, 4), torch.randn(3, 5), torch.randn(3, 5)
    rnn = nn.RNNCell(4, 5)
    assert close(ref("rnn-cell").rnn_cell(x, h, rnn.weight_ih, rnn.weight_hh, rnn.bias_ih,
                                          rnn.bias_hh), rnn(x, h), 1e-6)
    lstm = nn.LSTMCell(4, 5)
    mine = ref("lstm-cell").lstm_cell(x, h, c, lstm.weight_ih, lstm.weight_hh, lstm.bias_ih,
                                      lstm.bias_hh)
    for m, t in zip(mine, lstm(x, (h, c))):
        assert close(m, t, 1e-6)


def test_attention_and_causal_mask_match_torch():
    q, k, v = torch.randn(2, 3, 6, 8), torch.randn(2, 3, 6, 8), torch.randn(2, 3, 6, 4)
    attention = ref("attention").attention
    assert close(attention(q, k, v), F.scaled_dot_product_attention(q, k, v), 1e-5)
    mask = ref("causal-mask").causal_mask(6)
    assert close(attention(q, k, v, mask), F.scaled_dot_product_attention(q, k, v, is_causal=True),
                 1e-5)
    heads = ref("multi-head")
    x = torch.randn(2, 5, 12)
    assert torch.equal(heads.merge_heads(heads.split_heads(x, 3)), x)


def test_vae_pieces_match_torch_distributions():
    mu, logvar = torch.randn(4, 3, dtype=torch.float64), torch.randn(4, 3, dtype=torch.float64)
    q = torch.distributions.Normal(mu, torch.exp(0.5 * logvar))
    prior = torch.distributions.Normal(torch.zeros_like(mu), torch.ones_like(mu))
    assert close(ref("vae-kl").kl_divergence(mu, logvar),
                 torch.distributions.kl_divergence(q, prior).sum(1))
    eps = torch.randn(4, 3, dtype=torch.float64)
    assert close(ref("vae-reparameterize").reparameterize(mu, logvar, eps), mu + q.stddev * eps)


@settings(max_examples=60, deadline=None)
@given(size=st.integers(1, 40), kernel=st.integers(1, 7), stride=st.integers(1, 4),
       padding=st.integers(0, 3), dilation=st.integers(1, 3))
def test_conv_output_size_matches_a_real_convolution(size, kernel, stride, padding, dilation):
    if size + 2 * padding < dilation * (kernel - 1) + 1:
        return  # the kernel does not fit; torch raises
    conv = nn.Conv1d(1, 1, kernel, stride=stride, padding=padding, dilation=dilation)
    expected = conv(torch.zeros(1, 1, size)).shape[-1]
    assert ref("conv-output-size").conv_output_size(size, kernel, stride, padding,
                                                    dilation) == expected


def test_lenet_ddpm_and_rl_references():
    assert ref("lenet-forward").LeNet5()(torch.randn(2, 1, 28, 28)).shape == (2, 10)
    alpha_bar = ref("ddpm-schedule").linear_alpha_bar(1000, 1e-4, 0.02)
    assert alpha_bar.shape == (1000,) and 0 < alpha_bar[-1] < 1e-4 < alpha_bar[0] < 1
    rewards, gamma = torch.randn(6, dtype=torch.float64), 0.9
    direct = torch.stack([sum(gamma**k * rewards[t + k] for k in range(6 - t)) for t in range(6)])
    assert close(ref("discounted-returns").discounted_returns(rewards, gamma), direct)
    pe = ref("positional-encoding").sinusoidal_positions(7, 6)
    assert math.isclose(pe[3, 2], math.sin(3 / 10000 ** (2 / 6)))
    assert math.isclose(pe[3, 3], math.cos(3 / 10000 ** (2 / 6)))
