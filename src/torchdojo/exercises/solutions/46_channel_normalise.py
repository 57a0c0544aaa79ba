"""Per-channel normalisation, with the training images' statistics.

A colour image has three channels, red, green and blue, and each has its own average
brightness and spread. Give each channel mean 0 and standard deviation 1 by its own
statistics, measured on the *training* images only and then applied unchanged to any
images (validation, test, a new photo):

    mean_c = the mean of train[:, c] / 255, over every image and pixel
    std_c  = the standard deviation of the same values (torch.std's default, over n - 1)
    out[:, c] = (images[:, c] / 255 - mean_c) / std_c

train is uint8 (N, 3, H, W) and images uint8 (M, 3, H, W); return float32 (M, 3, H, W).
torchvision's transforms.Normalize(mean, std) does the last line, given the numbers.
"""

import torch


def channel_normalise(train: torch.Tensor, images: torch.Tensor) -> torch.Tensor:
    """uint8 images (M, 3, H, W) normalised per channel with the training images' statistics."""
    x = train.float() / 255
    mean = x.mean(dim=(0, 2, 3), keepdim=True)  # (1, 3, 1, 1): one per channel
    std = x.std(dim=(0, 2, 3), keepdim=True)
    return (images.float() / 255 - mean) / std  # broadcast over images, rows and columns
