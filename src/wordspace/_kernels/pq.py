"""Product quantisation kernels: k-means in each subspace, and the nearest centroid of each
subvector (fastText's ``quantize``: a vector of ``dim`` floats becomes ``dim / dsub`` bytes).

Subspaces are independent, so k-means runs one subspace per thread; sums are taken in float64
in row order, so the result does not depend on the thread count.
"""

import numpy as np
from numba import njit, prange


@njit(cache=True, inline="always")
def _nearest(x, i, lo, dsub, cents):
    """Index of the centroid of ``cents`` (ks, dsub) nearest to ``x[i, lo:lo + dsub]`` (ties:
    the lower index)."""
    best, best_d = 0, np.inf
    for k in range(cents.shape[0]):
        d = 0.0
        for t in range(dsub):
            diff = x[i, lo + t] - cents[k, t]
            d += diff * diff
        if d < best_d:
            best_d, best = d, k
    return best


@njit(cache=True, parallel=True)
def kmeans_subspaces(x, dsub, init, iterations, centroids):
    """Lloyd's k-means in every subspace of ``x`` (n, m * dsub) float32: subspace ``j`` starts
    from the rows ``init[j]`` (ks distinct row numbers) and runs ``iterations`` rounds; an empty
    cluster keeps its centroid. Fills ``centroids`` (m, ks, dsub) float32."""
    n = x.shape[0]
    m, ks = init.shape
    for j in prange(m):
        lo = j * dsub
        cents = centroids[j]
        for k in range(ks):
            for t in range(dsub):
                cents[k, t] = x[init[j, k], lo + t]
        sums = np.zeros((ks, dsub), dtype=np.float64)
        counts = np.zeros(ks, dtype=np.int64)
        for _ in range(iterations):
            sums[:] = 0.0
            counts[:] = 0
            for i in range(n):
                c = _nearest(x, i, lo, dsub, cents)
                counts[c] += 1
                for t in range(dsub):
                    sums[c, t] += x[i, lo + t]
            for k in range(ks):
                if counts[k] > 0:
                    for t in range(dsub):
                        cents[k, t] = np.float32(sums[k, t] / counts[k])


@njit(cache=True, parallel=True)
def encode(x, dsub, centroids, codes):
    """``codes[i, j]``: the centroid of subspace ``j`` nearest to row ``i``'s subvector ``j``."""
    n = x.shape[0]
    m = centroids.shape[0]
    for i in prange(n):
        for j in range(m):
            codes[i, j] = _nearest(x, i, j * dsub, dsub, centroids[j])


@njit(cache=True, parallel=True)
def decode(codes, centroids, out):
    """Rows rebuilt from their codes: ``out[i, j * dsub:(j + 1) * dsub] = centroids[j, codes[i, j]]``."""
    n, m = codes.shape
    dsub = centroids.shape[2]
    for i in prange(n):
        for j in range(m):
            c = codes[i, j]
            for t in range(dsub):
                out[i, j * dsub + t] = centroids[j, c, t]
