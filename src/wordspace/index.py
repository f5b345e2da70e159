"""Neighbour-search backends for :class:`wordspace.Vectors`.

An index has ``build(unit_matrix)`` and ``query(unit_queries, k, limit, exclude) -> (ids,
scores)`` (both (n_queries, k), best first, cosine scores); an index that would rather see the
raw matrix (to avoid a normalised float32 copy) also has ``build_raw(matrix, norms)``, and one
that can score every row exactly has ``scores(unit_queries, limit)`` (3CosMul analogies use it;
``wordspace.analogy``). :class:`ExactIndex` (the default) is one BLAS product per block of
queries plus a compiled top-k;
:class:`QuantizedIndex` scans an int8 copy (a quarter of the memory traffic) and re-ranks its
best candidates exactly, for single queries on millions of keys; :class:`HnswIndex` adapts the
optional ``hnswlib`` package where approximate answers are acceptable.
"""

from __future__ import annotations

import numpy as np

from ._validation import Interval, check_param
from .errors import InvalidParameterError

__all__ = ["ExactIndex", "QuantizedIndex", "HnswIndex", "top_k", "merge_top_k"]

#: Scores computed at once are bounded to about this many float32 values (256 MB).
BLOCK_SCORES = 1 << 26
#: Queries scored together by ExactIndex (each block reads the key matrix once), and the scores
#: of one block against one chunk of keys. Measured with 1,000 queries on 1M x 300: chunks of 16
#: MB of scores (4,096 keys) took 4.8 s, 64 MB 4.0 s, 256 MB 3.7 s: the product's efficiency on
#: wide chunks matters more than keeping the scores in cache.
QUERY_BLOCK = 1024
CHUNK_SCORES = 1 << 26
MIN_CHUNK = 4096  # keys per chunk at least, however many queries


#: Up to this k a compiled one-pass selection is used; above it, ``argpartition``.
COMPILED_MAX_K = 128
#: Up to this many queries NumPy selects the top k: a handful of queries take microseconds
#: either way, and loading the compiled kernels costs a command's start-up about 0.3 s.
NUMPY_MAX_QUERIES = 8


def top_k(scores: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Row-wise top ``k`` of a 2-D score array: ``(ids, scores)``, best first, ties by id.

    Entries that are NaN or -inf (excluded rows) are never returned: their places hold id -1
    and score -inf when a row has fewer than ``k`` valid entries.
    """
    n = scores.shape[1]
    k = min(k, n)
    if k <= COMPILED_MAX_K and scores.dtype == np.float32 and scores.shape[0] > NUMPY_MAX_QUERIES:
        from ._kernels.topk import topk_rows

        ids = np.empty((scores.shape[0], k), dtype=np.int64)
        vals = np.empty((scores.shape[0], k), dtype=np.float32)
        topk_rows(np.ascontiguousarray(scores), k, ids, vals)
        return ids, vals
    scores = np.where(np.isnan(scores), -np.inf, scores)
    if k < n:
        part = np.argpartition(-scores, k - 1, axis=1)[:, :k]
        # which of several rows tied with the k-th score argpartition keeps differs between NumPy
        # releases; ties go to the lower row, so a row with a tie at the boundary is chosen again
        kth = np.take_along_axis(scores, part, axis=1).min(axis=1)
        tied = np.flatnonzero((scores == kth[:, None]).sum(axis=1) > (np.take_along_axis(scores, part, axis=1)
                                                                      == kth[:, None]).sum(axis=1))
        for r in tied.tolist():
            above = np.flatnonzero(scores[r] > kth[r])
            part[r] = np.concatenate([above, np.flatnonzero(scores[r] == kth[r])[: k - above.shape[0]]])
    else:
        part = np.broadcast_to(np.arange(n), scores.shape).copy()
    vals = np.take_along_axis(scores, part, axis=1)
    order = np.lexsort((part, -vals), axis=1)
    ids = np.take_along_axis(part, order, axis=1)
    vals = np.take_along_axis(vals, order, axis=1)
    ids[~np.isfinite(vals)] = -1
    return ids, vals


class ExactIndex:
    """Exact cosine neighbours: a matrix product with the keys, divided by their lengths.

    Built from the raw matrix (``build_raw``, what ``Vectors`` does), it keeps no normalised
    copy: a memory-mapped million-key model is searched straight from the map.
    """

    def build(self, unit: np.ndarray) -> "ExactIndex":
        return self.build_raw(unit, None)

    def build_raw(self, matrix: np.ndarray, norms: np.ndarray | None) -> "ExactIndex":
        self.matrix = matrix
        self.inv_norms = None if norms is None else (1.0 / norms).astype(np.float32)
        return self

    def scores(self, queries: np.ndarray, limit: int | None = None) -> np.ndarray:
        """Cosines of unit ``queries`` with the first ``limit`` rows: (n_queries, limit) float32."""
        m = self.matrix if limit is None else self.matrix[:limit]
        out = np.asarray(queries, dtype=np.float32) @ m.T
        if self.inv_norms is not None:
            out *= self.inv_norms[: m.shape[0]]
        return out

    def query(self, queries: np.ndarray, k: int, limit: int | None = None,
              exclude: list | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Top ``k`` rows (among the first ``limit``) for each unit query; ``exclude[i]`` lists
        row ids that query ``i`` must not return.

        Up to ``QUERY_BLOCK`` queries are scored together against one chunk of keys at a time
        (one BLAS call of about ``CHUNK_SCORES`` scores), so the key matrix is read once per block
        of queries however many there are; each chunk is folded into the running best by a
        compiled pass that scales by the inverse row lengths and keeps ties by the lower row.
        """
        n = self.matrix.shape[0] if limit is None else min(limit, self.matrix.shape[0])
        nq, k = queries.shape[0], min(k, n)
        ids_out = np.full((nq, k), -1, dtype=np.int64)
        sc_out = np.full((nq, k), -np.inf, dtype=np.float32)
        if nq == 0 or k == 0:
            return ids_out, sc_out
        queries = np.ascontiguousarray(queries, dtype=np.float32)
        lanes = _lanes(nq, n, k)
        if lanes > 1:
            return self._query_lanes(queries, k, n, exclude, lanes, ids_out, sc_out)
        qb = min(nq, QUERY_BLOCK)
        chunk = min(n, max(k, MIN_CHUNK, min(CHUNK_SCORES, BLOCK_SCORES) // qb))
        compiled = k <= COMPILED_MAX_K and nq > NUMPY_MAX_QUERIES
        # one buffer for every chunk's scores: a fresh 256 MB array per chunk costs its page
        # faults each time (1,000 queries on 1M keys: 2.4 s -> 2.0 s)
        buf = np.empty(qb * chunk, dtype=np.float32)
        for s in range(0, nq, qb):
            q = queries[s : s + qb]
            b_ids, b_sc = ids_out[s : s + qb], sc_out[s : s + qb]
            for c0 in range(0, n, chunk):
                c1 = min(n, c0 + chunk)
                scores, scale = self._chunk(q, None if exclude is None else exclude[s : s + qb], c0, c1, buf)
                if compiled:  # fold the chunk into the running best in one compiled pass
                    from ._kernels.topk import topk_rows_scaled

                    topk_rows_scaled(scores, scale, c0, b_ids, b_sc)
                else:
                    scores *= scale
                    ids, sc = top_k(scores, k)
                    ids = np.where(ids >= 0, ids + c0, -1)
                    b_ids[:], b_sc[:] = merge_top_k((b_ids, b_sc), (ids, sc), k)
        return ids_out, sc_out

    def _chunk(self, q, exclude, c0: int, c1: int, buf: np.ndarray):
        """``(scores, scale)`` of queries ``q`` against keys ``c0:c1``: the dot products in ``buf``
        (one BLAS call), excluded rows at -inf, and the keys' inverse lengths."""
        scores = buf[: q.shape[0] * (c1 - c0)].reshape(q.shape[0], c1 - c0)
        np.matmul(q, self.matrix[c0:c1].T, out=scores)
        if exclude is not None:
            for r, ex in enumerate(exclude):
                local = [i - c0 for i in ex if c0 <= i < c1]
                if local:
                    scores[r, local] = -np.inf
        scale = np.ones(c1 - c0, np.float32) if self.inv_norms is None else self.inv_norms[c0:c1]
        return scores, scale

    def _query_lanes(self, queries, k, n, exclude, lanes, ids_out, sc_out):
        """:meth:`query` on ``lanes`` threads of our own, each taking every ``lanes``-th chunk of
        keys through a one-thread BLAS product and a one-thread compiled fold, then merging.
        With BLAS's threads and Numba's taking turns instead, each pool's threads spin for a
        while after their part and slow the other's down (1,000 queries on 1M x 300: 1.78 s
        against 1.54 s this way)."""
        import threading

        from threadpoolctl import threadpool_limits

        from ._kernels.topk import topk_rows_scaled_serial

        nq = queries.shape[0]
        qb = min(nq, QUERY_BLOCK)
        chunk = max(k, MIN_CHUNK, min(CHUNK_SCORES, BLOCK_SCORES) // (qb * lanes))
        bufs = [np.empty(qb * chunk, dtype=np.float32) for _ in range(lanes)]
        failed = []

        def lane(t, q, excl, b_ids, b_sc):
            try:
                for c0 in range(t * chunk, n, lanes * chunk):
                    scores, scale = self._chunk(q, excl, c0, min(n, c0 + chunk), bufs[t])
                    topk_rows_scaled_serial(scores, scale, c0, b_ids, b_sc)
            except BaseException as exc:  # re-raised by the caller's thread
                failed.append(exc)

        with threadpool_limits(1, user_api="blas"):
            for s in range(0, nq, qb):
                q = queries[s : s + qb]
                excl = exclude[s : s + qb] if exclude is not None else None
                parts = [(np.full((q.shape[0], k), -1, np.int64), np.full((q.shape[0], k), -np.inf, np.float32))
                         for _ in range(lanes)]
                threads = [threading.Thread(target=lane, args=(t, q, excl, *parts[t]), daemon=True)
                           for t in range(lanes)]
                for th in threads:
                    th.start()
                for th in threads:
                    th.join()
                if failed:
                    raise failed[0]
                best = parts[0]
                for other in parts[1:]:
                    best = merge_top_k(best, other, k)
                ids_out[s : s + qb], sc_out[s : s + qb] = best
        return ids_out, sc_out


#: Scores per query batch from which :class:`ExactIndex` runs its own threads (below, one
#: product and one fold at a time are quicker than starting threads).
LANES_FROM = 1 << 24


def _lanes(nq: int, n: int, k: int) -> int:
    """Threads of our own for a batch: one per Numba thread for large batches, else 1."""
    if nq * n < LANES_FROM or k > COMPILED_MAX_K:
        return 1
    import numba

    return max(1, numba.get_num_threads())


def merge_top_k(a, b, k: int):
    """The best ``k`` of two row-wise candidate lists, best first, ties by lower id."""
    ids = np.concatenate([a[0], b[0]], axis=1)
    sc = np.concatenate([a[1], b[1]], axis=1)
    order = np.lexsort((np.where(ids < 0, np.iinfo(np.int64).max, ids), -sc), axis=1)[:, :k]
    return np.take_along_axis(ids, order, axis=1), np.take_along_axis(sc, order, axis=1)


class QuantizedIndex:
    """Cosine neighbours from an int8 scan with exact re-ranking.

    The unit vectors are stored as int8 with one scale per row (1 byte per dimension instead of
    4, built block by block from the raw matrix: no float32 copy is kept). A query scans all
    rows in a compiled kernel (threads over row ranges), keeps the ``max(rerank, 4 k)`` best
    approximate scores, and re-scores those exactly from the original rows. Answers equal
    exact search unless a true neighbour falls outside that candidate pool, which int8 error
    (about 0.4% of a component) makes rare; ``docs/benchmarks.md`` reports the agreement on a
    million random vectors.

    Parameters
    ----------
    rerank : int, default=64
        Candidates re-scored exactly per query.
    """

    def __init__(self, rerank: int = 64):
        check_param("rerank", rerank, [Interval(int, 1, None)], "QuantizedIndex")
        self.rerank = rerank

    def build(self, unit: np.ndarray) -> "QuantizedIndex":
        return self.build_raw(unit, np.ones(unit.shape[0], dtype=np.float32))

    def build_raw(self, matrix: np.ndarray, norms: np.ndarray) -> "QuantizedIndex":
        from ._kernels.topk import quantize_rows

        n, d = matrix.shape
        self.matrix, self.norms = matrix, norms
        self.q = np.empty((n, d), dtype=np.int8)
        self.scales = np.empty(n, dtype=np.float32)
        for s in range(0, n, 1 << 16):
            e = min(n, s + (1 << 16))
            quantize_rows(np.ascontiguousarray(matrix[s:e], dtype=np.float32), norms[s:e], self.q[s:e], self.scales[s:e])
        return self

    def scores(self, queries: np.ndarray, limit: int | None = None) -> np.ndarray:
        """Exact cosines from the original rows (not the int8 copy)."""
        m = self.matrix if limit is None else self.matrix[:limit]
        out = np.asarray(queries, dtype=np.float32) @ np.asarray(m, dtype=np.float32).T
        out /= self.norms[: m.shape[0]]
        return out

    def query(self, queries: np.ndarray, k: int, limit: int | None = None,
              exclude: list | None = None) -> tuple[np.ndarray, np.ndarray]:
        import numba

        from ._kernels.topk import int8_topk

        n = self.q.shape[0] if limit is None else min(limit, self.q.shape[0])
        k = min(k, n)
        pool = min(n, max(self.rerank, 4 * k) + (max((len(e) for e in exclude), default=0) if exclude else 0))
        parts = max(1, min(numba.get_num_threads(), n // 4096 or 1))
        ids_out = np.full((queries.shape[0], k), -1, dtype=np.int64)
        sc_out = np.full((queries.shape[0], k), -np.inf, dtype=np.float32)
        ids = np.empty((parts, pool), dtype=np.int64)
        sc = np.empty((parts, pool), dtype=np.float32)
        for r in range(queries.shape[0]):
            int8_topk(self.q, self.scales, np.ascontiguousarray(queries[r], dtype=np.float32), n, pool, parts, ids, sc)
            cand = np.unique(ids[ids >= 0])
            if exclude is not None and exclude[r]:
                cand = cand[~np.isin(cand, exclude[r])]
            exact = (np.asarray(self.matrix[cand], dtype=np.float32) @ queries[r]) / self.norms[cand]  # re-rank
            order = np.lexsort((cand, -exact))[:k]
            ids_out[r, : len(order)] = cand[order]
            sc_out[r, : len(order)] = exact[order]
        return ids_out, sc_out


class HnswIndex:
    """Approximate neighbours with hnswlib (``pip install hnswlib``); cosine space.

    Parameters
    ----------
    m, ef_construction, ef : int
        hnswlib's graph degree, build-time and query-time beam widths.
    """

    def __init__(self, m: int = 16, ef_construction: int = 200, ef: int = 100, threads: int = -1):
        self.m, self.ef_construction, self.ef, self.threads = m, ef_construction, ef, threads

    def build(self, unit: np.ndarray) -> "HnswIndex":
        try:
            import hnswlib
        except ImportError:
            raise ImportError("HnswIndex requires hnswlib; install with pip install hnswlib") from None
        self.index = hnswlib.Index(space="ip", dim=unit.shape[1])
        self.index.init_index(max_elements=unit.shape[0], M=self.m, ef_construction=self.ef_construction)
        self.index.add_items(unit, np.arange(unit.shape[0]), num_threads=self.threads)
        self.n = unit.shape[0]
        return self

    def query(self, queries, k, limit=None, exclude=None):
        extra = max((len(e) for e in exclude), default=0) if exclude else 0
        want = min(self.n, k + extra)
        self.index.set_ef(max(self.ef, want))
        labels, dist = self.index.knn_query(queries, k=want, num_threads=self.threads)
        scores = 1.0 - dist
        ids_out, sc_out = [], []
        for r in range(labels.shape[0]):
            ex = set(exclude[r]) if exclude else set()
            keep = [(i, s) for i, s in zip(labels[r], scores[r]) if i not in ex and (limit is None or i < limit)]
            keep = keep[:k]
            ids_out.append([i for i, _ in keep])
            sc_out.append([s for _, s in keep])
        width = min(len(x) for x in ids_out) if ids_out else 0
        if width == 0:
            raise InvalidParameterError("the approximate index returned no answers; raise ef")
        return np.array([x[:width] for x in ids_out]), np.array([x[:width] for x in sc_out], dtype=np.float32)
