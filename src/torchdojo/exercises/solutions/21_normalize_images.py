"""From bytes to tensors: normalising images.

MNIST stores each pixel as a byte, 0 (black) to 255 (white). A network wants
floats with a channel axis, scaled and centred:

    x = (raw / 255 - mean) / std

Given raw images as a uint8 tensor (N, H, W) and the data set's mean and std
(Python floats), return a float32 tensor of shape (N, 1, H, W).
"""

import torch


def normalize_images(raw: torch.Tensor, mean: float, std: float) -> torch.Tensor:
    """uint8 images (N, H, W) -> normalised float32 images (N, 1, H, W)."""
    x = raw.to(torch.float32) / 255.0
    return ((x - mean) / std).unsqueeze(1)  # (N, 1, H, W): one channel
