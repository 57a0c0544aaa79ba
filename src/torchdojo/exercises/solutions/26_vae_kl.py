"""The VAE's KL term.

The KL divergence from q(z|x) = N(mu, diag(sigma^2)) to the prior p(z) = N(0, I),
summed over the latent dimensions j, has a closed form:

    KL = -1/2 * sum_j ( 1 + logvar_j - mu_j^2 - exp(logvar_j) )

Given mu and logvar of shape (B, latent), return the KL of each sample, shape (B,).
(It is never negative, and 0 exactly when mu = 0 and logvar = 0.)
"""

import torch


def kl_divergence(mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """KL(N(mu, exp(logvar)) || N(0, I)) per sample: (B, latent) -> (B,)."""
    return -0.5 * (1 + logvar - mu**2 - torch.exp(logvar)).sum(dim=1)
