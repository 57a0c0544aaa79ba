"""Transformer pieces against torch's own layers on the same weights, and the masks' promises."""

import math

import torch
from torch import nn

from torchdojo.models.transformer import (
    PAD,
    Block,
    CharTransformer,
    Seq2SeqTransformer,
    sinusoidal_positions,
)


def test_sinusoidal_positions_formula_and_relative_property():
    pe = sinusoidal_positions(50, 16)
    for pos, i in ((0, 0), (7, 3), (49, 7)):
        angle = pos / 10000 ** (2 * i / 16)
        assert math.isclose(pe[pos, 2 * i], math.sin(angle), abs_tol=1e-5)
        assert math.isclose(pe[pos, 2 * i + 1], math.cos(angle), abs_tol=1e-5)
    # PE[p] . PE[p+k] = sum_i cos(k w_i): depends on the offset k only
    dots = [float(pe[p] @ pe[p + 5]) for p in (0, 10, 30)]
    assert max(dots) - min(dots) < 1e-4


def _copy_ln(dst: nn.LayerNorm, src: nn.LayerNorm) -> None:
    dst.load_state_dict(src.state_dict())


@torch.no_grad()
def test_block_matches_torch_encoder_layer():
    torch.manual_seed(0)
    ref = nn.TransformerEncoderLayer(16, 4, 32, dropout=0.0, activation="gelu", batch_first=True,
                                     norm_first=True).eval()
    block = Block(16, 4, 32).eval()
    block.attn.load_from_torch(ref.self_attn)
    _copy_ln(block.ln1, ref.norm1)
    _copy_ln(block.ln2, ref.norm2)
    block.ffn[0].load_state_dict(ref.linear1.state_dict())
    block.ffn[2].load_state_dict(ref.linear2.state_dict())
    x = torch.randn(3, 7, 16)
    padding = torch.zeros(3, 7, dtype=torch.bool)
    padding[1, 5:] = True
    expected = ref(x, src_key_padding_mask=padding)
    got, _ = block(x, padding=padding)
    torch.testing.assert_close(got[0], expected[0], atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(got[1, :5], expected[1, :5], atol=1e-5, rtol=1e-5)
    causal = ref(x, src_mask=nn.Transformer.generate_square_subsequent_mask(7), is_causal=True)
    torch.testing.assert_close(block(x, causal=True)[0], causal, atol=1e-5, rtol=1e-5)


@torch.no_grad()
def test_cross_block_matches_torch_decoder_layer():
    torch.manual_seed(1)
    ref = nn.TransformerDecoderLayer(16, 2, 32, dropout=0.0, activation="gelu", batch_first=True,
                                     norm_first=True).eval()
    block = Block(16, 2, 32, cross=True).eval()
    block.attn.load_from_torch(ref.self_attn)
    block.cross.load_from_torch(ref.multihead_attn)
    for mine, theirs in ((block.ln1, ref.norm1), (block.ln_cross, ref.norm2),
                         (block.ln2, ref.norm3)):
        _copy_ln(mine, theirs)
    block.ffn[0].load_state_dict(ref.linear1.state_dict())
    block.ffn[2].load_state_dict(ref.linear2.state_dict())
    y, memory = torch.randn(2, 5, 16), torch.randn(2, 6, 16)
    mem_pad = torch.tensor([[False] * 6, [False] * 4 + [True] * 2])
    expected = ref(y, memory, tgt_mask=nn.Transformer.generate_square_subsequent_mask(5),
                   tgt_is_causal=True, memory_key_padding_mask=mem_pad)
    got, weights = block(y, causal=True, memory=memory, memory_padding=mem_pad)
    torch.testing.assert_close(got, expected, atol=1e-5, rtol=1e-5)
    assert weights.shape == (2, 2, 5, 6) and (weights[1, :, :, 4:] == 0).all()


@torch.no_grad()
def test_char_transformer_is_causal():
    torch.manual_seed(2)
    model = CharTransformer(20, block_size=12, d_model=16, n_heads=2, layers=2, d_ff=32).eval()
    idx = torch.randint(0, 20, (2, 12))
    changed = idx.clone()
    changed[:, 8:] = (changed[:, 8:] + 1) % 20  # change only the future of position 7
    a, b = model(idx), model(changed)
    assert a.shape == (2, 12, 20)
    torch.testing.assert_close(a[:, :8], b[:, :8])
    assert not torch.allclose(a[:, 8:], b[:, 8:])


@torch.no_grad()
def test_seq2seq_transformer_padding_and_greedy_consistency():
    torch.manual_seed(3)
    model = Seq2SeqTransformer(15, 9, d_model=16, n_heads=2, layers=2, d_ff=32, max_len=12).eval()
    src = torch.randint(3, 15, (3, 6))
    padded = torch.cat([src, torch.full((3, 4), PAD)], 1)
    tgt_in = torch.randint(1, 9, (3, 5))
    torch.testing.assert_close(model(src, tgt_in)[0], model(padded, tgt_in)[0],
                               atol=1e-5, rtol=1e-5)
    ids, weights = model.greedy(padded, 5)
    bos = torch.ones(3, 1, dtype=torch.long)
    logits, _ = model(padded, torch.cat([bos, ids[:, :-1]], 1))
    assert (logits.argmax(-1) == ids).all()
    assert weights.shape == (3, 2, 5, 10) and (weights[..., 6:] == 0).all()
