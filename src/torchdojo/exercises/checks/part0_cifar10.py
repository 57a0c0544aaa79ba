"""Part 0 exercises of the `cifar10` lesson: per-channel normalisation, padded random crops."""

from __future__ import annotations

import torch

from torchdojo.exercises.checks.draw import integer, randn
from torchdojo.exercises.spec import Case, Exercise


def _images(g: torch.Generator, n: int, h: int, w: int) -> torch.Tensor:
    """uint8 (n, 3, h, w) whose channels differ in brightness and spread, as photos' do."""
    low = torch.tensor([0, 60, 120])[:, None, None]
    span = torch.tensor([255, 120, 60])[:, None, None]
    u = torch.rand(n, 3, h, w, generator=g)
    return (low + u * span).round().clamp(0, 255).to(torch.uint8)


def _normalise(g: torch.Generator) -> list[Case]:
    cases = []
    for n, m, h, w in ((integer(g, 2, 6), integer(g, 1, 4), integer(g, 2, 6), integer(g, 2, 6)),
                       (8, 3, 32, 32)):
        train, images = _images(g, n, h, w), _images(g, m, h, w).flip(1)  # other statistics
        cases.append(Case({"train": train, "images": images},
                          note=f"{n} training images, {m} to normalise, {h}x{w} pixels"))
    train = _images(g, 4, 5, 5)
    cases.append(Case({"train": train, "images": train}, note="the training images themselves",
                      advice="normalised with their own statistics, each channel of the "
                             "result has mean 0 and standard deviation 1"))
    return cases


def _crop(g: torch.Generator) -> list[Case]:
    cases = []
    for b_min in (2, 1, 1):  # two images at least once, with different windows
        b, h, w = integer(g, b_min, 4), integer(g, 4, 9), integer(g, 4, 9)
        pad = integer(g, 1, min(h, w) - 1)  # reflection needs pad < the image's side
        offsets = torch.randint(0, 2 * pad + 1, (b, 2), generator=g)
        offsets[0] = torch.tensor([0, 2 * pad])  # the top-right corner: all the padding
        if b > 1:
            offsets[1] = pad  # the second image itself: a window of its own
        cases.append(Case({"images": randn(g, b, integer(g, 1, 3), h, w), "pad": pad,
                           "offsets": offsets}))
    pad = 2
    cases.append(Case({"images": randn(g, 2, 3, 6, 6), "pad": pad,
                       "offsets": torch.full((2, 2), pad)},
                      note="offsets (pad, pad): the image itself",
                      advice="the window at (pad, pad) of the padded copy is the original"))
    return cases


EXERCISES: tuple[Exercise, ...] = (
    Exercise(46, "channel-normalise", "cifar10", "Colour images and per-channel normalisation",
             "Per-channel normalisation with training statistics", "channel_normalise",
             _normalise, (
                 "One mean and one standard deviation per colour channel: average over the "
                 "images, rows and columns (dims 0, 2 and 3), never over the channels.",
                 "Measure them on train, scaled to [0, 1], with keepdim=True so that they "
                 "broadcast; then scale images the same way and subtract and divide.",
                 "x = train.float() / 255; mean = x.mean(dim=(0, 2, 3), keepdim=True); "
                 "std = x.std(dim=(0, 2, 3), keepdim=True); "
                 "return (images.float() / 255 - mean) / std"),
             outputs=("normalised",), rtol=1e-5, atol=1e-5),
    Exercise(47, "crop-padded", "cifar10", "Augmentation on the device, in batches",
             "Random crops of the reflect-padded image", "crop_padded", _crop, (
                 "Pad first (mode='reflect'), then take an (H, W) window of the padded image: "
                 "its top-left corner is at (offsets[i, 0], offsets[i, 1]).",
                 "Rows come first: padded[i, :, top:top + H, left:left + W] with top = "
                 "offsets[i, 0] and left = offsets[i, 1].",
                 "padded = F.pad(images, (pad, pad, pad, pad), mode='reflect'); for each i: "
                 "crops[i] = padded[i, :, top:top + h, left:left + w]"),
             outputs=("crops",)),
)
