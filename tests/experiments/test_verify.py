"""`dojo verify`: the roll-up cannot turn nothing into a PASS, rows carry their provenance,
and the README's results table is exactly what `dojo verify --publish` writes from
results/verify.json."""

import dataclasses
import json
from pathlib import Path

import pytest

from torchdojo.errors import DojoError
from torchdojo.runner import verify as v

README = Path(__file__).resolve().parents[2] / "README.md"


@pytest.mark.parametrize("verdicts, expected", [
    ([("a", "PASS (1)"), ("b", "PASS (2)")], "PASS"),
    ([("a", "PASS (1)"), ("b", "FAIL (0.2)")], "FAIL"),
    ([("a", "n/a: ran on mnist-sample"), ("b", "PASS (1)")], "n/a"),
    ([("a", "n/a: ran on mnist-sample"), ("b", "FAIL (0)")], "FAIL"),
    ([], "error: no target applied to this run"),
])
def test_roll_up(verdicts, expected):
    assert v.roll_up(verdicts) == expected


def test_a_verified_row_says_where_when_and_from_which_commit(tmp_path):
    [row] = v.verify(["affine"], device="cpu", out_root=tmp_path, say=lambda _: None)
    assert row.verdict == "PASS" and row.measured == "max_abs_diff=0"
    assert row.device == "cpu" and row.torch.startswith("2.") and row.seed == 0
    assert row.date and row.machine and row.commit  # the tests run in a git checkout
    assert row.seeds == [0]  # an exact check is never rerun with more seeds


def row(lesson, check="default", verdict="PASS", measured="m=1"):
    return v.Row(lesson, check, "generated", measured, verdict, 1.0, "", date="2026-12-01")


def test_publish_replaces_a_remeasured_lesson_and_keeps_course_order(tmp_path):
    results, readme = tmp_path / "verify.json", tmp_path / "README.md"
    readme.write_text(f"# x\n\n{v.README_START}\nold\n{v.README_END}\n\ntail\n")
    v.publish([row("rnn"), row("tensors"), row("lenet5", "dataset=mnist")], results=results,
              readme=readme)
    v.publish([row("lenet5", "dataset=fashion-mnist", measured="test_acc=0.93"),
               row("xor", verdict="planned"), row("losses", verdict="error: no data")],
              results=results, readme=readme)
    assert [(r.lesson, r.check) for r in v.load(results)] == [
        ("tensors", "default"), ("lenet5", "dataset=fashion-mnist"), ("rnn", "default")]
    text = readme.read_text()
    assert text.startswith("# x\n\n") and text.endswith("\n\ntail\n") and "old" not in text
    assert "| lenet5 | dataset=fashion-mnist | generated | test_acc=0.93 | PASS |" in text


def test_publish_refuses_a_readme_without_markers(tmp_path):
    (tmp_path / "README.md").write_text("# no table here\n")
    with pytest.raises(DojoError, match="no results markers"):
        v.publish([row("rnn")], results=tmp_path / "verify.json", readme=tmp_path / "README.md")
    assert not (tmp_path / "verify.json").exists()


def test_the_readme_table_is_the_published_results():
    text = README.read_text(encoding="utf-8")
    assert v.render_readme(text, v.load(), v.load_comparisons()) == text


@pytest.mark.parametrize("target, value, near", [
    (("test_acc", ">=", 0.98), 0.9894, True), (("test_acc", ">=", 0.98), 0.991, False),
    (("test_neg_elbo", "<=", 105.0), 104.0, True), (("test_neg_elbo", "<=", 105.0), 103.9, False),
    (("lead", ">", 0.0), 0.008, True), (("lead", ">", 0.0), 0.02, False),
    (("max_abs_diff", "<=", 1e-6), 3e-10, False), (("max_abs_diff", "==", 0.0), 0.0, False),
    (("recognised", ">=", 0.9), 0.9095, True),  # a share: a percentage point, not 1 % of 0.9
    (("gap_at_10", ">=", 0.1, 0.01), 0.1088, True), (("gap_at_10", ">=", 0.1, 0.01), 0.111, False),
], ids=["acc-near", "acc-clear", "nats-near", "nats-clear", "zero-near", "zero-clear",
        "tolerance", "exact", "share", "share-difference-near", "share-difference-clear"])
def test_near_bar_is_within_one_point(target, value, near):
    from torchdojo.registry import Target

    assert v.near_bar(Target(*target), value) is near


def test_a_pass_near_its_bar_is_rerun_and_fragile_when_a_seed_fails(tmp_path, monkeypatch):
    """Three seeds of a PASS within a point of its bar; one failing seed makes it fragile."""
    from torchdojo import registry
    from torchdojo.train.context import Result

    check = registry.Check((registry.Target("test_acc", ">=", 0.98),))
    lesson = dataclasses.replace(registry.find("affine"), checks=(check,))
    by_seed = {0: 0.985, 1: 0.99, 2: 0.975}  # seed 2 falls below the bar

    class Started:
        def __init__(self, seed):
            self.config = type("C", (), {"seed": seed})()
            self.ctx = type("X", (), {"device": "cpu"})()

    def measure(lesson_, check_, out, device, quiet, seed=None):
        seed = seed or 0
        result = Result({"test_acc": by_seed[seed]}, dataset="generated")
        verdict = "PASS" if by_seed[seed] >= 0.98 else "FAIL"
        return Started(seed), result, verdict

    monkeypatch.setattr(v, "_measure", measure)
    monkeypatch.setattr(v.registry, "find", lambda key: lesson)
    [r] = v.verify(["fake"], out_root=tmp_path, say=lambda _: None)
    assert r.verdict == "fragile" and r.seeds == [0, 1, 2]
    assert r.measured == "test_acc=0.9833 ± 0.0076 (3 seeds)"
    by_seed[2] = 0.981
    [r] = v.verify(["fake"], out_root=tmp_path, say=lambda _: None)
    assert r.verdict == "PASS" and r.measured.startswith("test_acc=0.9853 ± ")
    # a metric held between two bounds is one metric: three seeds, not five
    check = registry.Check((registry.Target("test_acc", ">=", 0.98),
                            registry.Target("test_acc", "<=", 0.999)))
    lesson = dataclasses.replace(lesson, checks=(check,))
    [r] = v.verify(["fake"], out_root=tmp_path, say=lambda _: None)
    assert r.measured.startswith("test_acc=0.9853 ± ") and r.measured.endswith("(3 seeds)")



def test_a_stopped_verify_leaves_the_rows_it_measured(tmp_path, monkeypatch):
    """Ctrl-C in the second lesson: the first one's row is in the partial summary."""
    from torchdojo import registry
    from torchdojo.train.context import Result

    check = registry.Check((registry.Target("test_acc", ">=", 0.5),))
    lesson = dataclasses.replace(registry.find("affine"), checks=(check,))
    calls = []

    def measure(lesson_, check_, out, device, quiet, seed=None):
        calls.append(out)
        if len(calls) == 2:
            raise KeyboardInterrupt
        started = type("S", (), {"config": type("C", (), {"seed": 0})(),
                                 "ctx": type("X", (), {"device": "cpu"})()})()
        return started, Result({"test_acc": 0.9}, dataset="generated"), "PASS"

    monkeypatch.setattr(v, "_measure", measure)
    monkeypatch.setattr(v.registry, "find", lambda key: lesson)
    with pytest.raises(KeyboardInterrupt):
        v.verify_command(["a", "b"], device="cpu", out_root=tmp_path, verbose=False,
                         publish_rows=False, say=lambda _: None)
    [partial] = tmp_path.glob("verify-*-partial.json")
    rows = json.loads(partial.read_text())["rows"]
    assert [(r["lesson"], r["verdict"], r["measured"]) for r in rows] == \
        [("affine", "PASS", "test_acc=0.9")]


def test_a_stopped_verify_is_judged_again_from_the_runs_it_left(tmp_path):
    """rows_from_runs gives the rows verify gave, from the folders alone; a check whose
    reseeds did not all finish has none."""
    measured = v.verify(["affine", "classify"], out_root=tmp_path, say=lambda _: None)
    again = v.rows_from_runs(tmp_path, source=tmp_path)  # not a git tree: no commit
    key = [(r.lesson, r.check, r.verdict, r.measured, r.seeds) for r in measured]
    assert [(r.lesson, r.check, r.verdict, r.measured, r.seeds) for r in again] == key
    assert measured[1].seeds == [0, 1, 2]  # classify is near its bar: reseeded
    (Path(measured[1].run_dir + "-seed2") / "result.json").unlink()  # stopped in its reseeds
    assert [r.lesson for r in v.rows_from_runs(tmp_path)] == ["affine"]


def test_cifar10_absent_is_n_a_at_once_without_training(tmp_path, monkeypatch):
    from torchdojo.data import cifar
    from torchdojo.experiments import cifar10

    monkeypatch.setattr(v, "_measure", lambda *a, **k: pytest.fail("trained on a stand-in"))
    monkeypatch.setattr(cifar, "present", lambda root=None: False)
    rows = v.verify(["cifar10"], out_root=tmp_path, say=lambda _: None)
    assert [(r.lesson, r.verdict, r.seconds, r.run_dir) for r in rows] == [
        ("cifar10", "n/a", 0.0, "")]
    assert "dojo data fetch cifar10" in rows[0].why and rows[0].commit == v.git_commit()
    assert rows[0].device == "cpu"
    assert list(tmp_path.iterdir()) == []  # no run folder
    # with the files there, or asked for CIFAR-10 outright, it trains (and errs if absent)
    monkeypatch.setattr(cifar, "present", lambda root=None: True)
    assert cifar10.target_data_missing(cifar10.Config()) is None
    assert cifar10.target_data_missing(cifar10.Config(data="cifar10")) is None
    assert "synthetic" in cifar10.target_data_missing(cifar10.Config(data="synthetic"))
