"""Text preparation on UTF-8 bytes, one block at a time: lower-casing, keeping only words (runs of
letters and digits, with apostrophes and hyphens inside them), and folding runs of digits.

The caller passes two tables over the Basic Multilingual Plane: ``lower[cp]`` (the code point's
simple lower-case mapping) and ``klass[cp]`` (``WORD``, ``JOINER`` or ``OTHER``). Code points
above U+FFFF keep their case and count as word characters; bytes that are not valid UTF-8 are
copied unchanged (the reader counts them).
"""

import numpy as np
from numba import njit

OTHER, WORD, JOINER, DIGIT = 0, 1, 2, 3


@njit(cache=True, inline="always")
def _decode(buf, i, n):
    """``(code point, length)`` of the UTF-8 sequence at ``buf[i]``; ``(-1, 1)`` when invalid."""
    c = np.int64(buf[i])
    if c < 0x80:
        return c, 1
    if c < 0xC2:
        return -1, 1
    if c < 0xE0:
        need, cp = 1, c & 0x1F
    elif c < 0xF0:
        need, cp = 2, c & 0x0F
    elif c < 0xF5:
        need, cp = 3, c & 0x07
    else:
        return -1, 1
    for k in range(1, need + 1):
        if i + k >= n:
            return -1, 1
        b = np.int64(buf[i + k])
        if b & 0xC0 != 0x80:
            return -1, 1
        cp = (cp << 6) | (b & 0x3F)
    if (need == 2 and cp < 0x800) or (need == 3 and (cp < 0x10000 or cp > 0x10FFFF)) or (0xD800 <= cp <= 0xDFFF):
        return -1, 1
    return cp, need + 1


@njit(cache=True, inline="always")
def _encode(cp, out, o):
    if cp < 0x80:
        out[o] = cp
        return o + 1
    if cp < 0x800:
        out[o] = 0xC0 | (cp >> 6)
        out[o + 1] = 0x80 | (cp & 0x3F)
        return o + 2
    if cp < 0x10000:
        out[o] = 0xE0 | (cp >> 12)
        out[o + 1] = 0x80 | ((cp >> 6) & 0x3F)
        out[o + 2] = 0x80 | (cp & 0x3F)
        return o + 3
    out[o] = 0xF0 | (cp >> 18)
    out[o + 1] = 0x80 | ((cp >> 12) & 0x3F)
    out[o + 2] = 0x80 | ((cp >> 6) & 0x3F)
    out[o + 3] = 0x80 | (cp & 0x3F)
    return o + 4


@njit(cache=True, inline="always")
def _klass(cp, klass):
    if cp < 0:
        return WORD  # an invalid byte stays inside its token
    if cp < klass.shape[0]:
        return klass[cp]
    return WORD


@njit(cache=True)
def prepare_utf8(buf, lower, klass, lowercase, words, digits, out):
    """Write the prepared bytes of ``buf`` to ``out`` (at least twice as long) and return their
    length. ``lowercase``: map every code point through ``lower``. ``words``: a character that is
    neither a word character nor a joiner (apostrophe, hyphen) becomes a space, and so does a joiner
    that is not between two word characters; newlines are kept. ``digits``: every run of decimal
    digits becomes the single digit 0."""
    n = buf.shape[0]
    i = 0
    o = 0
    prev_word = False  # was the last character written a word character?
    in_digits = False
    while i < n:
        cp, ln = _decode(buf, i, n)
        if cp < 0:
            out[o] = buf[i]
            o += 1
            i += 1
            prev_word = True
            in_digits = False
            continue
        k = _klass(cp, klass)
        if digits and k == DIGIT:
            if not in_digits:
                out[o] = 48
                o += 1
                in_digits = True
            prev_word = True
            i += ln
            continue
        in_digits = False
        if words and cp != 10:
            if k == OTHER:
                out[o] = 32
                o += 1
                prev_word = False
                i += ln
                continue
            if k == JOINER:
                nxt = False
                if i + ln < n:
                    cp2, _ = _decode(buf, i + ln, n)
                    k2 = _klass(cp2, klass)
                    nxt = k2 == WORD or k2 == DIGIT
                if not (prev_word and nxt):
                    out[o] = 32
                    o += 1
                    prev_word = False
                    i += ln
                    continue
                o = _encode(cp, out, o)
                prev_word = False
                i += ln
                continue
        if lowercase and cp < lower.shape[0]:
            cp = lower[cp]
        o = _encode(cp, out, o)
        prev_word = k == WORD or k == DIGIT
        i += ln
    return o
