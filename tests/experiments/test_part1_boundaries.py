"""Decision-boundary plots: the grid covers the data and each region is the model's answer."""

import torch
from matplotlib.figure import Figure

from torchdojo.figures import boundaries
from torchdojo.models.affine import Affine


def vertical_split() -> Affine:
    """Scores (-x1, x1): class 1 exactly where x1 > 0."""
    layer = Affine(2, 2)
    with torch.no_grad():
        layer.weight.copy_(torch.tensor([[-1.0, 0.0], [1.0, 0.0]]))
        layer.bias.zero_()
    return layer


def test_grid_spans_the_points_plus_a_margin():
    x = torch.tensor([[-1.0, 2.0], [3.0, -4.0]])
    xx, yy, points = boundaries.grid(x, steps=11, margin=0.5)
    assert xx.shape == yy.shape == (11, 11) and points.shape == (121, 2)
    assert points[:, 0].min() == -1.5 and points[:, 0].max() == 3.5
    assert points[:, 1].min() == -4.5 and points[:, 1].max() == 2.5


def test_predictor_is_the_argmax_of_the_scores_and_leaves_train_mode_alone():
    model = vertical_split().train()
    predict = boundaries.predictor(model)
    assert predict(torch.tensor([[-2.0, 5.0], [0.5, -1.0], [3.0, 0.0]])).tolist() == [0, 1, 1]
    assert model.training


def test_drawn_regions_follow_the_model():
    x = torch.tensor([[-1.0, -1.0], [1.0, 1.0], [-1.0, 1.0], [1.0, -1.0]])
    y = (x[:, 0] > 0).long()
    fig = boundaries.boundaries({"split": vertical_split(), "all zero": lambda p: torch.zeros(
        len(p), dtype=torch.long)}, x, y, steps=21, title="t")
    assert isinstance(fig, Figure)
    axes = [ax for ax in fig.axes if ax.get_title()]
    assert [ax.get_title() for ax in axes] == ["split", "all zero"]
    _, _, points = boundaries.grid(x, steps=21)
    regions = boundaries.predictor(vertical_split())(points)
    assert torch.equal(regions, (points[:, 0] > 0).long())
