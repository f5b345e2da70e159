"""word2vec binary parsing: find each record's key and vector in a byte buffer (one thread,
or two each scanning half of the file), then gather the vectors into a matrix. Records are
``key SPACE dim*float32 [NEWLINE]``."""

import numpy as np
from numba import njit, prange


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
    hashes = np.empty(key_start.shape[0], dtype=np.uint64)
    for i in range(key_start.shape[0]):
        hashes[i] = _fnv(buf, key_start[i], key_end[i])
    return first_repeat(buf, key_start, key_end, hashes)


@njit(cache=True)
def first_repeat(buf, key_start, key_end, hashes):
    """:func:`first_duplicate` given each key's FNV hash (``scan_part`` computes them on its way
    through a file): one sequential pass and a table of int32 rows."""
    n = key_start.shape[0]
    size = table_size(n)
    mask = np.uint64(size - 1)
    table = np.full(size, -1, dtype=np.int32)
    for i in range(n):
        s = key_start[i]
        e = key_end[i]
        h = hashes[i]
        slot = h & mask
        while table[slot] >= 0:
            j = table[slot]
            if hashes[j] == h and key_end[j] - key_start[j] == e - s and same_bytes(buf, key_start[j], buf, s, e - s):
                return i
            slot = (slot + np.uint64(1)) & mask
        table[slot] = i
    return -1


@njit(cache=True)
def scan_part(buf, pos, stop, n, rec, vec_start, starts, hashes, keys):
    """Records from ``buf[pos:]`` while fewer than ``n`` are found and ``pos < stop``: each one's
    vector offset, its key copied into the KeyList buffer ``keys`` (``keys[0]`` a newline, then
    each key and a newline; ``starts[i]`` the newline before key ``i``) and its key's FNV hash.
    Returns ``(count, status, pos, used, clashes)``: status 0 when the loop ended (``count``
    records found), 1 when a record has no space before the end of the buffer (a truncated key),
    2 when its vector is cut off, 3 when the keys outgrow ``keys`` (sized for the bytes a whole
    file leaves beside its vectors: the records left cannot fit); ``pos`` the offset where the
    scan stopped (of the failing record for statuses 1 to 3); ``used`` the bytes of ``keys``
    filled; ``clashes`` how many key bytes are newlines."""
    size = buf.shape[0]
    room = keys.shape[0] - 1  # the last byte is kept for a key's newline
    out = 1
    clashes = 0
    keys[0] = 10
    starts[0] = 0
    i = 0
    while i < n and pos < stop:
        while pos < size and (buf[pos] == 10 or buf[pos] == 13):
            pos += 1
        s = pos
        h = np.uint64(14695981039346656037)
        while pos < size and buf[pos] != 32:
            if out >= room:
                return i, 3, s, out, clashes
            c = buf[pos]
            if c == 10:
                clashes += 1
            keys[out] = c
            out += 1
            h = (h ^ np.uint64(c)) * np.uint64(1099511628211)
            pos += 1
        if pos >= size:
            return i, 1, s, out, clashes
        if pos + 1 + rec > size:
            return i, 2, s, out, clashes
        keys[out] = 10
        starts[i + 1] = out
        out += 1
        vec_start[i] = pos + 1
        hashes[i] = h
        pos += 1 + rec
        i += 1
    return i, 0, pos, out, clashes


#: The split point of a parallel scan is accepted when this many records parse after it, each
#: key at most SYNC_KEY_BYTES bytes none of which is a control character (a guess about where a
#: record ends inside binary floats; the scan before it must land on it exactly, or all is
#: scanned again from the start by one thread).
SYNC_RECORDS = 16
SYNC_KEY_BYTES = 64


@njit(cache=True)
def record_end_after(buf, lo, rec):
    """A guess at the end of a record (the offset just after a vector) at or after ``lo``: the
    end of the first record of the first chain of ``SYNC_RECORDS`` records that parses from a
    position in ``[lo, lo + rec + SYNC_KEY_BYTES + 2)``, or -1."""
    size = buf.shape[0]
    for p in range(lo, min(lo + rec + SYNC_KEY_BYTES + 2, size)):
        pos = p
        first_end = -1
        for k in range(SYNC_RECORDS):
            while pos < size and (buf[pos] == 10 or buf[pos] == 13):
                pos += 1
            s = pos
            while pos < size and pos - s <= SYNC_KEY_BYTES and buf[pos] > 32:
                pos += 1
            if pos >= size or pos == s or buf[pos] != 32 or pos + 1 + rec > size:
                first_end = -1
                break
            pos += 1 + rec
            if k == 0:
                first_end = pos
        if first_end >= 0:
            return first_end
    return -1


@njit(cache=True, parallel=True)
def scan_halves(buf, start, mid, n, rec, vec_start, starts, hashes, keys, vec_start1, starts1, hashes1, keys1):
    """``scan_part`` on two threads: from ``start`` up to the record end ``mid`` into the first
    arrays, from ``mid`` to the end of the buffer into the second. Returns a (2, 5) array of
    the two parts' results; the caller checks that the first part ended exactly at ``mid``."""
    res = np.zeros((2, 5), dtype=np.int64)
    size = buf.shape[0]
    for part in prange(2):
        if part == 0:
            r = scan_part(buf, start, mid, n, rec, vec_start, starts, hashes, keys)
        else:
            r = scan_part(buf, mid, size + 1, n, rec, vec_start1, starts1, hashes1, keys1)
        for k in range(5):
            res[part, k] = r[k]
    return res


@njit(cache=True, parallel=True)
def gather_finite(buf, vec_start, out_bytes, out):
    """Copy the vector bytes at each ``buf[vec_start[i]:]`` into row ``i`` of ``out_bytes`` (the
    bytes of the float32 matrix ``out``) and check each row as it lands: returns a row holding
    NaN or infinity, or ``len(vec_start)`` when every value is finite."""
    n = vec_start.shape[0]
    rec = out_bytes.shape[1]
    dim = out.shape[1]
    bad = n
    for i in prange(n):
        s = vec_start[i]
        out_bytes[i, :] = buf[s : s + rec]
        finite = True
        for j in range(dim):
            v = out[i, j]
            if v - v != 0:  # NaN or infinity
                finite = False
        if not finite:
            bad = min(bad, i)
    return bad


@njit(cache=True, parallel=True)
def pack_records(keys, key_start, key_len, rows, offsets, out):
    """word2vec binary records into ``out``: record ``i`` at ``offsets[i]`` is the key bytes
    ``keys[key_start[i]:key_start[i] + key_len[i]]``, a space, the row's bytes ``rows[i]`` and a
    newline (the layout the reader scans; ``offsets`` the records' running sum)."""
    rec = rows.shape[1]
    for i in prange(rows.shape[0]):
        o = offsets[i]
        n = key_len[i]
        s = key_start[i]
        out[o : o + n] = keys[s : s + n]
        o += n
        out[o] = 32
        out[o + 1 : o + 1 + rec] = rows[i]
        out[o + 1 + rec] = 10
