"""Row-wise top-k of a score matrix in one pass per row (rows in parallel).

Each row keeps a small descending buffer; a score enters only if it beats the current k-th,
which after the first few thousand columns is rare, so the pass runs at memory speed. Ties keep
the lower column first; NaN and -inf never enter (their slots stay -1).
"""

import numpy as np
from numba import njit, prange


@njit(cache=True, parallel=True)
def topk_rows(scores, k, out_ids, out_scores):
    """Fill ``out_ids``/``out_scores`` (n_rows, k) with each row's best columns, best first."""
    n_rows, n_cols = scores.shape
    for r in prange(n_rows):
        best_s = np.full(k, -np.inf, dtype=np.float32)
        best_i = np.full(k, -1, dtype=np.int64)
        row = scores[r]
        kth = best_s[k - 1]
        for j in range(n_cols):
            v = row[j]
            if v > kth:
                pos = k - 1
                while pos > 0 and best_s[pos - 1] < v:
                    best_s[pos] = best_s[pos - 1]
                    best_i[pos] = best_i[pos - 1]
                    pos -= 1
                best_s[pos] = v
                best_i[pos] = j
                kth = best_s[k - 1]
        for t in range(k):
            out_ids[r, t] = best_i[t]
            out_scores[r, t] = best_s[t]
