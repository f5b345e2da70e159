"""Sentence vectors straight from bytes: a line of text is split on ASCII whitespace (the
training tokenizer's rule), each token is looked up in a hash table of the model's keys, and the
known tokens' rows are added, each scaled by its word's weight, into the line's output row,
which is then divided by the number of words counted. No token id, string or intermediate
array is made; lines are spread over threads in chunks.

``scale[w]`` is the factor of word ``w``'s row (1 for a plain mean, ``a / (a + p(w))`` for SIF,
divided by the row's length for methods on unit vectors); a negative factor marks a word whose
row is skipped and not counted (a zero row where unit vectors are wanted, as fastText skips it).
"""

import numpy as np
from numba import njit, prange

from .memory import prefetch_row

FNV_OFFSET = np.uint64(14695981039346656037)
FNV_PRIME = np.uint64(1099511628211)


@njit(cache=True, inline="always")
def _is_space(c):
    return c == 32 or (9 <= c <= 13)


@njit(cache=True, inline="always")
def _hash(buf, s, e):
    h = FNV_OFFSET
    for i in range(s, e):
        h = (h ^ np.uint64(buf[i])) * FNV_PRIME
    return h


@njit(cache=True, inline="always")
def _same(a, s, e, b, t, f):
    if e - s != f - t:
        return False
    for k in range(e - s):
        if a[s + k] != b[t + k]:
            return False
    return True


@njit(cache=True)
def key_table(keybuf, starts):
    """An open-addressing table of the keys ``keybuf[starts[i] + 1:starts[i + 1]]`` (the
    layout of ``KeyList``: each key between newlines): ``table[slot]`` is a key's row or -1. The
    table is a power of two at least twice the keys; a repeated key keeps its first row."""
    n = starts.shape[0] - 1
    size = 16
    while size < 2 * n + 2:
        size *= 2
    mask = np.uint64(size - 1)
    table = np.full(size, -1, dtype=np.int32)
    for i in range(n):
        s, e = starts[i] + 1, starts[i + 1]
        slot = _hash(keybuf, s, e) & mask
        while True:
            j = table[slot]
            if j < 0:
                table[slot] = i
                break
            if _same(keybuf, starts[j] + 1, starts[j + 1], keybuf, s, e):
                break
            slot = (slot + np.uint64(1)) & mask
    return table


@njit(cache=True, inline="always")
def _find(buf, s, e, table, keybuf, starts):
    mask = np.uint64(table.shape[0] - 1)
    slot = _hash(buf, s, e) & mask
    while True:
        j = table[slot]
        if j < 0:
            return -1
        if _same(keybuf, starts[j] + 1, starts[j + 1], buf, s, e):
            return j
        slot = (slot + np.uint64(1)) & mask


@njit(cache=True, parallel=True)
def line_bounds(buf):
    """``(starts, ends)`` of the lines of ``buf`` (a last line without a newline counts; no
    empty line follows a final newline). Two passes over byte ranges in parallel: count the
    newlines of each range, then write the bounds from each range's first line number."""
    n = buf.shape[0]
    parts = 64
    counts = np.zeros(parts + 1, dtype=np.int64)
    for p in prange(parts):
        c = 0
        for i in range(p * n // parts, (p + 1) * n // parts):
            if buf[i] == 10:
                c += 1
        counts[p + 1] = c
    first = np.cumsum(counts)  # first[p]: newlines before range p
    total = first[parts] + (1 if n > 0 and buf[n - 1] != 10 else 0)
    starts = np.empty(total, dtype=np.int64)
    ends = np.empty(total, dtype=np.int64)
    for p in prange(parts):
        k = first[p]
        for i in range(p * n // parts, (p + 1) * n // parts):
            if buf[i] == 10:
                ends[k] = i
                k += 1
    if total > first[parts]:
        ends[total - 1] = n
    if total > 0:
        starts[0] = 0
    for k in prange(1, total):
        starts[k] = ends[k - 1] + 1
    return starts, ends


@njit(cache=True, parallel=True)
def token_counts(buf, starts, ends):
    """Tokens on each line."""
    n = starts.shape[0]
    out = np.zeros(n, dtype=np.int64)
    for i in prange(n):
        c = 0
        inside = False
        for p in range(starts[i], ends[i]):
            space = _is_space(buf[p])
            if not space and not inside:
                c += 1
            inside = not space
        out[i] = c
    return out


#: Lines are handed to threads in this many chunks (at most); each chunk has its own part of the
#: Gram matrix when one is asked for.
CHUNKS = 512


@njit(cache=True, inline="always", fastmath=True)
def _chunk_gram(x, lo, hi, g):
    """``g += x[lo:hi].T @ x[lo:hi]``, four rows at a time (four products per load and store
    of ``g``: a row at a time the loop is bound by its stores and runs several times slower)."""
    dim = x.shape[1]
    i = lo
    while i + 4 <= hi:
        r0, r1, r2, r3 = x[i], x[i + 1], x[i + 2], x[i + 3]
        for a in range(dim):
            a0, a1, a2, a3 = r0[a], r1[a], r2[a], r3[a]
            ga = g[a]
            for b in range(dim):
                ga[b] += a0 * r0[b] + a1 * r1[b] + a2 * r2[b] + a3 * r3[b]
        i += 4
    while i < hi:
        r0 = x[i]
        for a in range(dim):
            a0 = r0[a]
            ga = g[a]
            for b in range(dim):
                ga[b] += a0 * r0[b]
        i += 1


@njit(cache=True, parallel=True, fastmath=True)
def pool_lines(buf, starts, ends, table, keybuf, kstarts, matrix, scale, out, known, unknown, gram, gram_every):
    """``out[i]`` = the scaled mean of the rows of line ``i``'s known words (zero for none);
    ``known[i]``/``unknown[i]`` count its words found and not found. ``matrix`` is read, never
    written; ``out`` is (lines, dim) float32. When ``gram`` has ``CHUNKS`` matrices (not 0),
    ``gram[c]`` receives ``out[lo:hi].T @ out[lo:hi]`` of chunk ``c``'s lines while they are
    still in cache, for every ``gram_every``-th chunk (the components of SIF and uSIF come from
    it: ``wordspace.sentences``). A word's row is prefetched when the word is found and added
    when the next one has been looked up, so that the trip to memory overlaps the lookup."""
    n = starts.shape[0]
    dim = matrix.shape[1]
    chunks = min(n, CHUNKS)
    with_gram = gram.shape[0] > 0
    for c in prange(chunks):
        lo = c * n // chunks
        hi = (c + 1) * n // chunks
        for line in range(lo, hi):
            row = out[line]
            for d in range(dim):
                row[d] = 0.0
            i = starts[line]
            e = ends[line]
            k = 0
            u = 0
            pending = -1  # a word found whose row was prefetched and is added one word later
            while True:
                while i < e and _is_space(buf[i]):
                    i += 1
                w = -1
                if i < e:
                    s = i
                    while i < e and not _is_space(buf[i]):
                        i += 1
                    w = _find(buf, s, i, table, keybuf, kstarts)
                    if w < 0:
                        u += 1
                    elif scale[w] >= 0:
                        prefetch_row(matrix, w)
                    else:
                        w = -1
                if pending >= 0:
                    f = scale[pending]
                    src = matrix[pending]
                    for d in range(dim):
                        row[d] += f * src[d]
                    k += 1
                pending = w
                if i >= e and pending < 0:
                    break
            if k > 1:
                inv = np.float32(1.0 / k)
                for d in range(dim):
                    row[d] *= inv
            known[line] = k
            unknown[line] = u
        if with_gram and c % gram_every == 0:
            _chunk_gram(out, lo, hi, gram[c])


@njit(cache=True, parallel=True, fastmath=True)
def remove_components(x, comps, weights):
    """``x[i] -= sum_j weights[j] (x[i] . comps[j]) comps[j]`` for every row, in place."""
    n, dim = x.shape
    k = comps.shape[0]
    for i in prange(n):
        row = x[i]
        for j in range(k):
            c = comps[j]
            f = np.float32(0.0)
            for d in range(dim):
                f += row[d] * c[d]
            f *= weights[j]
            for d in range(dim):
                row[d] -= f * c[d]


@njit(cache=True, parallel=True, fastmath=True)
def sum_rows(matrix, lookup, weight, ids, offsets, sums, counts):
    """For each id list ``ids[offsets[i]:offsets[i + 1]]``: the sum of the rows ``matrix[lookup[t]]``
    into ``sums[i]``, and the sum of their ``weight`` (how many tokens each row stands for) into
    ``counts[i]``; ids outside ``lookup``, mapped to -1, or whose row weighs 0 are left out."""
    n = offsets.shape[0] - 1
    dim = matrix.shape[1]
    size = lookup.shape[0]
    for i in prange(n):
        row = sums[i]
        for d in range(dim):
            row[d] = 0.0
        k = 0
        for j in range(offsets[i], offsets[i + 1]):
            t = ids[j]
            if t < 0 or t >= size:
                continue
            r = lookup[t]
            if r < 0 or weight[r] == 0:
                continue
            src = matrix[r]
            for d in range(dim):
                row[d] += src[d]
            k += weight[r]
        counts[i] = k
