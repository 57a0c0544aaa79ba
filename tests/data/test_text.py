"""Corpus loading (user file, system text, built-in fallback), the tokenizer and windows."""

import pytest
import torch

from torchdojo.data import text
from torchdojo.data.text import CharTokenizer, char_windows, load_corpus, train_val_split
from torchdojo.errors import DojoError


def test_user_file_is_read_cleaned_and_cut(tmp_path):
    path = tmp_path / "story.txt"
    path.write_text("Once upon a time\r\nthere was a b\bbold model.\n")
    corpus = load_corpus(path)
    assert corpus.name == "story.txt" and corpus.source == str(path)
    assert corpus.text == "Once upon a time\nthere was a bold model.\n"  # CRLF and overstrike
    assert load_corpus(path, max_chars=4).text == "Once"


@pytest.mark.parametrize("content, words", [
    (None, "does not exist"), (b"", "empty"), (b"  \n\n", "empty"),
    (b"\x89PNG\r\n\x1a\n\x00\x00", "not text"), (b"caf\xe9 au lait", "not UTF-8"),
])
def test_bad_corpus_files_are_one_line_errors_naming_the_file(tmp_path, content, words):
    path = tmp_path / "corpus.bin"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(DojoError) as e:
        load_corpus(path)
    message = str(e.value)
    assert str(path) in message and words in message and "\n" not in message


def test_a_folder_is_not_a_corpus(tmp_path):
    with pytest.raises(DojoError, match="not a file"):
        load_corpus(tmp_path)


def test_fortunes_lose_their_separators(tmp_path):
    (tmp_path / "wisdom").write_text("Look before you leap.\n%\nHe who hesitates is lost.\n%\n")
    (tmp_path / "wisdom.dat").write_bytes(b"\x00\x00\x00\x02")
    files = text.fortune_files(tmp_path)
    assert [f.name for f in files] == ["wisdom"]
    assert text.read_fortunes(files) == "Look before you leap.\nHe who hesitates is lost.\n"


def test_default_is_system_text_when_present_else_the_builtin_announced(monkeypatch, capsys):
    monkeypatch.delenv(text.CORPUS_ENV)  # conftest hides the system text; this test looks
    monkeypatch.setattr(text, "FORTUNES_DIR", text.Path("/nonexistent/fortunes"))
    monkeypatch.setattr(text, "WORDS_FILE", text.Path("/nonexistent/words"))
    corpus = load_corpus()
    assert corpus.name == "builtin" and "recurrent network" in corpus.text
    assert "built-in" in capsys.readouterr().out
    monkeypatch.setenv(text.CORPUS_ENV, "0")
    assert load_corpus().name == "builtin"


def test_system_word_list_when_there_are_no_fortunes(monkeypatch, tmp_path):
    words = tmp_path / "words"
    words.write_text("aardvark\nabacus\n")
    monkeypatch.setattr(text, "FORTUNES_DIR", tmp_path / "none")
    monkeypatch.setattr(text, "WORDS_FILE", words)
    monkeypatch.delenv(text.CORPUS_ENV)
    corpus = load_corpus()
    assert corpus.name == "words" and corpus.text == "aardvark\nabacus\n"


def test_tokenizer_round_trip_and_vocabulary():
    tok = CharTokenizer.from_text("hello world")
    assert tok.chars == sorted(set("hello world")) and tok.vocab_size == 8
    ids = tok.encode("low door")
    assert ids.dtype == torch.long and ids.tolist() == [tok.index[c] for c in "low door"]
    assert tok.decode(ids) == "low door" and tok.decode(ids.tolist()) == "low door"
    with pytest.raises(DojoError, match="'z'"):
        tok.encode("zoo")


def test_char_windows_are_shifted_by_one():
    ids = torch.arange(10)
    x, y = char_windows(ids, 4)
    assert x.tolist() == [[0, 1, 2, 3], [4, 5, 6, 7]]
    assert torch.equal(y, x + 1)
    x2, _ = char_windows(ids, 4, stride=2)
    assert x2[:, 0].tolist() == [0, 2, 4]
    with pytest.raises(DojoError):
        char_windows(torch.arange(3), 4)


def test_split_is_deterministic_disjoint_and_interleaved():
    ids = torch.arange(10_000)
    train, val = train_val_split(ids, 0.1, chunk=100)
    assert len(train) + len(val) == 10_000 and len(val) == 1000
    assert set(train.tolist()).isdisjoint(val.tolist())
    assert val[:100].tolist() == list(range(900, 1000))  # chunk 9 of every 10
    assert val.max() > 9000 and val.min() < 1000  # from the whole text, not just its end
    again = train_val_split(ids, 0.1, chunk=100)
    assert torch.equal(again[0], train) and torch.equal(again[1], val)
