"""Recurrent networks: one RNN and one LSTM step by hand, a sequence classifier, a character
language model and a one-step-ahead series predictor.

The hand-written steps use exactly nn.RNN's and nn.LSTM's parameters and gate order,
so they can be checked against torch on the same weights.
"""

from __future__ import annotations

from typing import Literal

import torch
from torch import Tensor, nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

Cell = Literal["rnn", "lstm", "gru"]
CELLS: dict[str, type[nn.RNNBase]] = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}


def rnn_cell_step(x: Tensor, h: Tensor, w_ih: Tensor, w_hh: Tensor, b_ih: Tensor,
                  b_hh: Tensor) -> Tensor:
    """One Elman RNN step, as nn.RNN computes it: h' = tanh(W_ih x + b_ih + W_hh h + b_hh)."""
    return torch.tanh(x @ w_ih.T + b_ih + h @ w_hh.T + b_hh)  # (B, I), (B, H) -> (B, H)


def lstm_cell_step(x: Tensor, h: Tensor, c: Tensor, w_ih: Tensor, w_hh: Tensor, b_ih: Tensor,
                   b_hh: Tensor) -> tuple[Tensor, Tensor]:
    """One LSTM step with nn.LSTM's gate order (input, forget, cell candidate, output).

        i = sigmoid(W_ii x + b_ii + W_hi h + b_hi)     what to write
        f = sigmoid(W_if x + b_if + W_hf h + b_hf)     what to keep of the old cell
        g = tanh(W_ig x + b_ig + W_hg h + b_hg)        the candidate to write
        o = sigmoid(W_io x + b_io + W_ho h + b_ho)     what to show of the cell
        c' = f * c + i * g                             (addition: gradients flow through)
        h' = o * tanh(c')
    """
    gates = x @ w_ih.T + b_ih + h @ w_hh.T + b_hh  # (B, 4H)
    i, f, g, o = gates.chunk(4, dim=-1)  # each (B, H)
    i, f, g, o = torch.sigmoid(i), torch.sigmoid(f), torch.tanh(g), torch.sigmoid(o)
    c_next = f * c + i * g
    h_next = o * torch.tanh(c_next)
    return h_next, c_next


class RNNCellByHand(nn.Module):
    """An Elman RNN cell with nn.RNN's parameter names, so weights load either way."""

    def __init__(self, input_size: int, hidden_size: int):
        super().__init__()
        self.hidden_size = hidden_size
        bound = hidden_size ** -0.5  # nn.RNN's init: U(-1/sqrt(H), 1/sqrt(H))
        self.weight_ih = nn.Parameter(torch.empty(hidden_size, input_size).uniform_(-bound, bound))
        self.weight_hh = nn.Parameter(torch.empty(hidden_size, hidden_size).uniform_(-bound,
                                                                                     bound))
        self.bias_ih = nn.Parameter(torch.empty(hidden_size).uniform_(-bound, bound))
        self.bias_hh = nn.Parameter(torch.empty(hidden_size).uniform_(-bound, bound))

    @classmethod
    def from_rnn(cls, rnn: nn.RNN, layer: int = 0) -> RNNCellByHand:
        """A cell holding a copy of one layer of an nn.RNN's weights."""
        cell = cls(getattr(rnn, f"weight_ih_l{layer}").shape[1], rnn.hidden_size)
        with torch.no_grad():
            for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
                getattr(cell, name).copy_(getattr(rnn, f"{name}_l{layer}"))
        return cell

    def forward(self, x: Tensor, h: Tensor) -> Tensor:
        return rnn_cell_step(x, h, self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh)

    def unroll(self, xs: Tensor, h0: Tensor | None = None) -> Tensor:
        """Run over a whole batch-first sequence: (B, T, I) -> every hidden state (B, T, H)."""
        h = h0 if h0 is not None else xs.new_zeros(xs.shape[0], self.hidden_size)
        states = []
        for t in range(xs.shape[1]):
            h = self(xs[:, t], h)  # (B, H)
            states.append(h)
        return torch.stack(states, dim=1)  # (B, T, H)


def lstm_unroll(lstm: nn.LSTM, xs: Tensor, layer: int = 0) -> tuple[Tensor, Tensor]:
    """One layer of a batch-first nn.LSTM, step by hand: (B, T, I) -> (h (B, T, H), c (B, T, H))."""
    w = [getattr(lstm, f"{n}_l{layer}") for n in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")]
    h = xs.new_zeros(xs.shape[0], lstm.hidden_size)
    c = torch.zeros_like(h)
    hs, cs = [], []
    for t in range(xs.shape[1]):
        h, c = lstm_cell_step(xs[:, t], h, c, *w)
        hs.append(h)
        cs.append(c)
    return torch.stack(hs, 1), torch.stack(cs, 1)


@torch.no_grad()
def init_forget_bias(lstm: nn.LSTM, value: float = 1.0) -> None:
    """Start every layer's forget gate at b_f = value (f ~ sigmoid(1) ~ 0.73): the cell
    remembers from the first step, which speeds up learning (Jozefowicz et al., 2015)."""
    H = lstm.hidden_size
    for layer in range(lstm.num_layers):
        getattr(lstm, f"bias_ih_l{layer}")[H:2 * H] = value  # gate order i, f, g, o
        getattr(lstm, f"bias_hh_l{layer}")[H:2 * H] = 0.0


class SequenceClassifier(nn.Module):
    """Tokens -> embedding -> RNN/LSTM/GRU -> the last real (unpadded) hidden state -> logits.

    Padded batches are packed (`pack_padded_sequence`), so the recurrence stops at each
    sequence's own length and padding never reaches the classifier.
    """

    def __init__(self, vocab_size: int, num_classes: int, embed: int = 16, hidden: int = 64,
                 layers: int = 1, cell: Cell = "rnn"):
        super().__init__()
        self.embed = nn.Embedding(vocab_size, embed)
        self.rnn = CELLS[cell](embed, hidden, num_layers=layers, batch_first=True)
        self.head = nn.Linear(hidden, num_classes)

    def states(self, tokens: Tensor, lengths: Tensor) -> Tensor:
        """Top-layer hidden state at every step, zero after each sequence's end: (B, T, H)."""
        x = self.embed(tokens)  # (B, T, E)
        packed = pack_padded_sequence(x, lengths.cpu(), batch_first=True, enforce_sorted=False)
        out, _ = self.rnn(packed)
        out, _ = pad_packed_sequence(out, batch_first=True, total_length=tokens.shape[1])
        return out  # (B, T, H)

    def forward(self, tokens: Tensor, lengths: Tensor) -> Tensor:
        out = self.states(tokens, lengths)  # (B, T, H)
        last = out[torch.arange(out.shape[0], device=out.device), lengths - 1]  # (B, H)
        return self.head(last)  # (B, K)


class CharLM(nn.Module):
    """Character language model: embedding -> recurrent layers -> logits for the next char."""

    def __init__(self, vocab_size: int, embed: int = 64, hidden: int = 256, layers: int = 1,
                 cell: Cell = "lstm", dropout: float = 0.0):
        super().__init__()
        self.cell = cell
        self.embed = nn.Embedding(vocab_size, embed)
        self.rnn = CELLS[cell](embed, hidden, num_layers=layers, batch_first=True,
                               dropout=dropout if layers > 1 else 0.0)
        self.drop = nn.Dropout(dropout)
        self.head = nn.Linear(hidden, vocab_size)
        if cell == "lstm":
            init_forget_bias(self.rnn, 1.0)

    def step(self, idx: Tensor, state: object = None) -> tuple[Tensor, object]:
        """Logits (B, T, V) for ids (B, T), continuing from `state`; returns the new state."""
        x = self.drop(self.embed(idx))  # (B, T, E)
        out, state = self.rnn(x, state)  # (B, T, H)
        return self.head(self.drop(out)), state  # (B, T, V)

    def forward(self, idx: Tensor) -> Tensor:
        return self.step(idx)[0]  # (B, T, V)


class SeriesPredictor(nn.Module):
    """One-step-ahead forecaster: a window of past values (B, T) -> the next value (B,)."""

    def __init__(self, hidden: int = 64, layers: int = 1, cell: Cell = "lstm"):
        super().__init__()
        self.rnn = CELLS[cell](1, hidden, num_layers=layers, batch_first=True)
        self.head = nn.Linear(hidden, 1)

    def forward(self, window: Tensor) -> Tensor:
        out, _ = self.rnn(window.unsqueeze(-1))  # (B, T, 1) -> (B, T, H)
        # predict the change from the last value: the naive forecast is the starting point
        return window[:, -1] + self.head(out[:, -1]).squeeze(-1)  # (B,)
