"""GRU encoder-decoder, with or without additive (Bahdanau) attention.

Encoder: a bidirectional GRU reads the source; its final states, through a linear
layer, start the decoder. Decoder: a GRU cell that, at each output step, takes the
previous output token and a context vector c_t and predicts the next token.

- without attention (Cho et al. 2014), c_t = c: one fixed summary of the whole source;
- with attention (Bahdanau et al. 2015, eqs. 5-6), c_t = sum_j a_tj h_j, where
  a_tj = softmax_j(v^T tanh(W s_{t-1} + U h_j)): the decoder looks back at every source
  position and the weights a_tj are the alignment we can plot.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

PAD, BOS, EOS = 0, 1, 2


class Encoder(nn.Module):
    """Bidirectional GRU over source ids -> annotations h_j and the decoder's first state."""

    def __init__(self, vocab_size: int, emb: int, hidden: int):
        super().__init__()
        self.embed = nn.Embedding(vocab_size, emb, padding_idx=PAD)
        self.rnn = nn.GRU(emb, hidden, batch_first=True, bidirectional=True)
        self.bridge = nn.Linear(2 * hidden, hidden)

    def forward(self, src: Tensor) -> tuple[Tensor, Tensor]:
        lengths = (src != PAD).sum(1).clamp(min=1).cpu()  # (B,)
        packed = pack_padded_sequence(self.embed(src), lengths, batch_first=True,
                                      enforce_sorted=False)
        out, h_n = self.rnn(packed)  # h_n: (2, B, H), forward and backward final states
        annotations, _ = pad_packed_sequence(out, batch_first=True,
                                             total_length=src.shape[1])  # (B, S, 2H)
        s0 = torch.tanh(self.bridge(torch.cat([h_n[0], h_n[1]], dim=-1)))  # (B, H)
        return annotations, s0


class AdditiveAttention(nn.Module):
    """Bahdanau attention: a_j = softmax_j(v^T tanh(W s + U h_j)), masked at padding."""

    def __init__(self, query_dim: int, key_dim: int, dim: int):
        super().__init__()
        self.W = nn.Linear(query_dim, dim, bias=False)
        self.U = nn.Linear(key_dim, dim)
        self.v = nn.Linear(dim, 1, bias=False)

    def forward(self, s: Tensor, h: Tensor, keys: Tensor, mask: Tensor) -> tuple[Tensor, Tensor]:
        """s (B, Hq), h (B, S, Hk), keys = U h precomputed (B, S, D), mask (B, S) True = real."""
        scores = self.v(torch.tanh(self.W(s).unsqueeze(1) + keys)).squeeze(-1)  # (B, S)
        scores = scores.masked_fill(~mask, float("-inf"))
        weights = scores.softmax(-1)  # (B, S), sums to 1 over source positions
        context = torch.bmm(weights.unsqueeze(1), h).squeeze(1)  # (B, Hk)
        return context, weights


class Seq2Seq(nn.Module):
    """Encoder-decoder; `attention=False` feeds one fixed summary, True attends at each step."""

    def __init__(self, src_vocab: int, tgt_vocab: int, emb: int = 64, hidden: int = 128,
                 attention: bool = True):
        super().__init__()
        self.attention = attention
        self.encoder = Encoder(src_vocab, emb, hidden)
        self.embed = nn.Embedding(tgt_vocab, emb)
        self.attend = AdditiveAttention(hidden, 2 * hidden, hidden) if attention else None
        self.summary = None if attention else nn.Linear(2 * hidden, 2 * hidden)
        self.cell = nn.GRUCell(emb + 2 * hidden, hidden)
        self.out = nn.Linear(hidden + 2 * hidden + emb, tgt_vocab)

    def _step(self, y_prev: Tensor, s: Tensor, memory: tuple) -> tuple[Tensor, Tensor, Tensor]:
        """One decoder step: previous token (B,), state (B, H) -> logits (B, V), s, weights."""
        h, keys, mask, fixed = memory
        e = self.embed(y_prev)  # (B, E)
        if self.attend is not None:
            context, weights = self.attend(s, h, keys, mask)  # (B, 2H), (B, S)
        else:
            context, weights = fixed, mask.new_zeros(mask.shape, dtype=h.dtype)
        s = self.cell(torch.cat([e, context], -1), s)  # s_t = GRU([y_{t-1}, c_t], s_{t-1})
        logits = self.out(torch.cat([s, context, e], -1))  # (B, V)
        return logits, s, weights

    def _memory(self, src: Tensor) -> tuple[tuple, Tensor]:
        h, s0 = self.encoder(src)  # (B, S, 2H), (B, H)
        mask = src != PAD  # (B, S)
        keys = self.attend.U(h) if self.attend is not None else None
        fixed = None
        if self.summary is not None:  # c = mean of the annotations, one vector per sentence
            mean = (h * mask.unsqueeze(-1)).sum(1) / mask.sum(1, keepdim=True).clamp(min=1)
            fixed = torch.tanh(self.summary(mean))  # (B, 2H)
        return (h, keys, mask, fixed), s0

    def forward(self, src: Tensor, tgt_in: Tensor) -> tuple[Tensor, Tensor]:
        """Teacher forcing: logits (B, T, V) for next tokens given the true previous ones,
        and attention weights (B, T, S) (zeros without attention)."""
        memory, s = self._memory(src)
        logits, weights = [], []
        for t in range(tgt_in.shape[1]):
            step_logits, s, a = self._step(tgt_in[:, t], s, memory)
            logits.append(step_logits)
            weights.append(a)
        return torch.stack(logits, 1), torch.stack(weights, 1)

    @torch.no_grad()
    def greedy(self, src: Tensor, max_len: int) -> tuple[Tensor, Tensor]:
        """Greedy decoding: feed back the argmax token; ids (B, max_len), weights (B, T, S)."""
        memory, s = self._memory(src)
        y = torch.full((src.shape[0],), BOS, dtype=torch.long, device=src.device)
        ids, weights = [], []
        for _ in range(max_len):
            logits, s, a = self._step(y, s, memory)
            y = logits.argmax(-1)  # (B,)
            ids.append(y)
            weights.append(a)
        return torch.stack(ids, 1), torch.stack(weights, 1)
