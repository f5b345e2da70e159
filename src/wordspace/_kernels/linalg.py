"""Sparse (CSR) times dense products for the randomized SVD of PPMI matrices.

A CSR matrix is ``(indptr, indices, data)``: row ``i`` holds ``data[k]`` at column
``indices[k]`` for ``k`` in ``indptr[i]:indptr[i + 1]``.
"""

import numpy as np
from numba import njit, prange


@njit(cache=True, parallel=True, fastmath=True)
def csr_matmul(indptr, indices, data, X, out):
    """``out = A @ X`` for CSR ``A`` (n_rows, n_cols) and dense ``X`` (n_cols, k).

    The product streams one row of ``X`` per non-zero, so it is bound by memory traffic: ``X``
    in float32 with ``out`` in float64 halves it and keeps float64 sums. Rows go to threads
    interleaved (row ``i`` to stripe ``i % 64``): rows sorted by frequency hold most non-zeros
    first (90% in the first half of a PPMI matrix), and contiguous halves left one thread
    doing nine tenths of the work.
    """
    n_rows = out.shape[0]
    k = X.shape[1]
    stripes = 64
    for s in prange(stripes):
        for i in range(s, n_rows, stripes):
            o = out[i]
            for c in range(k):
                o[c] = 0.0
            for p in range(indptr[i], indptr[i + 1]):
                v = data[p]
                row = X[indices[p]]
                for c in range(k):
                    o[c] += v * row[c]


@njit(cache=True)
def csr_transpose(indptr, indices, data, n_cols, t_indptr, t_indices, t_data):
    """The CSR form of ``A.T`` (a counting sort by column): ``t_indptr`` (n_cols + 1,),
    ``t_indices`` and ``t_data`` like ``indices`` and ``data``; rows of ``A.T`` list their
    columns in increasing order."""
    n_rows = indptr.shape[0] - 1
    pos = np.zeros(n_cols + 1, dtype=np.int64)
    for p in range(indices.shape[0]):
        pos[indices[p] + 1] += 1
    for j in range(n_cols):
        pos[j + 1] += pos[j]
    for j in range(n_cols + 1):
        t_indptr[j] = pos[j]
    for i in range(n_rows):
        for p in range(indptr[i], indptr[i + 1]):
            j = indices[p]
            q = pos[j]
            t_indices[q] = i
            t_data[q] = data[p]
            pos[j] = q + 1
