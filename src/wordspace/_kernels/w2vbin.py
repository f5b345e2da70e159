"""word2vec binary parsing: find each record's key and vector in a byte buffer, then gather
the vectors into a matrix. Records are ``key SPACE dim*float32 [NEWLINE]``."""

import numpy as np
from numba import njit, prange


@njit(cache=True)
def scan_records(buf, start, n, dim, key_start, key_end, vec_start):
    """Fill the three offset arrays for up to ``n`` records from ``buf[start:]``.

    Returns ``(count, status, pos)``: status 0 when all ``n`` were found, 1 when a record has
    no space before the end of the buffer (truncated key), 2 when its vector is cut off; ``pos``
    is the offset of the failing record.
    """
    size = buf.shape[0]
    pos = start
    rec = 4 * dim
    for i in range(n):
        while pos < size and (buf[pos] == 10 or buf[pos] == 13):
            pos += 1
        s = pos
        while pos < size and buf[pos] != 32:
            pos += 1
        if pos >= size:
            return i, 1, s
        if pos + 1 + rec > size:
            return i, 2, s
        key_start[i] = s
        key_end[i] = pos
        vec_start[i] = pos + 1
        pos += 1 + rec
    return n, 0, pos


@njit(cache=True, parallel=True)
def gather_vectors(buf, vec_start, out_bytes, rec):
    """Copy ``rec`` bytes from each ``buf[vec_start[i]:]`` into row ``i`` of ``out_bytes``."""
    for i in prange(vec_start.shape[0]):
        s = vec_start[i]
        out_bytes[i, :] = buf[s : s + rec]


@njit(cache=True)
def gather_keys(buf, key_start, key_end, out, sep):
    """Copy every key's bytes into ``out``, each followed by the byte ``sep``; returns how many
    keys contain ``sep`` themselves (then the caller cannot split on it)."""
    pos = 0
    clashes = 0
    for i in range(key_start.shape[0]):
        for b in range(key_start[i], key_end[i]):
            c = buf[b]
            if c == sep:
                clashes += 1
            out[pos] = c
            pos += 1
        out[pos] = sep
        pos += 1
    return clashes


@njit(cache=True, inline="always")
def same_bytes(a_buf, a, b_buf, b, n):
    """Whether ``a_buf[a:a + n]`` and ``b_buf[b:b + n]`` hold the same bytes."""
    for k in range(n):
        if a_buf[a + k] != b_buf[b + k]:
            return False
    return True


@njit(cache=True, inline="always")
def table_size(n):
    """A power of two at least ``2 n + 2`` (open-addressing tables stay at most half full)."""
    size = 4
    while size < 2 * n + 2:
        size *= 2
    return size


@njit(cache=True, inline="always")
def _fnv(buf, s, e):
    h = np.uint64(14695981039346656037)
    for i in range(s, e):
        h = (h ^ np.uint64(buf[i])) * np.uint64(1099511628211)
    return h


@njit(cache=True)
def find_keys(buf, starts, qbuf, qstarts, out):
    """Rows of many keys in one pass over a key buffer. ``buf[starts[i] + 1:starts[i + 1]]`` is
    key ``i`` (the newline-separated buffer of ``KeyList``), ``qbuf[qstarts[q]:qstarts[q + 1]]``
    query ``q``; ``out[q]`` gets the first row holding it, or -1."""
    m = qstarts.shape[0] - 1
    size = table_size(m)
    mask = np.uint64(size - 1)
    table = np.full(size, -1, dtype=np.int64)
    qh = np.empty(max(m, 1), dtype=np.uint64)
    for q in range(m):
        out[q] = -1
        h = _fnv(qbuf, qstarts[q], qstarts[q + 1])
        qh[q] = h
        slot = h & mask
        while table[slot] >= 0:
            slot = (slot + np.uint64(1)) & mask
        table[slot] = q
    left = m
    for i in range(starts.shape[0] - 1):
        if left == 0:
            break
        s = starts[i] + 1
        e = starts[i + 1]
        h = _fnv(buf, s, e)
        slot = h & mask
        while table[slot] >= 0:
            q = table[slot]
            if qh[q] == h and out[q] < 0 and qstarts[q + 1] - qstarts[q] == e - s \
                    and same_bytes(qbuf, qstarts[q], buf, s, e - s):
                out[q] = i
                left -= 1
            slot = (slot + np.uint64(1)) & mask
    return out


@njit(cache=True)
def first_duplicate(buf, key_start, key_end):
    """The first entry whose key bytes ``buf[key_start[i]:key_end[i]]`` equal an earlier entry's,
    or -1: one hash table of the keys instead of a dict of a million decoded strings."""
    n = key_start.shape[0]
    size = table_size(n)
    mask = np.uint64(size - 1)
    table = np.full(size, -1, dtype=np.int32)
    hashes = np.empty(max(n, 1), dtype=np.uint64)
    for i in range(n):
        s = key_start[i]
        e = key_end[i]
        h = _fnv(buf, s, e)
        hashes[i] = h
        slot = h & mask
        while table[slot] >= 0:
            j = table[slot]
            if hashes[j] == h and key_end[j] - key_start[j] == e - s and same_bytes(buf, key_start[j], buf, s, e - s):
                return i
            slot = (slot + np.uint64(1)) & mask
        table[slot] = i
    return -1
