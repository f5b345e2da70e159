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
def join_bigrams(tokens, offsets, n_words, keys, ids, out_tokens, out_offsets):
    """Copy the stream, replacing each pair whose key is in the sorted ``keys`` by ``ids[j]``,
    scanning each sentence from the left (a joined pair is never the start of another)."""
    o = 0
    m = keys.shape[0]
    for s in range(offsets.shape[0] - 1):
        out_offsets[s] = o
        i = offsets[s]
        e = offsets[s + 1]
        while i < e:
            if i + 1 < e and m > 0:
                k = np.int64(tokens[i]) * n_words + tokens[i + 1]
                j = np.searchsorted(keys, k)
                if j < m and keys[j] == k:
                    out_tokens[o] = ids[j]
                    o += 1
                    i += 2
                    continue
            out_tokens[o] = tokens[i]
            o += 1
            i += 1
    out_offsets[offsets.shape[0] - 1] = o
    return o
