"""Row-wise top-k selections in one pass per row (rows in parallel).

Each row keeps a small descending buffer; a score enters only if it beats the current k-th,
which after the first few thousand columns is rare, so the pass runs at memory speed. Ties keep
the lower column first; NaN and -inf never enter (their slots stay -1).
"""

import numpy as np
from numba import njit, prange

from .compile import twin


@njit(cache=True, inline="always")
def _insert(best_s, best_i, v, j, k):
    """Put score ``v`` of column ``j`` into the descending buffers (``v`` beats the k-th)."""
    pos = k - 1
    while pos > 0 and best_s[pos - 1] < v:
        best_s[pos] = best_s[pos - 1]
        best_i[pos] = best_i[pos - 1]
        pos -= 1
    best_s[pos] = v
    best_i[pos] = j


@njit(cache=True, parallel=True)
def topk_rows(scores, k, out_ids, out_scores):
    """Fill ``out_ids``/``out_scores`` (n_rows, k) with each row's best columns, best first."""
    n_rows, n_cols = scores.shape
    for r in prange(n_rows):
        best_s = np.full(k, -np.inf, dtype=np.float32)
        best_i = np.full(k, -1, dtype=np.int64)
        row = scores[r]
        for j in range(n_cols):
            v = row[j]
            if v > best_s[k - 1]:
                _insert(best_s, best_i, v, j, k)
        for t in range(k):
            out_ids[r, t] = best_i[t]
            out_scores[r, t] = best_s[t]


def _topk_rows_scaled(scores, scale, offset, best_ids, best_scores):
    """Fold the columns of ``scores[r, j] * scale[j]`` (cosines from dot products and inverse row
    lengths) into each row's running best ``best_ids``/``best_scores`` (n_rows, k), sorted best
    first, as columns ``offset + j``. Chunks folded in increasing ``offset`` keep ties by the
    lower id, exactly as one pass over all columns would."""
    n_rows, n_cols = scores.shape
    k = best_ids.shape[1]
    for r in prange(n_rows):
        best_s = best_scores[r]
        best_i = best_ids[r]
        row = scores[r]
        for j in range(n_cols):
            v = row[j] * scale[j]
            if v > best_s[k - 1]:
                _insert(best_s, best_i, v, offset + j, k)


# rows on Numba's threads; and on the calling thread without the GIL, for callers that run one
# fold per thread of their own (``ExactIndex`` with large batches)
topk_rows_scaled = njit(twin(_topk_rows_scaled, "_parallel"), cache=True, parallel=True)
topk_rows_scaled_serial = njit(twin(_topk_rows_scaled, "_serial"), cache=True, nogil=True)


@njit(cache=True, parallel=True, fastmath=True)
def analogy_topk(sims, rows, exclude, mul, k, out_ids, out_scores):
    """Top ``k`` answers of many analogy questions ``a : b :: c : ?`` from precomputed cosines.

    ``sims`` (n_words, n_cand) holds the cosines of the questions' distinct words with every
    candidate; question ``q`` uses rows ``rows[q] = (a, b, c)`` of it, and never answers the
    candidate ids in ``exclude[q]`` (-1 = none). 3CosAdd scores ``cos(x, b) - cos(x, a) +
    cos(x, c)``; 3CosMul (``mul``) ``s_b s_c / (s_a + 0.001)`` with ``s = (cos + 1) / 2``. Computing
    ``sims`` once for the few distinct words of a benchmark and combining rows here replaces one
    product per question with one per distinct word.
    """
    n_q = rows.shape[0]
    n = sims.shape[1]
    for q in prange(n_q):
        ra = sims[rows[q, 0]]
        rb = sims[rows[q, 1]]
        rc = sims[rows[q, 2]]
        best_s = np.full(k, -np.inf, dtype=np.float32)
        best_i = np.full(k, -1, dtype=np.int64)
        e0, e1, e2 = exclude[q, 0], exclude[q, 1], exclude[q, 2]
        for j in range(n):
            if mul:
                v = np.float32((rb[j] + 1.0) * 0.5 * (rc[j] + 1.0) * 0.5 / ((ra[j] + 1.0) * 0.5 + 1e-3))
            else:
                v = rb[j] - ra[j] + rc[j]
            if v > best_s[k - 1] and j != e0 and j != e1 and j != e2:
                _insert(best_s, best_i, v, j, k)
        for t in range(k):
            out_ids[q, t] = best_i[t]
            out_scores[q, t] = best_s[t]


@njit(cache=True)
def quantize_rows(m, norms, out_q, out_scale):
    """Unit rows ``m[i] / norms[i]`` as int8: ``out_q[i] = round(u / max|u| * 127)`` and
    ``out_scale[i] = max|u| / 127``, so that ``u ~ out_scale[i] * out_q[i]``."""
    n, d = m.shape
    for i in range(n):
        inv = 1.0 / norms[i] if norms[i] > 0 else 0.0
        top = 0.0
        for t in range(d):
            top = max(top, abs(m[i, t] * inv))
        s = top / 127.0 if top > 0 else 1.0
        for t in range(d):
            out_q[i, t] = np.int8(round(m[i, t] * inv / s))
        out_scale[i] = s


@njit(cache=True, parallel=True, fastmath=True)
def int8_topk(qmat, scales, query, limit, pool, n_parts, out_ids, out_scores):
    """The ``pool`` rows among the first ``limit`` with the highest approximate dot product
    ``scales[i] * (qmat[i] . q8) * qs`` with one query (``q8`` its int8 form), scanning row
    ranges in ``n_parts`` threads; ``out_*`` (n_parts, pool) get each range's best."""
    d = qmat.shape[1]
    top = 0.0
    for t in range(d):
        top = max(top, abs(query[t]))
    qs = top / 127.0 if top > 0 else 1.0
    q8 = np.empty(d, dtype=np.int32)
    for t in range(d):
        q8[t] = np.int32(round(query[t] / qs))
    for p in prange(n_parts):
        lo = p * limit // n_parts
        hi = (p + 1) * limit // n_parts
        best_s = np.full(pool, -np.inf, dtype=np.float32)
        best_i = np.full(pool, -1, dtype=np.int64)
        for i in range(lo, hi):
            row = qmat[i]
            acc = np.int32(0)
            for t in range(d):
                acc += np.int32(row[t]) * q8[t]
            v = np.float32(acc * scales[i] * qs)
            if v > best_s[pool - 1]:
                _insert(best_s, best_i, v, i, pool)
        for t in range(pool):
            out_ids[p, t] = best_i[t]
            out_scores[p, t] = best_s[t]
