"""Joining collocations: the bigrams of a token stream, and the stream with chosen bigrams
joined, greedily from the left as gensim's ``Phraser`` does."""

import numpy as np
from numba import njit


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


@njit(cache=True)
def join_bigrams(tokens, offsets, n_words, keys, ids, out_tokens, out_offsets):
    """Copy the stream, replacing each pair whose key is in ``keys`` by ``ids[j]``, scanning each
    sentence from the left (a joined pair is never the start of another)."""
    tk, tv = _table(keys)
    mask = tk.shape[0] - 1
    o = 0
    for s in range(offsets.shape[0] - 1):
        out_offsets[s] = o
        i = offsets[s]
        e = offsets[s + 1]
        while i < e:
            if i + 1 < e:
                k = np.int64(tokens[i]) * n_words + tokens[i + 1]
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
            out_tokens[o] = tokens[i]
            o += 1
            i += 1
    out_offsets[offsets.shape[0] - 1] = o
    return o


@njit(cache=True)
def write_tokens(arena, starts, tokens, offsets, out):
    """The text of a token stream: word ``w``'s bytes are ``arena[starts[w]:starts[w + 1]]``;
    tokens separated by spaces, sentences ended by newlines. Returns the length written."""
    o = 0
    for s in range(offsets.shape[0] - 1):
        for i in range(offsets[s], offsets[s + 1]):
            if i > offsets[s]:
                out[o] = 32
                o += 1
            w = tokens[i]
            for b in range(starts[w], starts[w + 1]):
                out[o] = arena[b]
                o += 1
        out[o] = 10
        o += 1
    return o
