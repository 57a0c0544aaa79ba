"""The two losses of a GAN.

The discriminator D outputs a logit: high for "real". With BCE(logit, label) =
softplus(logit) - label * logit (the logistic loss, mean over the batch):

    discriminator loss = BCE(D(real), 1) + BCE(D(fake), 0)
    generator loss     = BCE(D(fake), 1)            (the "non-saturating" loss)

The generator's loss asks D to call its samples real; its gradient stays strong
while D easily spots fakes. F.binary_cross_entropy_with_logits is fine here.
"""

import torch
import torch.nn.functional as F


def discriminator_loss(real_logits: torch.Tensor, fake_logits: torch.Tensor) -> torch.Tensor:
    """BCE of real logits against 1 plus BCE of fake logits against 0 -> 0-dim tensor."""
    real = F.binary_cross_entropy_with_logits(real_logits, torch.ones_like(real_logits))
    fake = F.binary_cross_entropy_with_logits(fake_logits, torch.zeros_like(fake_logits))
    return real + fake


def generator_loss(fake_logits: torch.Tensor) -> torch.Tensor:
    """The non-saturating generator loss: BCE of fake logits against 1 -> 0-dim tensor."""
    return F.binary_cross_entropy_with_logits(fake_logits, torch.ones_like(fake_logits))
