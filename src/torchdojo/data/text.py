"""Text for character-level models: a corpus, a character tokenizer, next-char windows.

Where the text comes from, in order:

1. the file the user names (`--set corpus=PATH`); a missing, empty or binary file is a
   DojoError that names it;
2. the fortune files of Debian's `fortunes` package (`/usr/share/games/fortunes/`):
   the default, because they are real prose (sentences, punctuation, capitals, line
   breaks), so samples from a model look like text and a fair validation split is easy;
3. the system word list (`/usr/share/dict/words`, Debian `wamerican`): one word a line,
   in alphabetical order, so a model learns spelling but not sentences;
4. a few KB of text that ships with torchdojo, as a last resort, announced.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import torch
from torch import Tensor

from torchdojo.errors import DojoError

FORTUNES_DIR = Path("/usr/share/games/fortunes")
WORDS_FILE = Path("/usr/share/dict/words")
BUILTIN = Path(__file__).resolve().parent / "corpus" / "builtin.txt"
CORPUS_ENV = "TORCHDOJO_SYSTEM_TEXT"  # "0" hides the system corpora (tests of the fallback)


@dataclass
class Corpus:
    """A text and where it came from."""

    text: str
    name: str  # "fortunes", "words", "builtin" or the file's name
    source: str  # the path(s) read

    @property
    def label(self) -> str:
        """For reports: name, size and source."""
        return f"{self.name} ({len(self.text):,} characters from {self.source})"


def _clean(text: str) -> str:
    """Drop overstrike sequences (`x\\bx`) and control characters other than newline and tab."""
    out: list[str] = []
    for ch in text.replace("\r\n", "\n"):
        if ch == "\b":
            if out:
                out.pop()
        elif ch in "\n\t" or ch.isprintable():
            out.append(ch)
    return "".join(out)


def read_text_file(path: str | Path) -> str:
    """A UTF-8 text file's contents; a DojoError naming the file if missing, empty or binary."""
    path = Path(path).expanduser()
    if not path.exists():
        raise DojoError(f"corpus file {path} does not exist")
    if not path.is_file():
        raise DojoError(f"corpus {path} is not a file")
    try:
        data = path.read_bytes()
    except OSError as e:
        raise DojoError(f"cannot read corpus file {path}: {e.strerror}") from None
    if b"\x00" in data:
        raise DojoError(f"corpus file {path} is not text (it contains NUL bytes)")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise DojoError(f"corpus file {path} is not UTF-8 text (bad byte at offset {e.start})") \
            from None
    if not text.strip():
        raise DojoError(f"corpus file {path} is empty")
    return _clean(text)


def fortune_files(root: Path) -> list[Path]:
    """The fortune text files (not their `.dat` indexes or `.u8` links), sorted by name."""
    if not root.is_dir():
        return []
    return sorted(p for p in root.iterdir()
                  if p.is_file() and not p.is_symlink() and p.suffix == "")


def read_fortunes(files: Sequence[Path]) -> str:
    """The fortunes of `files`, one after another, with the `%` separator lines removed."""
    chunks = []
    for path in files:
        try:
            text = path.read_bytes().decode("utf-8")
        except (OSError, UnicodeDecodeError):
            continue  # a stray non-text file in the folder: skip it
        lines = [line for line in text.splitlines() if line.strip() != "%"]
        chunks.append("\n".join(lines).strip() + "\n")
    return _clean("\n".join(chunks))


def _system_text_allowed() -> bool:
    return os.environ.get(CORPUS_ENV, "1") not in ("0", "false", "no")


def load_corpus(path: str | Path | None = None, *, max_chars: int | None = None) -> Corpus:
    """The user's file, else fortunes, else the word list, else the built-in text (announced)."""
    if max_chars is not None and max_chars < 1:
        raise DojoError(f"max_chars must be at least 1, not {max_chars}")
    if path is not None and str(path).strip():
        p = Path(path).expanduser()
        corpus = Corpus(read_text_file(p), p.name, str(p))
    else:
        corpus = None
        if _system_text_allowed():
            files = fortune_files(FORTUNES_DIR)
            text = read_fortunes(files) if files else ""
            if text.strip():
                corpus = Corpus(text, "fortunes", f"{FORTUNES_DIR} ({len(files)} files)")
            elif WORDS_FILE.is_file():
                corpus = Corpus(read_text_file(WORDS_FILE), "words", str(WORDS_FILE))
        if corpus is None:
            print(f"torchdojo: no system text found (fortunes, {WORDS_FILE}); "
                  f"using the small built-in corpus", flush=True)
            corpus = Corpus(read_text_file(BUILTIN), "builtin", str(BUILTIN))
    if max_chars is not None:
        corpus.text = corpus.text[:max_chars]
    return corpus


class CharTokenizer:
    """Characters <-> integer ids; the vocabulary is the sorted set of characters seen."""

    def __init__(self, chars: Sequence[str]):
        self.chars = list(chars)
        self.index = {ch: i for i, ch in enumerate(self.chars)}
        if len(self.index) != len(self.chars):
            raise ValueError("CharTokenizer: characters must be unique")

    @classmethod
    def from_text(cls, text: str) -> CharTokenizer:
        """A tokenizer whose vocabulary is every distinct character of `text`."""
        return cls(sorted(set(text)))

    @property
    def vocab_size(self) -> int:
        return len(self.chars)

    def encode(self, text: str) -> Tensor:
        """`text` -> LongTensor of ids, shape (len(text),); unknown characters are a DojoError."""
        missing = sorted(set(text) - self.index.keys())
        if missing:
            raise DojoError(f"characters not in the vocabulary: {''.join(missing)!r}")
        return torch.tensor([self.index[ch] for ch in text], dtype=torch.long)

    def decode(self, ids: Tensor | Sequence[int]) -> str:
        """ids -> text."""
        if isinstance(ids, Tensor):
            ids = ids.flatten().tolist()
        return "".join(self.chars[i] for i in ids)


def train_val_split(ids: Tensor, val_fraction: float = 0.1,
                    chunk: int = 1024) -> tuple[Tensor, Tensor]:
    """Deterministic split: cut `ids` into chunks, every k-th chunk (k = 1/val_fraction) is val.

    Interleaving chunks, rather than holding out the tail, keeps both parts drawn from the
    whole corpus (the fortune files are sorted by topic, the word list by letter).
    """
    if not 0 < val_fraction < 1:
        raise DojoError(f"val_fraction must be between 0 and 1, not {val_fraction}")
    every = max(round(1 / val_fraction), 2)
    chunks = list(ids.split(chunk))
    val = [c for i, c in enumerate(chunks) if i % every == every - 1]
    train = [c for i, c in enumerate(chunks) if i % every != every - 1]
    if not val or not train:  # a text shorter than `every` chunks: hold out the tail instead
        cut = int(len(ids) * (1 - val_fraction))
        return ids[:cut], ids[cut:]
    return torch.cat(train), torch.cat(val)


def char_windows(ids: Tensor, block: int, stride: int | None = None) -> tuple[Tensor, Tensor]:
    """Next-character pairs: x = ids[s : s+block], y = ids[s+1 : s+block+1] for s = 0, stride, ...

    Returns (x, y), each (N, block), int64: y is x shifted one character to the left.
    """
    if block < 1:
        raise DojoError(f"block must be at least 1, not {block}")
    stride = stride or block
    if ids.numel() < block + 1:
        raise DojoError(f"the text has {ids.numel()} characters; need at least {block + 1} "
                        f"for windows of {block}")
    starts = torch.arange(0, ids.numel() - block, stride)  # (N,)
    offsets = torch.arange(block)  # (block,)
    index = starts[:, None] + offsets[None, :]  # (N, block)
    return ids[index], ids[index + 1]
