"""Word-word co-occurrence matrices counted in bounded memory (for GloVe and PPMI+SVD).

:func:`count_cooccurrences` turns an encoded corpus into a sparse matrix of weighted pair
counts over a symmetric window. Counting happens in per-thread hash tables sized from a
memory budget; when they fill, their contents are sorted into runs and (once the budget is
exceeded) written to temporary files, and a k-way merge sums the runs. The kernels are in
``wordspace._kernels.cooccur``; the trainers that use the matrix in ``wordspace.models``.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass

import numpy as np

from ._kernels import cooccur as kc
from .errors import InvalidParameterError

__all__ = ["Cooccurrence", "count_cooccurrences", "peak_rss_mb", "WEIGHTINGS"]


def peak_rss_mb() -> float | None:
    """This process's peak resident memory so far, in MB (None where the OS does not say)."""
    try:
        import resource
        import sys

        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return peak / 2**20 if sys.platform == "darwin" else peak / 1024
    except (ImportError, OSError):
        return None

WEIGHTINGS = tuple(kc.WEIGHTINGS)
#: Bytes of counting memory per table slot: the slot (int64 key + float64 value) and its
#: share of the drain buffer the table is sorted into (70% of the slots).
_BYTES_PER_SLOT = 16 + 16 * kc.MAX_FILL


@dataclass
class Cooccurrence:
    """A sparse ``(n_words, n_words)`` matrix in coordinate form, sorted by row then column.

    ``values[k]`` is the weighted count of word ``cols[k]`` in the window around word
    ``rows[k]``. The arrays may be memory maps of deleted temporary files (``on_disk``).
    """

    rows: np.ndarray  # (nnz,) int32
    cols: np.ndarray  # (nnz,) int32
    values: np.ndarray  # (nnz,) float32
    n_words: int
    runs: int = 1  # sorted runs merged
    spilled: bool = False  # whether runs were written to disk while counting
    on_disk: bool = False  # whether the arrays are memory-mapped
    table_mb: float = 0.0  # memory of the counting tables and their drain buffers

    @property
    def nnz(self) -> int:
        return int(self.values.shape[0])

    def to_dense(self) -> np.ndarray:
        """The matrix as a dense float64 array (small vocabularies only)."""
        out = np.zeros((self.n_words, self.n_words), dtype=np.float64)
        out[self.rows, self.cols] = self.values
        return out


class _Spill:
    """Sorted runs appended to two temporary files (keys, values), read back memory-mapped."""

    def __init__(self, tmp_dir):
        self.files = []
        for suffix in (".keys", ".vals"):
            fd, path = tempfile.mkstemp(prefix="wordspace-cooccur-", suffix=suffix, dir=tmp_dir)
            self.files.append((os.fdopen(fd, "w+b"), path))
        self.starts, self.ends, self.n = [], [], 0

    def add(self, keys: np.ndarray, vals: np.ndarray) -> None:
        self.files[0][0].write(keys.tobytes())
        self.files[1][0].write(vals.tobytes())
        self.starts.append(self.n)
        self.n += keys.shape[0]
        self.ends.append(self.n)

    def open(self):
        maps = []
        for (fh, path), dtype in zip(self.files, (np.int64, np.float64)):
            fh.close()
            maps.append(np.memmap(path, dtype=dtype, mode="r", shape=(self.n,)) if self.n else np.zeros(0, dtype))
            os.unlink(path)  # the mapping stays valid; nothing is left on disk
        return maps

    def discard(self) -> None:
        for fh, path in self.files:
            fh.close()
            if os.path.exists(path):
                os.unlink(path)


def _output(n: int, budget: int, tmp_dir):
    """rows, cols, values arrays for ``n`` entries: in RAM within the budget, else mapped."""
    if n * 12 <= budget:
        return np.empty(n, np.int32), np.empty(n, np.int32), np.empty(n, np.float32), False
    fd, path = tempfile.mkstemp(prefix="wordspace-cooccur-", suffix=".coo", dir=tmp_dir)
    os.close(fd)
    try:
        mm = np.memmap(path, dtype=np.uint8, mode="w+", shape=(max(n, 1) * 12,))
    finally:
        os.unlink(path)
    rows = mm[: 4 * n].view(np.int32)
    cols = mm[4 * n : 8 * n].view(np.int32)
    vals = mm[8 * n : 12 * n].view(np.float32)
    return rows, cols, vals, True


def count_cooccurrences(encoded, *, window: int = 10, weighting: str = "harmonic", memory: float = 1024,
                        workers: int | None = None, tmp_dir: str | None = None, bar=None) -> Cooccurrence:
    """Count weighted co-occurrences of an encoded corpus over a symmetric window.

    Parameters
    ----------
    encoded : EncodedCorpus
        From :func:`wordspace.corpus.encode_corpus`; windows never cross sentences.
    window : int, default=10
        Pairs at distance 1..window are counted, in both directions.
    weighting : {"harmonic", "uniform", "linear"}, default="harmonic"
        Weight of a pair at distance ``d``: ``1/d`` (GloVe), 1, or ``(window - d + 1)/window``
        (the expected weight under word2vec's dynamic window).
    memory : float, default=1024
        Megabytes for the counting tables. When the distinct pairs do not fit, sorted runs are
        written to temporary files and merged; the result is memory-mapped when it is larger
        than this budget.
    workers : int or None
        Threads (each counts a share of the sentences in its own table).
    tmp_dir : str or None
        Where temporary files go (default: the system temporary directory).
    bar : tqdm or None
        Progress bar to advance by tokens counted.
    """
    if weighting not in kc.WEIGHTINGS:
        raise InvalidParameterError(f"The 'weighting' parameter must be one of {', '.join(map(repr, WEIGHTINGS))}. Got {weighting!r} instead.")
    if isinstance(window, bool) or not isinstance(window, (int, np.integer)) or window < 1:
        raise InvalidParameterError(f"The 'window' parameter must be an int in the range [1, inf). Got {window!r} instead.")
    n_words = len(encoded.words)
    workers = max(1, workers or os.cpu_count() or 1)
    budget = int(memory * 2**20)
    # no table needs more slots than its share of pairs could fill (2 * window per token)
    most = 2 * window * encoded.n_tokens / workers / kc.MAX_FILL + 4 * window
    cap = 1 << 12
    while workers * (2 * cap) * _BYTES_PER_SLOT <= budget and cap < most:
        cap *= 2
    limit = int(kc.MAX_FILL * cap) - 2 * window
    if workers * cap * _BYTES_PER_SLOT > budget or limit < 1024:
        need = workers * (1 << 12) * _BYTES_PER_SLOT / 2**20
        raise InvalidParameterError(
            f"The 'memory' parameter ({memory} MB) is too small for {workers} counting table(s) with "
            f"window={window}; give at least {need:.1f} MB"
        )
    offsets, tokens = encoded.offsets, encoded.tokens
    n_sent = encoded.n_sentences
    # contiguous sentence ranges of about equal token counts, one per thread
    cuts = np.searchsorted(offsets, np.linspace(0, offsets[-1], workers + 1)[1:-1], side="left")
    bounds = np.concatenate(([0], cuts, [n_sent])).astype(np.int64)
    ends = bounds[1:].copy()
    state = np.zeros((workers, 3), dtype=np.int64)
    state[:, 0] = bounds[:-1]
    state[:, 1] = offsets[bounds[:-1]]
    keys = np.full((workers, cap), kc.EMPTY, dtype=np.int64)
    vals = np.zeros((workers, cap), dtype=np.float64)
    out_k = np.empty((workers, limit + 2 * window), dtype=np.int64)
    out_v = np.empty((workers, limit + 2 * window), dtype=np.float64)
    counts = np.zeros(workers, dtype=np.int64)
    kernel = kc.count_parallel if workers > 1 else kc.count_serial
    wcode = kc.WEIGHTINGS[weighting]
    spill = None
    done_tokens = 0
    try:
        while True:
            kernel(tokens, offsets, ends, n_words, window, wcode, keys, vals, state, limit)
            finished = state[:, 0] >= ends
            if bar is not None:
                pos = int(sum(min(state[t, 1], offsets[ends[t]]) - offsets[bounds[t]] for t in range(workers)))
                bar.update(pos - done_tokens)
                done_tokens = pos
            if finished.all():
                break
            full = (state[:, 2] >= limit) & ~finished
            if spill is None:
                spill = _Spill(tmp_dir)
            kc.drain_tables(keys, vals, full, out_k, out_v, counts)
            for t in np.flatnonzero(full):
                spill.add(out_k[t, : counts[t]], out_v[t, : counts[t]])
                state[t, 2] = 0
        last = np.ones(workers, dtype=np.bool_)
        kc.drain_tables(keys, vals, last, out_k, out_v, counts)
        del keys, vals
        spilled = spill is not None
        if spilled:
            for t in range(workers):
                spill.add(out_k[t, : counts[t]], out_v[t, : counts[t]])
            del out_k, out_v
            all_k, all_v = spill.open()
            starts, run_ends = np.array(spill.starts, np.int64), np.array(spill.ends, np.int64)
            spill = None
        else:
            all_k, all_v = out_k, out_v
            starts = np.arange(workers, dtype=np.int64) * out_k.shape[1]
            run_ends = starts + counts
            all_k, all_v = all_k.reshape(-1), all_v.reshape(-1)
        total = int((run_ends - starts).sum())
        rows, cols, values, on_disk = _output(total, budget, tmp_dir)
        n = kc.merge_runs(all_k, all_v, starts, run_ends, n_words, rows, cols, values)
    finally:
        if spill is not None:
            spill.discard()
    return Cooccurrence(rows[:n], cols[:n], values[:n], n_words, runs=len(starts),
                        spilled=spilled, on_disk=on_disk,
                        table_mb=workers * cap * _BYTES_PER_SLOT / 2**20)
