"""Compiled drivers that exercise the word2vec kernels' samplers in bulk, for the tests only:
many alias-table draws, one subsampling pass, many reduced window sizes. They call the same
inlined pieces (``_kernels.rng``, ``_kernels.epoch.subsample``) as the epoch kernels."""

import numpy as np
from numba import njit

from wordspace._kernels.rng import below, block_seed, draw_alias
from wordspace._kernels.epoch import subsample


@njit(cache=True)
def draw_many(threshold, alias, seed, n):
    """``n`` draws from an alias table ."""
    rng = np.empty(1, dtype=np.uint64)
    rng[0] = block_seed(seed, 0, 0)
    out = np.empty(n, dtype=np.int64)
    for i in range(n):
        out[i] = draw_alias(rng, threshold, alias)
    return out


@njit(cache=True)
def subsample_many(tokens, keep, seed):
    """Subsample ``tokens`` once with the kernels' rule."""
    rng = np.empty(1, dtype=np.uint64)
    rng[0] = block_seed(seed, 0, 0)
    sent = np.empty(tokens.shape[0], dtype=np.int32)
    n = subsample(tokens, 0, tokens.shape[0], keep, rng, sent)
    return sent[:n]


@njit(cache=True)
def window_sizes(window, seed, n):
    """``n`` reduced window sizes as the kernels draw them (uniform in 1..window)."""
    rng = np.empty(1, dtype=np.uint64)
    rng[0] = block_seed(seed, 0, 0)
    out = np.empty(n, dtype=np.int64)
    for i in range(n):
        out[i] = window - below(rng, window)
    return out
