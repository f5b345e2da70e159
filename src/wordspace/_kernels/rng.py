"""Per-block random numbers: splitmix64 to seed, xorshift64* to draw.

Each training block owns a one-element uint64 state array, seeded from (seed, epoch, block)
so a run's random choices do not depend on how many threads process the blocks.
"""

import numpy as np
from numba import njit

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_STAR = np.uint64(0x2545F4914F6CDD1D)
_S30, _S27, _S31 = np.uint64(30), np.uint64(27), np.uint64(31)
_S12, _S25, _S32 = np.uint64(12), np.uint64(25), np.uint64(32)
_MASK32 = np.uint64(0xFFFFFFFF)


@njit(cache=True, inline="always")
def splitmix64(x):
    """One splitmix64 step: a well-mixed 64-bit value from any 64-bit input."""
    z = x + _GOLDEN
    z = (z ^ (z >> _S30)) * _M1
    z = (z ^ (z >> _S27)) * _M2
    return z ^ (z >> _S31)


@njit(cache=True, inline="always")
def block_seed(seed, epoch, block):
    """The starting state of a block's generator (never zero)."""
    s = splitmix64(splitmix64(splitmix64(np.uint64(seed)) ^ np.uint64(epoch)) ^ np.uint64(block))
    if s == 0:
        s = _GOLDEN
    return s


@njit(cache=True, inline="always")
def next_u64(state):
    """xorshift64*: advance ``state[0]`` and return 64 random bits."""
    x = state[0]
    x ^= x >> _S12
    x ^= x << _S25
    x ^= x >> np.uint64(27)
    state[0] = x
    return x * _STAR


@njit(cache=True, inline="always")
def next_u32(state):
    """32 random bits (the high half of :func:`next_u64`)."""
    return next_u64(state) >> _S32


@njit(cache=True, inline="always")
def below(state, n):
    """A uniform integer in ``[0, n)`` (Lemire's multiply-shift, 32-bit)."""
    return np.int64((next_u32(state) * np.uint64(n)) >> _S32)


@njit(cache=True, inline="always")
def draw_alias(state, threshold, alias):
    """One draw from an alias table (see ``wordspace.vocab.alias_table``)."""
    r = next_u64(state)
    col = np.int64(((r & _MASK32) * np.uint64(threshold.shape[0])) >> _S32)
    if (r >> _S32) < threshold[col]:
        return col
    return np.int64(alias[col])
