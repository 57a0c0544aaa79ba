"""GAN method code (Goodfellow et al. 2014; DCGAN, Radford et al. 2016): the two players'
losses and one alternating step, shared by the gan lesson, its exercise and the tests."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor

from torchdojo.models.gan import GAN


def discriminator_loss(real_logits: Tensor, fake_logits: Tensor) -> Tensor:
    """BCE(D(real), 1) + BCE(D(fake), 0): tell real from fake (exercise 28)."""
    return (F.binary_cross_entropy_with_logits(real_logits, torch.ones_like(real_logits))
            + F.binary_cross_entropy_with_logits(fake_logits, torch.zeros_like(fake_logits)))


def generator_loss(fake_logits: Tensor) -> Tensor:
    """BCE(D(G(z)), 1): the non-saturating generator loss (Goodfellow et al. 2014, sec. 3)."""
    return F.binary_cross_entropy_with_logits(fake_logits, torch.ones_like(fake_logits))


def make_step(model: GAN, opt_g: torch.optim.Optimizer, opt_d: torch.optim.Optimizer):
    """One D step then one G step on a batch of real images, as the loop's step_fn."""

    def step(_: torch.nn.Module, batch: tuple[Tensor, ...]) -> dict[str, Tensor]:
        real = batch[0]  # (B, 1, 28, 28) in [-1, 1]
        y = batch[1] if len(batch) > 1 else None  # (B,) classes of a cGAN; fakes get the same
        z = torch.randn(real.shape[0], model.generator.latent, device=real.device)
        fake = model.generator(z, y)  # (B, 1, 28, 28)
        # 1. discriminator: max log D(x) + log(1 - D(G(z))); G's output is detached
        real_logits = model.discriminator(real, y)
        fake_logits = model.discriminator(fake.detach(), y)
        d_loss = discriminator_loss(real_logits, fake_logits)
        opt_d.zero_grad(set_to_none=True)
        d_loss.backward()
        opt_d.step()
        # 2. generator: max log D(G(z)), through the freshly updated D
        g_loss = generator_loss(model.discriminator(fake, y))
        opt_g.zero_grad(set_to_none=True)
        g_loss.backward()
        opt_g.step()
        return {"d_loss": d_loss.detach(), "g_loss": g_loss.detach(),  # read once per epoch
                "d_real": torch.sigmoid(real_logits.detach()).mean(),  # D's P(real) on real
                "d_fake": torch.sigmoid(fake_logits.detach()).mean()}  # ... and on fakes

    return step
