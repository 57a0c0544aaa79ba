"""intro: every example meets its check in the quick run, with values that can be recomputed;
the workflow map names real lessons (and the lesson's table says the same); broken variants
(an untrained network, a player who only explores) fail their targets; bad settings are one
line and exit 2."""

import json
import re
from pathlib import Path

import pytest
import torch
from clitools import dojo, one_line_error

from torchdojo import registry
from torchdojo.errors import DojoError
from torchdojo.experiments import intro
from torchdojo.runner import make_config, run_experiment
from torchdojo.train.context import Context
from torchdojo.train.tasks import predict

LESSON_SCRIPT = Path(__file__).resolve().parents[2] / "lessons" / "intro.py"
TARGETS = [t for check in registry.find("intro").checks for t in check.targets]


@pytest.fixture(scope="module")
def quick(tmp_path_factory):
    return run_experiment("intro", quick=True, out=tmp_path_factory.mktemp("runs") / "intro",
                          quiet=True)


def test_quick_run_meets_every_check_and_writes_a_complete_run_folder(quick):
    assert {t.metric for t in TARGETS} == {"learned_minus_rules_acc", "probe_minus_raw_acc",
                                           "transfer_minus_scratch_acc", "bandit_best_arm_share"}
    for target in TARGETS:
        assert target.met(quick.metrics), (str(target), quick.metrics[target.metric])
    saved = json.loads((quick.run_dir / "result.json").read_text())
    assert len(saved["targets"]) == 4
    assert all(v.startswith("PASS") for v in saved["targets"].values()), saved["targets"]
    assert {p.name for p in quick.run_dir.glob("*.png")} == {"rules.png", "kinds.png",
                                                             "digits.png"}
    # one fit logs (the moons MLP): one train record per epoch, and its checkpoint
    records = [json.loads(x) for x in (quick.run_dir / "metrics.jsonl").read_text().splitlines()]
    assert [r["epoch"] for r in records] == list(range(1, intro.QUICK["epochs"] + 1))
    assert (quick.run_dir / "checkpoint.pt").exists()


def test_rules_by_hand_vs_learned_values(quick):
    m = quick.metrics
    rule = intro.hand_rule(torch.tensor([[0.0, 1.0], [1.0, -0.5], [2.0, 0.25]]), 0.25)
    assert rule.tolist() == [0, 1, 1]  # at the threshold itself: not above it, lower moon
    x, y = intro.two_moons(1000, noise=0.15, seed=1)  # the quick run's held-out points
    assert m["rule_acc"] == intro.accuracy(intro.hand_rule(x, 0.25), y)
    assert 0.75 < m["rule_acc"] < 0.92 and m["learned_acc"] >= 0.95
    assert m["learned_minus_rules_acc"] == pytest.approx(m["learned_acc"] - m["rule_acc"])


def test_when_it_pays_a_line_is_enough_for_blobs_not_for_moons(quick):
    m = quick.metrics
    assert min(m["blobs_linear_acc"], m["blobs_mlp_acc"]) >= 0.97
    assert abs(m["blobs_linear_acc"] - m["blobs_mlp_acc"]) <= 0.02
    assert m["moons_mlp_acc"] - m["moons_linear_acc"] >= 0.05
    assert m["linear_params"] == 2 * 2 + 2  # W (2, 2) and b
    assert m["mlp_params"] == (2 * 32 + 32) + (32 * 32 + 32) + (32 * 2 + 2)


def test_self_supervised_codes_and_transfer_beat_raw_and_scratch(quick):
    m = quick.metrics
    assert 0.1 < m["raw_probe_acc"] < m["code_probe_acc"]  # above chance, below the codes
    assert m["probe_minus_raw_acc"] == pytest.approx(m["code_probe_acc"] - m["raw_probe_acc"])
    assert m["source_acc"] >= 0.9  # task A is learned: the reader reads noisy digits
    assert 0.5 < m["scratch_acc"] < m["transfer_acc"]
    codes = predict(quick.ae[0], torch.zeros(3, 77))
    assert codes.shape == (3, 8)  # the autoencoder squeezes 77 pixels into 8 numbers


def test_seven_segment_digits():
    templates = intro.digit_templates()  # (10, 11, 7)
    assert templates.shape == (10, intro.HEIGHT, intro.WIDTH)
    assert (templates <= templates[8]).all()  # 8 lights every segment
    lit = templates[1].nonzero()  # 1: segments b and c, the right-hand column only
    assert set(lit[:, 1].tolist()) == {intro.WIDTH - 2} and len(lit) == intro.HEIGHT - 2
    assert not torch.equal(templates[0], templates[8])  # 0 is 8 without the middle bar g
    noisy = intro.noisy_digits(torch.tensor([3, 3]), noise=0.4, seed=5)
    assert noisy.shape == (2, 77) and torch.equal(
        noisy, intro.noisy_digits(torch.tensor([3, 3]), noise=0.4, seed=5))
    assert (noisy - templates[3].flatten()).std() == pytest.approx(0.4, rel=0.2)


def test_bandit_pieces_and_play(quick):
    values, counts = torch.zeros(3, dtype=torch.float64), torch.zeros(3, dtype=torch.float64)
    for reward in (1.0, 0.0, 1.0):
        before = values.clone(), counts.clone()
        new_values, new_counts = intro.update_estimate(values, counts, 2, reward)
        assert torch.equal(values, before[0]) and torch.equal(counts, before[1])  # unchanged
        values, counts = new_values, new_counts
    assert values.tolist() == pytest.approx([0, 0, 2 / 3]) and counts.tolist() == [0, 0, 3]
    tie = torch.tensor([0.1, 0.5, 0.5])
    assert intro.choose_arm(tie, 0.1, 0.05, 0) == 0  # u < epsilon: explore
    assert intro.choose_arm(tie, 0.1, 0.1, 0) == 1  # u = epsilon: exploit, the first best
    played = quick.bandit
    assert quick.metrics["bandit_best_arm_share"] >= 0.8
    assert abs(played["values"][3] - 0.8) < 0.1  # the best arm's estimate found its mean
    again = intro.bandit(make_config(intro, quick=True))[1]["bandit"]
    assert torch.equal(again["arms"], played["arms"])  # seeded: the same pulls


def test_workflow_names_real_lessons_and_the_lesson_table_agrees():
    assert list(intro.WORKFLOW) == ["data", "model", "loss and optimiser", "loop", "evaluate",
                                    "improve and save"]
    for lessons in intro.WORKFLOW.values():
        assert lessons and all(registry.find(key).id == key for key in lessons)
    rows = re.findall(r"^# \| ([a-z ]+) \| [^|]+ \| (`.+`) \|$", LESSON_SCRIPT.read_text(), re.M)
    table = {step: tuple(re.findall(r"`([a-z0-9-]+)`", ids)) for step, ids in rows}
    assert table == intro.WORKFLOW


def test_targets_can_fail_an_untrained_net_and_a_player_who_only_explores():
    config = make_config(intro, quick=True, overrides={"epochs": 0, "epsilon": 1.0})
    # only the two examples these settings break, run as the experiment runs them
    metrics = {**intro.rules_vs_learned(config, Context(quiet=True))[0],
               **intro.bandit(config)[0]}
    assert metrics["learned_minus_rules_acc"] < 0  # an untrained net is worse than the rule
    assert metrics["bandit_best_arm_share"] < 0.4  # exploring only: each arm ~1/5 of the time
    broken = [t for t in TARGETS if t.metric in metrics]
    assert len(broken) == 2 and not any(t.met(metrics) for t in broken)


@pytest.mark.parametrize("overrides, message", [
    ({"epsilon": 1.5}, "epsilon is a probability"),
    ({"epochs": -1}, "epochs must be 0 or more"),
    ({"last_pulls": 900}, "cannot exceed pulls"),
    ({"arm_means": "0.5"}, "two or more chances"),
])
def test_bad_settings_are_dojo_errors_before_anything_trains(overrides, message):
    with pytest.raises(DojoError, match=message):
        intro.run(make_config(intro, overrides=overrides), Context(quiet=True))


def test_bad_setting_on_the_cli_is_one_line_and_exit_2(tmp_path):
    code, _, err = dojo("run", "intro", "--quick", "--set", "epsilon=2",
                        "--out", str(tmp_path / "run"))
    one_line_error(code, err, "epsilon is a probability")
    assert not (tmp_path / "run").exists()
