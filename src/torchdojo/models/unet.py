"""A small U-Net that predicts the noise eps_theta(x_t, t) in a 28x28 image (DDPM's denoiser).

Ho et al. (2020) use a PixelCNN++-like U-Net: residual blocks with group norm, the
step t fed in as a sinusoidal embedding (as in the Transformer) added inside every
block, skip connections from each downsampling level to its upsampling twin. This is
the same design cut down for a CPU: the 28x28 image folded into 14x14 (space-to-depth),
then 14x14 and 7x7, one block per level; at 7x7, where a pixel sees the whole digit,
`mid_blocks` residual blocks with self-attention between them (the paper attends at
16x16), which lets every part of the digit agree on what the digit is.

    x_t (B, 1, 28, 28) -> (B, C1, 28, 28) -> (B, C2, 14, 14) -> (B, C3, 7, 7)
                       <- (B, C1, 28, 28) <- (B, C2, 14, 14) <-  (skips concatenated)
    -> eps_theta (B, 1, 28, 28)
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import Tensor, nn


def timestep_embedding(t: Tensor, dim: int, max_period: float = 10_000.0) -> Tensor:
    """Sinusoidal embedding of integer steps (B,) -> (B, dim): sin/cos at geometric frequencies."""
    half = dim // 2
    freqs = torch.exp(-math.log(max_period) * torch.arange(half, device=t.device) / half)
    angles = t.float()[:, None] * freqs[None]  # (B, dim/2)
    return torch.cat([angles.sin(), angles.cos()], dim=1)  # (B, dim)


def _norm(channels: int) -> nn.GroupNorm:
    return nn.GroupNorm(min(8, channels), channels)


class ResBlock(nn.Module):
    """norm-SiLU-conv, add the step embedding, norm-SiLU-conv, plus a (1x1) skip."""

    def __init__(self, c_in: int, c_out: int, emb_dim: int):
        super().__init__()
        self.conv1 = nn.Sequential(_norm(c_in), nn.SiLU(), nn.Conv2d(c_in, c_out, 3, padding=1))
        self.emb = nn.Sequential(nn.SiLU(), nn.Linear(emb_dim, c_out))
        self.conv2 = nn.Sequential(_norm(c_out), nn.SiLU(), nn.Conv2d(c_out, c_out, 3, padding=1))
        self.skip = nn.Conv2d(c_in, c_out, 1) if c_in != c_out else nn.Identity()

    def forward(self, x: Tensor, emb: Tensor) -> Tensor:
        h = self.conv1(x)  # (B, C_out, H, W)
        h = h + self.emb(emb)[:, :, None, None]  # the step t, broadcast over the pixels
        return self.conv2(h) + self.skip(x)


class SelfAttention(nn.Module):
    """Every pixel attends to every other: softmax(q k^T / sqrt(C)) v over the H*W positions,
    added back to the input (the projection starts at zero, so the block starts as identity)."""

    def __init__(self, channels: int, heads: int = 4):
        super().__init__()
        self.heads = heads
        self.norm = _norm(channels)
        self.qkv = nn.Conv2d(channels, 3 * channels, 1)
        self.proj = nn.Conv2d(channels, channels, 1)
        nn.init.zeros_(self.proj.weight)
        nn.init.zeros_(self.proj.bias)

    def forward(self, x: Tensor) -> Tensor:
        b, c, h, w = x.shape
        qkv = self.qkv(self.norm(x)).reshape(b, 3, self.heads, c // self.heads, h * w)
        q, k, v = qkv.transpose(-1, -2).unbind(1)  # each (B, heads, HW, C/heads)
        out = F.scaled_dot_product_attention(q, k, v)  # (B, heads, HW, C/heads)
        return x + self.proj(out.transpose(-1, -2).reshape(b, c, h, w))


class UNet(nn.Module):
    """eps_theta(x_t, t): a noisy image and its step index -> the predicted noise."""

    def __init__(self, channels: tuple[int, int] = (32, 64), emb_dim: int = 128,
                 in_channels: int = 1, mid_blocks: int = 1, attention: bool = False,
                 classes: int = 0):
        super().__init__()
        c1, c2 = channels
        self.emb_dim = emb_dim
        self.classes = classes
        self.time = nn.Sequential(nn.Linear(emb_dim, emb_dim), nn.SiLU(),
                                  nn.Linear(emb_dim, emb_dim))
        # class-conditional: a learned vector per class, plus one for "no label" (index
        # `classes`), added to the step's embedding; see `torchdojo.methods.diffusion.guided`
        self.label = nn.Embedding(classes + 1, emb_dim) if classes else None
        self.conv_in = nn.Conv2d(4 * in_channels, c1, 3, padding=1)
        self.down1 = ResBlock(c1, c1, emb_dim)
        self.pool = nn.Conv2d(c1, c1, 3, stride=2, padding=1)  # 14 -> 7
        self.down2 = ResBlock(c1, c2, emb_dim)
        self.mid = nn.ModuleList(ResBlock(c2, c2, emb_dim) for _ in range(mid_blocks))
        self.attend = nn.ModuleList(
            SelfAttention(c2) if attention else nn.Identity() for _ in range(mid_blocks - 1))
        self.up2 = ResBlock(2 * c2, c2, emb_dim)
        self.up1 = ResBlock(c2 + c1, c1, emb_dim)
        self.conv_out = nn.Sequential(_norm(c1), nn.SiLU(),
                                      nn.Conv2d(c1, 4 * in_channels, 3, padding=1))
        nn.init.zeros_(self.conv_out[-1].weight)  # start by predicting eps = 0
        nn.init.zeros_(self.conv_out[-1].bias)

    def forward(self, x: Tensor, t: Tensor, y: Tensor | None = None) -> Tensor:
        """x (B, 1, 28, 28), t (B,) step indices, y (B,) class indices or None (no label)."""
        emb = self.time(timestep_embedding(t, self.emb_dim))  # (B, E)
        if self.label is not None:
            if y is None:
                y = torch.full_like(t, self.classes)  # the "no label" row
            emb = emb + self.label(y)
        # space-to-depth: each 2x2 patch becomes 4 channels, so the net works at 14x14,
        # a quarter of the cost, and still sees (and paints) every pixel
        h0 = self.conv_in(F.pixel_unshuffle(x, 2))  # (B, C1, 14, 14)
        h1 = self.down1(h0, emb)  # (B, C1, 14, 14)
        h2 = self.down2(self.pool(h1), emb)  # (B, C2, 7, 7)
        h3 = self.mid[0](h2, emb)  # (B, C2, 7, 7)
        for attend, block in zip(self.attend, self.mid[1:]):
            h3 = block(attend(h3), emb)
        u2 = self.up2(torch.cat([h3, h2], dim=1), emb)  # (B, C2, 7, 7)
        u1 = F.interpolate(u2, scale_factor=2.0, mode="nearest")  # (B, C2, 14, 14)
        u1 = self.up1(torch.cat([u1, h1], dim=1), emb)  # (B, C1, 14, 14)
        return F.pixel_shuffle(self.conv_out(u1), 2)  # (B, 1, 28, 28)
