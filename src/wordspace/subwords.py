"""Subword (character n-gram) vectors of fastText models: vectors for words never seen.

:class:`Subwords` holds the hashed n-gram matrix and the n-gram settings; a
:class:`wordspace.Vectors` that carries one answers queries about unknown words with the mean
of their n-gram rows. The hashing kernels live in ``wordspace._kernels.subword``; training
in ``wordspace.models.fasttext``.
"""

from __future__ import annotations

import numpy as np

from ._validation import Interval, check_param
from .errors import InvalidParameterError

#: The longest character n-gram a model may use (fastText's own default is 6); files declaring
#: more are refused.
MAX_NGRAM = 64

__all__ = ["Subwords", "ngrams", "ngram_buckets", "wrap_words"]

BOW, EOW = "<", ">"


def _check(min_n: int, max_n: int, buckets: int) -> None:
    check_param("min_n", min_n, [Interval(int, 1, None)])
    check_param("max_n", max_n, [Interval(int, 0, None)])
    if max_n and min_n > max_n:
        raise InvalidParameterError(
            f"min_n={min_n} is larger than max_n={max_n}: no n-gram length fits; use min_n <= max_n "
            "(or max_n=0 for no n-grams)"
        )
    check_param("buckets", buckets, [Interval(int, 1, None)])


def _spans(data: np.ndarray, min_n: int, max_n: int):
    from ._kernels import subword as ks
    cap = data.shape[0] * max(max_n, 1) + 1
    starts = np.empty(cap, dtype=np.int64)
    ends = np.empty(cap, dtype=np.int64)
    k = ks.ngram_spans(data, min_n, max_n, starts, ends)
    return starts[:k], ends[:k]


def ngrams(word: str, min_n: int = 3, max_n: int = 6) -> list[str]:
    """The character n-grams of ``<word>``, in fastText's order (by start, then length).

    >>> ngrams("where", 3, 3)
    ['<wh', 'whe', 'her', 'ere', 're>']
    """
    _check(min_n, max_n, 1)
    if max_n == 0:
        return []
    raw = (BOW + word + EOW).encode("utf-8")
    data = np.frombuffer(raw, dtype=np.uint8)
    starts, ends = _spans(data, min_n, max_n)
    return [raw[s:e].decode("utf-8") for s, e in zip(starts.tolist(), ends.tolist())]


def ngram_buckets(word: str, min_n: int = 3, max_n: int = 6, buckets: int = 2_000_000) -> np.ndarray:
    """Bucket of each n-gram of ``word`` (``fnv1a32(ngram) % buckets``, fastText's ids minus
    the vocabulary size), in the order of :func:`ngrams`. Duplicates are kept, as fastText does."""
    from ._kernels import subword as ks
    _check(min_n, max_n, buckets)
    if max_n == 0:
        return np.zeros(0, dtype=np.int64)
    data = np.frombuffer((BOW + word + EOW).encode("utf-8"), dtype=np.uint8)
    starts, ends = _spans(data, min_n, max_n)
    return np.array([int(ks.fnv1a32(data, s, e)) % buckets for s, e in zip(starts.tolist(), ends.tolist())],
                    dtype=np.int64)


def wrap_words(words) -> tuple[np.ndarray, np.ndarray]:
    """UTF-8 bytes of ``<word>`` for every word, concatenated, and their offsets. A word given
    as ``bytes`` is used as it is (a fastText dictionary entry that is not valid UTF-8 is hashed
    from its own bytes, as fastText hashes it)."""
    bow, eow = BOW.encode("utf-8"), EOW.encode("utf-8")
    parts = [bow + w + eow if isinstance(w, bytes) else (BOW + w + EOW).encode("utf-8") for w in words]
    offsets = np.zeros(len(parts) + 1, dtype=np.int64)
    np.cumsum([len(p) for p in parts], out=offsets[1:])
    return np.frombuffer(b"".join(parts), dtype=np.uint8), offsets


def subword_table(words, min_n: int, max_n: int, buckets: int) -> tuple[np.ndarray, np.ndarray]:
    """CSR table of every word's input rows: ``(offsets, ids)`` where word ``w``'s rows are
    ``ids[offsets[w]:offsets[w + 1]]``: ``w`` itself, then ``len(words) + bucket`` per n-gram."""
    from ._kernels import subword as ks
    _check(min_n, max_n, buckets)
    data, offsets = wrap_words(words)
    n = len(words)
    total = ks.count_subwords(data, offsets, n, min_n, max_n)
    out_off = np.empty(n + 1, dtype=np.int64)
    out_ids = np.empty(total, dtype=np.int32)
    written = ks.subword_table(data, offsets, n, min_n, max_n, buckets, out_off, out_ids)
    assert written == total, (written, total)
    return out_off, out_ids


class Subwords:
    """Hashed character n-gram vectors (a fastText model's bucket rows).

    Parameters
    ----------
    matrix : ndarray of shape (buckets, dim), or (len(ids), dim) with ``ids``
        One row per hash bucket; or, compact, the rows of the buckets ``ids`` only.
    min_n, max_n : int
        n-gram lengths, in characters, of ``<word>``.
    ids : ndarray of int, optional
        Sorted, distinct bucket numbers of the rows of a compact table; every other bucket's
        row is zero. wordspace's trainer keeps the rows no vocabulary word uses at zero, so its
        models are stored this way, their size following the n-grams that occur.
    buckets : int, optional
        The number of buckets of a compact table (required with ``ids``).

    The vector of a word outside the vocabulary is the mean of its n-gram rows (fastText's
    ``getWordVector``); a word with no n-gram (``max_n == 0``) gets a zero vector.
    """

    def __init__(self, matrix: np.ndarray, min_n: int = 3, max_n: int = 6, *, ids=None, buckets: int | None = None):
        matrix = matrix if isinstance(matrix, np.ndarray) and matrix.dtype == np.float32 else np.asarray(matrix, dtype=np.float32)
        if matrix.ndim != 2:
            raise InvalidParameterError(f"the n-gram matrix must be 2-D, got shape {matrix.shape}")
        if ids is None:
            if matrix.shape[0] < 1:
                raise InvalidParameterError(f"the n-gram matrix must have at least one row, got shape {matrix.shape}")
            buckets = matrix.shape[0]
        else:
            ids = np.asarray(ids)
            if buckets is None or isinstance(buckets, bool) or int(buckets) < 1:
                raise InvalidParameterError("a compact n-gram table needs buckets >= 1")
            if ids.ndim != 1 or ids.shape[0] != matrix.shape[0] or not np.issubdtype(ids.dtype, np.integer):
                raise InvalidParameterError(f"a compact n-gram table needs one integer bucket per row: {ids.shape[0] if ids.ndim else 0} "
                                            f"ids for {matrix.shape[0]} rows")
            ids = ids.astype(np.int64)
            if ids.shape[0] and (ids[0] < 0 or ids[-1] >= int(buckets) or (np.diff(ids) <= 0).any()):
                raise InvalidParameterError(f"the bucket ids of a compact n-gram table must be sorted, distinct and in "
                                            f"[0, {int(buckets)})")
        _check(min_n, max_n, int(buckets))
        self.matrix = matrix
        self.ids = ids
        self._buckets = int(buckets)
        self.min_n = int(min_n)
        self.max_n = int(max_n)

    @classmethod
    def compact_of(cls, matrix: np.ndarray, used, min_n: int = 3, max_n: int = 6) -> "Subwords":
        """The rows ``used`` (bucket numbers, any order, repeats allowed) of a full ``matrix``."""
        ids = np.unique(np.asarray(used, dtype=np.int64))
        return cls(np.ascontiguousarray(matrix[ids], dtype=np.float32), min_n, max_n, ids=ids, buckets=matrix.shape[0])

    @property
    def buckets(self) -> int:
        return self._buckets

    @property
    def dim(self) -> int:
        return int(self.matrix.shape[1])

    @property
    def is_compact(self) -> bool:
        return self.ids is not None

    def rows(self, buckets: np.ndarray) -> np.ndarray:
        """``(len(buckets), dim)`` float32: the rows of these bucket numbers (zero for a bucket a
        compact table does not hold)."""
        buckets = np.asarray(buckets, dtype=np.int64)
        if self.ids is None:
            return np.asarray(self.matrix[buckets], dtype=np.float32)
        out = np.zeros((buckets.shape[0], self.dim), dtype=np.float32)
        if self.ids.shape[0]:
            pos = np.minimum(np.searchsorted(self.ids, buckets), self.ids.shape[0] - 1)
            hit = self.ids[pos] == buckets
            out[hit] = self.matrix[pos[hit]]
        return out

    def full(self) -> np.ndarray:
        """The ``(buckets, dim)`` matrix (allocated for a compact table)."""
        if self.ids is None:
            return self.matrix
        out = np.zeros((self._buckets, self.dim), dtype=np.float32)
        out[self.ids] = self.matrix
        return out

    def ngrams(self, word: str) -> list[str]:
        """The n-grams of ``word`` under these settings."""
        return ngrams(word, self.min_n, self.max_n)

    def buckets_of(self, word: str) -> np.ndarray:
        """The bucket of each n-gram of ``word``."""
        return ngram_buckets(word, self.min_n, self.max_n, self.buckets)

    def vector(self, word: str) -> np.ndarray:
        """The mean of the n-gram rows of ``word`` (float32, shape (dim,))."""
        rows = self.buckets_of(word)
        if rows.shape[0] == 0:
            return np.zeros(self.dim, dtype=np.float32)
        return self.rows(rows).mean(axis=0, dtype=np.float64).astype(np.float32)

    def config(self) -> dict:
        """The settings stored beside the matrix in files."""
        return {"min_n": self.min_n, "max_n": self.max_n, "buckets": self.buckets, "hash": "fnv1a32-fasttext"}

    def __repr__(self) -> str:
        held = f", {self.matrix.shape[0]:,} held" if self.ids is not None else ""
        return f"Subwords({self.buckets:,} buckets{held} x {self.dim} dims, n={self.min_n}..{self.max_n})"
