"""A small MLP that predicts the noise eps_theta(z_t, t, c) in a latent vector (latent DDPM).

In latent space (Rombach et al. 2022) an image is a short vector z (here 20 numbers, not
784 pixels), with no spatial layout left for convolutions to exploit; an MLP is enough.
The step t enters as the same sinusoidal embedding as the pixel U-Net's, the class c as
a learned vector (one more for "no label", for classifier-free guidance), both added into
every residual block:

    z_t (B, L) -> (B, W) -> [W -> W residual blocks, + emb(t, c)] x depth -> eps (B, L)
"""

from __future__ import annotations

from torch import Tensor, nn

from torchdojo.models.unet import timestep_embedding


class ResidualMLPBlock(nn.Module):
    """norm-SiLU-linear, add the step/class embedding, SiLU-linear, plus the input."""

    def __init__(self, width: int):
        super().__init__()
        self.norm = nn.LayerNorm(width)
        self.fc1 = nn.Linear(width, width)
        self.emb = nn.Linear(width, width)
        self.fc2 = nn.Linear(width, width)
        self.act = nn.SiLU()

    def forward(self, h: Tensor, emb: Tensor) -> Tensor:
        x = self.fc1(self.act(self.norm(h))) + self.emb(emb)  # (B, W)
        return h + self.fc2(self.act(x))


class LatentDenoiser(nn.Module):
    """eps_theta(z_t, t, y): a noisy latent, its step index and class -> the predicted noise."""

    def __init__(self, latent: int, width: int = 512, depth: int = 4, emb_dim: int = 128,
                 classes: int = 0):
        super().__init__()
        self.latent, self.emb_dim, self.classes = latent, emb_dim, classes
        self.time = nn.Sequential(nn.Linear(emb_dim, width), nn.SiLU(), nn.Linear(width, width))
        # class-conditional: a vector per class plus one for "no label" (index `classes`)
        self.label = nn.Embedding(classes + 1, width) if classes else None
        self.inp = nn.Linear(latent, width)
        self.blocks = nn.ModuleList(ResidualMLPBlock(width) for _ in range(depth))
        self.out = nn.Sequential(nn.LayerNorm(width), nn.SiLU(), nn.Linear(width, latent))
        nn.init.zeros_(self.out[-1].weight)  # start by predicting eps = 0, as the U-Net does
        nn.init.zeros_(self.out[-1].bias)

    def forward(self, z: Tensor, t: Tensor, y: Tensor | None = None) -> Tensor:
        """z (B, L), t (B,) step indices, y (B,) class indices or None (no label)."""
        emb = self.time(timestep_embedding(t, self.emb_dim))  # (B, W)
        if self.label is not None:
            if y is None:
                y = t.new_full(t.shape, self.classes)  # the "no label" row
            emb = emb + self.label(y)
        h = self.inp(z)  # (B, W)
        for block in self.blocks:
            h = block(h, emb)
        return self.out(h)  # (B, L)
