"""Labelled variable-length sequences whose label depends only on order (exercise 910).

Every sequence holds exactly one `A` and one `B` among distractor symbols; the label is
1 if `A` comes before `B`, else 0. Both classes contain the same symbols in the same
numbers, so a model that ignores order (a bag of tokens) can do no better than chance:
it has to remember what it saw, which is what a recurrent network is for.

Sequences are padded with PAD (id 0) to the longest one; `mask` is True on real tokens.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor

from torchdojo.errors import DojoError

PAD, A, B = 0, 1, 2
FIRST_DISTRACTOR = 3


@dataclass
class SequenceData:
    """A padded batch of sequences with their lengths, mask and labels."""

    tokens: Tensor  # (N, T) int64, PAD after each sequence's end
    lengths: Tensor  # (N,) int64
    mask: Tensor  # (N, T) bool, True on real tokens
    labels: Tensor  # (N,) int64: 1 if A before B
    symbols: tuple[str, ...]  # id -> printable symbol

    def __len__(self) -> int:
        return self.tokens.shape[0]

    @property
    def vocab_size(self) -> int:
        return len(self.symbols)

    def text(self, i: int) -> str:
        """Sequence i as its symbols, padding shown as '.'."""
        return "".join(self.symbols[t] for t in self.tokens[i].tolist())


def symbols_for(vocab_size: int) -> tuple[str, ...]:
    """'.' for PAD, 'A', 'B', then lower-case letters for the distractors."""
    return (".", "A", "B") + tuple("cdefghijklmnopqrstuvwxyz"[:vocab_size - FIRST_DISTRACTOR])


def make_sequences(n: int, *, min_len: int = 4, max_len: int = 30, vocab_size: int = 8,
                   seed: int = 0) -> SequenceData:
    """`n` sequences of lengths uniform in [min_len, max_len], half labelled 1 (A before B)."""
    if n < 1:
        raise DojoError(f"n must be at least 1, not {n}")
    if not 2 <= min_len <= max_len:
        raise DojoError(f"need 2 <= min_len <= max_len, not min_len={min_len}, max_len={max_len}")
    if not FIRST_DISTRACTOR < vocab_size <= FIRST_DISTRACTOR + 24:
        raise DojoError(f"vocab_size must be between {FIRST_DISTRACTOR + 1} and "
                        f"{FIRST_DISTRACTOR + 24}, not {vocab_size}")
    g = torch.Generator().manual_seed(seed)
    lengths = torch.randint(min_len, max_len + 1, (n,), generator=g)  # (N,)
    labels = torch.arange(n) % 2  # balanced classes
    labels = labels[torch.randperm(n, generator=g)]
    tokens = torch.randint(FIRST_DISTRACTOR, vocab_size, (n, max_len), generator=g)  # (N, T)
    # two distinct positions inside each sequence: sort them, then A goes first iff label 1
    u = torch.rand(n, max_len, generator=g)
    u[torch.arange(max_len)[None, :] >= lengths[:, None]] = 2.0  # never pick padding
    first, second = u.topk(2, dim=1, largest=False).indices.sort(dim=1).values.unbind(1)
    rows = torch.arange(n)
    tokens[rows, first] = torch.where(labels == 1, A, B)
    tokens[rows, second] = torch.where(labels == 1, B, A)
    mask = torch.arange(max_len)[None, :] < lengths[:, None]  # (N, T)
    tokens[~mask] = PAD
    return SequenceData(tokens, lengths, mask, labels.long(), symbols_for(vocab_size))


def label_of(tokens: Tensor) -> int:
    """The rule itself, for one unpadded sequence: 1 if its first A comes before its first B."""
    ids = tokens.tolist()
    return int(ids.index(A) < ids.index(B))


def check(data: SequenceData) -> dict[str, bool]:
    """The properties the generator promises, each True when it holds."""
    tokens, lengths, mask, labels = data.tokens, data.lengths, data.mask, data.labels
    real = [tokens[i, :lengths[i]] for i in range(len(data))]
    counts = torch.stack([torch.bincount(t, minlength=data.vocab_size) for t in tokens])
    return {
        "mask matches lengths": bool((mask.sum(1) == lengths).all()
                                     and (mask == (torch.arange(tokens.shape[1]) <
                                                   lengths[:, None])).all()),
        "padding is PAD and only PAD": bool((tokens[~mask] == PAD).all()
                                            and (tokens[mask] != PAD).all()),
        "exactly one A and one B each": bool((counts[:, A] == 1).all()
                                             and (counts[:, B] == 1).all()),
        "label is the order rule": all(label_of(t) == int(y) for t, y in zip(real, labels)),
        "reversing flips every label": all(label_of(t.flip(0)) != int(y)
                                           for t, y in zip(real, labels)),
        "classes balanced": abs(labels.float().mean().item() - 0.5) <= 0.5 / len(data) + 1e-9,
        "lengths in range": bool(lengths.min() >= 2 and lengths.max() <= tokens.shape[1]),
    }
