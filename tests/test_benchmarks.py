"""The time-to-accuracy benchmark on the fake data: it stops at the first epoch over the
threshold (on both sides), and never stops if the threshold is out of reach."""

import math

import torch

from benchmarks import bench_time_to_accuracy as bench

QUICK = {"dataset": "fashion-mnist", "hidden": "32", "epochs": 3, "train_limit": 512}


def test_ours_stops_at_the_first_epoch_over_the_threshold(fake_data):
    reached = bench.ours("mnist-mlp", QUICK, threshold=0.0)
    assert reached.epochs == 1 and math.isfinite(reached.seconds) and reached.seconds > 0
    never = bench.ours("mnist-mlp", QUICK, threshold=1.01)
    assert never.epochs == 3 and math.isinf(never.seconds) and 0.1 < never.acc <= 1


def test_reference_trains_the_same_model_the_standard_way(fake_data):
    def model():
        return torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(784, 10))

    never = bench.reference(model, "fashion-mnist", threshold=1.01, max_epochs=2)
    assert never.epochs == 2 and math.isinf(never.seconds) and never.acc > 0.5  # chance 0.1
    reached = bench.reference(model, "fashion-mnist", threshold=0.0, max_epochs=2)
    assert reached.epochs == 1 and reached.seconds == reached.per_epoch


def test_sprint_configs_are_valid_configs_of_their_lessons():
    from torchdojo import registry, runner

    for lesson, overrides in bench.SPRINT.items():
        module = runner.experiment_module(registry.find(lesson))
        config = runner.make_config(module, overrides=overrides)
        assert config.epochs == overrides["epochs"]
