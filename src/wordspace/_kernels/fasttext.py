"""fastText (subword) epoch kernel: skip-gram and CBOW with negative sampling.

A word's input vector is the mean of its subword rows (its own row plus the rows of its
hashed character n-grams; see ``_kernels.subword``). Skip-gram: the centre word's subword
mean predicts each context word, with ``negative`` noise words drawn per context word, as in
fastText. The window is batched: the hidden vector is computed once per window, all
``m * (1 + negative)`` targets are scored against it (output rows updated in turn), and the
accumulated gradient is added once to every subword row of the centre word. fastText instead
recomputes the hidden vector and writes the subword rows back after every context word: with
about 20 subword rows per word that row traffic is most of its cost. CBOW: the mean of the
subword rows of all context words predicts the centre word; each of those rows receives the
whole error (fastText's and word2vec.c's rule).

Threads, blocks, random numbers and the learning-rate schedule are those of
``_kernels.word2vec`` (same ``params`` layout); the Hogwild note there applies here.
"""

import functools

import numpy as np
from numba import njit, prange

from .memory import prefetch_row
from .rng import block_seed, draw_alias
from .word2vec import (
    DIM,
    P_BLOCK0,
    P_EPOCH,
    P_MAXLEN,
    P_NEGATIVE,
    P_SEED,
    P_WINDOW,
    SPECIALISED_DIMS,
    _alpha,
    _context,
    _loss_every,
    _subsample,
    _variants,
    cbow_window,
    width_namespace,
)


@njit(cache=True)
def max_subwords(sub_off):
    """The largest number of subword rows of one word."""
    best = 0
    for w in range(sub_off.shape[0] - 1):
        best = max(best, sub_off[w + 1] - sub_off[w])
    return best


@njit(cache=True, inline="always")
def _prefetch_subwords(W_in, sub_off, sub_ids, word):
    for q in range(sub_off[word], sub_off[word + 1]):
        prefetch_row(W_in, sub_ids[q])


def _ft_ns_epoch(W_in, W_out, tokens, offsets, blocks, keep, noise_thr, noise_alias, sub_off, sub_ids,
                 params, loss_out, count_out, cbow):
    """Negative sampling with subword inputs over ``blocks``.

    ``W_in`` has ``n_words + buckets`` rows; word ``w``'s subword rows are
    ``sub_ids[sub_off[w]:sub_off[w + 1]]``. ``loss_out[b]``/``count_out[b]`` receive block
    ``b``'s summed loss and number of predictions (one per context word in skip-gram, one per
    window in CBOW) over the windows whose loss was computed (``_kernels.word2vec.LOSS_EVERY``).
    A noise draw equal to its positive target is skipped.
    """
    if DIM > 0 and (W_in.shape[1] != DIM or W_out.shape[1] != DIM):
        raise ValueError("kernel compiled for another vector width")
    dim = W_in.shape[1]
    window = np.int64(params[P_WINDOW])
    neg = np.int64(params[P_NEGATIVE])
    seed = np.int64(params[P_SEED])
    epoch = np.int64(params[P_EPOCH])
    maxlen = np.int64(params[P_MAXLEN])
    most = max_subwords(sub_off)
    every = _loss_every(params)
    n_blocks = blocks.shape[0] - 1
    for b in prange(n_blocks):
        rng = np.empty(1, dtype=np.uint64)
        rng[0] = block_seed(seed, epoch, np.int64(params[P_BLOCK0]) + b)
        sent = np.empty(maxlen, dtype=np.int32)
        ctx = np.empty(2 * window, dtype=np.int32)
        rows = np.empty(2 * window * most, dtype=np.int32)
        targets = np.empty(2 * window * (neg + 1), dtype=np.int32)
        labels = np.empty(2 * window * (neg + 1), dtype=np.int32)
        h = np.empty(dim, dtype=np.float32)
        dh = np.empty(dim, dtype=np.float32)
        loss = 0.0
        count = 0
        windows = 0
        for s in range(blocks[b], blocks[b + 1]):
            a = offsets[s]
            alpha = _alpha(params, a)
            n = _subsample(tokens, a, offsets[s + 1], keep, rng, sent)
            if cbow:
                for j in range(min(n, window + 1)):
                    _prefetch_subwords(W_in, sub_off, sub_ids, sent[j])
            elif n > 0:
                _prefetch_subwords(W_in, sub_off, sub_ids, sent[0])
            for i in range(n):
                # rows a window ahead (see _kernels.memory): CBOW, the subword rows of the word
                # entering the next window and the next centre's output row; skip-gram, the
                # next centre's subword rows and the output row entering its window
                if cbow:
                    if i + window + 1 < n:
                        _prefetch_subwords(W_in, sub_off, sub_ids, sent[i + window + 1])
                    if i + 1 < n:
                        prefetch_row(W_out, sent[i + 1])
                else:
                    if i + 1 < n:
                        _prefetch_subwords(W_in, sub_off, sub_ids, sent[i + 1])
                    if i + window + 1 < n:
                        prefetch_row(W_out, sent[i + window + 1])
                m = _context(sent, n, i, window, rng, ctx)
                if m == 0:
                    continue
                center = sent[i]
                with_loss = windows % every == 0
                windows += 1
                r = 0
                t = 0
                if cbow:
                    for j in range(m):
                        for q in range(sub_off[ctx[j]], sub_off[ctx[j] + 1]):
                            rows[r] = sub_ids[q]
                            r += 1
                    targets[0] = center
                    labels[0] = 1
                    t = 1
                    for _ in range(neg):
                        w = draw_alias(rng, noise_thr, noise_alias)
                        targets[t] = w
                        labels[t] = -1 if w == center else 0
                        t += 1
                    if with_loss:
                        count += 1
                else:
                    for q in range(sub_off[center], sub_off[center + 1]):
                        rows[r] = sub_ids[q]
                        r += 1
                    for j in range(m):
                        pos = ctx[j]
                        targets[t] = pos
                        labels[t] = 1
                        t += 1
                        for _ in range(neg):
                            w = draw_alias(rng, noise_thr, noise_alias)
                            targets[t] = w
                            labels[t] = -1 if w == pos else 0
                            t += 1
                    if with_loss:
                        count += m
                loss += cbow_window(W_in, W_out, rows, r, targets, labels, t, alpha, h, dh, with_loss)
        loss_out[b] = loss
        count_out[b] = count


ft_ns_epoch, ft_ns_epoch_parallel = _variants(_ft_ns_epoch)


@functools.lru_cache(maxsize=None)
def _width_kernel(dim: int) -> tuple:
    """The epoch kernel compiled for vectors of ``dim`` (see ``_kernels.word2vec.DIM``)."""
    return _variants(_ft_ns_epoch, f"_d{dim}", width_namespace(globals(), dim))


def select(parallel: bool, dim: int | None = None):
    """The compiled fastText epoch kernel, threaded or not; for vectors of ``dim`` in
    ``SPECIALISED_DIMS``, the copy compiled for that width."""
    pair = _width_kernel(dim) if dim in SPECIALISED_DIMS else (ft_ns_epoch, ft_ns_epoch_parallel)
    return pair[1 if parallel else 0]


@njit(cache=True, fastmath=True)
def compose_rows(W_in, sub_off, sub_ids, out):
    """``out[w]`` = mean of word ``w``'s subword rows (fastText's word vector)."""
    dim = W_in.shape[1]
    for w in range(out.shape[0]):
        a = sub_off[w]
        e = sub_off[w + 1]
        for d in range(dim):
            out[w, d] = 0.0
        for q in range(a, e):
            row = W_in[sub_ids[q]]
            for d in range(dim):
                out[w, d] += row[d]
        inv = np.float32(1.0 / max(e - a, 1))
        for d in range(dim):
            out[w, d] *= inv
