"""Part 0 exercises of the `quickstart` lesson: a Dataset over part of the images."""

from __future__ import annotations

import torch

from torchdojo.exercises.checks.draw import integer
from torchdojo.exercises.spec import Case, Exercise


def _subset(g: torch.Generator) -> list[Case]:
    cases = []
    for n in (integer(g, 4, 10), 1):
        k = integer(g, 2, min(4, n - 1)) if n > 1 else 1  # fewer items than images
        h, w = integer(g, 2, 5), integer(g, 2, 5)
        images = torch.randint(0, 256, (n, h, w), generator=g, dtype=torch.uint8)
        indices = torch.randperm(n, generator=g)[:k]  # some of the images, in any order
        if torch.equal(indices, torch.arange(k)):  # so that item i is never just image i
            indices = indices.flip(0)
        # distinct digits: the label of image i is never that of image indices[i]
        init = {"images": images, "labels": torch.randperm(10, generator=g)[:n],
                "indices": indices}
        cases.append(Case(kind="dataset", init=init, items=tuple(range(k)),  # every item
                          note=f"{k} of {n} images of {h}x{w} pixels"))
    return cases


EXERCISES: tuple[Exercise, ...] = (
    Exercise(43, "image-subset", "quickstart", "A Dataset and its DataLoader",
             "A Dataset over part of the images", "ImageSubset", _subset, (
                 "A Dataset needs __len__ (one item per index) and __getitem__; item i is "
                 "image number indices[i], not image number i.",
                 "In __getitem__, j = self.indices[i]; self.images[j] is uint8 (H, W): make it "
                 "float, divide by 255 and add the channel axis with unsqueeze(0).",
                 "j = self.indices[i]; "
                 "return self.images[j].unsqueeze(0).float() / 255, self.labels[j]"),
             outputs=("image", "label")),
)
