"""Product quantisation of vectors (fastText's ``quantize``): smaller files, approximate vectors.

Each vector of ``dim`` floats is cut into ``dim / dsub`` subvectors; in each subspace, k-means
(trained on a sample of the rows) finds ``centroids`` (at most 256) centres, and a row is stored
as the byte of its nearest centre in every subspace. With ``dsub=2`` (fastText's default) a
100-dimensional float32 vector takes 50 bytes instead of 400. The words' vectors and, for
fastText models, the n-gram rows are quantised with one set of codebooks; a quantised model is
written as a native model (format version 4) and read back as ordinary vectors rebuilt from the
codes. What it costs in quality is measured in docs/benchmarks.md.
"""

from __future__ import annotations

import numpy as np

from ._validation import LIMITS, SEED, Interval, validate_params
from .codebooks import MAX_DSUB, Codebooks
from .errors import InvalidParameterError

__all__ = ["Codebooks", "train_codebooks", "quantize", "MAX_DSUB"]


def train_codebooks(matrix, dsub: int = 2, centroids: int = 256, sample: int = 65_536, iterations: int = 15,
                    seed: int = 0) -> Codebooks:
    """k-means codebooks for the rows of ``matrix`` (n, dim), or of a list of such matrices
    taken as one (their rows one after the other, never copied together): ``dim / dsub``
    subspaces of ``centroids`` centres each, trained on ``sample`` random rows (all when fewer)."""
    from ._kernels.pq import kmeans_subspaces

    validate_params({"dsub": dsub, "centroids": centroids, "sample": sample, "iterations": iterations, "seed": seed},
                    {"dsub": [Interval(int, 1, MAX_DSUB)], "centroids": [Interval(int, 1, 256)],
                     "sample": [Interval(int, 1, LIMITS["size"])], "iterations": [Interval(int, 1, LIMITS["iterations"])],
                     "seed": [SEED]}, "train_codebooks")
    parts = [np.asarray(p) for p in (matrix if isinstance(matrix, (list, tuple)) else [matrix])]
    n = sum(p.shape[0] for p in parts if p.ndim == 2)
    if any(p.ndim != 2 or p.shape[1:] != parts[0].shape[1:] for p in parts) or n == 0:
        raise InvalidParameterError(f"product quantisation needs a non-empty 2-D matrix, got shape(s) "
                                    f"{', '.join(str(p.shape) for p in parts)}")
    if parts[0].shape[1] % dsub:
        raise InvalidParameterError(f"dsub={dsub} must divide the dimension ({parts[0].shape[1]})", param="dsub")
    rng = np.random.default_rng(seed)
    chosen = np.sort(rng.choice(n, size=sample, replace=False)) if n > sample else np.arange(n)
    x = np.ascontiguousarray(_gather_rows(parts, chosen), dtype=np.float32)
    ks = min(centroids, x.shape[0])
    m = x.shape[1] // dsub
    init = np.stack([rng.choice(x.shape[0], size=ks, replace=False) for _ in range(m)]).astype(np.int64)
    cents = np.empty((m, ks, dsub), dtype=np.float32)
    kmeans_subspaces(x, dsub, init, iterations, cents)
    return Codebooks(cents)


def _gather_rows(parts: list, rows: np.ndarray) -> np.ndarray:
    """Rows ``rows`` (sorted) of the matrices ``parts`` read as one, in that order."""
    starts = np.cumsum([0] + [p.shape[0] for p in parts])
    return np.concatenate([parts[i][rows[(rows >= starts[i]) & (rows < starts[i + 1])] - starts[i]]
                           for i in range(len(parts))])


def quantize(vectors, dsub: int = 2, centroids: int = 256, sample: int = 65_536, iterations: int = 15, seed: int = 0):
    """``vectors`` (and their n-gram rows) product-quantised: a new :class:`~wordspace.Vectors`
    whose rows are rebuilt from the codes and which remembers them, so that saving it writes
    the codes (native format version 4). Trained on a sample of the words' and n-grams' rows."""
    from .subwords import Subwords
    from .vectors import Vectors

    rows = np.asarray(vectors.matrix, dtype=np.float32)
    sub = vectors.subwords
    books = train_codebooks([rows] if sub is None else [rows, sub.matrix], dsub, centroids, sample, iterations, seed)
    codes = books.encode(rows)
    grams = None
    gram_codes = None
    if sub is not None:
        gram_codes = books.encode(sub.matrix)
        kw = {"ids": sub.ids, "buckets": sub.buckets} if sub.is_compact else {}
        grams = Subwords(books.decode(gram_codes), sub.min_n, sub.max_n, **kw)
    rebuilt = books.decode(codes)
    error = float(np.linalg.norm(rebuilt - rows) / max(float(np.linalg.norm(rows)), 1e-30))
    meta = dict(vectors.metadata or {})
    meta["quantized"] = {"dsub": books.dsub, "centroids": int(books.centroids.shape[1]), "sample": sample,
                         "iterations": iterations, "seed": seed, "relative_error": error}
    out = Vectors(list(vectors.keys), rebuilt, counts=vectors.counts, metadata=meta, subwords=grams)
    out.quantized = (books, codes, gram_codes)
    return out
