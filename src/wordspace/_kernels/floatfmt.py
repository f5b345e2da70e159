"""Shortest decimal text for float32 values that reads back to the same float32.

For each value, the fewest significant digits p (1..9) such that parsing the decimal as
float64 and rounding to float32 (what NumPy's text parsing does) gives the value back; written
positionally for exponents -5..15 and as ``d.ddde+XX`` otherwise, as Python's ``repr`` does.
"""

import math

import numpy as np
from numba import njit, prange

_POW10 = np.array([10.0**i for i in range(23)])


@njit(cache=True, inline="always")
def _scaled(a, q):
    """a / 10**q, exact operands where possible."""
    if q >= 0:
        if q <= 22:
            return a / _POW10[q]
        return a / 10.0**q
    if -q <= 22:
        return a * _POW10[-q]
    return a * 10.0 ** (-q)


@njit(cache=True, inline="always")
def _unscaled(m, q):
    if q >= 0:
        if q <= 22:
            return m * _POW10[q]
        return m * 10.0**q
    if -q <= 22:
        return m / _POW10[-q]
    return m / 10.0 ** (-q)


@njit(cache=True)
def _write_int(out, pos, v):
    """Decimal digits of the non-negative int ``v``."""
    if v == 0:
        out[pos] = 48
        return pos + 1
    n = 0
    t = v
    while t > 0:
        n += 1
        t //= 10
    for i in range(n - 1, -1, -1):
        out[pos + i] = 48 + v % 10
        v //= 10
    return pos + n


@njit(cache=True)
def format_one(x, out, pos):
    """Write float32 ``x`` at ``out[pos:]``; return the new position (at most 16 bytes)."""
    if x != x:
        out[pos] = 110; out[pos + 1] = 97; out[pos + 2] = 110  # nan
        return pos + 3
    if x < 0 or (x == 0 and math.copysign(1.0, x) < 0):
        out[pos] = 45  # '-'
        pos += 1
    a = abs(np.float64(x))
    if a == 0:
        out[pos] = 48
        return pos + 1
    if a == math.inf:
        out[pos] = 105; out[pos + 1] = 110; out[pos + 2] = 102  # inf
        return pos + 3
    target = abs(x)
    e = int(math.floor(math.log10(a)))
    m = 0
    p = 9
    for digits in range(1, 10):
        q = e - digits + 1
        mm = int(round(_scaled(a, q)))
        if np.float32(_unscaled(float(mm), q)) == target:
            m = mm
            p = digits
            break
    if m == 0:  # 9 digits always round-trip float32
        m = int(round(_scaled(a, e - 8)))
        p = 9
    if m >= 10**p:  # rounding carried into a new digit (9.99.. -> 10.0)
        m //= 10
        e += 1
    # strip trailing zeros of the significand
    while p > 1 and m % 10 == 0:
        m //= 10
        p -= 1
    digits_buf = np.empty(9, dtype=np.uint8)
    t = m
    for i in range(p - 1, -1, -1):
        digits_buf[i] = 48 + t % 10
        t //= 10
    if -5 <= e < 16:
        if e >= 0:
            for i in range(e + 1):
                out[pos] = digits_buf[i] if i < p else 48
                pos += 1
            if p > e + 1:
                out[pos] = 46  # '.'
                pos += 1
                for i in range(e + 1, p):
                    out[pos] = digits_buf[i]
                    pos += 1
        else:
            out[pos] = 48
            out[pos + 1] = 46
            pos += 2
            for i in range(-e - 1):
                out[pos] = 48
                pos += 1
            for i in range(p):
                out[pos] = digits_buf[i]
                pos += 1
        return pos
    out[pos] = digits_buf[0]
    pos += 1
    if p > 1:
        out[pos] = 46
        pos += 1
        for i in range(1, p):
            out[pos] = digits_buf[i]
            pos += 1
    out[pos] = 101  # 'e'
    out[pos + 1] = 45 if e < 0 else 43
    pos += 2
    ae = -e if e < 0 else e
    if ae < 10:
        out[pos] = 48
        pos += 1
    return _write_int(out, pos, ae)


@njit(cache=True, parallel=True)
def format_rows(matrix, out, row_start, row_len):
    """Text of each row (values separated by single spaces) at ``out[row_start[i]:]``;
    ``row_len[i]`` receives its length. ``row_start`` leaves 16 bytes per value."""
    n, d = matrix.shape
    for i in prange(n):
        pos = row_start[i]
        for j in range(d):
            if j:
                out[pos] = 32
                pos += 1
            pos = format_one(matrix[i, j], out, pos)
        row_len[i] = pos - row_start[i]
