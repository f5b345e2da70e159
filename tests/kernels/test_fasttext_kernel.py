"""The fastText epoch kernel against a slow NumPy replay of a whole epoch, and the compiled
kernel against its plain-Python twin.

With window 1, no subsampling and a noise distribution that always draws the same word, the
kernel's random choices are fixed, so the reference can replay every window exactly: the
centre word's subword rows (skip-gram) or the context words' subword rows (CBOW) form the
hidden mean, the targets are updated in turn, and every input row receives the whole error.
"""

import math

import numpy as np
import pytest

from wordspace._kernels import fasttext as kft
from wordspace._kernels import epoch as kep
from wordspace._kernels import windows as kwin
from wordspace._kernels.compile import SPECIALISED_DIMS
from wordspace.subwords import subword_table
from wordspace.vocab import alias_table

def _tables(thr, alias, sub):
    """The kernel's tables: noise sampler, subword rows of each word, most rows of one word."""
    return thr, alias, sub[0], sub[1], np.array([kft.max_subwords(sub[0])], np.int64)


WORDS = ["the", "cat", "sat", "on", "mat", "café"]


def _sigmoid(x):
    return 1.0 / (1.0 + math.exp(-x))


def ref_window(w_in, w_out, rows, targets, labels, alpha):
    h = w_in[rows].mean(axis=0)
    dh = np.zeros_like(h)
    loss = 0.0
    for t, y in zip(targets, labels):
        if y < 0:
            continue
        s = _sigmoid(h @ w_out[t])
        loss -= math.log(s) if y == 1 else math.log(1 - s)
        if abs(y - s) < kwin.MIN_ERROR:
            continue
        g = (y - s) * alpha
        dh += g * w_out[t]
        w_out[t] += g * h
    np.add.at(w_in, rows, np.tile(dh, (len(rows), 1)))
    return loss


def ref_epoch(w_in, w_out, sentences, sub, noise_word, neg, alpha0, min_alpha, total, cbow):
    off, ids = sub
    w_in, w_out = w_in.astype(np.float64), w_out.astype(np.float64)
    pos, loss, windows, predictions = 0, 0.0, 0, 0
    for sent in sentences:
        alpha = max(min_alpha, alpha0 - (alpha0 - min_alpha) * pos / total)
        for i, center in enumerate(sent):
            ctx = [sent[j] for j in (i - 1, i + 1) if 0 <= j < len(sent)]
            if not ctx:
                continue
            counted = windows % kep.LOSS_EVERY == 0  # the online loss is sampled while training
            windows += 1
            predictions += (1 if cbow else len(ctx)) if counted else 0
            if cbow:
                rows = np.concatenate([ids[off[c] : off[c + 1]] for c in ctx])
                targets = [center] + [noise_word] * neg
                labels = [1] + [-1 if noise_word == center else 0] * neg
            else:
                rows = ids[off[center] : off[center + 1]]
                targets, labels = [], []
                for c in ctx:
                    targets += [c] + [noise_word] * neg
                    labels += [1] + [-1 if noise_word == c else 0] * neg
            window_loss = ref_window(w_in, w_out, rows, targets, labels, alpha)
            loss += window_loss if counted else 0.0
        pos += len(sent)
    return w_in, w_out, loss, predictions


def _setup(seed=0, buckets=17, dim=5):
    sub = subword_table(WORDS, 2, 3, buckets)
    rng = np.random.default_rng(seed)
    w_in = rng.normal(scale=0.3, size=(len(WORDS) + buckets, dim)).astype(np.float32)
    w_out = rng.normal(scale=0.3, size=(len(WORDS), dim)).astype(np.float32)
    sentences = [[0, 1, 2, 3, 0, 4], [5, 1], [2], [0, 5, 5, 3]]
    tokens = np.array([w for s in sentences for w in s], dtype=np.int32)
    offsets = np.concatenate(([0], np.cumsum([len(s) for s in sentences]))).astype(np.int64)
    return sub, w_in, w_out, sentences, tokens, offsets


@pytest.mark.parametrize("cbow", [False, True])
@pytest.mark.parametrize("noise_word", [4, 1])
def test_epoch_matches_numpy_replay(cbow, noise_word):
    sub, w_in, w_out, sentences, tokens, offsets = _setup()
    p = np.zeros(len(WORDS))
    p[noise_word] = 1.0
    thr, alias = alias_table(p)
    keep = np.full(len(WORDS), 2**32, dtype=np.uint64)  # keep every word
    neg, alpha0, min_alpha, total = 2, 0.2, 0.01, float(tokens.shape[0])
    params = np.array([alpha0, min_alpha, 0, total, 1, neg, 3, 0, 1000, 0], dtype=np.float64)
    exp_in, exp_out, exp_loss, exp_count = ref_epoch(w_in, w_out, sentences, sub, noise_word, neg, alpha0, min_alpha,
                                                     total, cbow)
    lo, co = np.zeros(1), np.zeros(1, np.int64)
    kft.EPOCH_KERNELS["ns"][0](w_in, w_out, tokens, offsets, np.array([0, len(sentences)], np.int64), keep,
                               _tables(thr, alias, sub), params, lo, co, cbow)
    np.testing.assert_allclose(w_in, exp_in, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(w_out, exp_out, rtol=1e-4, atol=1e-5)
    assert lo[0] == pytest.approx(exp_loss, rel=1e-4) and exp_loss > 0
    assert co[0] == exp_count > 0


@pytest.mark.parametrize("cbow", [False, True])
@pytest.mark.parametrize("dim", [5, 50])
def test_compiled_epoch_equals_plain_python(cbow, dim):
    """At dim 50 the compiled kernel is the copy compiled for that width (``SPECIALISED_DIMS``);
    the plain-Python function reads the width from the matrices."""
    assert (dim in SPECIALISED_DIMS) == (kft.select("ns", parallel=False, dim=dim) is not kft.EPOCH_KERNELS["ns"][0])
    sub, _, _, _, _, _ = _setup()
    rng = np.random.default_rng(5)
    tokens = rng.integers(0, len(WORDS), size=300).astype(np.int32)
    offsets = np.array([0, 40, 41, 200, 300], dtype=np.int64)
    counts = np.bincount(tokens, minlength=len(WORDS))
    thr, alias = alias_table(counts / counts.sum())
    keep = np.full(len(WORDS), 3 << 30, dtype=np.uint64)  # keep 3/4 of the words
    params = np.array([0.05, 0.001, 0, 300, 3, 3, 9, 0, 1000, 0], dtype=np.float64)
    results = []
    for fn in (kft.PLAIN["ns"], kft.select("ns", parallel=False, dim=dim)):
        _, w_in, w_out, _, _, _ = _setup(seed=4, dim=dim)
        lo, co = np.zeros(2), np.zeros(2, np.int64)
        fn(w_in, w_out, tokens, offsets, np.array([0, 2, 4], np.int64), keep, _tables(thr, alias, sub),
           params, lo, co, cbow)
        results.append((w_in, w_out, lo, co))
    (a_in, a_out, a_lo, a_co), (b_in, b_out, b_lo, b_co) = results
    assert a_co.tolist() == b_co.tolist() and a_co.sum() > 0
    np.testing.assert_allclose(a_in, b_in, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(a_out, b_out, rtol=1e-4, atol=1e-6)


def test_width_specialised_kernel_refuses_other_widths():
    sub, w_in, w_out, _, tokens, offsets = _setup(dim=5)
    thr, alias = alias_table(np.full(len(WORDS), 1 / len(WORDS)))
    params = np.array([0.05, 0.001, 0, 20, 1, 2, 9, 0, 1000, 0], dtype=np.float64)
    with pytest.raises(ValueError, match="vector width"):
        kft.select("ns", parallel=False, dim=50)(w_in, w_out, tokens, offsets, np.array([0, 4], np.int64),
                                                 np.full(len(WORDS), 2**32, dtype=np.uint64), _tables(thr, alias, sub),
                                                 params, np.zeros(1), np.zeros(1, np.int64), False)


def test_word_vectors_are_mean_of_subword_rows():
    sub, w_in, _, _, _, _ = _setup()
    out = np.empty((len(WORDS), w_in.shape[1]), np.float32)
    kft.compose_rows(w_in, sub[0], sub[1], out)
    for w in range(len(WORDS)):
        np.testing.assert_allclose(out[w], w_in[sub[1][sub[0][w] : sub[0][w + 1]]].mean(axis=0), rtol=1e-5, atol=1e-6)
