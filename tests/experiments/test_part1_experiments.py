"""Part I experiments in quick mode: they reach their targets (or the quick-mode share of
them), write complete run folders, and reject bad settings with one line and exit 2."""

import json

import pytest
import torch
from clitools import dojo, one_line_error

from torchdojo import registry
from torchdojo.runner import run_experiment

PART1 = ["tensors", "autograd", "affine", "classify", "losses", "descent", "xor", "backprop",
         "spiral", "workflow"]
TRAINED = {"classify", "descent", "xor", "spiral", "workflow"}  # through the loop


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    root = tmp_path_factory.mktemp("runs")
    return {key: run_experiment(key, quick=True, out=root / key, quiet=True) for key in PART1}


@pytest.mark.parametrize("key", PART1)
def test_quick_run_meets_every_target_of_the_lesson(results, key):
    result = results[key]
    lesson = registry.find(key)
    for check in lesson.checks:
        for target in check.targets:
            assert target.metric in result.metrics, target.metric
            assert target.met(result.metrics), (str(target), result.metrics[target.metric])
    saved = json.loads((result.run_dir / "result.json").read_text())
    assert all(v.startswith("PASS") for v in saved["targets"].values()), saved["targets"]
    assert list(result.run_dir.glob("*.png")) and (result.run_dir / "report.html").exists()
    if key in TRAINED:  # trained with fit: per-epoch metrics and a checkpoint
        lines = (result.run_dir / "metrics.jsonl").read_text().splitlines()
        assert lines and json.loads(lines[-1])["phase"] == "train"
        assert (result.run_dir / "checkpoint.pt").exists()


def test_classify_separates_problem1_but_not_problem2(results):
    m = results["classify"].metrics
    assert m["problem1_acc"] >= 0.99 and m["problem1_hand_rule_acc"] >= 0.99
    assert m["problem2_acc"] < 0.7  # a straight line cannot separate a disc from its ring


def test_descent_reaches_the_minimum_and_the_sweep_behaves_as_the_algebra_says(results):
    m = results["descent"].metrics
    assert m["final_abs_x"] < 1e-6 and m["final_abs_c_minus_3"] < 1e-12
    # x_t = (1 - 2 lr)^t x_0: lr 0.5 lands in one step, lr > 1 diverges, lr 0.01 is slow
    assert m["sweep_abs_x_lr0.5"] == 0
    assert m["sweep_abs_x_lr1.05"] > 5.0 > m["sweep_abs_x_lr0.01"] > 1.0
    paths = results["descent"].paths
    assert paths[0.1][3] == pytest.approx(5.0 * 0.8 ** 3, rel=1e-12)
    losses = [r["loss"] for r in results["descent"].history if r["phase"] == "train"]
    assert losses[-1] < 0.5 * losses[0]  # GD on problem 1: the loss falls
    assert m["problem1_acc"] >= 0.97 and m["problem2_acc"] < 0.7


def test_xor_single_layer_fails_mlp_computes_it_and_relu_without_bias_cannot(results):
    m = results["xor"].metrics
    assert m["single_layer_acc"] <= 0.75 and m["mlp_acc"] == 1.0
    assert m["relu_bias_acc"] == 1.0 and m["sigmoid_bias_acc"] == 1.0
    assert m["relu_nobias_acc"] <= 0.75  # (0,0) scores a tie without a bias
    model = results["xor"].models["MLP relu, bias"]
    with torch.no_grad():
        assert model(torch.tensor([[0.0, 0.0], [0, 1], [1, 0], [1, 1]])).argmax(1).tolist() == \
            [0, 1, 1, 0]


def test_spiral_linear_near_half_two_layer_near_perfect(results):
    m = results["spiral"].metrics
    assert 0.4 <= m["linear_acc"] <= 0.6 and m["mlp_acc"] >= 0.97


def test_workflow_learns_the_line_and_reloads_identically(results):
    result = results["workflow"]
    m = result.metrics
    assert m["test_mse"] < m["first_test_mse"]  # "improve" improved
    assert m["weight_error"] < 0.05 and m["bias_error"] < 0.05
    saved = torch.load(result.run_dir / "model.pt", weights_only=True)
    assert set(saved) == {"weight", "bias"}
    x = torch.linspace(-1, 2, 7)[:, None]
    with torch.no_grad():
        assert torch.equal(result.model(x), result.reloaded(x))


def test_backprop_and_losses_report_float64_agreement_and_a_caught_bug(results):
    b = results["backprop"].metrics
    assert b["max_abs_diff"] <= 1e-6 and b["checks_failed"] == 0 and b["bug_caught"] == 1
    assert b["bug_max_abs_diff"] > 1e-2
    losses = results["losses"].metrics
    assert losses["max_abs_diff"] <= 1e-6 and losses["naive_is_finite"] == 0
    assert losses["stable_large_logit_loss"] == 1000.0


def test_every_part1_exercise_number_resolves_to_its_lesson():
    expected = {"110": "tensors", "210": "affine", "310": "classify", "350": "classify",
                "380": "classify", "410": "classify", "430": "losses", "450": "losses",
                "480": "losses", "510": "descent", "530": "descent", "550": "descent",
                "710": "backprop", "720": "backprop", "730": "backprop", "740": "backprop",
                "750": "backprop"}
    expected.update({n: "xor" for n in ("610", "630", "650", "670", "680", "690", "695")})
    for number, lesson in expected.items():
        assert registry.find(number).id == lesson
        assert registry.find(number).status == "ready"



@pytest.mark.parametrize("args, fragment", [
    (["run", "550", "--quick", "--set", "lr=fast"], "lr must be float"),
    (["run", "695", "--set", "activation=tanh"], "activation must be one of relu, sigmoid"),
    (["run", "spiral", "--set", "hidden=-3"], "hidden must be positive"),
])
def test_bad_set_is_one_line_exit_2_and_leaves_no_run_folder(args, fragment, tmp_path):
    code, _, err = dojo(*args, cwd=tmp_path)
    one_line_error(code, err, fragment)
    assert not list(tmp_path.glob("runs/*"))  # no run folder left behind


def test_an_alias_runs_from_the_command_line(tmp_path):
    code, out, err = dojo("run", "110", "--quick", "--out", str(tmp_path / "t"), cwd=tmp_path)
    assert code == 0, err
    assert "checks_failed 0" in out and (tmp_path / "t" / "result.json").exists()
