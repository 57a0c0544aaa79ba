"""Part III experiments (sequences, rnn, lstm, attention) in quick mode: targets, run folders,
the hand-written pieces against torch on trained weights, and one-line corpus errors."""

import json
import math

import pytest
from clitools import dojo, one_line_error

from torchdojo import registry
from torchdojo.runner import run_experiment

FAST = ["sequences", "rnn", "attention"]  # quick runs that must meet the full target


@pytest.fixture(scope="module")
def results(tmp_path_factory, text_corpus):
    root = tmp_path_factory.mktemp("runs")
    out = {key: run_experiment(key, quick=True, out=root / key, quiet=True) for key in FAST}
    out["lstm"] = run_experiment("lstm", quick=True, out=root / "lstm", quiet=True,
                                 overrides={"corpus": str(text_corpus)})
    return out


@pytest.mark.parametrize("key", FAST)
def test_quick_run_meets_every_target_of_the_lesson(results, key):
    result = results[key]
    for check in registry.find(key).checks:
        for target in check.targets:
            assert target.met(result.metrics), (str(target), result.metrics.get(target.metric))
    saved = json.loads((result.run_dir / "result.json").read_text())
    assert all(v.startswith("PASS") for v in saved["targets"].values()), saved["targets"]
    assert (result.run_dir / "report.html").exists()


def test_every_run_folder_has_its_plots(results):
    expected = {"sequences": {"batch", "lengths"}, "rnn": {"curves", "hidden_state"},
                "attention": {"weights", "heads"}, "lstm": {"text_curves", "gates", "series"}}
    for key, names in expected.items():
        assert {p.stem for p in results[key].run_dir.glob("*.png")} >= names, key


def test_sequences_checks_all_pass_and_are_many(results):
    m = results["sequences"].metrics
    assert m["checks_failed"] == 0 and m["checks"] >= 8
    assert m["label1_share"] == 0.5


def test_rnn_beats_chance_and_hand_cell_replays_trained_weights(results):
    result = results["rnn"]
    m = result.metrics
    assert m["test_acc"] >= 0.95  # chance is 0.5
    assert m["hand_cell_max_abs_diff"] < 1e-5
    losses = [r["loss"] for r in result.history if r["phase"] == "train"]
    assert losses[-1] < 0.3 * losses[0]
    assert (result.run_dir / "checkpoint.pt").exists()


def test_attention_every_comparison_within_1e_5(results):
    diffs = results["attention"].diffs
    assert set(diffs) == {"sdpa", "sdpa_causal", "sdpa_bool_mask", "mha", "mha_causal",
                          "mha_cross_padded"}
    assert max(diffs.values()) <= 1e-5


def test_lstm_quick_learns_text_and_beats_the_naive_forecast(results):
    result = results["lstm"]
    m = result.metrics
    vocab = result.tokenizer.vocab_size
    # both models learnt something: well below uniform guessing (ln V nats per char)
    assert m["lstm_val_loss"] < math.log(vocab) - 0.5 and m["rnn_val_loss"] < math.log(vocab) - 0.5
    assert m["lstm_minus_rnn_val_loss"] == pytest.approx(m["lstm_val_loss"] - m["rnn_val_loss"])
    assert m["series_mse_ratio_to_naive"] < 1.0
    assert m["series_mse_ratio_to_naive"] == pytest.approx(m["series_mse"] /
                                                           m["series_naive_mse"])
    assert m["gates_max_abs_diff"] < 1e-5  # hand gates replay the trained nn.LSTM
    assert m["lstm_params"] > m["rnn_params"]  # same width: the LSTM has 4 gates' weights
    samples = [n for n in result.notes if "sample" in n]
    assert len(samples) == 4  # three LSTM temperatures and one RNN



@pytest.mark.parametrize("content, words", [
    (None, "does not exist"), (b"", "empty"), (b"\x00\x01\x02binary", "not text"),
])
def test_bad_corpus_is_one_line_exit_2_and_leaves_no_run_folder(tmp_path, content, words):
    corpus = tmp_path / "corpus.txt"
    if content is not None:
        corpus.write_bytes(content)
    out = tmp_path / "runs" / "lstm"
    code, _, err = dojo("run", "lstm", "--quick", "--set", f"corpus={corpus}", "--out", str(out),
                        cwd=tmp_path)
    one_line_error(code, err, str(corpus), words)
    assert not out.exists()
