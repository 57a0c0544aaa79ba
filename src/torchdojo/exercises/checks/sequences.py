"""Part III exercises: RNN and LSTM cells, attention, masks, heads, positions."""

from __future__ import annotations

import torch

from torchdojo.exercises.checks.draw import integer, randn
from torchdojo.exercises.spec import Case, Exercise


def _rnn(g: torch.Generator) -> list[Case]:
    cases = []
    for _ in range(3):
        b, i, h = integer(g, 1, 5), integer(g, 1, 5), integer(g, 2, 6)
        args = {"x": randn(g, b, i), "h": randn(g, b, h), "W_ih": randn(g, h, i, scale=0.5),
                "W_hh": randn(g, h, h, scale=0.5), "b_ih": randn(g, h), "b_hh": randn(g, h)}
        cases.append(Case(args, grad=tuple(args), cotangent=randn(g, b, h)))
    return cases


def _lstm(g: torch.Generator) -> list[Case]:
    cases = []
    for _ in range(3):
        b, i, h = integer(g, 1, 5), integer(g, 1, 5), integer(g, 2, 6)
        args = {"x": randn(g, b, i), "h": randn(g, b, h), "c": randn(g, b, h),
                "W_ih": randn(g, 4 * h, i, scale=0.5), "W_hh": randn(g, 4 * h, h, scale=0.5),
                "b_ih": randn(g, 4 * h), "b_hh": randn(g, 4 * h)}
        cases.append(Case(args, grad=tuple(args), cotangent=(randn(g, b, h), randn(g, b, h))))
    return cases


def _random_mask(g: torch.Generator, tq: int, tk: int) -> torch.Tensor:
    mask = torch.rand(tq, tk, generator=g) < 0.6
    mask[torch.arange(tq), torch.randint(0, tk, (tq,), generator=g)] = True  # no empty rows
    return mask


def _attention(g: torch.Generator) -> list[Case]:
    cases = []
    # d_k, d_v and T_k all differ, so scaling by sqrt(d_v) or sqrt(T_k) cannot pass for sqrt(d_k)
    b, tq, tk, d = integer(g, 1, 3), integer(g, 1, 5), integer(g, 2, 6), integer(g, 2, 8)
    tk, dv = tk + (tk == d), d + integer(g, 1, 3)
    cases.append(Case({"q": randn(g, b, tq, d), "k": randn(g, b, tk, d), "v": randn(g, b, tk, dv),
                       "mask": None}, grad=("q", "k", "v"), cotangent=randn(g, b, tq, dv),
                      note="no mask"))
    cases.append(Case({"q": randn(g, b, tq, d), "k": randn(g, b, tk, d), "v": randn(g, b, tk, dv),
                       "mask": _random_mask(g, tq, tk)}, grad=("q", "k", "v"),
                      cotangent=randn(g, b, tq, dv), note="a random mask"))
    t, heads = integer(g, 2, 5), 2
    t += t == 4  # T != d_k = 4
    causal = torch.ones(t, t, dtype=torch.bool).tril()
    cases.append(Case({"q": randn(g, 2, heads, t, 4), "k": randn(g, 2, heads, t, 4),
                       "v": randn(g, 2, heads, t, 6), "mask": causal}, grad=("q", "k", "v"),
                      cotangent=randn(g, 2, heads, t, 6), note="two heads, causal mask"))
    return cases


def _causal(g: torch.Generator) -> list[Case]:
    return [Case({"T": t}) for t in (1, 2, integer(g, 3, 12), integer(g, 13, 40))]


def _heads(g: torch.Generator) -> list[Case]:
    cases = []
    for heads, d_min in ((2, 2), (integer(g, 3, 4), 1)):  # d >= 2 once: with d = 1, cutting
        b, t, d = integer(g, 1, 3), integer(g, 2, 5), integer(g, d_min, 4)  # (d, h) is (h, d)
        cases.append(Case({"x": randn(g, b, t, heads * d), "n_heads": heads}, entry="split_heads",
                          grad=("x",), cotangent=randn(g, b, heads, t, d)))
        cases.append(Case({"x": randn(g, b, heads, t, d)}, entry="merge_heads"))
    return cases


def _positions(g: torch.Generator) -> list[Case]:
    return [Case({"T": integer(g, 1, 50), "d": 2 * integer(g, 1, 16)}) for _ in range(3)]


EXERCISES = (
    Exercise(32, "rnn-cell", "rnn", "One step of an RNN",
             "An RNN cell", "rnn_cell", _rnn, (
                 "Two affine maps, one of the input and one of the previous state, added, then "
                 "squashed.",
                 "x @ W_ih.T + b_ih is (B, H), and so is h @ W_hh.T + b_hh; the squashing "
                 "function is tanh, not sigmoid.",
                 "return torch.tanh(x @ W_ih.T + b_ih + h @ W_hh.T + b_hh)"),
             outputs=("h_next",), forbidden=("RNNCell", "RNN", "rnn_tanh_cell", "rnn_tanh")),
    Exercise(33, "lstm-cell", "lstm", "The gates",
             "An LSTM cell", "lstm_cell", _lstm, (
                 "Compute one (B, 4H) tensor of pre-activations, then cut it into the four gates.",
                 "gates.chunk(4, dim=1) gives i, f, g, o in that order; sigmoid for i, f, o, "
                 "tanh for g; the new h uses the *new* c.",
                 "i, f, g, o = gates.chunk(4, 1); c2 = sigmoid(f) * c + sigmoid(i) * tanh(g); "
                 "h2 = sigmoid(o) * tanh(c2); return h2, c2"),
             outputs=("h_next", "c_next"), forbidden=("LSTMCell", "LSTM", "lstm_cell")),
    Exercise(34, "attention", "attention", "Scaled dot-product attention",
             "Scaled dot-product attention", "attention", _attention, (
                 "Scores first (every query against every key), then a softmax over the keys, "
                 "then a weighted sum of the values.",
                 "k.transpose(-2, -1) works for any leading dimensions; divide the scores by "
                 "sqrt(d) before the softmax; scores.masked_fill(~mask, float('-inf')) applies "
                 "the mask.",
                 "s = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1]); if mask is not None: "
                 "s = s.masked_fill(~mask, float('-inf')); return torch.softmax(s, dim=-1) @ v"),
             outputs=("out",), forbidden=("scaled_dot_product_attention", "MultiheadAttention",
                                          "multi_head_attention_forward")),
    Exercise(35, "causal-mask", "attention", "Causal (masked) attention",
             "The causal mask", "causal_mask", _causal, (
                 "Row i is a query; it may see columns 0..i. Draw the 4x4 case on paper.",
                 "That is the lower triangle, diagonal included: torch.tril of a matrix of ones. "
                 "The result must be bool, not 0/1 or 0/-inf floats.",
                 "return torch.ones(T, T, dtype=torch.bool).tril()"), outputs=("mask",)),
    Exercise(36, "multi-head", "attention", "Multi-head: split and merge",
             "Splitting and merging attention heads", "split_heads", _heads, (
                 "The channels of one token are cut into h groups; the token order must stay "
                 "the same inside every head.",
                 "view(B, T, h, d) cuts the channels; transpose(1, 2) moves the heads in front of "
                 "T. Merging is the reverse: transpose back, then reshape.",
                 "split: return x.view(B, T, n_heads, C // n_heads).transpose(1, 2); "
                 "merge: return x.transpose(1, 2).reshape(B, T, h * d)"), outputs=("out",)),
    Exercise(37, "positional-encoding", "transformer", "Sinusoidal positions",
             "Sinusoidal positional encodings", "sinusoidal_positions", _positions, (
                 "Build a (T, d/2) table of angles p / 10000^(2i/d); the sines and cosines of it "
                 "fill the even and odd columns.",
                 "p = torch.arange(T)[:, None] and two_i = torch.arange(0, d, 2) broadcast to "
                 "(T, d/2); pe[:, 0::2] = sin, pe[:, 1::2] = cos.",
                 "angle = torch.arange(T)[:, None] / 10000 ** (torch.arange(0, d, 2) / d); "
                 "pe = torch.zeros(T, d); pe[:, 0::2] = angle.sin(); pe[:, 1::2] = angle.cos()"),
             outputs=("pe",), rtol=1e-5, atol=1e-5),
)
