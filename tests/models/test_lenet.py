"""LeNet-5: the conv size formula against the shapes torch really produces, and the model's
shapes, widths and options."""

import itertools

import pytest
import torch
from torch import nn

from torchdojo.models.lenet import LeNet5, conv_output_size


def test_conv_output_size_matches_conv2d_and_pooling_over_many_settings():
    checked = 0
    for n, kernel, padding, stride in itertools.product((5, 7, 10, 14, 28, 32), (1, 2, 3, 5),
                                                        (0, 1, 2), (1, 2, 3)):
        if n + 2 * padding < kernel:
            continue
        x = torch.zeros(1, 1, n, n)
        want = conv_output_size(n, kernel, stride, padding)
        conv = nn.Conv2d(1, 1, kernel, stride=stride, padding=padding)
        assert conv(x).shape[-2:] == (want, want), (n, kernel, padding, stride)
        if 2 * padding <= kernel:  # torch's pooling allows padding up to half the kernel
            for pool in (nn.MaxPool2d(kernel, stride, padding), nn.AvgPool2d(kernel, stride,
                                                                             padding)):
                assert pool(x).shape[-2:] == (want, want), (pool, n)
        checked += 1
    assert checked > 150


def test_conv_output_size_by_hand():
    assert conv_output_size(28, 5, padding=2) == 28  # "same" padding
    assert conv_output_size(28, 2, stride=2) == 14
    assert conv_output_size(14, 5) == 10
    assert conv_output_size(10, 2, stride=2) == 5
    assert conv_output_size(32, 5) == 28  # the 1998 paper's C1 on 32x32 inputs
    assert conv_output_size(7, 3, stride=2) == 3  # floor((7 - 3) / 2) + 1


def test_default_lenet5_shapes_parameters_and_penultimate_features():
    torch.manual_seed(0)
    model = LeNet5()
    x = torch.randn(4, 1, 28, 28)
    assert model(x).shape == (4, 10)
    assert model.features(x).shape == (4, 84)
    assert model.flat_features == 400
    maps = model.feature_maps(x)
    assert [tuple(m.shape) for m in maps] == [(4, 6, 28, 28), (4, 16, 10, 10)]
    assert all((m >= 0).all() for m in maps)  # after ReLU
    # 156 + 2,416 conv; 48,120 + 10,164 + 850 fully connected: LeNet-5's 61,706
    assert sum(p.numel() for p in model.parameters()) == 61_706
    with torch.no_grad():  # forward is the head applied to the features
        assert torch.allclose(model(x), model.head(model.features(x)))


@pytest.mark.parametrize("kwargs", [
    {"activation": "tanh", "pool": "avg"},
    {"channels": (16, 32), "batch_norm": True, "dropout": 0.3},
    {"in_channels": 3, "num_classes": 7, "size": 32},
])
def test_options_keep_the_shapes_consistent(kwargs):
    model = LeNet5(**kwargs).eval()
    c, size = kwargs.get("in_channels", 1), kwargs.get("size", 28)
    x = torch.randn(2, c, size, size)
    assert model(x).shape == (2, kwargs.get("num_classes", 10))
    assert model.features(x).shape == (2, 84)
    side = 6 if size == 32 else 5  # 32 -> 32 -> 16 -> 12 -> 6
    assert model.flat_features == kwargs.get("channels", (6, 16))[1] * side * side
    if kwargs.get("activation") == "tanh":
        assert all(m.abs().max() <= 1 for m in model.feature_maps(x))


def test_unknown_activation_is_refused():
    with pytest.raises(ValueError, match="activation"):
        LeNet5(activation="softplus")
