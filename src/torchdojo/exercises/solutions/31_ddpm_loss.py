"""The DDPM training loss.

DDPM trains a network eps_model(x_t, t) to predict the noise that was added
(the "simplified" loss, eq. 14 of Ho et al., 2020):

    x_t  = sqrt(alpha_bar_t) * x_0 + sqrt(1 - alpha_bar_t) * eps
    loss = mean over all elements of (eps - eps_model(x_t, t))^2

x0, noise (= eps) have shape (B, ...), t is (B,) int64, alpha_bar is (T,).
Call eps_model once, with the noised x_t (not x_0), and return the 0-dim loss;
gradients must reach the model's parameters.
"""

from collections.abc import Callable

import torch


def ddpm_loss(eps_model: Callable[[torch.Tensor, torch.Tensor], torch.Tensor], x0: torch.Tensor,
              t: torch.Tensor, noise: torch.Tensor, alpha_bar: torch.Tensor) -> torch.Tensor:
    """The mean squared error between the noise and the model's prediction of it."""
    a = alpha_bar[t].view(-1, *([1] * (x0.dim() - 1)))  # (B, 1, ..., 1)
    x_t = a.sqrt() * x0 + (1 - a).sqrt() * noise
    return ((noise - eps_model(x_t, t)) ** 2).mean()
