"""The RNN and LSTM steps by hand match nn.RNN / nn.LSTM on the same weights; the models'
shapes, packing and sampling behave."""

import pytest
import torch
from torch import nn

from torchdojo.data.text import CharTokenizer
from torchdojo.methods.sampling import generate
from torchdojo.models.rnn import (
    CharLM,
    RNNCellByHand,
    SequenceClassifier,
    SeriesPredictor,
    lstm_cell_step,
    lstm_unroll,
    rnn_cell_step,
)


def test_rnn_cell_by_hand_matches_nn_rnn_over_a_sequence():
    torch.manual_seed(0)
    rnn = nn.RNN(5, 7, batch_first=True)
    cell = RNNCellByHand.from_rnn(rnn)
    xs = torch.randn(3, 9, 5)
    ours = cell.unroll(xs)  # (3, 9, 7)
    ref, h_n = rnn(xs)
    assert ours.shape == (3, 9, 7)
    assert (ours - ref).abs().max() <= 1e-6
    torch.testing.assert_close(ours[:, -1], h_n[0])
    # one step, by the formula, for one sample
    x, h = xs[0, 0], torch.zeros(7)
    expected = torch.tanh(rnn.weight_ih_l0 @ x + rnn.bias_ih_l0 + rnn.weight_hh_l0 @ h
                          + rnn.bias_hh_l0)
    torch.testing.assert_close(ours[0, 0], expected)


def test_rnn_cell_by_hand_gradients_match_autograd_through_nn_rnn():
    torch.manual_seed(1)
    rnn = nn.RNN(4, 6, batch_first=True)
    cell = RNNCellByHand.from_rnn(rnn)
    xs = torch.randn(2, 5, 4)
    cell.unroll(xs).sum().backward()
    rnn(xs)[0].sum().backward()
    torch.testing.assert_close(cell.weight_hh.grad, rnn.weight_hh_l0.grad)
    torch.testing.assert_close(cell.weight_ih.grad, rnn.weight_ih_l0.grad)


def test_second_layer_of_a_stacked_rnn_too():
    torch.manual_seed(2)
    rnn = nn.RNN(3, 4, num_layers=2, batch_first=True)
    xs = torch.randn(2, 6, 3)
    h1 = RNNCellByHand.from_rnn(rnn, 0).unroll(xs)
    h2 = RNNCellByHand.from_rnn(rnn, 1).unroll(h1)
    assert (h2 - rnn(xs)[0]).abs().max() <= 1e-6


def test_lstm_gates_by_hand_match_nn_lstm():
    torch.manual_seed(0)
    lstm = nn.LSTM(5, 6, batch_first=True)
    xs = torch.randn(3, 8, 5)
    hs, cs = lstm_unroll(lstm, xs)
    ref, (h_n, c_n) = lstm(xs)
    assert (hs - ref).abs().max() <= 1e-6
    assert (cs[:, -1] - c_n[0]).abs().max() <= 1e-6
    # one step against nn.LSTMCell with the same weights, from a non-zero state
    cell = nn.LSTMCell(5, 6)
    cell.load_state_dict({k[:-3]: v for k, v in lstm.state_dict().items()})
    h0, c0 = torch.randn(3, 6), torch.randn(3, 6)
    ours = lstm_cell_step(xs[:, 0], h0, c0, cell.weight_ih, cell.weight_hh, cell.bias_ih,
                          cell.bias_hh)
    for a, b in zip(ours, cell(xs[:, 0], (h0, c0))):
        assert (a - b).abs().max() <= 1e-6


def test_forget_gate_saturated_open_keeps_the_cell():
    H = 4
    w_ih, w_hh = torch.zeros(4 * H, 2), torch.zeros(4 * H, H)
    b = torch.zeros(4 * H)
    b[H:2 * H] = 50.0  # f = sigmoid(50) ~ 1
    b[:H] = -50.0  # i ~ 0: nothing written
    c = torch.randn(1, H)
    _, c_next = lstm_cell_step(torch.randn(1, 2), torch.zeros(1, H), c, w_ih, w_hh, b, b * 0)
    torch.testing.assert_close(c_next, c)


def test_rnn_cell_step_is_the_formula_with_batches():
    g = torch.Generator().manual_seed(0)
    x, h = torch.randn(2, 3, generator=g), torch.randn(2, 4, generator=g)
    w_ih, w_hh = torch.randn(4, 3, generator=g), torch.randn(4, 4, generator=g)
    b1, b2 = torch.randn(4, generator=g), torch.randn(4, generator=g)
    out = rnn_cell_step(x, h, w_ih, w_hh, b1, b2)
    torch.testing.assert_close(out[1], torch.tanh(w_ih @ x[1] + b1 + w_hh @ h[1] + b2))


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_sequence_classifier_ignores_padding(cell):
    torch.manual_seed(0)
    model = SequenceClassifier(vocab_size=6, num_classes=2, embed=4, hidden=8, cell=cell)
    tokens = torch.tensor([[1, 2, 3, 0, 0], [4, 5, 1, 2, 3]])
    lengths = torch.tensor([3, 5])
    logits = model(tokens, lengths)
    assert logits.shape == (2, 2)
    other_pad = tokens.clone()
    other_pad[0, 3:] = 5  # whatever sits in the padding
    torch.testing.assert_close(model(other_pad, lengths), logits)
    alone = model(tokens[:1, :3], lengths[:1])  # the same sequence with no padding at all
    torch.testing.assert_close(alone, logits[:1])
    states = model.states(tokens, lengths)
    assert states.shape == (2, 5, 8) and (states[0, 3:] == 0).all()


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_char_lm_logits_shape_and_state_continuation(cell):
    torch.manual_seed(0)
    model = CharLM(vocab_size=11, embed=8, hidden=16, layers=2, cell=cell)
    idx = torch.randint(0, 11, (3, 10))
    logits = model(idx)
    assert logits.shape == (3, 10, 11)
    first, state = model.step(idx[:, :6])
    rest, _ = model.step(idx[:, 6:], state)
    torch.testing.assert_close(torch.cat([first, rest], 1), logits, atol=1e-6, rtol=1e-5)


def test_series_predictor_starts_from_the_last_value():
    model = SeriesPredictor(hidden=8)
    nn.init.zeros_(model.head.weight)
    nn.init.zeros_(model.head.bias)
    window = torch.randn(4, 12)
    torch.testing.assert_close(model(window), window[:, -1])


def test_generate_is_seeded_greedy_is_deterministic_and_keeps_the_prompt():
    text = "abcabcabcabc"
    tok = CharTokenizer.from_text(text)
    torch.manual_seed(0)
    model = CharLM(tok.vocab_size, embed=4, hidden=8)
    a = generate(model, tok, "ab", 20, 1.0, torch.Generator().manual_seed(3))
    b = generate(model, tok, "ab", 20, 1.0, torch.Generator().manual_seed(3))
    assert a == b and a.startswith("ab") and len(a) == 22 and set(a) <= set("abc")
    greedy = generate(model, tok, "ab", 10, 0.0)
    # greedy by hand: run the whole text so far each time and take the argmax
    ids = tok.encode("ab").tolist()
    for _ in range(10):
        ids.append(int(model(torch.tensor([ids]))[0, -1].argmax()))
    assert greedy == tok.decode(ids)


def test_generate_with_a_windowed_model_without_state():
    tok = CharTokenizer.from_text("xyz")

    class Last(nn.Module):  # predicts "the character after the last one", cyclically
        block_size = 2

        def __init__(self):
            super().__init__()
            self.dummy = nn.Parameter(torch.zeros(1))

        def forward(self, idx):
            assert idx.shape[1] <= 2
            return nn.functional.one_hot((idx + 1) % 3, 3).float() * 100

    assert generate(Last(), tok, "x", 5, 0.0) == "xyzxyz"
