"""One reverse step of DDPM sampling (Algorithm 2), as the latent sampler takes it.

Sampling starts from pure noise x_T ~ N(0, I) and walks down to x_0; at step
index i (the paper's t = i + 1) the model has predicted the noise eps in x_t:

    x_{t-1} = 1 / sqrt(alpha_t) * (x_t - beta_t / sqrt(1 - alpha_bar_t) * eps)
              + sigma_t * z,        sigma_t = sqrt(beta_t),  alpha_t = 1 - beta_t

with fresh noise z ~ N(0, I), except at the last step (i == 0), which adds none.
beta and alpha_bar are (T,) tensors indexed by i; x_t, eps and z have the same
shape, here latents (B, L). Nothing is clipped: unlike pixels in [-1, 1], latents
have no fixed range. Return x_{t-1} as a new tensor.
"""

import torch


def reverse_step(x_t: torch.Tensor, eps: torch.Tensor, i: int, beta: torch.Tensor,
                 alpha_bar: torch.Tensor, z: torch.Tensor) -> torch.Tensor:
    """x_{t-1} from x_t and the predicted noise, at step index i."""
    alpha = 1 - beta[i]
    mean = (x_t - beta[i] / (1 - alpha_bar[i]).sqrt() * eps) / alpha.sqrt()
    if i == 0:
        return mean  # the last step adds no noise
    return mean + beta[i].sqrt() * z
