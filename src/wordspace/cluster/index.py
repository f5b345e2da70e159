"""Exact neighbour search over a native model whose rows are spread over the workers of a
cluster (each holds ``1/n`` of the matrix in memory): every shard returns its top ``k`` for all
queries, and the driver keeps the best ``k``; answers equal one machine's.
"""

from __future__ import annotations

import os

import numpy as np

from ..errors import InvalidParameterError
from .connection import connect, wait_for_workers

__all__ = ["ShardedIndex"]


class _Shard:
    """Rows ``start:stop`` of a native model, held in a worker's memory (a Dask actor)."""

    def __init__(self, path: str, start: int, stop: int, threads: int):
        from ..index import ExactIndex
        from ..vectors import Vectors

        v = Vectors.load(path, format="native", mmap=True)
        block = np.array(v.matrix[start:stop], dtype=np.float32)
        norms = np.linalg.norm(block, axis=1)
        norms[norms == 0] = 1.0
        self.start, self.threads = start, max(1, int(threads))
        self.index = ExactIndex().build_raw(block, norms)

    def query(self, queries, k: int, exclude: list):
        from threadpoolctl import threadpool_limits

        local = [[i - self.start for i in ex if self.start <= i < self.start + self.index.matrix.shape[0]]
                 for ex in exclude]
        with threadpool_limits(self.threads):
            ids, scores = self.index.query(queries, k, exclude=local)
        return np.where(ids >= 0, ids + self.start, -1), scores


class ShardedIndex:
    """Exact batch neighbour search over a native model whose rows are spread over the workers
    of a cluster (each holds ``1/n`` of the matrix in memory): every shard returns its top ``k``
    for all queries, and the driver keeps the best ``k`` (ties by row, as one machine does).

    ``path`` is a native model directory every worker can read (shared storage); the driver
    reads only the query rows from it.

    >>> with ShardedIndex("big_model", "tcp://scheduler:8786") as index:   # doctest: +SKIP
    ...     answers = index.most_similar_batch(["king", "queen"], k=10)
    """

    def __init__(self, path, cluster):
        from ..io.native import is_native
        from ..vectors import Vectors

        path = os.path.abspath(os.fspath(path))
        if not is_native(path):
            raise InvalidParameterError(f"'{path}' is not a native model directory; a sharded search reads the native "
                                        "format (convert with 'wordspace convert IN OUT_DIR')", param="path")
        self.vectors = Vectors.load(path, format="native", mmap=True)
        self.client, self._owned = connect(cluster)
        workers = wait_for_workers(self.client)
        n = len(self.vectors)
        bounds = np.linspace(0, n, len(workers) + 1).round().astype(np.int64)
        futs = [self.client.submit(_Shard, path, int(a), int(b), threads, actor=True, workers=[addr],
                                   allow_other_workers=False, pure=False)
                for (addr, threads), a, b in zip(workers.items(), bounds[:-1], bounds[1:]) if b > a]
        with self.client.as_current():  # the shards' handles bind to this client, not the last one made
            self.shards = [f.result() for f in futs]
        self.bounds = bounds

    def most_similar_batch(self, queries, k: int = 10) -> list:
        """Like :meth:`wordspace.Vectors.most_similar_batch` for keys: a key is never its own
        answer."""
        from ..index import merge_top_k
        from ..vectors import Neighbor, check_k

        check_k(k)
        v = self.vectors
        rows = [v.index_of(q) for q in queries]
        q = np.stack([v.unit_row(r) for r in rows]).astype(np.float32)
        exclude = [[r] for r in rows]
        calls = [s.query(q, k, exclude) for s in self.shards]
        best = None
        for c in calls:
            part = c.result()
            best = part if best is None else merge_top_k(best, part, k)
        keys = v.keys
        return [[Neighbor(keys[i], float(s)) for i, s in zip(r_ids, r_sc) if i >= 0]
                for r_ids, r_sc in zip(best[0].tolist(), best[1].tolist())]

    def close(self) -> None:
        self.shards = []
        if self._owned:
            cl = self.client.cluster
            self.client.close()
            if cl is not None:
                cl.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
