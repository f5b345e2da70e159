"""Co-occurrence counting (in memory and spilled to disk), the GloVe step, the PPMI matrix
and the randomized SVD, each against a slow NumPy reference."""

import math

import numpy as np
import pytest

from wordspace._kernels import glove as kg
from wordspace._kernels import linalg as kl
from wordspace.cooccur import count_cooccurrences
from wordspace.corpus import encode_corpus
from wordspace.errors import InvalidParameterError
from wordspace.models.ppmi import ppmi_matrix, randomized_svd


def ref_cooccur(enc, window, weighting):
    """Dense counts from the definition: every pair at distance d <= window in a sentence."""
    v = len(enc.words)
    out = np.zeros((v, v))
    for s in range(enc.n_sentences):
        sent = enc.tokens[enc.offsets[s] : enc.offsets[s + 1]]
        for i in range(len(sent)):
            for j in range(i + 1, min(len(sent), i + window + 1)):
                d = j - i
                w = {"harmonic": 1 / d, "uniform": 1.0, "linear": (window - d + 1) / window}[weighting]
                out[sent[i], sent[j]] += w
                out[sent[j], sent[i]] += w
    return out


@pytest.fixture(scope="module")
def small_enc(demo_sentences):
    return encode_corpus(demo_sentences[:400], min_count=2)


@pytest.mark.parametrize("weighting", ["harmonic", "uniform", "linear"])
def test_counts_match_definition(small_enc, weighting):
    ref = ref_cooccur(small_enc, 3, weighting)
    co = count_cooccurrences(small_enc, window=3, weighting=weighting, workers=2)
    assert not co.spilled
    np.testing.assert_allclose(co.to_dense(), ref, rtol=1e-6)
    keys = co.rows.astype(np.int64) * co.n_words + co.cols
    assert np.all(np.diff(keys) > 0)  # sorted by (row, col), no duplicates


def test_external_memory_equals_in_memory(small_enc):
    """A budget smaller than the matrix (0.25 MB for 24,700 entries of 12 bytes) forces
    sorted runs on disk and a memory-mapped result; the matrix is the same as counted in one
    table."""
    full = count_cooccurrences(small_enc, window=5, workers=1)
    tiny = count_cooccurrences(small_enc, window=5, workers=2, memory=0.25)
    assert full.nnz * 12 > 0.25 * 2**20
    assert tiny.spilled and tiny.runs > 4 and tiny.on_disk and not full.spilled
    assert tiny.table_mb <= 0.25
    np.testing.assert_array_equal(tiny.rows, full.rows)
    np.testing.assert_array_equal(tiny.cols, full.cols)
    np.testing.assert_allclose(tiny.values, full.values, rtol=1e-6)


def test_memory_budget_too_small(small_enc):
    with pytest.raises(InvalidParameterError, match="'memory' parameter \\(0.01 MB\\) is too small.*at least"):
        count_cooccurrences(small_enc, window=5, workers=2, memory=0.01)


def ref_glove(W, C, bw, bc, rows, cols, vals, eta, x_max, power):
    """The GloVe C tool's update, entry by entry, in float64."""
    W, C, bw, bc = (a.astype(np.float64) for a in (W, C, bw, bc))
    gW, gC, gbw, gbc = np.ones_like(W), np.ones_like(C), np.ones_like(bw), np.ones_like(bc)
    cost = 0.0
    for i, j, x in zip(rows, cols, vals):
        diff = W[i] @ C[j] + bw[i] + bc[j] - math.log(x)
        fdiff = diff if x > x_max else (x / x_max) ** power * diff
        cost += 0.5 * fdiff * diff
        step = eta * fdiff
        a = np.clip(step * C[j], -kg.CLIP, kg.CLIP)
        b = np.clip(step * W[i], -kg.CLIP, kg.CLIP)
        uw, uc = a / np.sqrt(gW[i]), b / np.sqrt(gC[j])
        gW[i] += a * a
        gC[j] += b * b
        W[i] -= uw
        C[j] -= uc
        bw[i] -= step / math.sqrt(gbw[i])
        bc[j] -= step / math.sqrt(gbc[j])
        gbw[i] += step * step
        gbc[j] += step * step
    return W, C, bw, bc, cost


def test_glove_steps_match_reference():
    rng = np.random.default_rng(2)
    v, dim = 6, 4
    W, C = (rng.random((v, dim), dtype=np.float32) - 0.5), (rng.random((v, dim), dtype=np.float32) - 0.5)
    bw, bc = rng.random(v, dtype=np.float32) - 0.5, rng.random(v, dtype=np.float32) - 0.5
    rows = np.array([0, 1, 2, 0, 5, 3, 0], np.int32)  # repeated rows exercise the accumulators
    cols = np.array([1, 0, 2, 1, 4, 3, 2], np.int32)
    vals = np.array([3.0, 150.0, 0.5, 7.0, 1.0, 99.0, 12.0], np.float32)  # below and above x_max
    exp = ref_glove(W, C, bw, bc, rows, cols, vals, 0.05, 100.0, 0.75)
    grads = [np.ones((v, dim), np.float32), np.ones((v, dim), np.float32), np.ones(v, np.float32), np.ones(v, np.float32)]
    loss = np.zeros(1)
    kg.glove_epoch(W, C, bw, bc, *grads, rows, cols, np.log(vals), np.array([0]), 7, np.array([0.05, np.log(100.0), 0.75]),
                   loss)
    for got, want in zip((W, C, bw, bc), exp[:4]):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
    assert loss[0] == pytest.approx(exp[4], rel=1e-5)


def test_shuffle_and_chunk_order_are_permutations():
    rows = np.arange(1000, dtype=np.int32)
    cols = rows * 2
    vals = rows.astype(np.float32) / 3
    kg.shuffle_entries(rows, cols, vals, 7)
    assert sorted(rows.tolist()) == list(range(1000)) and rows.tolist() != list(range(1000))
    np.testing.assert_array_equal(cols, rows * 2)  # the three arrays moved together
    np.testing.assert_allclose(vals, rows / 3, rtol=1e-6)
    a, b = kg.chunk_order(50, 3, 0), kg.chunk_order(50, 3, 1)
    assert sorted(a.tolist()) == list(range(50)) and a.tolist() != b.tolist()


def test_ppmi_matches_dense_computation(small_enc):
    co = count_cooccurrences(small_enc, window=4, weighting="uniform", workers=1)
    X = co.to_dense()
    alpha, k = 0.75, 2.0
    pw = X.sum(axis=1)
    pc = X.sum(axis=0) ** alpha
    pc /= pc.sum()
    with np.errstate(divide="ignore"):
        dense = np.maximum(np.log(X) - np.log(pw)[:, None] - np.log(pc)[None, :] - np.log(k), 0)
    indptr, indices, data = ppmi_matrix(co, alpha, k)
    ours = np.zeros_like(dense)
    for i in range(co.n_words):
        ours[i, indices[indptr[i] : indptr[i + 1]]] = data[indptr[i] : indptr[i + 1]]
    np.testing.assert_allclose(ours, dense, rtol=1e-5, atol=1e-5)
    assert (data > 0).all()


def test_csr_products_and_randomized_svd_match_numpy():
    rng = np.random.default_rng(0)
    A = rng.random((300, 200)) * (rng.random((300, 200)) < 0.1)  # sparse noise...
    Q1, Q2 = np.linalg.qr(rng.standard_normal((300, 10)))[0], np.linalg.qr(rng.standard_normal((200, 10)))[0]
    A += (Q1 * np.geomspace(40, 8, 10)) @ Q2.T * (rng.random((300, 200)) < 0.5)  # ...plus strong directions
    indptr = np.concatenate(([0], np.cumsum((A != 0).sum(axis=1)))).astype(np.int64)
    indices = np.nonzero(A)[1].astype(np.int32)
    data = A[A != 0].astype(np.float32)
    X = rng.standard_normal((200, 7))
    out = np.empty((300, 7))
    kl.csr_matmul(indptr, indices, data, X, out)
    np.testing.assert_allclose(out, A @ X, rtol=1e-5, atol=1e-5)
    out32 = np.empty((300, 7))
    kl.csr_matmul(indptr, indices, data, X.astype(np.float32), out32)  # float32 sketches, float64 sums
    np.testing.assert_allclose(out32, A @ X.astype(np.float32).astype(np.float64), rtol=1e-5, atol=1e-5)
    Y = rng.standard_normal((300, 7))
    t_indptr, t_indices, t_data = np.empty(201, np.int64), np.empty_like(indices), np.empty_like(data)
    kl.csr_transpose(indptr, indices, data, 200, t_indptr, t_indices, t_data)
    out = np.empty((200, 7))
    kl.csr_matmul(t_indptr, t_indices, t_data, Y, out)
    np.testing.assert_allclose(out, A.T @ Y, rtol=1e-5, atol=1e-5)
    for j in range(200):  # each row of the transpose lists its columns in order
        assert (np.diff(t_indices[t_indptr[j] : t_indptr[j + 1]]) > 0).all()
    u, s, vt = randomized_svd(indptr, indices, data, 200, 10, n_iter=6, seed=1, workers=2)
    s_ref = np.linalg.svd(A, compute_uv=False)[:10]
    np.testing.assert_allclose(s, s_ref, rtol=1e-3)
    np.testing.assert_allclose(u.T @ u, np.eye(10), atol=1e-8)
    from wordspace.models.ppmi import _orthonormal

    for x in (rng.standard_normal((300, 12)), np.outer(rng.standard_normal(300), np.ones(12))):  # full rank, rank 1
        q = _orthonormal(x)
        np.testing.assert_allclose(q.T @ q, np.eye(12), atol=1e-8)
        assert np.allclose(q @ (q.T @ x), x)  # spans the columns of x
    approx = (u * s) @ vt
    u_ref, s_all, vt_ref = np.linalg.svd(A, full_matrices=False)
    best = (u_ref[:, :10] * s_all[:10]) @ vt_ref[:10]
    assert np.linalg.norm(A - approx) <= np.linalg.norm(A - best) * 1.001
