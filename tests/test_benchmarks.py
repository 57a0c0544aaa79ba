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


def test_the_readme_benchmark_blocks_are_the_saved_results():
    """Each device block in the README (between its markers) is rendered from that device's
    saved file: no figure in it is typed by hand."""
    from benchmarks import readme

    text = readme.README.read_text(encoding="utf-8")
    for device in ("cpu", "cuda"):
        if readme.markers(device)[0] in text:
            assert readme.rendered(text, device, readme.load(device)) == text, device


def test_a_rendered_block_carries_the_measured_figures():
    from benchmarks import readme

    results = {"machine": "m", "device": "cpu", "date": "d", "torch": "t",
               "batching": {"ours_sps": 40000.0, "dataloader_sps": 20000.0, "ratio": 2.0,
                            "engine_overhead": 0.071, "bare_sps": 43000.0},
               "hardware": {"share": 0.55, "train_gflops": 184.8, "matmul_gflops": 338.0,
                            "data_share": 0.015},
               "time_to_accuracy": [{"lesson": "lenet5", "config": "sprint config",
                                     "settings": "epochs=2", "threshold": 0.9, "ours_s": 12.5,
                                     "ours_epochs": 2, "reference_s": float("inf"),
                                     "reference_epochs": 15, "ratio": float("inf")}]}
    block = readme.render(results)
    assert "+7.1 % over a bare in-memory loop" in block and "40,000 samples/s" in block
    assert "| lenet5, sprint config (epochs=2) | 90 % | 12.5 s (epoch 2) | not reached |" \
        in block


def test_verify_wall_times_are_summarised_per_device(tmp_path):
    import json

    from benchmarks import bench_verify_times, readme

    def row(lesson, check, device, seconds):
        return {"lesson": lesson, "check": check, "device": device, "seconds": seconds,
                "commit": "abc123", "date": "2026-12-02"}

    path = tmp_path / "verify-1.json"
    path.write_text(json.dumps({"rows": [row("xor", "default", "cpu", 2.0),
                                         row("lenet5", "dataset=fashion-mnist", "cuda:0", 9.5),
                                         row("diffusion", "default", "cuda", 30.25)]}))
    cuda = bench_verify_times.main("cuda", path, slowest=5)
    assert cuda["rows"] == 2 and cuda["total_s"] == 39.8
    assert cuda["slowest"] == [["diffusion", 30.25], ["lenet5 (dataset=fashion-mnist)", 9.5]]
    assert bench_verify_times.main("mps", path) is None
    results = {"machine": "m", "device": "cuda", "date": "d", "torch": "t",
               "batching": {"ours_sps": 1.0, "dataloader_sps": 1.0, "ratio": 1.0,
                            "engine_overhead": 0.0, "bare_sps": 1.0},
               "hardware": {"share": 0.5, "train_gflops": 1.0, "matmul_gflops": 2.0,
                            "data_share": 0.0},
               "time_to_accuracy": [], "verify": cuda}
    assert ("2 rows in 40 s (first seeds); slowest diffusion 30 s, lenet5 "
            "(dataset=fashion-mnist) 10 s.") in readme.render(results)


def test_the_switch_speedups_are_rendered_against_no_switch():
    from benchmarks import readme

    def row(switches, speedup, extra, refused=False):
        return {"lesson": "lenet5", "switches": switches, "speedup": speedup,
                "first_epoch_extra_s": extra, "refused": refused}

    results = {"machine": "m", "device": "cpu", "date": "d", "torch": "t",
               "batching": {"ours_sps": 1.0, "dataloader_sps": 1.0, "ratio": 1.0,
                            "engine_overhead": 0.0, "bare_sps": 1.0},
               "hardware": {"share": 0.5, "train_gflops": 1.0, "matmul_gflops": 2.0,
                            "data_share": 0.0},
               "time_to_accuracy": [],
               "switches": [row("none", 1.0, 0.2), row("--amp", 0, 0, refused=True),
                            row("--compile", 0.861, 32.7)]}
    assert ("- **Switches**, training samples/s after the first epoch against no switch, "
            "side by side: lenet5 --amp refused (no native bf16), --compile 0.86x (+33 s to "
            "compile, cold).") in readme.render(results)


def test_switch_bench_times_the_first_three_epochs_of_the_lessons_own_run(fake_data):
    from benchmarks import bench_switches

    times, examples, applied = bench_switches.epoch_times(
        "lenet5", {"dataset": "fashion-mnist", "epochs": 4, "train_limit": 256,
                   "channels": "4,8"}, torch.device("cpu"), amp=False, compile=False)
    assert len(times) == 3 and all(t > 0 for t in times)
    assert examples == 256 and applied == {}


def test_the_gpu_pack_holds_both_data_sets_as_the_loader_reads_them(fake_data, tmp_path):
    from benchmarks import gpu_pack
    from torchdojo.data import vision

    gpu_pack.pack_data(tmp_path / "pack")
    for name in vision.FOLDERS:
        packed = vision.user_dir(name, tmp_path / "pack" / "data")
        assert sorted(p.name for p in packed.iterdir()) == sorted(f"{s}.gz" for s in vision.FILES)
        here, there = vision.load_images(name), vision.load_images(name, root=tmp_path / "pack"
                                                                   / "data")
        assert there.source == str(packed)
        assert torch.equal(here.train_x, there.train_x) and torch.equal(here.test_y, there.test_y)
