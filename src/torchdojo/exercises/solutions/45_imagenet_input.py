"""Grey digits in, ImageNet photos expected: the input an ImageNet-pretrained network needs.

EfficientNet-Lite0 learned from colour photos, 224x224, scaled the way TensorFlow
scales them for its Lite models: each pixel p in [0, 255] becomes (p - 127) / 128.
Our images are grey, 28x28, with values in [0, 1]. Turn a batch of them into what the
network expects, all on the tensor's own device, in three steps:

1. resize each image to size x size pixels with bilinear interpolation
   (torch.nn.functional.interpolate, mode="bilinear", align_corners=False);
2. scale: (x - 127/255) / (128/255), which is (p - 127) / 128 for p = 255 x;
3. repeat the grey channel three times, as the red, green and blue channels.

x is (B, 1, H, W) float with values in [0, 1], and size a multiple of 32 (the network
halves its input five times); return (B, 3, size, size).
"""

import torch
import torch.nn.functional as F

MEAN, STD = 127 / 255, 128 / 255


def to_imagenet(x: torch.Tensor, size: int) -> torch.Tensor:
    """(B, 1, H, W) grey in [0, 1] -> (B, 3, size, size), resized and scaled like the photos."""
    x = F.interpolate(x, size=(size, size), mode="bilinear", align_corners=False)
    return ((x - MEAN) / STD).expand(-1, 3, -1, -1)  # the same grey as R, G and B
