"""The DDPM forward (noising) process.

The forward process jumps straight from clean data x_0 to step t (eq. 4 of Ho
et al., 2020):

    x_t = sqrt(alpha_bar_t) * x_0 + sqrt(1 - alpha_bar_t) * eps,     eps ~ N(0, I)

x0 is a batch (B, ...) of any shape, t (B,) holds one step index per sample,
noise is eps (same shape as x0) and alpha_bar (T,) the schedule. Each sample uses
its own alpha_bar[t_i]: reshape the (B,) values so they broadcast over the rest.
"""

import torch


def q_sample(x0: torch.Tensor, t: torch.Tensor, noise: torch.Tensor,
             alpha_bar: torch.Tensor) -> torch.Tensor:
    """Noised samples x_t for per-sample steps t: same shape as x0."""
    a = alpha_bar[t].view(-1, *([1] * (x0.dim() - 1)))  # (B, 1, ..., 1)
    return a.sqrt() * x0 + (1 - a).sqrt() * noise
