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
