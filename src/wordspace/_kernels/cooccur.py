"""Co-occurrence counting in bounded memory: per-thread hash tables, sorted runs, k-way merge.

Pairs ``(w_i, w_j)`` at distance ``1 <= d <= window`` inside a sentence are counted in both
directions (a symmetric window) with a weight that depends on ``d`` (``WEIGHTINGS``). Each
thread owns an open-addressing table of ``key = w_i * n_words + w_j`` -> float64 weight; when
it is 70% full the caller sorts it into a run (and, if memory is short, writes the run to disk),
and :func:`merge_windows` sums the runs into one COO matrix sorted by (row, column), reading
runs in RAM whole and runs on disk through bounded windows.
"""

import numpy as np
from numba import njit, prange

EMPTY = -1
#: weighting of a pair at distance d in a window of size w
HARMONIC, UNIFORM, LINEAR = 0, 1, 2  # 1/d (GloVe), 1, (w - d + 1)/w (word2vec's dynamic window)
WEIGHTINGS = {"harmonic": HARMONIC, "uniform": UNIFORM, "linear": LINEAR}
MAX_FILL = 0.7


@njit(cache=True, inline="always")
def _slot(key, mask):
    h = np.uint64(key) * np.uint64(0x9E3779B97F4A7C15)
    return np.int64((h ^ (h >> np.uint64(31))) & np.uint64(mask))


@njit(cache=True, inline="always")
def _add(keys, vals, mask, key, weight):
    """Add ``weight`` to ``key``'s entry; return 1 when a new entry was made."""
    s = _slot(key, mask)
    while True:
        k = keys[s]
        if k == key:
            vals[s] += weight
            return 0
        if k == EMPTY:
            keys[s] = key
            vals[s] = weight
            return 1
        s = (s + 1) & mask


@njit(cache=True, inline="always")
def pair_weight(d, window, weighting):
    if weighting == HARMONIC:
        return 1.0 / d
    if weighting == LINEAR:
        return (window - d + 1.0) / window
    return 1.0


@njit(cache=True)
def _count_one(tokens, offsets, s_end, n_words, window, weighting, keys, vals, state, limit):
    """Count sentences from ``state = [sentence, token, used]`` until ``s_end`` or until the
    table holds ``limit`` entries (checked per token, each adding at most ``2 * window``)."""
    mask = keys.shape[0] - 1
    s = state[0]
    i = state[1]
    used = state[2]
    while s < s_end:
        b = offsets[s + 1]
        if i < offsets[s]:
            i = offsets[s]
        while i < b:
            if used >= limit:
                state[0] = s
                state[1] = i
                state[2] = used
                return
            wi = np.int64(tokens[i])
            hi = min(b, i + window + 1)
            for j in range(i + 1, hi):
                wj = np.int64(tokens[j])
                w = pair_weight(j - i, window, weighting)
                used += _add(keys, vals, mask, wi * n_words + wj, w)
                used += _add(keys, vals, mask, wj * n_words + wi, w)
            i += 1
        s += 1
    state[0] = s
    state[1] = i
    state[2] = used


@njit(cache=True, parallel=True)
def count_parallel(tokens, offsets, ends, n_words, window, weighting, keys, vals, state, limit):
    """Thread ``t`` counts its sentence range (``state[t]`` to ``ends[t]``) into table
    ``keys[t]``/``vals[t]`` until the range ends or the table holds ``limit`` entries."""
    for t in prange(keys.shape[0]):
        _count_one(tokens, offsets, ends[t], n_words, window, weighting, keys[t], vals[t], state[t], limit)


@njit(cache=True)
def count_serial(tokens, offsets, ends, n_words, window, weighting, keys, vals, state, limit):
    """:func:`count_parallel` on one thread (bit-reproducible reference)."""
    for t in range(keys.shape[0]):
        _count_one(tokens, offsets, ends[t], n_words, window, weighting, keys[t], vals[t], state[t], limit)


@njit(cache=True, parallel=True)
def drain_tables(keys, vals, which, out_keys, out_vals, counts):
    """:func:`drain_sorted` of the tables ``t`` with ``which[t]``, one thread per table."""
    for t in prange(keys.shape[0]):
        if which[t]:
            counts[t] = drain_sorted(keys[t], vals[t], out_keys[t], out_vals[t])


@njit(cache=True)
def drain_sorted(keys, vals, out_keys, out_vals):
    """Move the entries of one table into ``out_*`` sorted by key and empty the table;
    return their number."""
    n = 0
    for s in range(keys.shape[0]):
        if keys[s] != EMPTY:
            out_keys[n] = keys[s]
            out_vals[n] = vals[s]
            n += 1
            keys[s] = EMPTY
            vals[s] = 0.0
    order = np.argsort(out_keys[:n])
    tk = out_keys[:n][order]
    tv = out_vals[:n][order]
    out_keys[:n] = tk
    out_vals[:n] = tv
    return n


@njit(cache=True)
def _sift_down(heap_key, heap_run, size, pos):
    while True:
        left = 2 * pos + 1
        if left >= size:
            return
        child = left
        right = left + 1
        if right < size and heap_key[right] < heap_key[left]:
            child = right
        if heap_key[child] >= heap_key[pos]:
            return
        heap_key[pos], heap_key[child] = heap_key[child], heap_key[pos]
        heap_run[pos], heap_run[child] = heap_run[child], heap_run[pos]
        pos = child


@njit(cache=True)
def _sift_up(heap_key, heap_run, pos):
    while pos > 0:
        parent = (pos - 1) // 2
        if heap_key[parent] <= heap_key[pos]:
            return
        heap_key[pos], heap_key[parent] = heap_key[parent], heap_key[pos]
        heap_run[pos], heap_run[parent] = heap_run[parent], heap_run[pos]
        pos = parent


@njit(cache=True, inline="always")
def _emit(out_rows, out_cols, out_vals, n, key, value, n_words):
    out_rows[n] = key // n_words
    out_cols[n] = key % n_words
    out_vals[n] = value


@njit(cache=True)
def merge_windows(win_k, win_v, pos, fill, done, heap_key, heap_run, state, acc, pending, n_words,
                  out_rows, out_cols, out_vals):
    """Continue a k-way merge whose runs are read through windows of bounded size.

    ``win_k[r, :fill[r]]``/``win_v[r]`` hold the current window of run ``r`` and ``pos[r]`` the
    next entry in it; ``done[r]`` says the run has nothing beyond this window (runs held in RAM
    are one window each, all done, and one call with a large enough output merges them). The heap
    (``heap_key``/``heap_run``, its size in ``state[0]``), the key being summed (``state[1]``,
    -1 before the first) and its sum ``acc[0]`` persist between calls; ``pending`` is a run whose
    window was just refilled, to put back in the heap (-1 for none). Writes summed entries to
    ``out_*`` and returns ``(n_written, need)``: ``need`` is a run whose window ran out (refill
    it and call again with ``pending=need``), -1 when the output is full, -2 when all runs are
    merged (the last entry is then written too).
    """
    size = state[0]
    if pending >= 0:
        heap_key[size] = win_k[pending, pos[pending]]
        heap_run[size] = pending
        size += 1
        _sift_up(heap_key, heap_run, size - 1)
    n = 0
    cap = out_vals.shape[0]
    cur = state[1]
    while size > 0:
        key = heap_key[0]
        r = heap_run[0]
        if key != cur:
            if cur >= 0:
                if n == cap:
                    state[0] = size
                    state[1] = cur
                    return n, -1
                _emit(out_rows, out_cols, out_vals, n, cur, acc[0], n_words)
                n += 1
            cur = key
            acc[0] = 0.0
        acc[0] += win_v[r, pos[r]]
        pos[r] += 1
        if pos[r] < fill[r]:
            heap_key[0] = win_k[r, pos[r]]
            _sift_down(heap_key, heap_run, size, 0)
            continue
        size -= 1  # this window is used up: the run leaves the heap until refilled
        heap_key[0] = heap_key[size]
        heap_run[0] = heap_run[size]
        _sift_down(heap_key, heap_run, size, 0)
        if not done[r]:
            state[0] = size
            state[1] = cur
            return n, r
    if cur >= 0:
        if n == cap:
            state[0] = size
            state[1] = cur
            return n, -1
        _emit(out_rows, out_cols, out_vals, n, cur, acc[0], n_words)
        n += 1
        state[1] = -1
    state[0] = 0
    return n, -2
