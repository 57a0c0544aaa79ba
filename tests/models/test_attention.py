"""Attention written from Q, K, V matches torch's own to 1e-5 on the same inputs and weights."""

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from torchdojo.models.attention import (
    MultiHeadAttention,
    causal_mask,
    merge_heads,
    scaled_dot_product_attention,
    split_heads,
)


def qkv(B=2, h=3, Tq=5, Tk=7, d=8, seed=0):
    g = torch.Generator().manual_seed(seed)
    return (torch.randn(B, h, Tq, d, generator=g), torch.randn(B, h, Tk, d, generator=g),
            torch.randn(B, h, Tk, d, generator=g))


def test_sdpa_matches_torch_and_weights_are_a_distribution_over_keys():
    q, k, v = qkv()
    out, w = scaled_dot_product_attention(q, k, v)
    assert out.shape == (2, 3, 5, 8) and w.shape == (2, 3, 5, 7)
    torch.testing.assert_close(out, F.scaled_dot_product_attention(q, k, v), atol=1e-5, rtol=0)
    torch.testing.assert_close(w.sum(-1), torch.ones(2, 3, 5))
    # by the formula, for one query: softmax(q.k_s / sqrt(d)) over s
    manual = torch.softmax(k[0, 0] @ q[0, 0, 2] / 8 ** 0.5, dim=0)
    torch.testing.assert_close(w[0, 0, 2], manual)


def test_causal_matches_torch_and_never_looks_ahead():
    q, k, v = qkv(Tq=6, Tk=6)
    out, w = scaled_dot_product_attention(q, k, v, causal=True)
    ref = F.scaled_dot_product_attention(q, k, v, is_causal=True)
    assert (out - ref).abs().max() <= 1e-5
    assert torch.equal(w[0, 0] > 0, causal_mask(6))  # strictly upper triangle is zero
    # changing the future keys/values does not change earlier outputs
    k2, v2 = k.clone(), v.clone()
    k2[..., 4:, :] += 5
    v2[..., 4:, :] -= 3
    out2, _ = scaled_dot_product_attention(q, k2, v2, causal=True)
    torch.testing.assert_close(out2[..., :4, :], out[..., :4, :])
    assert not torch.allclose(out2[..., 4:, :], out[..., 4:, :])


def test_bool_and_float_masks_match_torch():
    q, k, v = qkv()
    g = torch.Generator().manual_seed(1)
    mask = torch.rand(5, 7, generator=g) > 0.3
    mask[:, 0] = True  # every query sees at least one key
    out, w = scaled_dot_product_attention(q, k, v, mask=mask)
    ref = F.scaled_dot_product_attention(q, k, v, attn_mask=mask)
    assert (out - ref).abs().max() <= 1e-5
    assert (w[..., ~mask] == 0).all()
    additive = torch.zeros(5, 7).masked_fill(~mask, float("-inf"))
    out_f, _ = scaled_dot_product_attention(q, k, v, mask=additive)
    assert (out_f - ref).abs().max() <= 1e-5


def test_split_and_merge_heads_are_inverse_and_slice_channels():
    x = torch.arange(2 * 4 * 6.0).view(2, 4, 6)
    heads = split_heads(x, 3)  # (2, 3, 4, 2)
    assert heads.shape == (2, 3, 4, 2)
    assert torch.equal(heads[1, 2, 3], x[1, 3, 4:6])  # head 2 holds channels 4..5
    assert torch.equal(merge_heads(heads), x)


@pytest.mark.parametrize("causal", [False, True])
def test_multi_head_matches_nn_multihead_attention_on_the_same_weights(causal):
    torch.manual_seed(0)
    d, h, T = 16, 4, 6
    ref = nn.MultiheadAttention(d, h, batch_first=True)
    with torch.no_grad():  # torch inits the biases to zero: make them matter
        ref.in_proj_bias.normal_()
        ref.out_proj.bias.normal_()
    mha = MultiHeadAttention(d, h).load_from_torch(ref)
    x = torch.randn(3, T, d)
    out, w = mha(x, causal=causal)
    mask = ~causal_mask(T) if causal else None  # torch: True = blocked
    ref_out, ref_w = ref(x, x, x, attn_mask=mask, need_weights=True, average_attn_weights=False)
    assert out.shape == (3, T, d) and w.shape == (3, h, T, T)
    assert (out - ref_out).abs().max() <= 1e-5
    assert (w - ref_w).abs().max() <= 1e-5


def test_cross_attention_with_key_padding_matches_torch():
    torch.manual_seed(1)
    d, h = 8, 2
    ref = nn.MultiheadAttention(d, h, batch_first=True)
    mha = MultiHeadAttention(d, h).load_from_torch(ref)
    query, memory = torch.randn(2, 3, d), torch.randn(2, 5, d)
    pad = torch.tensor([[False] * 5, [False, False, False, True, True]])
    out, w = mha(query, memory, memory, key_padding_mask=pad)
    ref_out, _ = ref(query, memory, memory, key_padding_mask=pad)
    assert (out - ref_out).abs().max() <= 1e-5
    assert (w[1, :, :, 3:] == 0).all()


def test_gradients_match_torch():
    q, k, v = (t.requires_grad_() for t in qkv(seed=3))
    scaled_dot_product_attention(q, k, v, causal=False)[0].square().sum().backward()
    ours = [t.grad.clone() for t in (q, k, v)]
    for t in (q, k, v):
        t.grad = None
    F.scaled_dot_product_attention(q, k, v).square().sum().backward()
    for a, t in zip(ours, (q, k, v)):
        torch.testing.assert_close(a, t.grad, atol=1e-5, rtol=1e-4)
