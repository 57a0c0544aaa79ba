"""Date normalisation, a small transduction task: written dates -> ISO `YYYY-MM-DD`.

"3rd of March 1987", "Tue, Mar 3 1987", "03.03.1987" -> "1987-03-03". Characters in,
characters out, lengths differ: what encoder-decoder models were made for. Dates are
split before they are written, so no test date appears in training in any format.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

import torch
from torch import Tensor

from torchdojo.errors import DojoError

PAD, BOS, EOS = 0, 1, 2
SPECIALS = ["<pad>", "<bos>", "<eos>"]
FIRST, LAST = dt.date(1950, 1, 1), dt.date(2049, 12, 31)
ISO_LEN = 10  # "YYYY-MM-DD"


def _ordinal(day: int) -> str:
    suffix = "th" if 10 <= day % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")
    return f"{day}{suffix}"


def _formats(d: dt.date) -> list[str]:
    """Every way this module writes one date (fixed English names, no locale)."""
    month, mon = d.strftime("%B"), d.strftime("%b")
    weekday, wkd = d.strftime("%A"), d.strftime("%a")
    return [
        f"{d.day} {month} {d.year}",
        f"{month} {d.day}, {d.year}",
        f"{d.day} {mon} {d.year}",
        f"{mon} {d.day} {d.year}",
        f"{weekday}, {month} {d.day}, {d.year}",
        f"{wkd} {d.day} {mon} {d.year}",
        f"the {_ordinal(d.day)} of {month} {d.year}",
        f"{month} {_ordinal(d.day)}, {d.year}",
        f"{d.day:02d}.{d.month:02d}.{d.year}",
        f"{d.day}.{d.month}.{d.year}",
        f"{d.year}/{d.month:02d}/{d.day:02d}",
        f"{d.day:02d}-{mon}-{d.year}",
        f"{month.upper()} {d.day} {d.year}",
        f"{d.day} {month.lower()} {d.year}",
        f"{mon.lower()} {d.day:02d} {d.year}",
    ]


N_FORMATS = len(_formats(FIRST))


def write_date(d: dt.date, fmt: int) -> str:
    """Date `d` written in format number `fmt` (0 <= fmt < N_FORMATS)."""
    return _formats(d)[fmt]


def iso(d: dt.date) -> str:
    """The target: `YYYY-MM-DD`."""
    return d.isoformat()


class Vocab:
    """Characters <-> ids, with <pad>=0, <bos>=1, <eos>=2."""

    def __init__(self, chars: str):
        self.itos = SPECIALS + sorted(set(chars))
        self.stoi = {c: i for i, c in enumerate(self.itos)}

    def __len__(self) -> int:
        return len(self.itos)

    def encode(self, text: str, length: int, *, bos: bool = False) -> list[int]:
        """Ids of `text` (+ <eos>), optionally after <bos>, padded to `length`."""
        ids = ([BOS] if bos else []) + [self.stoi[c] for c in text] + [EOS]
        return ids + [PAD] * (length - len(ids))

    def decode(self, ids: list[int] | Tensor) -> str:
        """Text up to the first <eos>, skipping <pad>/<bos>."""
        out = []
        for i in (ids.tolist() if isinstance(ids, Tensor) else ids):
            if i == EOS:
                break
            if i > EOS:
                out.append(self.itos[i])
        return "".join(out)


@dataclass
class DateData:
    """Encoded pairs: src (N, S) characters of the written date; tgt (N, 12) = <bos> ISO <eos>."""

    train_src: Tensor
    train_tgt: Tensor
    test_src: Tensor
    test_tgt: Tensor
    src_vocab: Vocab
    tgt_vocab: Vocab
    train_text: list[tuple[str, str]]
    test_text: list[tuple[str, str]]
    val_src: Tensor  # held out of the training pairs: curves and choices
    val_tgt: Tensor
    val_text: list[tuple[str, str]]

    @property
    def label(self) -> str:
        """Human description with sizes."""
        return (f"synthetic dates {FIRST.year}-{LAST.year}, {N_FORMATS} formats: "
                f"{len(self.train_text):,} train / {len(self.val_text):,} validation / "
                f"{len(self.test_text):,} test pairs (test dates disjoint)")


def make_pairs(n_train: int, n_test: int, seed: int = 0) -> tuple[list, list]:
    """(written, iso) pairs; test dates are disjoint from train dates."""
    days = (LAST - FIRST).days + 1
    if n_train <= 0 or n_test <= 0:
        raise DojoError("need at least one training and one test date")
    if n_test > days // 4:
        raise DojoError(f"n_test={n_test} is too large: at most {days // 4} test dates")
    rng = random.Random(seed)
    order = list(range(days))
    rng.shuffle(order)
    test_days, train_days = order[:n_test], order[n_test:]

    def pairs(pool: list[int], n: int) -> list[tuple[str, str]]:
        out = []
        for i in range(n):
            d = FIRST + dt.timedelta(days=pool[i % len(pool)] if i < len(pool)
                                     else rng.choice(pool))
            out.append((write_date(d, rng.randrange(N_FORMATS)), iso(d)))
        return out

    return pairs(train_days, n_train), pairs(test_days, n_test)


def load_dates(n_train: int = 20_000, n_test: int = 2_000, seed: int = 0,
               device: torch.device | str = "cpu") -> DateData:
    """Seeded date-normalisation data as padded id tensors on `device`; a tenth of the
    `n_train` training pairs is held out for validation."""
    train, test = make_pairs(n_train, n_test, seed)
    n_val = max(1, n_train // 10)
    train, val = train[:-n_val], train[-n_val:]
    chars = "".join(s for s, _ in train + val + test)
    src_vocab, tgt_vocab = Vocab(chars), Vocab("0123456789-")
    src_len = max(len(s) for s, _ in train + val + test) + 1

    def encode(pairs: list[tuple[str, str]]) -> tuple[Tensor, Tensor]:
        src = torch.tensor([src_vocab.encode(s, src_len) for s, _ in pairs])
        tgt = torch.tensor([tgt_vocab.encode(t, ISO_LEN + 2, bos=True) for _, t in pairs])
        return src.to(device), tgt.to(device)  # (N, S), (N, 12)

    (train_src, train_tgt), (test_src, test_tgt) = encode(train), encode(test)
    val_src, val_tgt = encode(val)
    return DateData(train_src, train_tgt, test_src, test_tgt, src_vocab, tgt_vocab, train, test,
                    val_src, val_tgt, val)
