"""Scale the latents to unit variance: latent diffusion's scale factor.

A diffusion model's noise schedule assumes data of about unit scale: at step t it
mixes sqrt(alpha_bar_t) x_0 with sqrt(1 - alpha_bar_t) eps, eps ~ N(0, I). A VAE's
posterior means mu(x) can have any spread, so Rombach et al. (2022) multiply every
latent by one number before training the diffusion model:

    s = 1 / std(every entry of mu)        (one scalar, not one per dimension)
    z = s * mu

mu is (N, L): N images, L latent dimensions. Use the usual (unbiased) standard
deviation of all N * L entries, as torch.std does; do not subtract the mean. One
scalar keeps the dimensions the VAE leaves unused (nearly constant) nearly constant;
a scale per dimension would blow them up into noise. Return (z, s), s a 0-dim
tensor, and leave mu unchanged. Decoding divides by s again.
"""

import torch


def scale_latents(mu: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """The latents times one scalar that gives them unit variance, and that scalar."""
    s = 1 / mu.flatten().std()  # one number for all N * L entries
    return mu * s, s
