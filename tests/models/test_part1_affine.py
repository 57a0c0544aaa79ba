"""Affine: y = W x + b equals nn.Linear with the same weights, and its decision rules."""

import torch
from torch import nn

from torchdojo.models.affine import Affine


def test_affine_equals_nn_linear_exactly_with_the_same_weights():
    torch.manual_seed(0)
    ours = Affine(7, 4)
    ref = nn.Linear(7, 4)
    ref.load_state_dict(ours.state_dict())
    x = torch.randn(33, 7)
    assert torch.equal(ours(x), ref(x))
    ours.load_state_dict(nn.Linear(7, 4).state_dict())  # and the other way round


def test_affine_is_w_x_plus_b_element_by_element():
    layer = Affine(2, 3)
    with torch.no_grad():
        layer.weight.copy_(torch.tensor([[1.0, 2.0], [0.0, -1.0], [3.0, 0.5]]))
        layer.bias.copy_(torch.tensor([0.5, 1.0, -2.0]))
    y = layer(torch.tensor([[2.0, 4.0]]))
    assert y.tolist() == [[2 + 8 + 0.5, -4 + 1.0, 6 + 2 - 2.0]]


def test_without_bias_the_origin_maps_to_zero():
    layer = Affine(3, 2, bias=False)
    assert layer.bias is None
    assert torch.equal(layer(torch.zeros(1, 3)), torch.zeros(1, 2))


def test_initialisation_is_bounded_like_nn_linear():
    torch.manual_seed(0)
    layer = Affine(16, 64)
    assert layer.weight.abs().max() <= 0.25 and layer.bias.abs().max() <= 0.25
    assert layer.weight.std() > 0.1  # uniform(-1/4, 1/4) has std 0.144


def test_decision_rules_threshold_and_argmax():
    one = Affine(2, 1)
    with torch.no_grad():
        one.weight.copy_(torch.tensor([[1.0, 1.0]]))
        one.bias.zero_()
    points = torch.tensor([[1.0, 0.5], [-1.0, 0.2], [0.3, -0.1]])
    assert one.decide(points).tolist() == [1, 0, 1]
    three = Affine(2, 3)
    with torch.no_grad():
        three.weight.copy_(torch.tensor([[1.0, 0.0], [0.0, 1.0], [-1.0, -1.0]]))
        three.bias.zero_()
    assert three.decide(torch.tensor([[2.0, 1.0], [0.0, 3.0], [-1.0, -1.0]])).tolist() == [0, 1, 2]
