"""Random crops with padding, given the random numbers.

Random-crop augmentation pads each image by `pad` pixels on every side, then cuts out a
window of the original size at a random place: the image shifted by up to `pad` pixels
each way, a new view of it every epoch. Pad by reflection,
F.pad(images, (pad, pad, pad, pad), mode="reflect"), so that the border is a mirror of
the edge rather than a flat frame.

images is float (B, C, H, W) and offsets int64 (B, 2): image i's window starts at row
offsets[i, 0] and column offsets[i, 1] of its padded copy, each in 0..2 * pad, so the
offsets (pad, pad) give the image back unchanged. Return the crops, (B, C, H, W). (The
lesson draws the offsets with torch.randint and cuts all the windows with one gather.)
"""

import torch
import torch.nn.functional as F


def crop_padded(images: torch.Tensor, pad: int, offsets: torch.Tensor) -> torch.Tensor:
    """Each image's window at its offsets in the reflect-padded copy: (B, C, H, W)."""
    padded = F.pad(images, (pad, pad, pad, pad), mode="reflect")  # (B, C, H + 2p, W + 2p)
    h, w = images.shape[-2:]
    crops = torch.empty_like(images)
    for i, (top, left) in enumerate(offsets.tolist()):
        crops[i] = padded[i, :, top:top + h, left:left + w]
    return crops
