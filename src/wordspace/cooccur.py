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
from ._validation import Interval, Options, check_param
from .errors import InvalidParameterError
from .progress import announce_compilation

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
    """Sorted runs appended to two temporary files (keys int64, values float64)."""

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

    def discard(self) -> None:
        for fh, path in self.files:
            fh.close()
            if os.path.exists(path):
                os.unlink(path)


class _Sink:
    """Where merged entries go: arrays in RAM, or three temporary files when the result may
    exceed the budget (memory-mapped when complete, and unlinked at once)."""

    def __init__(self, upper: int, budget: int, tmp_dir, dtype=np.float32):
        self.n = 0
        self.dtype = np.dtype(dtype)
        self.in_ram = upper * (8 + self.dtype.itemsize) <= budget
        if self.in_ram:
            self.arrays = (np.empty(upper, np.int32), np.empty(upper, np.int32), np.empty(upper, self.dtype))
        else:
            self.files = []
            for suffix in (".rows", ".cols", ".vals"):
                fd, path = tempfile.mkstemp(prefix="wordspace-cooccur-", suffix=suffix, dir=tmp_dir)
                self.files.append((os.fdopen(fd, "wb"), path))

    def write(self, rows, cols, vals) -> None:
        m = vals.shape[0]
        if self.in_ram:
            for dst, src in zip(self.arrays, (rows, cols, vals)):
                dst[self.n : self.n + m] = src[:m]
        else:
            for (fh, _), src in zip(self.files, (rows, cols, vals)):
                fh.write(src[:m].tobytes())
        self.n += m

    def finish(self):
        if self.in_ram:
            return tuple(a[: self.n] for a in self.arrays)
        out = []
        for (fh, path), dtype in zip(self.files, (np.int32, np.int32, self.dtype)):
            fh.close()
            out.append(np.memmap(path, dtype=dtype, mode="r+", shape=(self.n,)) if self.n else np.zeros(0, dtype))
            os.unlink(path)  # the mapping stays valid; nothing is left on disk
        return tuple(out)

    def discard(self) -> None:
        if not self.in_ram:
            for fh, path in self.files:
                fh.close()
                if os.path.exists(path):
                    os.unlink(path)


def _output(n: int, budget: int, tmp_dir, dtype=np.float32):
    """rows, cols, values arrays for ``n`` entries: in RAM within the budget, else mapped from a
    temporary file (used when nothing spilled: the merge input is then in RAM too)."""
    dtype = np.dtype(dtype)
    size = dtype.itemsize
    if n * (8 + size) <= budget:
        return np.empty(n, np.int32), np.empty(n, np.int32), np.empty(n, dtype), False
    fd, path = tempfile.mkstemp(prefix="wordspace-cooccur-", suffix=".coo", dir=tmp_dir)
    os.close(fd)
    try:
        mm = np.memmap(path, dtype=np.uint8, mode="w+", shape=(max(n, 1) * (8 + size),))
    finally:
        os.unlink(path)
    return (mm[: 4 * n].view(np.int32), mm[4 * n : 8 * n].view(np.int32), mm[8 * n : (8 + size) * n].view(dtype),
            True)


def _start_heap(win_k: np.ndarray, live) -> tuple:
    """Heap arrays and merge state for the runs ``live`` (their first keys in ``win_k[r, 0]``)."""
    order = sorted(live, key=lambda r: win_k[r, 0])  # a sorted array is a valid min-heap
    heap_key = np.empty(win_k.shape[0], np.int64)
    heap_run = np.empty(win_k.shape[0], np.int64)
    heap_key[: len(order)] = [win_k[r, 0] for r in order]
    heap_run[: len(order)] = order
    return heap_key, heap_run, np.array([len(order), -1], np.int64), np.zeros(1, np.float64)


def _merge_spilled(spill: _Spill, n_words: int, budget: int, tmp_dir, dtype=np.float32):
    """k-way merge of the spilled runs through windows: half the budget for the runs' windows,
    a quarter for the output buffer, so the merge stays within the budget however large the
    matrix (the GloVe tool merges its overflow files the same way)."""
    k = len(spill.starts)
    width = max(1024, int(budget * 0.5) // (16 * k))
    win_k = np.empty((k, width), np.int64)
    win_v = np.empty((k, width), np.float64)
    pos = np.zeros(k, np.int64)
    fill = np.zeros(k, np.int64)
    done = np.zeros(k, np.bool_)
    read = np.array(spill.starts, np.int64)  # next entry of each run still on disk
    ends = np.array(spill.ends, np.int64)
    for fh, _ in spill.files:
        fh.flush()
    readers = [open(path, "rb") for _, path in spill.files]

    def refill(r) -> bool:
        m = int(min(width, ends[r] - read[r]))
        if m == 0:
            done[r] = True
            return False
        for rd, dst, dtype, size in ((readers[0], win_k, np.int64, 8), (readers[1], win_v, np.float64, 8)):
            rd.seek(int(read[r]) * size)
            dst[r, :m] = np.fromfile(rd, dtype=dtype, count=m)
        read[r] += m
        pos[r], fill[r] = 0, m
        done[r] = read[r] >= ends[r]
        return True

    try:
        live = [r for r in range(k) if refill(r)]
        heap_key, heap_run, state, acc = _start_heap(win_k, live)
        out_cap = max(1 << 14, int(budget * 0.25) // 12)
        out_r, out_c, out_v = np.empty(out_cap, np.int32), np.empty(out_cap, np.int32), np.empty(out_cap, dtype)
        sink = _Sink(int(ends[-1]) if k else 0, budget, tmp_dir, dtype)
        pending = -1
        try:
            while True:
                n, need = kc.merge_windows(win_k, win_v, pos, fill, done, heap_key, heap_run, state, acc, pending,
                                           n_words, out_r, out_c, out_v)
                sink.write(out_r[:n], out_c[:n], out_v[:n])
                if need == -2:
                    break
                pending = need if need >= 0 and refill(need) else -1
            return sink.finish(), not sink.in_ram
        except BaseException:
            sink.discard()
            raise
    finally:
        for rd in readers:
            rd.close()


def count_cooccurrences(encoded, *, window: int = 10, weighting: str = "harmonic", memory: float = 1024,
                        workers: int | None = None, tmp_dir: str | None = None, bar=None,
                        dtype=np.float32) -> Cooccurrence:
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
    dtype : float32 or float64
        Of the values (sums are always taken in float64; a cluster keeps its partial counts in
        float64 so that their total rounds exactly as one machine's).
    """
    check_param("weighting", weighting, [Options(WEIGHTINGS)])
    check_param("window", window, [Interval(int, 1, None)])
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
    if bar is not None:
        announce_compilation(bar, kernel)
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
            (rows, cols, values), on_disk = _merge_spilled(spill, n_words, budget, tmp_dir, dtype)
            n_runs = len(spill.starts)
        else:  # the runs are the drained tables, in RAM: each is one whole window
            rows, cols, values, on_disk = _output(int(counts.sum()), budget, tmp_dir, dtype)
            heap = _start_heap(out_k, [t for t in range(workers) if counts[t] > 0])
            n, need = kc.merge_windows(out_k, out_v, np.zeros(workers, np.int64), counts, np.ones(workers, np.bool_),
                                       *heap, -1, n_words, rows, cols, values)
            assert need == -2, need
            rows, cols, values = rows[:n], cols[:n], values[:n]
            n_runs = workers
    finally:
        if spill is not None:
            spill.discard()
    return Cooccurrence(rows, cols, values, n_words, runs=n_runs, spilled=spilled, on_disk=on_disk,
                        table_mb=workers * cap * _BYTES_PER_SLOT / 2**20)
