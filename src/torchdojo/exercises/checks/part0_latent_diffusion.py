"""Part 0 exercises of the `latent-diffusion` lesson: the latents' scale factor, and the
reverse step the latent sampler takes."""

from __future__ import annotations

import torch

from torchdojo.exercises.checks.draw import integer, randn, real
from torchdojo.exercises.spec import Case, Exercise


def _scale(g: torch.Generator) -> list[Case]:
    cases = []
    for n, latent in ((integer(g, 3, 8), integer(g, 2, 5)), (integer(g, 20, 40), 6)):
        # latents as a VAE leaves them: an offset, dimensions of very different spread,
        # and the last one nearly unused (about constant)
        spread = torch.cat([torch.rand(latent - 1, generator=g, dtype=torch.float64) * 3 + 0.2,
                            torch.tensor([1e-3], dtype=torch.float64)])
        mu = randn(g, n, latent) * spread + randn(g, latent)
        cases.append(Case({"mu": mu}, note=f"{n} latents of {latent} dimensions, the last "
                                           "one nearly unused"))
    return cases


def _schedule(T: int) -> tuple[torch.Tensor, torch.Tensor]:  # noqa: N803
    """The pixel lesson's betas for T steps (scaled by 1000/T) and their alpha_bar."""
    beta = torch.linspace(1e-4, 0.02, T, dtype=torch.float64) * 1000 / T
    return beta, torch.cumprod(1 - beta, 0)


def _reverse(g: torch.Generator) -> list[Case]:
    cases = []
    T = integer(g, 20, 200)  # noqa: N806
    beta, alpha_bar = _schedule(T)
    for i, note in ((integer(g, 1, T // 10), "an early step: x_t still mostly signal"),
                    (T - 1, "the first step, from pure noise"),
                    (0, "the last step (i = 0)")):
        b, latent = integer(g, 1, 6), integer(g, 2, 8)
        cases.append(Case({"x_t": randn(g, b, latent, scale=real(g, 0.5, 2)),
                           "eps": randn(g, b, latent), "i": i, "beta": beta,
                           "alpha_bar": alpha_bar, "z": randn(g, b, latent)}, note=note,
                          advice="the last step (i == 0) returns the mean: no noise is added"
                          if i == 0 else ""))
    return cases


EXERCISES: tuple[Exercise, ...] = (
    Exercise(48, "scale-latents", "latent-diffusion", "Latents of unit variance",
             "Latent diffusion's scale factor", "scale_latents", _scale, (
                 "One number scales every latent entry: it makes their overall standard "
                 "deviation 1, without centring them.",
                 "Flatten mu to all N * L entries and take their standard deviation (torch's "
                 "default, unbiased); the scale is 1 over it, for every dimension alike.",
                 "s = 1 / mu.flatten().std(); return mu * s, s"),
             outputs=("z", "scale")),
    Exercise(49, "latent-reverse-step", "latent-diffusion", "Sampling in latent space",
             "One reverse step of DDPM sampling", "reverse_step", _reverse, (
                 "Remove the predicted noise from x_t with the step's own beta_t and "
                 "alpha_bar_t, rescale by 1 / sqrt(alpha_t), then add fresh noise of standard "
                 "deviation sqrt(beta_t), except at the very last step.",
                 "alpha_t = 1 - beta[i] (one step), not alpha_bar[i] (the product); the noise "
                 "is scaled by sqrt(beta[i]), and at i == 0 there is none.",
                 "alpha = 1 - beta[i]; mean = (x_t - beta[i] / (1 - alpha_bar[i]).sqrt() * eps) "
                 "/ alpha.sqrt(); return mean if i == 0 else mean + beta[i].sqrt() * z"),
             outputs=("x_prev",)),
)
