"""Joining collocations: the bigrams of a token stream, and the stream with chosen bigrams
joined, greedily from the left as gensim's ``Phraser`` does."""

import numpy as np
from numba import njit, prange


@njit(cache=True)
def bigram_keys(tokens, offsets, n_words, out):
    """``a * n_words + b`` of every adjacent pair inside a sentence; returns how many."""
    o = 0
    for s in range(offsets.shape[0] - 1):
        for i in range(offsets[s], offsets[s + 1] - 1):
            out[o] = np.int64(tokens[i]) * n_words + tokens[i + 1]
            o += 1
    return o


@njit(cache=True)
def count_runs(sorted_keys, uniq, counts):
    """The distinct values of ``sorted_keys`` (ascending) into ``uniq`` and how often each occurs
    into ``counts``; returns how many distinct values there are. ``uniq`` may be ``sorted_keys``
    itself (each value is read before its place is written)."""
    j = -1
    for i in range(sorted_keys.shape[0]):
        k = sorted_keys[i]
        if j < 0 or k != uniq[j]:
            j += 1
            uniq[j] = k
            counts[j] = 1
        else:
            counts[j] += 1
    return j + 1


@njit(cache=True)
def _table(keys):
    """An open-addressing table of ``keys`` -> their index (size a power of two, half empty)."""
    size = 1
    while size < 2 * keys.shape[0] + 2:
        size *= 2
    tk = np.full(size, -1, dtype=np.int64)
    tv = np.empty(size, dtype=np.int64)
    mask = size - 1
    for j in range(keys.shape[0]):
        slot = np.int64((np.uint64(keys[j]) * np.uint64(0x9E3779B97F4A7C15)) >> np.uint64(17)) & mask
        while tk[slot] != -1:
            slot = (slot + 1) & mask
        tk[slot] = keys[j]
        tv[slot] = j
    return tk, tv


@njit(cache=True, parallel=True)
def join_bigrams(tokens, offsets, n_words, keys, ids, out_tokens, out_offsets, parts):
    """Copy the stream, replacing each pair whose key is in ``keys`` by ``ids[j]``, scanning each
    sentence from the left (a joined pair is never the start of another). Only tokens that start
    some pair are looked up. Threads take ``parts`` contiguous runs of sentences, each writing from where
    its run starts in the input (a run never grows), then the runs are moved together."""
    tk, tv = _table(keys)
    mask = tk.shape[0] - 1
    first = np.zeros(n_words, dtype=np.bool_)
    for j in range(keys.shape[0]):
        first[keys[j] // n_words] = True
    n_sent = offsets.shape[0] - 1
    parts = max(1, min(n_sent, parts))
    bounds = np.empty(parts + 1, dtype=np.int64)
    for p in range(parts + 1):
        bounds[p] = p * n_sent // parts
    used = np.zeros(parts, dtype=np.int64)
    for p in prange(parts):
        o = offsets[bounds[p]]
        for s in range(bounds[p], bounds[p + 1]):
            out_offsets[s] = o
            i = offsets[s]
            e = offsets[s + 1]
            while i < e:
                t = tokens[i]
                if i + 1 < e and first[t]:
                    k = np.int64(t) * n_words + tokens[i + 1]
                    slot = np.int64((np.uint64(k) * np.uint64(0x9E3779B97F4A7C15)) >> np.uint64(17)) & mask
                    found = -1
                    while tk[slot] != -1:
                        if tk[slot] == k:
                            found = tv[slot]
                            break
                        slot = (slot + 1) & mask
                    if found >= 0:
                        out_tokens[o] = ids[found]
                        o += 1
                        i += 2
                        continue
                out_tokens[o] = t
                o += 1
                i += 1
        used[p] = o - offsets[bounds[p]]
    o = used[0] if parts > 0 else 0
    for p in range(1, parts):  # move each run down to follow the previous one
        src = offsets[bounds[p]]
        shift = src - o
        if shift > 0:
            for j in range(used[p]):
                out_tokens[o + j] = out_tokens[src + j]
            for s in range(bounds[p], bounds[p + 1]):
                out_offsets[s] -= shift
        o += used[p]
    out_offsets[n_sent] = o
    return o


@njit(cache=True, parallel=True)
def write_tokens(arena, starts, ends, tokens, offsets, line_starts, out):
    """The text of a token stream: word ``w``'s bytes are ``arena[starts[w]:ends[w]]``;
    tokens separated by spaces, sentences ended by newlines; sentence ``s`` starts at byte
    ``line_starts[s]`` of ``out`` (so threads write their sentences independently)."""
    for s in prange(offsets.shape[0] - 1):
        o = line_starts[s]
        for i in range(offsets[s], offsets[s + 1]):
            if i > offsets[s]:
                out[o] = 32
                o += 1
            w = tokens[i]
            for b in range(starts[w], ends[w]):
                out[o] = arena[b]
                o += 1
        out[o] = 10
