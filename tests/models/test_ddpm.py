"""DDPM math: the closed-form q(x_t | x_0) against iterating the forward process, the loss
and sampler against the paper's formulas and the exercises' reference solutions, the U-Net."""

import importlib.util
from pathlib import Path

import pytest
import torch

from torchdojo.methods.diffusion import (
    Schedule,
    ddpm_loss,
    guided,
    p_sample_step,
    q_sample,
    q_step,
    sample,
)
from torchdojo.models.unet import SelfAttention, UNet, timestep_embedding

SOLUTIONS = Path(__file__).parents[2] / "src" / "torchdojo" / "exercises" / "solutions"


def _solution(name: str):
    spec = importlib.util.spec_from_file_location(name, SOLUTIONS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_schedule_is_the_papers_linear_one_and_matches_exercise_29():
    s = Schedule.linear(1000)
    assert s.beta[0].item() == pytest.approx(1e-4) and s.beta[-1].item() == pytest.approx(0.02)
    ref = _solution("29_ddpm_schedule").linear_alpha_bar(1000, 1e-4, 0.02)
    assert torch.equal(s.alpha_bar, ref)
    assert s.alpha_bar[-1].item() < 1e-4  # x_T is (almost) pure noise
    short = Schedule.scaled_linear(200)
    # scaling beta by 1000/T keeps sum(beta), so alpha_bar_T stays close to the paper's
    assert short.beta.sum().item() == pytest.approx(s.beta.sum().item(), rel=1e-9)
    assert short.alpha_bar[-1].item() == pytest.approx(s.alpha_bar[-1].item(), rel=0.5)


def test_closed_form_equals_composing_the_forward_steps_exactly():
    # x_t = sqrt(1 - beta_t) x_{t-1} + sqrt(beta_t) eps composes to a Gaussian with
    # mean coefficient m_t = m_{t-1} sqrt(alpha_t) and variance v_t = alpha_t v_{t-1} + beta_t
    s = Schedule.linear(1000)
    m, v = torch.tensor(1.0, dtype=torch.float64), torch.tensor(0.0, dtype=torch.float64)
    for t in range(1000):
        m, v = m * s.alpha[t].sqrt(), s.alpha[t] * v + s.beta[t]
        assert m.item() == pytest.approx(s.alpha_bar[t].sqrt().item(), rel=1e-10)
        assert v.item() == pytest.approx(1 - s.alpha_bar[t].item(), rel=1e-10, abs=1e-14)


def test_closed_form_matches_iterating_the_forward_process_statistically():
    s = Schedule.scaled_linear(50)
    g = torch.Generator().manual_seed(0)
    n = 40_000
    x0 = torch.tensor([-1.0, -0.3, 0.5, 1.0], dtype=torch.float64).repeat(n, 1)  # (n, 4)
    x = x0.clone()
    for i in range(50):
        t = torch.full((n,), i)
        x = q_step(x, t, torch.randn(x.shape, generator=g, dtype=torch.float64), s.beta)
        if i + 1 in (1, 10, 30, 50):  # compare with q(x_t | x_0) in one jump
            jump = q_sample(x0, t, torch.randn(x.shape, generator=g, dtype=torch.float64),
                            s.alpha_bar)
            a = s.alpha_bar[i]
            want_mean, want_std = a.sqrt() * x0[0], (1 - a).sqrt()
            se = want_std / n ** 0.5  # standard error of a mean of n draws
            for got in (x, jump):
                assert torch.allclose(got.mean(0), want_mean, atol=5 * se.item())
                assert torch.allclose(got.std(0), want_std.expand(4), rtol=0.03)


def test_q_sample_and_loss_match_the_exercise_solutions():
    s = Schedule.scaled_linear(100)
    g = torch.Generator().manual_seed(1)
    x0 = torch.randn(6, 1, 28, 28, generator=g)
    noise = torch.randn(6, 1, 28, 28, generator=g)
    t = torch.randint(0, 100, (6,), generator=g)
    alpha_bar = s.alpha_bar.float()
    ref_q = _solution("30_ddpm_forward").q_sample(x0, t, noise, alpha_bar)
    assert torch.allclose(q_sample(x0, t, noise, alpha_bar), ref_q)
    model = UNet((8, 16))
    torch.nn.init.normal_(model.conv_out[-1].weight, std=0.1)
    ref_loss = _solution("31_ddpm_loss").ddpm_loss(model, x0, t, noise, alpha_bar)
    assert ddpm_loss(model, x0, t, noise, alpha_bar).item() == pytest.approx(ref_loss.item())


def test_loss_is_zero_for_the_oracle_and_one_for_predicting_zero():
    s = Schedule.scaled_linear(100)
    g = torch.Generator().manual_seed(2)
    x0 = torch.randn(64, 1, 4, 4, generator=g)
    noise = torch.randn(64, 1, 4, 4, generator=g)
    t = torch.randint(0, 100, (64,), generator=g)
    a = s.alpha_bar[t].view(-1, 1, 1, 1)

    def oracle(x_t, t_):  # the noise that was added, recovered from x_t and the known x_0
        return (x_t - a.sqrt() * x0) / (1 - a).sqrt()

    assert ddpm_loss(oracle, x0.double(), t, noise.double(), s.alpha_bar).item() < 1e-20
    zero = ddpm_loss(lambda x_t, t_: torch.zeros_like(x_t), x0, t, noise, s.alpha_bar)
    assert zero.item() == pytest.approx(noise.pow(2).mean().item())


def test_sampling_step_mean_is_the_posterior_mean_eq7():
    # with the true eps, Algorithm 2's mean equals mu_tilde_t(x_t, x_0) of eq. 7
    s = Schedule.scaled_linear(100)
    g = torch.Generator().manual_seed(3)
    x0 = torch.randn(5, 1, 3, 3, generator=g, dtype=torch.float64)
    for i in (1, 17, 99):
        noise = torch.randn(x0.shape, generator=g, dtype=torch.float64)
        t = torch.full((5,), i)
        x_t = q_sample(x0, t, noise, s.alpha_bar)
        got = p_sample_step(lambda x, t_, eps=noise: eps, x_t, i, s, torch.zeros_like(x0))
        ab, ab_prev = s.alpha_bar[i], s.alpha_bar[i - 1]
        mu_tilde = (ab_prev.sqrt() * s.beta[i] / (1 - ab) * x0
                    + s.alpha[i].sqrt() * (1 - ab_prev) / (1 - ab) * x_t)
        assert torch.allclose(got, mu_tilde, atol=1e-10)


def test_ancestral_sampling_with_the_exact_denoiser_of_a_point_returns_the_point():
    # for data that is one point x_0, eps_theta(x_t, t) = (x_t - sqrt(ab) x_0) / sqrt(1 - ab)
    # is exact, and Algorithm 2 must land on x_0 whatever noise it draws
    s = Schedule.scaled_linear(60)
    target = torch.linspace(-1, 1, 16).view(1, 1, 4, 4).double()

    def exact(x_t, t):
        a = s.alpha_bar[t].view(-1, 1, 1, 1)
        return (x_t - a.sqrt() * target) / (1 - a).sqrt()

    x, chain = sample(exact, (3, 1, 4, 4), s, generator=torch.Generator().manual_seed(4),
                      keep=(60, 30, 0))
    assert torch.allclose(x.double(), target.expand(3, -1, -1, -1), atol=1e-5)
    assert sorted(chain) == [0, 30, 60] and chain[60].std() > 0.5  # x_T was noise


def test_timestep_embedding_is_sin_and_cos_of_geometric_frequencies():
    emb = timestep_embedding(torch.tensor([0, 7]), 8)
    freqs = torch.tensor([1.0, 10_000 ** -0.25, 10_000 ** -0.5, 10_000 ** -0.75])
    assert torch.allclose(emb[1], torch.cat([(7 * freqs).sin(), (7 * freqs).cos()]), atol=1e-6)
    assert torch.equal(emb[0], torch.tensor([0.0] * 4 + [1.0] * 4))


def test_unet_starts_at_zero_depends_on_t_and_learns_the_noise():
    torch.manual_seed(0)
    model = UNet((8, 16))
    x = torch.randn(4, 1, 28, 28)
    assert torch.equal(model(x, torch.tensor([0, 1, 2, 3])), torch.zeros(4, 1, 28, 28))
    s = Schedule.scaled_linear(50)
    g = torch.Generator().manual_seed(5)
    x0 = torch.zeros(32, 1, 28, 28)
    x0[:, :, 8:20, 12:16] = 1.0  # a bar: easy to denoise
    x0 = x0 * 2 - 1
    optimizer = torch.optim.Adam(model.parameters(), lr=3e-3)
    losses = []
    for _ in range(30):
        t = torch.randint(0, 50, (32,), generator=g)
        noise = torch.randn(x0.shape, generator=g)
        loss = ddpm_loss(model, x0, t, noise, s.alpha_bar.float())
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    assert losses[0] == pytest.approx(1.0, abs=0.05)  # predicting 0 costs E[eps^2] = 1
    assert sum(losses[-5:]) / 5 < 0.6
    with torch.no_grad():  # the step index changes the prediction
        a, b = model(x[:1], torch.tensor([1])), model(x[:1], torch.tensor([40]))
    assert (a - b).abs().max() > 1e-3


def test_clipped_x0_step_is_the_eq7_posterior_mean_of_the_clipped_prediction():
    s = Schedule.scaled_linear(100)
    g = torch.Generator().manual_seed(6)
    x_t = torch.randn(4, 1, 3, 3, generator=g, dtype=torch.float64)
    eps = 2 * torch.randn(x_t.shape, generator=g, dtype=torch.float64)  # x0_hat leaves [-1, 1]
    zero = torch.zeros_like(x_t)
    for i in (1, 40, 99):
        ab, ab_prev = s.alpha_bar[i], s.alpha_bar[i - 1]
        x0_hat = ((x_t - (1 - ab).sqrt() * eps) / ab.sqrt()).clamp(-1, 1)
        want = (ab_prev.sqrt() * s.beta[i] / (1 - ab) * x0_hat
                + s.alpha[i].sqrt() * (1 - ab_prev) / (1 - ab) * x_t)
        got = p_sample_step(lambda x, t_: eps, x_t, i, s, zero, clip_x0=True)
        assert torch.allclose(got, want, atol=1e-10)
        unclipped = p_sample_step(lambda x, t_: eps, x_t, i, s, zero)
        assert not torch.allclose(got, unclipped)  # the clip changed something
    # where x0_hat is inside [-1, 1] the clip does nothing: the same step as Algorithm 2
    small = 0.01 * eps
    for i in (1, 40, 99):
        x_in = s.alpha_bar[i].sqrt() * 0.5 * torch.tanh(x_t) + (1 - s.alpha_bar[i]).sqrt() * small
        a = p_sample_step(lambda x, t_: small, x_in, i, s, zero, clip_x0=True)
        b = p_sample_step(lambda x, t_: small, x_in, i, s, zero)
        assert torch.allclose(a, b, atol=1e-10)


def test_sigma_is_sqrt_beta_or_the_eq7_posterior_variance():
    s = Schedule.scaled_linear(100)
    x_t = torch.zeros(1, 1, 2, 2, dtype=torch.float64)
    z = torch.ones_like(x_t)
    zero_eps = lambda x, t_: torch.zeros_like(x)  # noqa: E731  the mean is then 0
    for i in (1, 50, 99):
        beta_tilde = (1 - s.alpha_bar[i - 1]) / (1 - s.alpha_bar[i]) * s.beta[i]
        got_beta = p_sample_step(zero_eps, x_t, i, s, z)
        got_post = p_sample_step(zero_eps, x_t, i, s, z, sigma="posterior")
        assert torch.allclose(got_beta, s.beta[i].sqrt().expand_as(z))
        assert torch.allclose(got_post, beta_tilde.sqrt().expand_as(z))
        assert beta_tilde < s.beta[i]
    for sigma in ("beta", "posterior"):  # no noise on the last step (t = 1)
        assert torch.equal(p_sample_step(zero_eps, x_t, 0, s, z, sigma=sigma), x_t)


def test_self_attention_matches_softmax_attention_written_out():
    torch.manual_seed(4)
    attend = SelfAttention(8, heads=2)
    x = torch.randn(3, 8, 5, 5)
    assert torch.equal(attend(x), x)  # the zero projection: starts as the identity
    torch.nn.init.normal_(attend.proj.weight)
    b, c, n = 3, 8, 25
    q, k, v = attend.qkv(attend.norm(x)).reshape(b, 3 * c, n).split(c, dim=1)  # (B, C, HW)
    out = []
    for h in range(2):  # per head: softmax over positions of q.k / sqrt(d)
        sl = slice(4 * h, 4 * h + 4)
        w = torch.softmax(q[:, sl].transpose(1, 2) @ k[:, sl] / 2.0, dim=-1)  # (B, HW, HW)
        out.append((w @ v[:, sl].transpose(1, 2)).transpose(1, 2))  # (B, 4, HW)
    want = x + attend.proj(torch.cat(out, 1).reshape(b, c, 5, 5))
    assert torch.allclose(attend(x), want, atol=1e-5)


def test_unet_with_attention_keeps_shapes_and_each_sample_sees_only_itself():
    torch.manual_seed(5)
    model = UNet((8, 16), mid_blocks=2, attention=True)
    for attend in model.attend:
        torch.nn.init.normal_(attend.proj.weight, std=0.1)
    x = torch.randn(2, 1, 28, 28, requires_grad=True)
    torch.nn.init.normal_(model.conv_out[-1].weight, std=0.1)
    out = model(x, torch.tensor([3, 7]))
    assert out.shape == (2, 1, 28, 28)
    out[0].sum().backward()  # attention mixes pixels, never images of the batch
    assert x.grad[1].abs().max() == 0 and x.grad[0].abs().max() > 0


def test_guided_eps_extrapolates_from_the_unlabelled_to_the_labelled_prediction():
    torch.manual_seed(6)
    model = UNet((8, 16), classes=10)
    torch.nn.init.normal_(model.conv_out[-1].weight, std=0.1)
    x, t, y = torch.randn(4, 1, 28, 28), torch.tensor([0, 5, 9, 3]), torch.tensor([1, 2, 3, 4])
    with torch.no_grad():
        cond, uncond = model(x, t, y), model(x, t)  # no label: the "no label" row (10)
        assert torch.equal(uncond, model(x, t, torch.full((4,), 10)))
        assert not torch.allclose(cond, uncond)  # the label changes the prediction
        assert torch.equal(guided(model, y, 0.0, null=10)(x, t), cond)
        assert torch.allclose(guided(model, y, 3.0, null=10)(x, t), 4 * cond - 3 * uncond,
                              atol=1e-5)


def test_label_dropout_trains_the_unlabelled_row_in_the_expected_share():
    from torchdojo.experiments.diffusion import make_loss

    torch.manual_seed(7)
    model = UNet((8, 16), classes=10)
    seen = []
    forward = model.forward
    model.forward = lambda x, t, y=None: (seen.append(y.clone()), forward(x, t, y))[1]
    loss_fn = make_loss(Schedule.scaled_linear(40), p_uncond=0.25)
    x0, y = torch.zeros(4000, 1, 28, 28), torch.randint(0, 10, (4000,))
    y_before = y.clone()
    loss_fn(model, (x0, y))
    dropped = seen[0] == 10
    assert abs(dropped.float().mean().item() - 0.25) < 0.03
    assert torch.equal(seen[0][~dropped], y[~dropped])  # the others keep their label
    assert torch.equal(y, y_before)  # the batch itself is not modified
