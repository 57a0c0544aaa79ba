"""A DCGAN-style generator and discriminator for 28x28 grey images (Radford et al. 2015).

Why convolutions and not MLPs: a transposed convolution draws the same stroke shapes
anywhere in the image with a few shared weights, so the generator learns crisp digits in
far fewer steps than an MLP that must learn every pixel position separately, and the
convolutional discriminator judges local stroke texture the same way. The DCGAN rules
are kept: no pooling (strided convs), batch norm in G and D (not on D's input), ReLU in
G, LeakyReLU(0.2) in D, tanh output so images live in [-1, 1].

    G: z (B, Z) -> linear -> (B, 2C, 7, 7) -> up -> (B, C, 14, 14) -> up -> (B, 1, 28, 28)
    D: x (B, 1, 28, 28) -> (B, C, 14, 14) -> (B, 2C, 7, 7) -> linear -> (B,) logit

With `classes` > 0 both are class-conditional (a cGAN, Mirza & Osindero 2014): G is given
a learned embedding of the class beside z, and D scores "a real image of class y" with a
projection (Miyato & Koyama 2018): logit = w . phi(x) + e_y . phi(x), where phi(x) are
D's features and e_y a learned vector per class.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn


class Generator(nn.Module):
    """z ~ N(0, I) in R^latent -> an image in [-1, 1]^(1x28x28)."""

    def __init__(self, latent: int = 64, width: int = 64, classes: int = 0):
        super().__init__()
        self.latent = latent
        self.label = nn.Embedding(classes, latent) if classes else None
        self.project = nn.Sequential(
            nn.Linear(latent * (2 if classes else 1), 2 * width * 7 * 7, bias=False),
            nn.Unflatten(1, (2 * width, 7, 7)), nn.BatchNorm2d(2 * width), nn.ReLU())
        self.up = nn.Sequential(
            # ConvTranspose(k=4, s=2, p=1) doubles the side: (n - 1) * 2 - 2 + 4 = 2n
            nn.ConvTranspose2d(2 * width, width, 4, 2, 1, bias=False),  # (B, C, 14, 14)
            nn.BatchNorm2d(width), nn.ReLU(),
            nn.ConvTranspose2d(width, 1, 4, 2, 1),  # (B, 1, 28, 28)
            nn.Tanh())

    def forward(self, z: Tensor, y: Tensor | None = None) -> Tensor:
        """z (B, latent), y (B,) classes when conditional -> (B, 1, 28, 28)."""
        if self.label is not None:
            z = torch.cat([z, self.label(y)], dim=1)  # (B, 2 latent)
        return self.up(self.project(z))  # (B, 1, 28, 28)


class Discriminator(nn.Module):
    """An image -> one logit per image, high for "real"."""

    def __init__(self, width: int = 64, classes: int = 0):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, width, 4, 2, 1), nn.LeakyReLU(0.2),  # (B, C, 14, 14)
            nn.Conv2d(width, 2 * width, 4, 2, 1, bias=False),  # (B, 2C, 7, 7)
            nn.BatchNorm2d(2 * width), nn.LeakyReLU(0.2),
            nn.Flatten())  # phi(x): (B, 2C * 7 * 7)
        self.head = nn.Linear(2 * width * 7 * 7, 1)
        self.label = nn.Embedding(classes, 2 * width * 7 * 7) if classes else None

    def forward(self, x: Tensor, y: Tensor | None = None) -> Tensor:
        """x (B, 1, 28, 28), y (B,) classes when conditional -> (B,) logits."""
        phi = self.features(x)  # (B, F)
        logit = self.head(phi).squeeze(1)  # (B,)
        if self.label is not None:
            logit = logit + (self.label(y) * phi).sum(1)  # the projection term e_y . phi(x)
        return logit


class GAN(nn.Module):
    """The pair, as one module so the training loop checkpoints both together."""

    def __init__(self, latent: int = 64, width: int = 64, classes: int = 0):
        super().__init__()
        self.classes = classes
        self.generator = Generator(latent, width, classes)
        self.discriminator = Discriminator(width, classes)

    def forward(self, z: Tensor, y: Tensor | None = None) -> Tensor:
        return self.generator(z, y)  # (B, 1, 28, 28)


def init_weights(module: nn.Module) -> None:
    """DCGAN's initialisation: conv weights ~ N(0, 0.02), batch-norm scales ~ N(1, 0.02)."""
    if isinstance(module, nn.Conv2d | nn.ConvTranspose2d | nn.Linear | nn.Embedding):
        nn.init.normal_(module.weight, 0.0, 0.02)
        if getattr(module, "bias", None) is not None:
            nn.init.zeros_(module.bias)
    elif isinstance(module, nn.BatchNorm2d):
        nn.init.normal_(module.weight, 1.0, 0.02)
        nn.init.zeros_(module.bias)
