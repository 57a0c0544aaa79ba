"""The DDPM noise schedule.

DDPM (Ho et al., 2020) adds noise in T steps with variances beta_t growing
linearly from beta_1 to beta_T. With alpha_t = 1 - beta_t, the signal that
survives after t steps is the running product (eq. 4 of the paper):

    beta_t      = linspace(beta_1, beta_T, T)[t]
    alpha_bar_t = prod_{s <= t} alpha_s = prod_{s <= t} (1 - beta_s)

Return alpha_bar, a float64 tensor of shape (T,).
"""

import torch


def linear_alpha_bar(T: int, beta_1: float, beta_T: float) -> torch.Tensor:
    """The cumulative products alpha_bar_t of 1 - beta_t for a linear beta schedule: (T,)."""
    betas = torch.linspace(beta_1, beta_T, T, dtype=torch.float64)
    return torch.cumprod(1 - betas, dim=0)
