"""Word2vec epoch kernels: skip-gram and CBOW with negative sampling, hierarchical or full
softmax, each the one block loop of ``_kernels.epoch`` around its own block buffers and
sentence loop.

Skip-gram works a window at a time: the context rows and the output rows of the window (the
centre word and negatives drawn once per window, or the centre word's Huffman path) are staged
in small local buffers, every (context, output) pair is scored there, and the accumulated
updates are added back once (``_kernels.windows.sg_window``). CBOW: the mean of the context rows
predicts each output row in turn (``cbow_window``). Rows are prefetched a window ahead
(``_kernels.memory``).

``select(kind, parallel, dim)`` hands out the compiled kernels: ``kind`` is the loss ("ns",
"hs", "softmax"); every kernel takes ``(W_in, W_out, tokens, offsets, blocks, keep, tables,
params, loss_out, count_out, cbow)`` (see ``_kernels.epoch``) with ``tables`` ``(noise_thr,
noise_alias)`` for "ns", ``(codes, points, lengths, top, exchange)`` for "hs" (``top``: the
inner nodes each block of a threaded run holds a copy of, possibly none; ``exchange``: one
int64, the windows between two exchanges of that copy, :func:`hs_block_state`) and ``()`` for
"softmax".
"""

import numpy as np
from numba import njit

from . import epoch as _epoch_module
from .compile import SPECIALISED_DIMS, selector, twin, variants, width_namespace
from .epoch import P_NEGATIVE, P_WINDOW, context, epoch, prefetch_first_context, prefetch_next_context
from .memory import aligned_rows, prefetch_row
from .rng import draw_alias
from .windows import cbow_window, no_rows_apart, sg_window, softmax_window

__all__ = ["select", "EPOCH_KERNELS", "SPECIALISED_DIMS"]


# -- negative sampling -------------------------------------------------------------------------
@njit(cache=True, inline="always")
def ns_block_state(W_in, W_out, tables, params, rng):
    """Buffers of one block; the first window's noise words are drawn here, a window early (so
    that their rows can be prefetched while the window before them trains)."""
    noise_thr, noise_alias = tables
    dim = W_in.shape[1]
    window = np.int64(params[P_WINDOW])
    neg = np.int64(params[P_NEGATIVE])
    ctx = np.empty(2 * window, dtype=np.int32)
    targets = np.empty(neg + 1, dtype=np.int32)
    labels = np.empty(neg + 1, dtype=np.int32)
    next_noise = np.empty(neg + 1, dtype=np.int32)  # the next window's noise words
    inbuf = aligned_rows(2 * window, dim)
    outbuf = aligned_rows(neg + 1, dim)
    grads = np.empty((2 * window, neg + 1), dtype=np.float32)
    acc = aligned_rows(1, dim)[0]
    for k in range(1, neg + 1):
        next_noise[k] = draw_alias(rng, noise_thr, noise_alias)
    own, slot = no_rows_apart(dim)
    return ctx, targets, labels, next_noise, inbuf, outbuf, grads, acc, own, slot


@njit(cache=True, inline="always")
def ns_sentence(W_in, W_out, sent, n, s, window, alpha, every, windows, rng, tables, state, cbow):
    """Each position: the centre word and ``negative`` noise words (drawn a window ahead; a draw
    equal to the centre is skipped, as in word2vec.c), the context, the window update. Rows are
    prefetched a window ahead: the context word entering the next window, the next centre's
    output row, the next window's noise rows."""
    noise_thr, noise_alias = tables
    ctx, targets, labels, next_noise, inbuf, outbuf, grads, acc, own, slot = state
    t = targets.shape[0]
    loss = 0.0
    count = 0
    prefetch_first_context(W_in, sent, n, window)
    for i in range(n):
        prefetch_next_context(W_in, sent, n, i, window)
        if i + 1 < n:
            prefetch_row(W_out, sent[i + 1])
        center = sent[i]
        targets[0] = center
        labels[0] = 1
        for k in range(1, t):
            w = next_noise[k]
            targets[k] = w
            labels[k] = -1 if w == center else 0
            next_noise[k] = draw_alias(rng, noise_thr, noise_alias)
            prefetch_row(W_out, next_noise[k])
        m = context(sent, n, i, window, rng, ctx)
        if m == 0:
            continue
        with_loss = windows % every == 0
        windows += 1
        if cbow:
            loss += cbow_window(W_in, W_out, ctx, m, targets, labels, t, alpha, inbuf[0], acc, with_loss)
        else:
            loss += sg_window(W_in, W_out, ctx, m, targets, labels, t, alpha, inbuf, outbuf, grads, acc, with_loss,
                              own, slot)
        if with_loss:
            count += 1 if cbow else m
    return loss, count, windows


# -- hierarchical softmax ----------------------------------------------------------------------
@njit(cache=True, inline="always")
def hs_block_state(W_in, W_out, tables, params, rng):
    """The block's buffers, and its own copy of the tree's most used inner nodes (``tables[3]``,
    most visited first; empty: none): the block trains that copy and, every ``tables[4][0]``
    windows and when it ends, adds what it changed to the shared rows and takes theirs back
    (:func:`hs_exchange`), so two threads do not write the same rows at every window."""
    codes, hot = tables[0], tables[3]
    dim = W_in.shape[1]
    window = np.int64(params[P_WINDOW])
    depth = codes.shape[1]
    ctx = np.empty(2 * window, dtype=np.int32)
    targets = np.empty(depth, dtype=np.int32)
    labels = np.empty(depth, dtype=np.int32)
    inbuf = aligned_rows(2 * window, dim)
    outbuf = aligned_rows(depth, dim)
    grads = np.empty((2 * window, depth), dtype=np.float32)
    acc = aligned_rows(1, dim)[0]
    n_hot = hot.shape[0]
    slot = np.full(W_out.shape[0] if n_hot > 0 else 0, -1, dtype=np.int32)
    own = np.empty((n_hot, dim), dtype=np.float32)
    start = np.empty((n_hot, dim), dtype=np.float32)
    for h in range(n_hot):
        slot[hot[h]] = h
        row = W_out[hot[h]]
        for d in range(dim):
            own[h, d] = row[d]
            start[h, d] = row[d]
    # the block's window count at its last exchange, in last[0] (an array of `window` >= 1
    # elements: a literal size here fails Numba's lowering of the parallel loop around it)
    last = np.empty(window, dtype=np.int64)
    last[0] = 0
    return ctx, targets, labels, inbuf, outbuf, grads, acc, own, slot, start, last


@njit(cache=True, inline="always")
def hs_exchange(W_out, hot, own, start):
    """Add what the block changed in its copy of the nodes ``hot`` (``own`` against ``start``,
    the rows as it last took them) to the shared rows, and take those rows back into both: the
    copy then also holds what the other threads added meanwhile. Two threads exchanging the same
    row at the same moment may lose one addition (Hogwild's rule, as for every shared row); an
    exchange takes microseconds, once per ``tables[4][0]`` windows (1,024 by default: about a
    millisecond)."""
    for h in range(hot.shape[0]):
        row = W_out[hot[h]]
        for d in range(W_out.shape[1]):
            v = row[d] + (own[h, d] - start[h, d])
            row[d] = v
            own[h, d] = v
            start[h, d] = v


@njit(cache=True, inline="always")
def hs_block_end(W_in, W_out, tables, state):
    """The block's last exchange of its copy of the most used nodes."""
    hs_exchange(W_out, tables[3], state[7], state[9])


@njit(cache=True, inline="always")
def hs_sentence(W_in, W_out, sent, n, s, window, alpha, every, windows, rng, tables, state, cbow):
    """Each position: the context, then the inner nodes on the centre word's Huffman path, with
    label ``1 - code`` (word2vec.c's convention), and the window update. The context rows are
    prefetched a window ahead; the path rows are not (the top of the tree stays in cache, and
    prefetching the next path measured no gain)."""
    codes, points, lengths = tables[0], tables[1], tables[2]
    ctx, targets, labels, inbuf, outbuf, grads, acc, own, slot, start, last = state
    held = own.shape[0] > 0
    interval = tables[4][0]
    loss = 0.0
    count = 0
    prefetch_first_context(W_in, sent, n, window)
    for i in range(n):
        prefetch_next_context(W_in, sent, n, i, window)
        m = context(sent, n, i, window, rng, ctx)
        if m == 0:
            continue
        center = sent[i]
        t = lengths[center]
        for k in range(t):
            targets[k] = points[center, k]
            labels[k] = 1 - codes[center, k]
        with_loss = windows % every == 0
        windows += 1
        if cbow:
            loss += cbow_window(W_in, W_out, ctx, m, targets, labels, t, alpha, inbuf[0], acc, with_loss)
        else:
            if held and windows - last[0] >= interval:  # (inside the sentence: a line may hold 10,000 words)
                hs_exchange(W_out, tables[3], own, start)
                last[0] = windows
            loss += sg_window(W_in, W_out, ctx, m, targets, labels, t, alpha, inbuf, outbuf, grads, acc, with_loss,
                              own, slot)
        if with_loss:
            count += 1 if cbow else m
    return loss, count, windows


# -- full softmax (small vocabularies) ---------------------------------------------------------
@njit(cache=True, inline="always")
def softmax_block_state(W_in, W_out, tables, params, rng):
    dim = W_in.shape[1]
    ctx = np.empty(2 * np.int64(params[P_WINDOW]), dtype=np.int32)
    return ctx, np.empty(dim, dtype=np.float32), np.empty(dim, dtype=np.float32), np.empty(W_out.shape[0],
                                                                                            dtype=np.float32)


@njit(cache=True, inline="always")
def softmax_sentence(W_in, W_out, sent, n, s, window, alpha, every, windows, rng, tables, state, cbow):
    """Cost grows with the vocabulary; the loss of every window is computed (and counted)."""
    ctx, h, dh, scores = state
    loss = 0.0
    count = 0
    for i in range(n):
        m = context(sent, n, i, window, rng, ctx)
        if m == 0:
            continue
        windows += 1
        loss += softmax_window(W_in, W_out, ctx, m, sent[i], alpha, cbow, h, dh, scores)
        count += 1 if cbow else m
    return loss, count, windows


# -- the kernels -------------------------------------------------------------------------------
_PIECES = ("block_state", "sentence", "block_end")


def loss_namespace(kind: str, dim: int = 0) -> dict:
    """Globals for the block loop of ``kind``: the epoch module's and this module's, for vectors
    of ``dim`` (0: any; else the window updates compiled for that width), with the loss's four
    pieces under the names the loop calls."""
    namespace = {**vars(_epoch_module), **globals()}
    if dim:
        namespace = width_namespace(namespace, dim)
    for piece in _PIECES:
        if f"{kind}_{piece}" not in globals():  # (a loss with nothing to do at a block's end)
            continue
        fn = globals()[f"{kind}_{piece}"].py_func
        # each piece compiled with the namespace's window updates, under a name of its own
        namespace[piece] = njit(twin(fn, f"_w{dim}", namespace), cache=True, fastmath=True, inline="always")
    return namespace


#: The plain (uncompiled) block loop of each loss, for tests that run it as Python.
PLAIN = {kind: twin(epoch, f"_{kind}", loss_namespace(kind)) for kind in ("ns", "hs", "softmax")}
EPOCH_KERNELS = {kind: variants(epoch, f"_{kind}", loss_namespace(kind)) for kind in ("ns", "hs", "softmax")}


def _width_kernels(dim: int) -> dict:
    """The negative-sampling and hierarchical-softmax kernels compiled for vectors of ``dim``;
    compiled on first use, then cached on disk under their own names."""
    return {kind: variants(epoch, f"_{kind}_d{dim}", loss_namespace(kind, dim)) for kind in ("ns", "hs")}


select = selector(EPOCH_KERNELS, _width_kernels)
