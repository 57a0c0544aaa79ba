"""DDPM (Ho et al. 2020): the noise schedule, the forward process, the loss, the sampler.

Indices: the paper counts steps t = 1..T; tensors count from 0, so `alpha_bar[i]` is the
paper's alpha_bar_{i+1}, and the denoiser is given i in 0..T-1. The names follow the
paper and the exercises (`beta`, `alpha`, `alpha_bar`, `q_sample`, `ddpm_loss`).

    forward, one step   q(x_t | x_{t-1}) = N(sqrt(1 - beta_t) x_{t-1}, beta_t I)     (eq. 2)
    forward, closed form q(x_t | x_0)   = N(sqrt(alpha_bar_t) x_0, (1 - alpha_bar_t) I) (eq. 4)
    loss (simple, eq. 14)
        E_{t,x_0,eps} || eps - eps_theta(sqrt(alpha_bar_t) x_0 + sqrt(1 - alpha_bar_t) eps, t) ||^2
    sampling (Algorithm 2), t = T..1, z ~ N(0, I) except at t = 1:
        x_{t-1} = 1/sqrt(alpha_t) (x_t - beta_t / sqrt(1 - alpha_bar_t) eps_theta(x_t, t))
                  + sigma_t z,   sigma_t^2 = beta_t
    the same mean through x_0 (what the paper's released code does, optionally clipped):
        x0_hat = (x_t - sqrt(1 - alpha_bar_t) eps_theta) / sqrt(alpha_bar_t)   (eq. 4 inverted)
        mu_tilde_t(x_t, x0_hat) = sqrt(alpha_bar_{t-1}) beta_t / (1 - alpha_bar_t) x0_hat
                                  + sqrt(alpha_t) (1 - alpha_bar_{t-1}) / (1 - alpha_bar_t) x_t
        beta_tilde_t = (1 - alpha_bar_{t-1}) / (1 - alpha_bar_t) beta_t       (eq. 7)
    classifier-free guidance (Ho & Salimans 2022): one net learns eps_theta(x_t, t, c) and,
    with the label dropped, eps_theta(x_t, t); sampling uses
        eps_w = (1 + w) eps_theta(x_t, t, c) - w eps_theta(x_t, t)
    w = 0 is the conditional model; w > 0 pushes each sample towards what makes it class c.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Literal

import torch
from torch import Tensor

from torchdojo.errors import DojoError

EpsModel = Callable[[Tensor, Tensor], Tensor]  # eps_theta(x_t (B, ...), t (B,)) -> (B, ...)


def _per_sample(values: Tensor, t: Tensor, like: Tensor) -> Tensor:
    """values[t] shaped (B, 1, ..., 1) to broadcast over a batch shaped like `like`."""
    return values[t].to(like.dtype).view(-1, *([1] * (like.dim() - 1)))


@dataclass(frozen=True)
class Schedule:
    """beta_t, alpha_t = 1 - beta_t and alpha_bar_t = prod_{s<=t} alpha_s, each (T,)."""

    beta: Tensor
    alpha: Tensor
    alpha_bar: Tensor

    @property
    def T(self) -> int:  # noqa: N802 (the paper's name)
        return self.beta.shape[0]

    @cached_property
    def on_host(self) -> tuple[list[float], list[float], list[float]]:
        """beta, alpha and alpha_bar as Python floats, read from the device once: a
        sampling step that read them from a GPU tensor would wait for the GPU every step."""
        return self.beta.tolist(), self.alpha.tolist(), self.alpha_bar.tolist()

    @classmethod
    def linear(cls, T: int = 1000, beta_1: float = 1e-4, beta_T: float = 0.02,  # noqa: N803
               device: torch.device | str = "cpu") -> Schedule:
        """The paper's linear schedule: beta_t from beta_1 to beta_T in T steps (float64)."""
        beta = torch.linspace(beta_1, beta_T, T, dtype=torch.float64)
        alpha = 1 - beta
        alpha_bar = torch.cumprod(alpha, dim=0)  # eq. 4's alpha_bar_t
        return cls(beta.to(device), alpha.to(device), alpha_bar.to(device))

    @classmethod
    def scaled_linear(cls, T: int, device: torch.device | str = "cpu") -> Schedule:  # noqa: N803
        """The linear schedule for fewer steps: betas scaled by 1000/T, so that
        sum(beta) (about -ln alpha_bar_T, how much signal is left at T) stays the paper's."""
        if T <= 20:  # beta_T = 0.02 * 1000 / T must stay below 1 (alpha_T = 1 - beta_T > 0)
            raise DojoError(f"T = {T} is too few steps for the scaled linear schedule: its "
                            f"last beta, 20/T, must stay below 1; use T >= 21")
        scale = 1000 / T
        return cls.linear(T, 1e-4 * scale, 0.02 * scale, device)


def q_sample(x0: Tensor, t: Tensor, noise: Tensor, alpha_bar: Tensor) -> Tensor:
    """x_t = sqrt(alpha_bar_t) x_0 + sqrt(1 - alpha_bar_t) eps: jump to step t (eq. 4)."""
    a = _per_sample(alpha_bar, t, x0)  # (B, 1, 1, 1)
    return a.sqrt() * x0 + (1 - a).sqrt() * noise


def q_step(x_prev: Tensor, t: Tensor, noise: Tensor, beta: Tensor) -> Tensor:
    """x_t = sqrt(1 - beta_t) x_{t-1} + sqrt(beta_t) eps: one forward step (eq. 2)."""
    b = _per_sample(beta, t, x_prev)
    return (1 - b).sqrt() * x_prev + b.sqrt() * noise


def ddpm_loss(eps_model: EpsModel, x0: Tensor, t: Tensor, noise: Tensor,
              alpha_bar: Tensor) -> Tensor:
    """The simple loss, eq. 14: mean squared error between eps and eps_theta(x_t, t)."""
    x_t = q_sample(x0, t, noise, alpha_bar)  # (B, 1, 28, 28)
    return (noise - eps_model(x_t, t)).pow(2).mean()


def guided(eps_model: Callable[..., Tensor], labels: Tensor, w: float,
           null: int) -> EpsModel:
    """eps_w(x_t, t) for classifier-free guidance with scale w: each sample i is drawn for
    class labels[i]; `null` is the model's "no label" index. Both predictions come from
    one batched call; w = 0 needs only the conditional one."""

    def eps(x_t: Tensor, t: Tensor) -> Tensor:
        if w == 0:
            return eps_model(x_t, t, labels)
        cond, uncond = eps_model(torch.cat([x_t, x_t]), torch.cat([t, t]),
                                 torch.cat([labels, torch.full_like(labels, null)])).chunk(2)
        return (1 + w) * cond - w * uncond

    return eps


@torch.no_grad()
def p_sample_step(eps_model: EpsModel, x_t: Tensor, i: int, schedule: Schedule, z: Tensor, *,
                  clip_x0: bool = False,
                  sigma: Literal["beta", "posterior"] = "beta") -> Tensor:
    """One reverse step x_t -> x_{t-1}, with step index i = t - 1. By default Algorithm 2
    (line 4). clip_x0: go through x0_hat clipped to the data range [-1, 1] and take the
    posterior mean of eq. 7 (without the clip this is the same mean). sigma: sigma_t^2 =
    beta_t (Algorithm 2) or beta_tilde_t (eq. 7); the paper found both work."""
    t = torch.full((x_t.shape[0],), i, device=x_t.device, dtype=torch.long)
    betas, alphas, alpha_bars = schedule.on_host
    beta, alpha, alpha_bar = betas[i], alphas[i], alpha_bars[i]
    alpha_bar_prev = alpha_bars[i - 1] if i > 0 else 1.0  # alpha_bar_0 = 1
    eps = eps_model(x_t, t)  # (B, 1, 28, 28)
    if clip_x0:
        x0 = ((x_t - (1 - alpha_bar) ** 0.5 * eps) / alpha_bar ** 0.5).clamp(-1, 1)  # x0_hat
        mean = (alpha_bar_prev ** 0.5 * beta / (1 - alpha_bar) * x0
                + alpha ** 0.5 * (1 - alpha_bar_prev) / (1 - alpha_bar) * x_t)  # eq. 7
    else:
        mean = (x_t - beta / (1 - alpha_bar) ** 0.5 * eps) / alpha ** 0.5  # Algorithm 2
    variance = beta if sigma == "beta" else (1 - alpha_bar_prev) / (1 - alpha_bar) * beta
    return mean + (variance ** 0.5 if i > 0 else 0.0) * z  # no noise on the last step


def _to(x: Tensor, device: torch.device | str) -> Tensor:
    """The noise, drawn on the CPU (the same samples on every device), to `device`; to a
    GPU from pinned memory without waiting, where a plain copy would wait for the GPU to
    finish the step before."""
    if torch.device(device).type == "cuda":
        return x.pin_memory().to(device, non_blocking=True)
    return x.to(device)


@torch.no_grad()
def sample(eps_model: EpsModel, shape: Sequence[int], schedule: Schedule, *,
           generator: torch.Generator | None = None, device: torch.device | str = "cpu",
           keep: Sequence[int] = (), clip_x0: bool = False,
           sigma: Literal["beta", "posterior"] = "beta") -> tuple[Tensor, dict[int, Tensor]]:
    """Algorithm 2: x_T ~ N(0, I), then T denoising steps (`p_sample_step`, with its
    clip_x0 and sigma). Returns x_0 and the x_t for each paper step t in `keep` (T for the
    pure noise, 0 for the final sample), on the CPU."""
    x = _to(torch.randn(*shape, generator=generator), device)  # x_T
    chain: dict[int, Tensor] = {}
    for i in reversed(range(schedule.T)):  # paper's t = i + 1 = T, ..., 1
        if i + 1 in keep:
            chain[i + 1] = x.cpu()
        z = _to(torch.randn(*shape, generator=generator), device)
        x = p_sample_step(eps_model, x, i, schedule, z, clip_x0=clip_x0, sigma=sigma)
    if 0 in keep:
        chain[0] = x.cpu()
    return x, chain
