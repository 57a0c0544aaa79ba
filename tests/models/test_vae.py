"""The VAE's pieces against references: the closed-form KL against torch.distributions, the
reparameterised sample's moments, the Bernoulli log-likelihood against the formula, and the
importance-weighted bound against the ELBO."""

import math

import pytest
import torch
from torch.distributions import Bernoulli, Normal
from torch.distributions import kl_divergence as torch_kl

from torchdojo.exercises import catalog
from torchdojo.exercises.grader import reference
from torchdojo.models.vae import (
    VAE,
    bernoulli_log_likelihood,
    elbo,
    importance_weighted_nll,
    kl_divergence,
    reparameterize,
)


def test_closed_form_kl_matches_torch_distributions():
    g = torch.Generator().manual_seed(0)
    mu = 2 * torch.randn(64, 20, generator=g, dtype=torch.float64)
    logvar = 3 * torch.randn(64, 20, generator=g, dtype=torch.float64)
    reference = torch_kl(Normal(mu, torch.exp(0.5 * logvar)), Normal(0.0, 1.0)).sum(-1)
    assert kl_divergence(mu, logvar).shape == (64,)
    torch.testing.assert_close(kl_divergence(mu, logvar), reference, rtol=1e-12, atol=1e-12)


def test_kl_is_zero_at_the_prior_and_positive_elsewhere():
    zeros = torch.zeros(3, 5)
    assert torch.equal(kl_divergence(zeros, zeros), torch.zeros(3))
    assert (kl_divergence(zeros + 0.1, zeros) > 0).all()
    assert (kl_divergence(zeros, zeros - 0.5) > 0).all()
    # one dimension with mu = 1, sigma = 1: KL = mu^2 / 2
    assert kl_divergence(torch.tensor([[1.0]]), torch.tensor([[0.0]])).item() == 0.5


def test_reparameterised_samples_have_the_encoders_mean_and_std():
    torch.manual_seed(0)
    mu = torch.tensor([-1.5, 0.0, 2.0, 0.3])
    logvar = torch.tensor([0.0, -2.0, 1.0, math.log(0.25)])
    z = reparameterize(mu.expand(200_000, 4), logvar.expand(200_000, 4))  # (N, 4)
    std = torch.exp(0.5 * logvar)
    # standard errors: std / sqrt(N) for the mean, about std / sqrt(2N) for the std
    assert torch.allclose(z.mean(0), mu, atol=float(5 * std.max() / math.sqrt(200_000)))
    torch.testing.assert_close(z.std(0), std, rtol=0.01, atol=0.0)


def test_reparameterisation_and_kl_agree_with_the_exercises_and_carry_gradients():
    solution = reference(catalog.find("vae-reparameterize"))
    mu = torch.randn(4, 3, requires_grad=True)
    logvar = torch.randn(4, 3, requires_grad=True)
    eps = torch.randn(4, 3)
    z = reparameterize(mu, logvar, eps)
    torch.testing.assert_close(z, solution.reparameterize(mu, logvar, eps))
    z.sum().backward()
    torch.testing.assert_close(mu.grad, torch.ones(4, 3))  # dz/dmu = 1
    torch.testing.assert_close(logvar.grad, 0.5 * torch.exp(0.5 * logvar.detach()) * eps)
    kl = reference(catalog.find("vae-kl")).kl_divergence
    torch.testing.assert_close(kl_divergence(mu, logvar), kl(mu, logvar))


def test_bernoulli_log_likelihood_matches_torch_distributions():
    g = torch.Generator().manual_seed(1)
    logits = 4 * torch.randn(8, 784, generator=g, dtype=torch.float64)
    x = torch.bernoulli(torch.full((8, 784), 0.3, dtype=torch.float64), generator=g)
    reference = Bernoulli(logits=logits).log_prob(x).sum(-1)
    torch.testing.assert_close(bernoulli_log_likelihood(logits, x), reference)


def test_elbo_is_reconstruction_minus_kl():
    torch.manual_seed(0)
    model = VAE(latent=3, hidden=16)
    x = torch.rand(5, 784).round()
    logits, mu, logvar = model(x)
    bound, recon, kl = elbo(logits, x, mu, logvar)
    torch.testing.assert_close(bound, recon - kl)
    assert logits.shape == (5, 784) and mu.shape == logvar.shape == (5, 3)
    assert (bound < 0).all()  # a log-probability of binary data bounded from below


def test_importance_weighted_bound_is_tighter_than_the_elbo_and_k1_is_the_elbo():
    torch.manual_seed(0)
    model = VAE(latent=4, hidden=32)
    x = torch.rand(32, 784).round()
    with torch.no_grad():
        mu, logvar = model.encode(x)
        # the expected -ELBO, averaged over many single samples
        neg_elbo = torch.stack([-elbo(model.decode(reparameterize(mu, logvar)), x, mu,
                                      logvar)[0] for _ in range(200)]).mean(0)  # (32,)
        k1 = torch.stack([importance_weighted_nll(model, x, 1) for _ in range(200)]).mean(0)
        k50 = importance_weighted_nll(model, x, 50)
    torch.testing.assert_close(k1.mean(), neg_elbo.mean(), rtol=2e-3, atol=0.0)
    assert k50.mean() < neg_elbo.mean() - 0.1  # L_50 >= L_1: a tighter (lower) -log p(x)


@pytest.mark.parametrize("latent", [2, 20])
def test_samples_from_the_prior_are_bernoulli_means(latent):
    model = VAE(latent=latent, hidden=8)
    images = model.sample(6, torch.Generator().manual_seed(0))
    assert images.shape == (6, 784)
    assert (images > 0).all() and (images < 1).all()
