"""Character n-grams and their bucket ids, byte for byte as Facebook's fastText computes them.

A word is wrapped as ``<word>``; its n-grams are the runs of ``n`` UTF-8 *characters*
(``min_n <= n <= max_n``), taken over the UTF-8 bytes (a byte ``b`` with ``b & 0xC0 == 0x80``
continues a character). Each n-gram's id is ``FNV-1a-32(bytes) % buckets`` where, as in
fastText's ``Dictionary::hash``, every byte is sign-extended (``uint32(int8(b))``) before the
xor, so non-ASCII n-grams hash as fastText's released models expect. A single-character
n-gram made only of ``<`` or ``>`` is left out (fastText's rule; it matters when ``min_n == 1``).
"""

import numpy as np
from numba import njit

FNV32_OFFSET = np.uint32(2166136261)
FNV32_PRIME = np.uint32(16777619)


@njit(cache=True)
def fnv1a32(buf, s, e):
    """fastText's hash of ``buf[s:e]`` (uint8 array): 32-bit FNV-1a over sign-extended bytes."""
    h = FNV32_OFFSET
    for i in range(s, e):
        b = np.int64(buf[i])
        if b >= 128:
            b -= 256  # int8 sign extension, then the cast to uint32 below wraps it
        h = np.uint32(h ^ np.uint32(b & 0xFFFFFFFF))
        h = np.uint32(h * FNV32_PRIME)
    return h


@njit(cache=True)
def ngram_spans(buf, min_n, max_n, starts, ends):
    """Byte spans ``[starts[k], ends[k])`` of the n-grams of ``buf`` (the bytes of ``<word>``),
    in fastText's order: by start character, then by length. Returns how many were written."""
    n_bytes = buf.shape[0]
    count = 0
    for i in range(n_bytes):
        if (buf[i] & 0xC0) == 0x80:
            continue
        j = i
        n = 1
        while j < n_bytes and n <= max_n:
            j += 1
            while j < n_bytes and (buf[j] & 0xC0) == 0x80:
                j += 1
            if n >= min_n and not (n == 1 and (i == 0 or j == n_bytes)):
                starts[count] = i
                ends[count] = j
                count += 1
            n += 1
    return count


@njit(cache=True)
def _span_buffers(offsets, n_words, max_n):
    """Scratch arrays for :func:`ngram_spans` large enough for the longest word."""
    max_len = 0
    for w in range(n_words):
        max_len = max(max_len, offsets[w + 1] - offsets[w])
    starts = np.empty(max_len * max(max_n, 1) + 1, dtype=np.int64)
    return starts, np.empty_like(starts)


@njit(cache=True)
def subword_table(data, offsets, n_words, min_n, max_n, buckets, out_offsets, out_ids):
    """Subword rows of every word: the word's own id, then ``n_words + bucket`` of each n-gram.

    ``data[offsets[w]:offsets[w + 1]]`` are the UTF-8 bytes of ``<word>`` for word ``w``.
    Fills ``out_offsets`` (n_words + 1,) and ``out_ids``; returns the number of ids written, or
    ``-1`` when ``out_ids`` is too small (the caller sizes it with :func:`count_subwords`).
    """
    starts, ends = _span_buffers(offsets, n_words, max_n)
    pos = 0
    out_offsets[0] = 0
    for w in range(n_words):
        buf = data[offsets[w] : offsets[w + 1]]
        if pos >= out_ids.shape[0]:
            return -1
        out_ids[pos] = w
        pos += 1
        if max_n > 0:
            k = ngram_spans(buf, min_n, max_n, starts, ends)
            if pos + k > out_ids.shape[0]:
                return -1
            for q in range(k):
                out_ids[pos] = n_words + np.int64(fnv1a32(buf, starts[q], ends[q]) % np.uint32(buckets))
                pos += 1
        out_offsets[w + 1] = pos
    return pos


@njit(cache=True)
def count_subwords(data, offsets, n_words, min_n, max_n):
    """Total number of ids :func:`subword_table` writes (one per word plus its n-grams)."""
    starts, ends = _span_buffers(offsets, n_words, max_n)
    total = 0
    for w in range(n_words):
        total += 1
        if max_n > 0:
            total += ngram_spans(data[offsets[w] : offsets[w + 1]], min_n, max_n, starts, ends)
    return total
