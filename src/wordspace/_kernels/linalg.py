"""Sparse (CSR) times dense products for the randomized SVD of PPMI matrices.

A CSR matrix is ``(indptr, indices, data)``: row ``i`` holds ``data[k]`` at column
``indices[k]`` for ``k`` in ``indptr[i]:indptr[i + 1]``.
"""

from numba import njit, prange


@njit(cache=True, parallel=True, fastmath=True)
def csr_matmul(indptr, indices, data, X, out):
    """``out = A @ X`` for CSR ``A`` (n_rows, n_cols) and dense ``X`` (n_cols, k); rows of
    ``out`` are computed in parallel."""
    k = X.shape[1]
    for i in prange(out.shape[0]):
        for c in range(k):
            out[i, c] = 0.0
        for p in range(indptr[i], indptr[i + 1]):
            v = data[p]
            row = X[indices[p]]
            for c in range(k):
                out[i, c] += v * row[c]


@njit(cache=True, parallel=True, fastmath=True)
def csr_t_matmul(indptr, indices, data, X, parts):
    """``A.T @ X`` for CSR ``A`` (n_rows, n_cols) and dense ``X`` (n_rows, k), accumulated in
    ``parts`` (n_parts, n_cols, k): part ``t`` scatters the rows of its share of ``A``, so
    threads never write the same memory. The caller sums ``parts`` over its first axis."""
    n_parts = parts.shape[0]
    n_rows = indptr.shape[0] - 1
    k = X.shape[1]
    for t in prange(n_parts):
        acc = parts[t]
        for r in range(acc.shape[0]):
            for c in range(k):
                acc[r, c] = 0.0
        lo = t * n_rows // n_parts
        hi = (t + 1) * n_rows // n_parts
        for i in range(lo, hi):
            xi = X[i]
            for p in range(indptr[i], indptr[i + 1]):
                v = data[p]
                dst = acc[indices[p]]
                for c in range(k):
                    dst[c] += v * xi[c]
