"""Top-k kernels against NumPy: the fused analogy scorer (3CosAdd, 3CosMul, exclusions) and the
int8 scan of QuantizedIndex."""

import numpy as np
import pytest

from wordspace._kernels.topk import analogy_topk, int8_topk, quantize_rows


@pytest.mark.parametrize("mul", [False, True])
def test_analogy_topk_matches_numpy(mul):
    rng = np.random.default_rng(0)
    sims = rng.uniform(-1, 1, size=(12, 500)).astype(np.float32)
    rows = rng.integers(0, 12, size=(40, 3))
    exclude = rng.integers(-1, 500, size=(40, 3))
    ids = np.empty((40, 5), np.int64)
    sc = np.empty((40, 5), np.float32)
    analogy_topk(sims, rows, exclude, mul, 5, ids, sc)
    for q in range(40):
        a, b, c = (sims[r].astype(np.float64) for r in rows[q])
        s = ((b + 1) / 2) * ((c + 1) / 2) / ((a + 1) / 2 + 1e-3) if mul else b - a + c
        s[[e for e in exclude[q] if e >= 0]] = -np.inf
        order = np.lexsort((np.arange(500), -s))[:5]
        assert ids[q].tolist() == order.tolist()
        np.testing.assert_allclose(sc[q], s[order], rtol=1e-5, atol=1e-6)


def test_int8_scan_approximates_dot_products():
    rng = np.random.default_rng(1)
    m = rng.standard_normal((3000, 48)).astype(np.float32)
    norms = np.linalg.norm(m, axis=1).astype(np.float32)
    q8 = np.empty(m.shape, np.int8)
    scales = np.empty(3000, np.float32)
    quantize_rows(m, norms, q8, scales)
    unit = m / norms[:, None]
    np.testing.assert_allclose(q8 * scales[:, None], unit, atol=np.abs(unit).max() / 127)
    query = unit[7]
    ids = np.empty((3, 50), np.int64)
    sc = np.empty((3, 50), np.float32)
    int8_topk(q8, scales, query, 3000, 50, 3, ids, sc)
    exact = unit @ query
    found = set(ids.ravel().tolist())
    assert set(np.argsort(-exact)[:10].tolist()) <= found  # the true top-10 is among the candidates
    for p in range(3):  # each part's scores approximate the exact ones within int8 error
        np.testing.assert_allclose(sc[p], exact[ids[p]], atol=0.03)
        assert np.all(np.diff(sc[p]) <= 0)


def test_scaled_topk_matches_numpy_with_ties_and_exclusions():
    from wordspace._kernels.topk import topk_rows_scaled

    rng = np.random.default_rng(2)
    scores = rng.integers(-5, 5, size=(30, 400)).astype(np.float32)  # many ties
    scores[3, :] = -np.inf  # a row with nothing valid
    scores[4, 10:] = -np.inf  # fewer valid entries than k
    scale = rng.choice([0.5, 1.0, 2.0], size=400).astype(np.float32)
    ids = np.full((30, 12), -1, np.int64)
    sc = np.full((30, 12), -np.inf, np.float32)
    topk_rows_scaled(scores[:, :150], scale[:150], 0, ids, sc)  # two chunks folded in turn
    topk_rows_scaled(np.ascontiguousarray(scores[:, 150:]), scale[150:], 150, ids, sc)
    for r in range(30):
        s = scores[r].astype(np.float64) * scale
        valid = np.flatnonzero(np.isfinite(s))
        order = valid[np.lexsort((valid, -s[valid]))][:12]
        assert ids[r, : len(order)].tolist() == order.tolist()
        assert (ids[r, len(order):] == -1).all()
        np.testing.assert_allclose(sc[r, : len(order)], s[order])


@pytest.mark.parametrize("block_scores,chunk_scores,query_block", [(1 << 26, 1 << 22, 1024), (700, 100, 3),
                                                                   (50, 10, 1), (1 << 26, 30, 7)])
def test_exact_index_in_chunks_equals_one_product(monkeypatch, block_scores, chunk_scores, query_block):
    """Scoring in chunks of keys and blocks of queries, merging the running best, gives exactly
    the answers of one product over everything (ties by row, exclusions honoured)."""
    import wordspace.index as index_mod

    rng = np.random.default_rng(3)
    m = rng.integers(-3, 4, size=(257, 6)).astype(np.float32)  # integer rows and queries: exact ties
    norms = np.full(257, 2.0, dtype=np.float32)  # the index divides by these lengths (exactly, here)
    queries = m[:20].copy()
    exclude = [[i, (i * 7) % 257] for i in range(20)]
    monkeypatch.setattr(index_mod, "BLOCK_SCORES", block_scores)
    monkeypatch.setattr(index_mod, "QUERY_BLOCK", query_block)
    monkeypatch.setattr(index_mod, "CHUNK_SCORES", chunk_scores)
    monkeypatch.setattr(index_mod, "MIN_CHUNK", 1)
    ids, sc = index_mod.ExactIndex().build_raw(m, norms).query(queries, 9, limit=250, exclude=exclude)
    full = (queries.astype(np.float64) @ m[:250].T.astype(np.float64)) / norms[:250]
    for r in range(20):
        s = full[r].copy()
        s[[e for e in exclude[r] if e < 250]] = -np.inf
        order = np.lexsort((np.arange(250), -s))[:9]
        assert ids[r].tolist() == order.tolist(), r
        np.testing.assert_allclose(sc[r], s[order], rtol=1e-5)
