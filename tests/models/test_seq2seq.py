"""Seq2seq model: attention against its formula, padding cannot leak, decoding is consistent."""

import torch

from torchdojo.models.seq2seq import PAD, AdditiveAttention, Encoder, Seq2Seq


def test_additive_attention_matches_the_formula_and_ignores_padding():
    torch.manual_seed(0)
    attn = AdditiveAttention(5, 6, 7)
    s, h = torch.randn(3, 5), torch.randn(3, 4, 6)
    mask = torch.tensor([[1, 1, 1, 1], [1, 1, 0, 0], [1, 0, 0, 0]], dtype=torch.bool)
    context, weights = attn(s, h, attn.U(h), mask)
    for b in range(3):
        n = int(mask[b].sum())
        scores = torch.stack([attn.v.weight[0] @ torch.tanh(attn.W.weight @ s[b]
                                                            + attn.U.weight @ h[b, j] + attn.U.bias)
                              for j in range(n)])
        a = scores.softmax(0)
        torch.testing.assert_close(weights[b, :n], a)
        assert (weights[b, n:] == 0).all()
        torch.testing.assert_close(context[b], a @ h[b, :n])


def test_encoder_output_does_not_depend_on_padding():
    torch.manual_seed(0)
    enc = Encoder(10, 4, 8)
    seq = torch.tensor([[3, 4, 5, 6]])
    padded = torch.tensor([[3, 4, 5, 6, PAD, PAD, PAD]])
    h1, s1 = enc(seq)
    h2, s2 = enc(padded)
    torch.testing.assert_close(h1, h2[:, :4])
    torch.testing.assert_close(s1, s2)  # the backward GRU starts at the last real token
    assert (h2[:, 4:] == 0).all()


def test_teacher_forcing_on_greedy_output_reproduces_it():
    for attention in (False, True):
        torch.manual_seed(1)
        model = Seq2Seq(12, 9, emb=8, hidden=16, attention=attention).eval()
        src = torch.randint(3, 12, (5, 7))
        src[1, 4:] = PAD
        ids, weights = model.greedy(src, 6)  # (5, 6), (5, 6, 7)
        bos = torch.ones(5, 1, dtype=torch.long)
        logits, forced = model(src, torch.cat([bos, ids[:, :-1]], 1))  # (5, 6, 9)
        assert logits.shape == (5, 6, 9)
        assert (logits.argmax(-1) == ids).all()
        torch.testing.assert_close(forced, weights)
        if attention:
            torch.testing.assert_close(weights.sum(-1), torch.ones(5, 6))
            assert (weights[1, :, 4:] == 0).all()
        else:
            assert (weights == 0).all()


def test_gradients_reach_encoder_and_decoder():
    torch.manual_seed(2)
    model = Seq2Seq(12, 9, emb=8, hidden=16, attention=True)
    src, tgt = torch.randint(3, 12, (4, 6)), torch.randint(1, 9, (4, 5))
    logits, _ = model(src, tgt)
    logits.sum().backward()
    for name, p in model.named_parameters():
        assert p.grad is not None and p.grad.abs().sum() > 0, name
