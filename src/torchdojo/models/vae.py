"""Variational autoencoder (Kingma & Welling, 2014): a Gaussian encoder q(z|x), a Bernoulli
decoder p(x|z), and the evidence lower bound (ELBO) both are trained on.

    log p(x) >= ELBO = E_q(z|x)[log p(x|z)] - KL(q(z|x) || p(z))        (K&W Eq. 3)

with q(z|x) = N(mu(x), diag(sigma^2(x))), p(z) = N(0, I) and p(x|z) a product of one
Bernoulli per pixel whose logit the decoder outputs. Everything here is per image, in nats.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import Tensor, nn


def reparameterize(mu: Tensor, logvar: Tensor, eps: Tensor | None = None) -> Tensor:
    """z = mu + sigma * eps with sigma = exp(logvar / 2), eps ~ N(0, I) (K&W Eq. 10)."""
    if eps is None:
        eps = torch.randn_like(mu)
    return mu + torch.exp(0.5 * logvar) * eps  # (B, L): differentiable in mu and logvar


def kl_divergence(mu: Tensor, logvar: Tensor) -> Tensor:
    """KL(N(mu, exp(logvar)) || N(0, I)) per sample, in closed form: (B, L) -> (B,)."""
    # KL = 1/2 * sum_j (mu_j^2 + sigma_j^2 - 1 - log sigma_j^2)          (K&W Appendix B)
    return 0.5 * (mu.pow(2) + logvar.exp() - 1 - logvar).sum(dim=-1)


def bernoulli_log_likelihood(logits: Tensor, x: Tensor) -> Tensor:
    """log p(x|z) summed over pixels, from pixel logits and targets in [0, 1]: (..., D) -> (...)."""
    # log p(x|z) = sum_i x_i log y_i + (1 - x_i) log(1 - y_i), y = sigmoid(logits)
    #            = -BCE_with_logits(logits, x) summed                    (K&W Appendix C.1)
    return -F.binary_cross_entropy_with_logits(logits, x, reduction="none").sum(dim=-1)


def elbo(logits: Tensor, x: Tensor, mu: Tensor, logvar: Tensor) -> tuple[Tensor, Tensor, Tensor]:
    """(ELBO, reconstruction log-likelihood, KL) per image, each (B,), from one sample of z."""
    recon = bernoulli_log_likelihood(logits, x)  # (B,) E_q[log p(x|z)], one-sample estimate
    kl = kl_divergence(mu, logvar)  # (B,) exact
    return recon - kl, recon, kl


class VAE(nn.Module):
    """MLP encoder x -> (mu, logvar) and MLP decoder z -> pixel logits, for 28x28 images."""

    def __init__(self, latent: int = 20, hidden: int = 400, pixels: int = 28 * 28):
        super().__init__()
        self.latent = latent
        self.encoder = nn.Sequential(nn.Flatten(), nn.Linear(pixels, hidden), nn.ReLU())
        self.to_mu = nn.Linear(hidden, latent)
        self.to_logvar = nn.Linear(hidden, latent)
        self.decoder = nn.Sequential(nn.Linear(latent, hidden), nn.ReLU(),
                                     nn.Linear(hidden, pixels))

    def encode(self, x: Tensor) -> tuple[Tensor, Tensor]:
        """The parameters of q(z|x): mean and log-variance, each (B, L)."""
        h = self.encoder(x)  # (B, 1, 28, 28) or (B, 784) -> (B, H)
        return self.to_mu(h), self.to_logvar(h)

    def decode(self, z: Tensor) -> Tensor:
        """Pixel logits of p(x|z): (..., L) -> (..., 784); sigmoid gives the Bernoulli means."""
        return self.decoder(z)

    def forward(self, x: Tensor) -> tuple[Tensor, Tensor, Tensor]:
        """(logits, mu, logvar) for one reparameterised sample z ~ q(z|x)."""
        mu, logvar = self.encode(x)
        z = reparameterize(mu, logvar)  # (B, L)
        return self.decode(z), mu, logvar

    @torch.no_grad()
    def sample(self, n: int, generator: torch.Generator | None = None) -> Tensor:
        """Bernoulli means of n images decoded from the prior z ~ N(0, I): (n, 784)."""
        device = next(self.parameters()).device
        z = torch.randn(n, self.latent, generator=generator).to(device)
        return torch.sigmoid(self.decode(z))


@torch.no_grad()
def importance_weighted_nll(model: VAE, x: Tensor, k: int) -> Tensor:
    """-log p(x) estimated with k importance samples from q (the IWAE bound), per image (B,)."""
    # log p(x) >= log 1/k sum_i p(x|z_i) p(z_i) / q(z_i|x), z_i ~ q(z|x)   (Burda et al. 2016)
    # k = 1 is the ELBO; the bound tightens as k grows.
    mu, logvar = model.encode(x)  # (B, L)
    std = torch.exp(0.5 * logvar)
    z = mu + std * torch.randn(k, *mu.shape, device=mu.device)  # (k, B, L)
    log_px_z = bernoulli_log_likelihood(model.decode(z), x.flatten(1).expand(k, -1, -1))  # (k, B)
    log_pz = torch.distributions.Normal(0.0, 1.0).log_prob(z).sum(-1)  # (k, B)
    log_qz = torch.distributions.Normal(mu, std).log_prob(z).sum(-1)  # (k, B)
    return -(torch.logsumexp(log_px_z + log_pz - log_qz, dim=0) - math.log(k))
