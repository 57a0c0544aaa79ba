"""DCGAN modules and losses: shapes and ranges, DCGAN's init, the losses against exercise 28
and the logistic formula, and one step of each player doing what its loss says."""

import importlib.util
from pathlib import Path

import pytest
import torch
import torch.nn.functional as F

from torchdojo.methods.gan import discriminator_loss, generator_loss, make_step
from torchdojo.models.gan import GAN, Discriminator, Generator, init_weights

SOLUTIONS = Path(__file__).parents[2] / "src" / "torchdojo" / "exercises" / "solutions"


def test_generator_makes_images_in_tanh_range_and_discriminator_one_logit_each():
    torch.manual_seed(0)
    g, d = Generator(latent=16, width=8), Discriminator(width=8)
    images = g(torch.randn(5, 16))
    assert images.shape == (5, 1, 28, 28)
    assert images.abs().max() <= 1
    assert d(images).shape == (5,)


def test_conditional_gan_uses_the_class_and_d_adds_the_projection_term():
    torch.manual_seed(1)
    g, d = Generator(latent=16, width=8, classes=10), Discriminator(width=8, classes=10)
    torch.nn.init.normal_(d.label.weight, std=0.1)
    z = torch.randn(4, 16)
    a, b = torch.tensor([1, 1, 1, 1]), torch.tensor([7, 7, 7, 7])
    assert g(z, a).shape == (4, 1, 28, 28)
    assert not torch.allclose(g(z, a), g(z, b))  # the same z drawn as another class
    x = torch.randn(4, 1, 28, 28)
    phi = d.features(x)  # (4, 8 * 2 * 7 * 7)
    want = d.head(phi).squeeze(1) + (d.label.weight[b] * phi).sum(1)  # w.phi + e_y.phi
    assert torch.allclose(d(x, b), want, atol=1e-5)
    assert not torch.allclose(d(x, a), d(x, b))


def test_dcgan_init_draws_weights_around_zero_and_norm_scales_around_one():
    torch.manual_seed(0)
    model = GAN(latent=32, width=32)
    model.apply(init_weights)
    conv = model.generator.up[0].weight
    assert conv.mean().abs() < 0.002 and conv.std().item() == pytest.approx(0.02, rel=0.05)
    norm = model.generator.project[2].weight
    assert norm.mean().item() == pytest.approx(1.0, abs=0.01)


def test_losses_match_exercise_28_and_the_softplus_formula():
    spec = importlib.util.spec_from_file_location("gan_losses", SOLUTIONS / "28_gan_losses.py")
    ref = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(ref)
    g = torch.Generator().manual_seed(1)
    real, fake = torch.randn(20, generator=g), torch.randn(20, generator=g)
    assert torch.allclose(discriminator_loss(real, fake), ref.discriminator_loss(real, fake))
    assert torch.allclose(generator_loss(fake), ref.generator_loss(fake))
    # BCE(l, 1) = softplus(-l), BCE(l, 0) = softplus(l)
    assert torch.allclose(discriminator_loss(real, fake),
                          F.softplus(-real).mean() + F.softplus(fake).mean())
    assert torch.allclose(generator_loss(fake), F.softplus(-fake).mean())
    # a perfect discriminator: D loss -> 0 while the generator's loss is large
    assert discriminator_loss(torch.full((4,), 20.0), torch.full((4,), -20.0)) < 1e-8
    assert generator_loss(torch.full((4,), -20.0)) > 19


def test_each_player_improves_its_own_objective_in_a_step():
    torch.manual_seed(0)
    model = GAN(latent=8, width=8)
    model.apply(init_weights)
    opt_g = torch.optim.Adam(model.generator.parameters(), lr=1e-3, betas=(0.5, 0.999))
    opt_d = torch.optim.Adam(model.discriminator.parameters(), lr=1e-3, betas=(0.5, 0.999))
    step = make_step(model, opt_g, opt_d)
    real = torch.rand(32, 1, 28, 28) * 2 - 1
    g_before = [p.clone() for p in model.generator.parameters()]
    d_gap = []
    for _ in range(15):  # D quickly tells this noise from G's smooth early output
        metrics = step(model, (real,))
        d_gap.append(metrics["d_real"] - metrics["d_fake"])
        assert all(torch.isfinite(torch.as_tensor(v)) for v in metrics.values())
    assert d_gap[-1] > d_gap[0] and d_gap[-1] > 0.2
    assert any(not torch.equal(a, b) for a, b in zip(g_before, model.generator.parameters()))
    assert set(metrics) == {"d_loss", "g_loss", "d_real", "d_fake"}
