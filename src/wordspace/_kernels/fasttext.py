"""fastText (subword) epoch kernel: skip-gram and CBOW with negative sampling, the one block
loop of ``_kernels.epoch`` around its own block buffers and sentence loop.

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

``tables`` is ``(noise_thr, noise_alias, sub_off, sub_ids, most)``: word ``w``'s subword rows
are ``sub_ids[sub_off[w]:sub_off[w + 1]]`` and ``most[0]`` is the largest number of them
(:func:`max_subwords`); ``W_in`` has ``n_words + buckets`` rows. A noise draw equal to its
positive target is skipped. Threads, blocks, random numbers and the learning-rate schedule are
the block loop's (``_kernels.epoch``).
"""

import numpy as np
from numba import njit

from . import epoch as _epoch_module
from .compile import SPECIALISED_DIMS, selector, twin, variants, width_namespace
from .epoch import P_NEGATIVE, P_WINDOW, context, epoch
from .memory import prefetch_row
from .rng import draw_alias
from .windows import cbow_window

__all__ = ["select", "compose_rows", "max_subwords", "SPECIALISED_DIMS"]


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


@njit(cache=True, inline="always")
def ft_block_state(W_in, W_out, tables, params, rng):
    most = tables[4][0]
    dim = W_in.shape[1]
    window = np.int64(params[P_WINDOW])
    neg = np.int64(params[P_NEGATIVE])
    ctx = np.empty(2 * window, dtype=np.int32)
    rows = np.empty(2 * window * most, dtype=np.int32)
    targets = np.empty(2 * window * (neg + 1), dtype=np.int32)
    labels = np.empty(2 * window * (neg + 1), dtype=np.int32)
    h = np.empty(dim, dtype=np.float32)
    dh = np.empty(dim, dtype=np.float32)
    return ctx, rows, targets, labels, h, dh


@njit(cache=True, inline="always")
def ft_sentence(W_in, W_out, sent, n, s, window, alpha, every, windows, rng, tables, state, cbow):
    """Each position: rows a window ahead (see _kernels.memory: CBOW, the subword rows of the
    word entering the next window and the next centre's output row; skip-gram, the next
    centre's subword rows and the output row entering its window), then the context, the
    window's input rows and targets (noise words drawn per positive target), and the update."""
    noise_thr, noise_alias, sub_off, sub_ids = tables[0], tables[1], tables[2], tables[3]
    ctx, rows, targets, labels, h, dh = state
    neg = np.int64(labels.shape[0] // ctx.shape[0]) - 1
    loss = 0.0
    count = 0
    if cbow:
        for j in range(min(n, window + 1)):
            _prefetch_subwords(W_in, sub_off, sub_ids, sent[j])
    elif n > 0:
        _prefetch_subwords(W_in, sub_off, sub_ids, sent[0])
    for i in range(n):
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
        m = context(sent, n, i, window, rng, ctx)
        if m == 0:
            continue
        center = sent[i]
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
        with_loss = windows % every == 0
        windows += 1
        loss += cbow_window(W_in, W_out, rows, r, targets, labels, t, alpha, h, dh, with_loss)
        if with_loss:
            count += 1 if cbow else m
    return loss, count, windows


_PIECES = ("block_state", "sentence")


def _namespace(dim: int = 0) -> dict:
    """Globals for the block loop (see ``_kernels.word2vec.loss_namespace``)."""
    namespace = {**vars(_epoch_module), **globals()}
    if dim:
        namespace = width_namespace(namespace, dim)
    for piece in _PIECES:
        fn = globals()[f"ft_{piece}"].py_func
        namespace[piece] = njit(twin(fn, f"_w{dim}", namespace), cache=True, fastmath=True, inline="always")
    return namespace


#: The plain (uncompiled) block loop, for tests that run it as Python.
PLAIN = {"ns": twin(epoch, "_ft", _namespace())}
EPOCH_KERNELS = {"ns": variants(epoch, "_ft", _namespace())}
select = selector(EPOCH_KERNELS, lambda dim: {"ns": variants(epoch, f"_ft_d{dim}", _namespace(dim))})


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
