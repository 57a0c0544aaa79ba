"""The VAE's reparameterisation trick.

The encoder outputs the mean mu and the log-variance logvar = log sigma^2 of a
diagonal Gaussian q(z|x). Sampling z ~ N(mu, sigma^2) directly would block the
gradient; instead draw eps ~ N(0, I) and compute

    z = mu + sigma * eps,      sigma = exp(logvar / 2)

which is differentiable in mu and logvar. Here eps is given (so the result is
checkable); all three have shape (B, latent). Return z.
"""

import torch


def reparameterize(mu: torch.Tensor, logvar: torch.Tensor, eps: torch.Tensor) -> torch.Tensor:
    """z = mu + exp(logvar / 2) * eps, elementwise."""
    return mu + torch.exp(0.5 * logvar) * eps
