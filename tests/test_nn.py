"""wordspace.nn: positional encodings against their formulas, attention against a naive loop
and PyTorch's scaled_dot_product_attention (padding and causal masks), gradients, the
embedding layer and sentence encoder, and the BiLSTM language model (overfitting a tiny
corpus, checkpoints, resume, layer vectors and the scalar mix)."""

import math

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from wordspace import InvalidParameterError, Vectors  # noqa: E402
from wordspace.nn import (AttentionConfig, BiLMConfig, BiLSTMLanguageModel, EncoderBlockConfig,  # noqa: E402
                          LearnedPositionalEncoding, MultiHeadSelfAttention, RotaryEmbedding, ScalarMix,
                          SinusoidalPositionalEncoding, StaticEmbedding, TransformerEncoderBlock, load_lm,
                          sinusoidal_table, train_lm)


def test_sinusoidal_formula():
    table = sinusoidal_table(50, 7)
    for p in (0, 1, 13, 49):
        for i in range(7):
            angle = p / 10000 ** (2 * (i // 2) / 7)
            expected = math.sin(angle) if i % 2 == 0 else math.cos(angle)
            assert table[p, i].item() == pytest.approx(expected, abs=1e-6)
    x = torch.zeros(2, 10, 7)
    np.testing.assert_allclose(SinusoidalPositionalEncoding(7, 64)(x)[1].numpy(), table[:10].numpy(), atol=1e-7)
    with pytest.raises(InvalidParameterError, match="longer than max_len=64"):
        SinusoidalPositionalEncoding(7, 64)(torch.zeros(1, 65, 7))


def test_learned_positions_are_trained():
    pe = LearnedPositionalEncoding(4, max_len=8)
    x = torch.zeros(3, 5, 4)
    out = pe(x)
    assert out.shape == (3, 5, 4) and torch.equal(out[0], pe.positions.weight[:5])
    out.sum().backward()
    assert pe.positions.weight.grad[:5].abs().sum() > 0 and pe.positions.weight.grad[5:].abs().sum() == 0


def test_rotary_formula_and_relative_positions():
    rope = RotaryEmbedding(8, max_len=32)
    x = torch.randn(2, 6, 8)
    out = rope(x)
    for p in (0, 3, 5):
        for i in range(4):
            th = p * 10000 ** (-2 * i / 8)
            a, b = x[0, p, 2 * i].item(), x[0, p, 2 * i + 1].item()
            assert out[0, p, 2 * i].item() == pytest.approx(a * math.cos(th) - b * math.sin(th), abs=1e-5)
            assert out[0, p, 2 * i + 1].item() == pytest.approx(a * math.sin(th) + b * math.cos(th), abs=1e-5)
    # <rope(q, m), rope(k, n)> depends only on m - n
    q, k = torch.randn(8), torch.randn(8)
    seq_q, seq_k = q.repeat(1, 20, 1), k.repeat(1, 20, 1)
    rq, rk = rope(seq_q)[0], rope(seq_k)[0]
    assert (rq[7] @ rk[4]).item() == pytest.approx((rq[12] @ rk[9]).item(), abs=1e-4)
    assert torch.allclose(out.norm(dim=-1), x.norm(dim=-1), atol=1e-5)  # rotations keep norms


def naive_attention(x, mha, padding, causal):
    """Loop over batch, heads, queries and keys."""
    b, t, d = x.shape
    h = mha.config.heads
    dh = d // h
    qkv = x @ mha.qkv.weight.T + mha.qkv.bias
    q, k, v = qkv[..., :d], qkv[..., d : 2 * d], qkv[..., 2 * d :]
    out = torch.zeros(b, t, d)
    for bi in range(b):
        for hi in range(h):
            sl = slice(hi * dh, (hi + 1) * dh)
            for i in range(t):
                scores = []
                for j in range(t):
                    allowed = (padding is None or padding[bi, j]) and (not causal or j <= i)
                    scores.append(q[bi, i, sl] @ k[bi, j, sl] / math.sqrt(dh) if allowed else torch.tensor(-math.inf))
                w = torch.softmax(torch.stack(scores), dim=0)
                out[bi, i, sl] = (w[:, None] * v[bi, :, sl]).sum(dim=0)
    return out @ mha.out.weight.T + mha.out.bias


@pytest.mark.parametrize("causal", [False, True])
@pytest.mark.parametrize("use_padding", [False, True])
def test_attention_matches_naive_loop_and_sdpa(causal, use_padding):
    torch.manual_seed(0)
    mha = MultiHeadSelfAttention(AttentionConfig(dim=12, heads=3, causal=causal)).eval()
    x = torch.randn(2, 5, 12)
    padding = torch.tensor([[1, 1, 1, 1, 1], [1, 1, 1, 0, 0]], dtype=torch.bool) if use_padding else None
    got, weights = mha(x, padding, return_weights=True)
    fast = mha(x, padding)
    ref = naive_attention(x, mha, padding, causal)
    real = padding if padding is not None else torch.ones(2, 5, dtype=torch.bool)
    torch.testing.assert_close(got[real], ref[real], atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(fast[real], ref[real], atol=1e-5, rtol=1e-5)
    if use_padding:
        assert weights[1, :, :, 3:].abs().max() == 0  # nobody attends to padding
    if causal:
        assert torch.triu(weights[0, 0], diagonal=1).abs().max() == 0
    torch.testing.assert_close(weights.sum(-1), torch.ones(2, 3, 5))


def test_encoder_block_gradients_flow_and_rotary_works():
    torch.manual_seed(1)
    for rotary in (False, True):
        block = TransformerEncoderBlock(EncoderBlockConfig(dim=16, heads=4, rotary=rotary, dropout=0.0))
        x = torch.randn(3, 7, 16, requires_grad=True)
        pad = torch.ones(3, 7, dtype=torch.bool)
        pad[2, 5:] = False
        y = block(x, pad)
        assert y.shape == (3, 7, 16)
        y[pad].pow(2).sum().backward()
        assert x.grad.abs().sum() > 0
        assert all(p.grad is not None and p.grad.abs().sum() > 0 for p in block.parameters())
    with pytest.raises(InvalidParameterError, match="not divisible"):
        MultiHeadSelfAttention(AttentionConfig(dim=10, heads=3))


def test_static_embedding_and_sentence_encoder():
    v = Vectors(["the", "cat", "sat"], np.arange(12, dtype=np.float32).reshape(3, 4) + 1)
    layer = StaticEmbedding.from_vectors(v, max_norm=1.0)
    ids, mask = layer.encode(["the cat", "sat on the mat"])
    assert ids.shape == (2, 4) and mask.tolist() == [[True, True, False, False], [True] * 4]
    assert ids[1].tolist() == [4, 1, 2, 1]  # "on" and "mat" are unknown (row 1)
    out = layer(ids)
    assert out.shape == (2, 4, 4) and torch.all(out.norm(dim=-1) <= 1.0 + 1e-5)
    assert not layer.embedding.weight.requires_grad
    tuned = StaticEmbedding.from_vectors(v, freeze=False)
    tuned(tuned.encode(["cat"])[0]).sum().backward()
    assert tuned.embedding.weight.grad[3].abs().sum() > 0


def test_scalar_mix():
    mix = ScalarMix(3)
    layers = torch.randn(3, 2, 5, 6)
    torch.testing.assert_close(mix(layers), layers.mean(dim=0))  # zero weights: a plain mean
    with torch.no_grad():
        mix.weights.copy_(torch.tensor([0.0, math.log(3.0), 0.0]))
        mix.gamma.fill_(2.0)
    expected = 2.0 * (0.2 * layers[0] + 0.6 * layers[1] + 0.2 * layers[2])
    torch.testing.assert_close(mix(list(layers)), expected)


def test_bilm_directions_do_not_see_their_targets():
    """Changing token t must not change the forward states before t nor the backward ones after."""
    torch.manual_seed(0)
    m = BiLSTMLanguageModel(BiLMConfig(vocab_size=20, dim=8, hidden=16, layers=2, dropout=0.0)).eval()
    a = torch.tensor([[2, 5, 6, 7, 8, 3]])
    b = a.clone()
    b[0, 3] = 9
    fa, ba, _ = m.states(a)
    fb, bb, _ = m.states(b)
    torch.testing.assert_close(fa[-1][0, :3], fb[-1][0, :3])
    torch.testing.assert_close(ba[-1][0, 4:], bb[-1][0, 4:])
    assert not torch.allclose(fa[-1][0, 3:], fb[-1][0, 3:])


@pytest.fixture(scope="module")
def tiny_corpus(tmp_path_factory):
    """One sentence, repeated: every prediction is determined by its context (in either
    direction), so a model that memorises it has a loss near zero. ('the' is followed by three
    different words: only the longer context tells which.)"""
    p = tmp_path_factory.mktemp("lm") / "tiny.txt"
    p.write_text("the quick brown fox jumps over the lazy dog by the river bank\n" * 40)
    return p


def test_lm_overfits_a_tiny_corpus_and_checkpoints(tiny_corpus, tmp_path):
    out = tmp_path / "lm"
    lm = train_lm(str(tiny_corpus), out, dim=32, hidden=64, layers=2, dropout=0.0, epochs=40, lr=1e-2,
                  min_count=1, heldout=0.1, batch_tokens=512, progress=False)
    first, last = lm.history[0]["train_loss"], lm.history[-1]["train_loss"]
    assert first > 1.0 and last < 0.02  # near zero: the sentence is memorised
    assert lm.history[-1]["heldout_perplexity"]["mean"] < 1.05
    back = load_lm(out)
    assert back.vocab == lm.vocab and len(back.history) == 40
    for k, v in lm.model.state_dict().items():
        torch.testing.assert_close(back.model.state_dict()[k], v)
    vecs = back.layer_vectors(["the lazy dog", "the quick brown fox jumps"])
    assert [v.shape for v in vecs] == [(3, 3, 64), (3, 5, 64)]
    np.testing.assert_allclose(vecs[0][0, :, :32], vecs[0][0, :, 32:])  # layer 0: the embedding twice


def test_lm_resume_continues_exactly(tiny_corpus, tmp_path):
    kw = dict(dim=16, hidden=32, layers=1, dropout=0.2, lr=5e-3, min_count=1, heldout=0.1, batch_tokens=256,
              progress=False, seed=3)
    full = train_lm(str(tiny_corpus), tmp_path / "full", epochs=4, **kw)
    train_lm(str(tiny_corpus), tmp_path / "part", epochs=2, **kw)
    resumed = train_lm(str(tiny_corpus), tmp_path / "part", epochs=4, resume=True, **kw)
    assert [h["epoch"] for h in resumed.history] == [1, 2, 3, 4]
    for k, v in full.model.state_dict().items():
        torch.testing.assert_close(resumed.model.state_dict()[k], v, atol=1e-6, rtol=1e-5)
