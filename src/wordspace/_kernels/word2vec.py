"""Word2vec epoch kernels: skip-gram and CBOW with negative sampling, hierarchical or full softmax.

Design (see docs/design.md and ../shared/PERFORMANCE.md): the corpus is cut into blocks of
whole sentences; ``prange`` runs blocks in parallel (Hogwild: threads update the shared
matrices without locks, so ``workers > 1`` is seed-deterministic in its random choices but racy
in its updates; bit-identical runs need one thread). Skip-gram works a window at a time: the
context rows and the output rows of the window (the centre word and negatives drawn once per
window, or the centre word's Huffman path) are staged in small local buffers, every
(context, output) pair is scored there, and the accumulated updates are added back once.

All kernels take ``(W_in, W_out, tokens, offsets, blocks, tables..., params, rng/out arrays)``.
``params`` is a float64 array ``[alpha, min_alpha, words_before, total_words, window,
negative, seed, epoch, max_sentence_length, first_block]`` describing the linear learning-rate schedule:
``alpha_t = alpha - (alpha - min_alpha) * (words_before + t) / total_words`` where ``t`` is the
position of the sentence in the epoch's token stream. ``blocks`` holds sentence indices:
block ``b`` of a call is sentences ``blocks[b]:blocks[b + 1]`` and has the global number
``first_block + b``, which seeds its random generator.
"""

import functools
import math
import types

import numpy as np
from numba import carray, njit, prange

from .memory import aligned_rows, prefetch_row, stack_floats
from .rng import below, block_seed, draw_alias, next_u32

#: The vector width the kernels of this namespace are compiled for; 0 = read it from the matrices.
#: :func:`select` hands out copies compiled with the width as a constant for the usual widths
#: (``SPECIALISED_DIMS``): every vector loop then has a known trip count and is unrolled into
#: whole SIMD registers with no remainder loop or trip-count checks (docs/design.md).
DIM = 0
#: Floats in a window's stack accumulator: the width rounded up to whole cache lines.
STACK = 16
#: CBOW windows of at most this many targets score them all before updating any.
AHEAD = 16
SPECIALISED_DIMS = frozenset((50, 100, 128, 200, 256, 300))

P_ALPHA, P_MIN_ALPHA, P_BEFORE, P_TOTAL, P_WINDOW, P_NEGATIVE, P_SEED, P_EPOCH, P_MAXLEN, P_BLOCK0 = range(10)


#: Pairs whose error |label - sigmoid(score)| is below this get no update: the change would be
#: under a thousandth of the learning rate, and skipping it saves two of the three vector
#: operations of a pair (saturated tree nodes in hierarchical softmax, easy noise words).
MIN_ERROR = 1e-3

_T_RANGE = 10.0
_T_SIZE = 4096
_T_SCALE = _T_SIZE / (2 * _T_RANGE)
_T_X = np.linspace(-_T_RANGE, _T_RANGE, _T_SIZE + 1)
#: sigmoid(x) and softplus(-x) = -log(sigmoid(x)) on a grid; linear interpolation between grid
#: points is accurate to about 1e-6, far finer than word2vec.c's 1000-entry table.
SIGMOID_TABLE = (1.0 / (1.0 + np.exp(-_T_X))).astype(np.float32)
NEG_LOGSIG_TABLE = np.log1p(np.exp(-_T_X)).astype(np.float32)


@njit(cache=True, inline="always")
def sigmoid_and_loss(f, y):
    """``(sigmoid(f), loss)`` where loss is ``-log sigmoid(f)`` for ``y == 1`` and
    ``-log(1 - sigmoid(f))`` for ``y == 0``; table lookups inside ``[-10, 10]``."""
    if f >= _T_RANGE:
        e = math.exp(-f)
        s = 1.0 - e
        l1 = e
    elif f <= -_T_RANGE:
        s = math.exp(f)
        if y == 0:
            return s, s  # log(1 + e^f) ~ e^f; l1 + f would cancel to 0
        l1 = -f + s
    else:
        p = (f + _T_RANGE) * _T_SCALE
        i = int(p)
        frac = p - i
        s = SIGMOID_TABLE[i] + frac * (SIGMOID_TABLE[i + 1] - SIGMOID_TABLE[i])
        l1 = NEG_LOGSIG_TABLE[i] + frac * (NEG_LOGSIG_TABLE[i + 1] - NEG_LOGSIG_TABLE[i])
    if y == 1:
        return s, l1
    return s, l1 + f


_T_LAST = np.float32(_T_RANGE - 1.0 / _T_SCALE)


@njit(cache=True, inline="always", fastmath=True)
def sigmoid(f):
    """``sigmoid(f)`` from the table, with no branch: ``f`` is clamped to the table's range.
    Beyond it the true value is within 5e-5 of 0 or 1, so the error of every pair there is
    below ``MIN_ERROR`` either way and it is skipped, as with :func:`sigmoid_and_loss`."""
    x = min(max(np.float32(f), np.float32(-_T_RANGE)), _T_LAST)
    p = (x + np.float32(_T_RANGE)) * np.float32(_T_SCALE)
    i = int(p)
    frac = p - np.float32(i)
    lo = SIGMOID_TABLE[i]
    return lo + frac * (SIGMOID_TABLE[i + 1] - lo)


#: While training, the online loss is computed on one window in this many (per block, so the
#: same windows for any thread count); its table lookups cost a tenth of a skip-gram window.
#: With a zero learning rate (the per-epoch loss on a fixed sample) every window counts.
LOSS_EVERY = 8


@njit(cache=True, inline="always")
def _loss_every(params):
    return 1 if params[P_ALPHA] == 0.0 else LOSS_EVERY


@njit(cache=True, fastmath=True)
def sg_window(W_in, W_out, ctx, m, targets, labels, t, alpha, inbuf, outbuf, grads, accbuf, with_loss):
    """One skip-gram window: every context row against every output row, updates added once.

    For context rows :math:`u_j` and output rows :math:`v_k` with labels :math:`y_k`
    (1 = the true word, 0 = noise, -1 = skip), :math:`g_{jk} = \\alpha (y_k - \\sigma(u_j
    \\cdot v_k))`, then :math:`u_j \\mathrel{+}= \\sum_k g_{jk} v_k` and
    :math:`v_k \\mathrel{+}= \\sum_j g_{jk} u_j`, all computed from the rows as they were at
    the start of the window; pairs with :math:`|y_k - \\sigma| <` ``MIN_ERROR`` get
    :math:`g_{jk} = 0`. Returns the summed loss :math:`-\\log \\sigma(\\pm u \\cdot v)` when
    ``with_loss``, else 0.

    Three passes, each a small matrix product: the scores :math:`u_j \\cdot v_k` into
    ``grads``, then the gradients in place, then each row's sum of updates accumulated in a
    stack buffer (``stack_floats``: LLVM keeps it in registers, see docs/design.md) and added to
    the matrix once. Shapes: ``ctx`` (>= m,), ``targets``/``labels`` (>= t,), ``inbuf``/``outbuf``
    (>= m or t, >= dim; the kernels' rows start on cache lines, ``aligned_rows``), ``grads``
    (>= m, >= t), ``accbuf`` (>= dim; the accumulator when the width is not a constant).
    """
    dim = DIM if DIM > 0 else W_in.shape[1]
    if DIM > 0:
        acc = carray(stack_floats(STACK), (STACK,))
    else:
        acc = accbuf
    for j in range(m):
        row = W_in[ctx[j]]
        for d in range(dim):
            inbuf[j, d] = row[d]
    for k in range(t):
        row = W_out[targets[k]]
        for d in range(dim):
            outbuf[k, d] = row[d]
    for j in range(m):
        for k in range(t):
            f = np.float32(0.0)
            for d in range(dim):
                f += inbuf[j, d] * outbuf[k, d]
            grads[j, k] = f
    loss = 0.0
    a32 = np.float32(alpha)
    for j in range(m):
        for k in range(t):
            y = labels[k]
            if y < 0:
                grads[j, k] = 0.0
                continue
            f = grads[j, k]
            if with_loss:
                sig, lo = sigmoid_and_loss(f, y)
                loss += lo
            else:
                sig = sigmoid(f)
            err = np.float32(y - sig)
            grads[j, k] = np.float32(0.0) if abs(err) < MIN_ERROR else err * a32
    for j in range(m):
        for d in range(dim):
            acc[d] = 0.0
        for k in range(t):
            g = grads[j, k]
            for d in range(dim):
                acc[d] += g * outbuf[k, d]
        row = W_in[ctx[j]]
        for d in range(dim):
            row[d] += acc[d]
    for k in range(t):
        if labels[k] < 0:
            continue
        for d in range(dim):
            acc[d] = 0.0
        for j in range(m):
            g = grads[j, k]
            for d in range(dim):
                acc[d] += g * inbuf[j, d]
        row = W_out[targets[k]]
        for d in range(dim):
            row[d] += acc[d]
    return loss


@njit(cache=True, fastmath=True)
def cbow_window(W_in, W_out, ctx, m, targets, labels, t, alpha, h, dhbuf, with_loss):
    """One CBOW window: the mean of the context rows predicts each output row in turn.

    :math:`h = \\frac{1}{m}\\sum_j u_j`; for each output row :math:`v_k`,
    :math:`g_k = \\alpha (y_k - \\sigma(h \\cdot v_k))`, :math:`\\delta \\mathrel{+}= g_k v_k`,
    :math:`v_k \\mathrel{+}= g_k h` (updated in turn, as word2vec.c does); finally every
    context row gets the whole error, :math:`u_j \\mathrel{+}= \\delta`. That is word2vec.c's
    and gensim's rule (not the exact gradient of the mean, :math:`\\delta / m`, which trains
    visibly worse: see docs/design.md). Returns the summed loss when ``with_loss``, else 0.
    ``h``/``dhbuf``: buffers of >= dim (used when the width is not a constant; otherwise both
    live on the stack, in registers).
    """
    dim = DIM if DIM > 0 else W_in.shape[1]
    if DIM > 0:  # the mean and the summed error in registers (see sg_window)
        h = carray(stack_floats(STACK), (STACK,))
        dh = carray(stack_floats(STACK), (STACK,))
    else:
        dh = dhbuf
    for d in range(dim):
        h[d] = 0.0
        dh[d] = 0.0
    for j in range(m):
        row = W_in[ctx[j]]
        for d in range(dim):
            h[d] += row[d]
    inv = np.float32(1.0 / m)
    for d in range(dim):
        h[d] *= inv
    # Up to AHEAD scores computed before any update (independent dot products); a target whose
    # row an earlier target of the window shares is scored again after that row's update, so
    # the rule "in turn" holds exactly.
    ahead = t if t <= AHEAD else 0
    scores = carray(stack_floats(AHEAD), (AHEAD,))
    for k in range(ahead):
        row = W_out[targets[k]]
        f = np.float32(0.0)
        for d in range(dim):
            f += h[d] * row[d]
        scores[k] = f
    loss = 0.0
    for k in range(t):
        y = labels[k]
        if y < 0:
            continue
        row = W_out[targets[k]]
        fresh = k < ahead
        for q in range(k if fresh else 0):
            if targets[q] == targets[k]:
                fresh = False
        if fresh:
            f = scores[k]
        else:
            f = np.float32(0.0)
            for d in range(dim):
                f += h[d] * row[d]
        if with_loss:
            sig, lo = sigmoid_and_loss(f, y)
            loss += lo
        else:
            sig = sigmoid(f)
        err = y - sig
        if abs(err) < MIN_ERROR:
            continue
        g = np.float32(err * alpha)
        for d in range(dim):
            dh[d] += g * row[d]
            row[d] += g * h[d]
    for j in range(m):
        row = W_in[ctx[j]]
        for d in range(dim):
            row[d] += dh[d]
    return loss


@njit(cache=True, fastmath=True)
def softmax_window(W_in, W_out, ctx, m, center, alpha, mean_ctx, h, dh, scores):
    """Full softmax over the whole vocabulary for one window (small vocabularies only).

    Skip-gram (``mean_ctx`` false): each context row :math:`u_j` predicts the centre word in
    turn; CBOW: the mean of the context rows does, once. With :math:`p = \\mathrm{softmax}(W_{out}
    h)`, :math:`g_v = \\alpha ([v = c] - p_v)`, :math:`h \\mathrel{+}= \\sum_v g_v w_v`,
    :math:`w_v \\mathrel{+}= g_v h`. Returns :math:`-\\sum \\log p_c`.
    """
    dim = W_in.shape[1]
    v_size = W_out.shape[0]
    n_pred = 1 if mean_ctx else m
    loss = 0.0
    for p in range(n_pred):
        for d in range(dim):
            h[d] = 0.0
            dh[d] = 0.0
        if mean_ctx:
            for j in range(m):
                row = W_in[ctx[j]]
                for d in range(dim):
                    h[d] += row[d]
            for d in range(dim):
                h[d] /= m
        else:
            row = W_in[ctx[p]]
            for d in range(dim):
                h[d] = row[d]
        top = -np.inf
        for v in range(v_size):
            f = np.float32(0.0)
            row = W_out[v]
            for d in range(dim):
                f += h[d] * row[d]
            scores[v] = f
            if f > top:
                top = f
        z = 0.0
        for v in range(v_size):
            z += math.exp(scores[v] - top)
        loss += math.log(z) + top - scores[center]
        for v in range(v_size):
            prob = math.exp(scores[v] - top) / z
            g = np.float32(((1.0 if v == center else 0.0) - prob) * alpha)
            row = W_out[v]
            for d in range(dim):
                dh[d] += g * row[d]
                row[d] += g * h[d]
        if mean_ctx:  # the whole error to each context row, as in cbow_window
            for j in range(m):
                row = W_in[ctx[j]]
                for d in range(dim):
                    row[d] += dh[d]
        else:
            row = W_in[ctx[p]]
            for d in range(dim):
                row[d] += dh[d]
    return loss


@njit(cache=True, inline="always")
def _subsample(tokens, a, b, keep, rng, sent):
    """Copy the words of ``tokens[a:b]`` that survive subsampling into ``sent``; return count."""
    n = 0
    for i in range(a, b):
        w = tokens[i]
        if next_u32(rng) < keep[w]:
            sent[n] = w
            n += 1
    return n


@njit(cache=True, inline="always")
def _context(sent, n, i, window, rng, ctx):
    """Fill ``ctx`` with the words around position ``i`` in a window of random size 1..window."""
    reduced = window - below(rng, window)
    m = 0
    lo = max(0, i - reduced)
    hi = min(n, i + reduced + 1)
    for j in range(lo, hi):
        if j != i:
            ctx[m] = sent[j]
            m += 1
    return m


@njit(cache=True, inline="always")
def _alpha(params, position):
    a0 = params[P_ALPHA]
    a1 = params[P_MIN_ALPHA]
    frac = (params[P_BEFORE] + position) / params[P_TOTAL]
    alpha = a0 - (a0 - a1) * frac
    return max(alpha, a1)


@njit(cache=True, inline="always")
def _prefetch_first_context(W_in, sent, n, window):
    """The input rows of a sentence's first window."""
    for j in range(min(n, window + 1)):
        prefetch_row(W_in, sent[j])


@njit(cache=True, inline="always")
def _prefetch_next_context(W_in, sent, n, i, window):
    """The input row that enters the window after position ``i``'s."""
    if i + window + 1 < n:
        prefetch_row(W_in, sent[i + window + 1])


def _ns_epoch(W_in, W_out, tokens, offsets, blocks, keep, noise_thr, noise_alias, params, loss_out, count_out, cbow):
    """Negative sampling over ``blocks``: one output row for the centre word plus
    ``negative`` noise words, drawn once per window (a noise draw equal to the centre word is
    skipped, as in word2vec.c). ``loss_out[b]``/``count_out[b]`` receive block ``b``'s summed
    loss and number of predictions (one per context word in skip-gram, one per window in CBOW)
    over the windows whose loss was computed (one in ``LOSS_EVERY`` while training).

    Rows are prefetched a window ahead (``_kernels.memory``): the context word that enters the
    next window, the next centre word's output row, and the noise words, which are drawn one
    window before they are used for that reason."""
    if DIM > 0 and (W_in.shape[1] != DIM or W_out.shape[1] != DIM):  # (DIM is read here, not in a helper)
        raise ValueError("kernel compiled for another vector width")
    dim = W_in.shape[1]
    window = np.int64(params[P_WINDOW])
    neg = np.int64(params[P_NEGATIVE])
    seed = np.int64(params[P_SEED])
    epoch = np.int64(params[P_EPOCH])
    maxlen = np.int64(params[P_MAXLEN])
    every = _loss_every(params)
    n_blocks = blocks.shape[0] - 1
    for b in prange(n_blocks):
        rng = np.empty(1, dtype=np.uint64)
        rng[0] = block_seed(seed, epoch, np.int64(params[P_BLOCK0]) + b)
        sent = np.empty(maxlen, dtype=np.int32)
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
        loss = 0.0
        count = 0
        windows = 0
        for s in range(blocks[b], blocks[b + 1]):
            a = offsets[s]
            alpha = _alpha(params, a)
            n = _subsample(tokens, a, offsets[s + 1], keep, rng, sent)
            _prefetch_first_context(W_in, sent, n, window)
            for i in range(n):
                _prefetch_next_context(W_in, sent, n, i, window)
                if i + 1 < n:
                    prefetch_row(W_out, sent[i + 1])
                center = sent[i]
                targets[0] = center
                labels[0] = 1
                for k in range(1, neg + 1):
                    w = next_noise[k]
                    targets[k] = w
                    labels[k] = -1 if w == center else 0
                    next_noise[k] = draw_alias(rng, noise_thr, noise_alias)
                    prefetch_row(W_out, next_noise[k])
                m = _context(sent, n, i, window, rng, ctx)
                if m == 0:
                    continue
                with_loss = windows % every == 0
                windows += 1
                if cbow:
                    loss += cbow_window(W_in, W_out, ctx, m, targets, labels, neg + 1, alpha, inbuf[0], acc, with_loss)
                else:
                    loss += sg_window(W_in, W_out, ctx, m, targets, labels, neg + 1, alpha, inbuf, outbuf, grads, acc,
                                      with_loss)
                if with_loss:
                    count += 1 if cbow else m
        loss_out[b] = loss
        count_out[b] = count


def _hs_epoch(W_in, W_out, tokens, offsets, blocks, keep, codes, points, lengths, params, loss_out, count_out, cbow):
    """Hierarchical softmax over ``blocks``: the output rows of a window are the inner nodes
    on the centre word's Huffman path, with label ``1 - code`` (word2vec.c's convention). The
    context rows are prefetched a window ahead; the path rows are not (the top of the tree stays
    in cache, and prefetching the next path measured no gain)."""
    if DIM > 0 and (W_in.shape[1] != DIM or W_out.shape[1] != DIM):  # (DIM is read here, not in a helper)
        raise ValueError("kernel compiled for another vector width")
    dim = W_in.shape[1]
    window = np.int64(params[P_WINDOW])
    seed = np.int64(params[P_SEED])
    epoch = np.int64(params[P_EPOCH])
    maxlen = np.int64(params[P_MAXLEN])
    every = _loss_every(params)
    depth = codes.shape[1]
    n_blocks = blocks.shape[0] - 1
    for b in prange(n_blocks):
        rng = np.empty(1, dtype=np.uint64)
        rng[0] = block_seed(seed, epoch, np.int64(params[P_BLOCK0]) + b)
        sent = np.empty(maxlen, dtype=np.int32)
        ctx = np.empty(2 * window, dtype=np.int32)
        targets = np.empty(depth, dtype=np.int32)
        labels = np.empty(depth, dtype=np.int32)
        inbuf = aligned_rows(2 * window, dim)
        outbuf = aligned_rows(depth, dim)
        grads = np.empty((2 * window, depth), dtype=np.float32)
        acc = aligned_rows(1, dim)[0]
        loss = 0.0
        count = 0
        windows = 0
        for s in range(blocks[b], blocks[b + 1]):
            a = offsets[s]
            alpha = _alpha(params, a)
            n = _subsample(tokens, a, offsets[s + 1], keep, rng, sent)
            _prefetch_first_context(W_in, sent, n, window)
            for i in range(n):
                _prefetch_next_context(W_in, sent, n, i, window)
                m = _context(sent, n, i, window, rng, ctx)
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
                    loss += sg_window(W_in, W_out, ctx, m, targets, labels, t, alpha, inbuf, outbuf, grads, acc,
                                      with_loss)
                if with_loss:
                    count += 1 if cbow else m
        loss_out[b] = loss
        count_out[b] = count


def _softmax_epoch(W_in, W_out, tokens, offsets, blocks, keep, params, loss_out, count_out, cbow):
    """Full softmax over ``blocks`` (cost grows with the vocabulary: small vocabularies only)."""
    dim = W_in.shape[1]
    window = np.int64(params[P_WINDOW])
    seed = np.int64(params[P_SEED])
    epoch = np.int64(params[P_EPOCH])
    maxlen = np.int64(params[P_MAXLEN])
    n_blocks = blocks.shape[0] - 1
    for b in prange(n_blocks):
        rng = np.empty(1, dtype=np.uint64)
        rng[0] = block_seed(seed, epoch, np.int64(params[P_BLOCK0]) + b)
        sent = np.empty(maxlen, dtype=np.int32)
        ctx = np.empty(2 * window, dtype=np.int32)
        h = np.empty(dim, dtype=np.float32)
        dh = np.empty(dim, dtype=np.float32)
        scores = np.empty(W_out.shape[0], dtype=np.float32)
        loss = 0.0
        count = 0
        for s in range(blocks[b], blocks[b + 1]):
            a = offsets[s]
            alpha = _alpha(params, a)
            n = _subsample(tokens, a, offsets[s + 1], keep, rng, sent)
            for i in range(n):
                m = _context(sent, n, i, window, rng, ctx)
                if m == 0:
                    continue
                loss += softmax_window(W_in, W_out, ctx, m, sent[i], alpha, cbow, h, dh, scores)
                count += 1 if cbow else m
        loss_out[b] = loss
        count_out[b] = count


def _twin(fn, suffix, namespace=None):
    """A copy of ``fn`` under another qualified name (and, given ``namespace``, with those
    globals). Numba's on-disk cache is keyed by the qualified name, not by compile flags or
    globals: compiling one function object both serially and in parallel with ``cache=True``
    lets either variant load the other's machine code (seen here: the "serial" kernel ran blocks
    on two threads and lost bit-reproducibility), so every variant gets its own name."""
    glb = fn.__globals__ if namespace is None else namespace
    twin = types.FunctionType(fn.__code__, glb, fn.__name__ + suffix, fn.__defaults__, fn.__closure__)
    twin.__qualname__ = fn.__qualname__ + suffix
    twin.__doc__ = fn.__doc__
    return twin


def _variants(fn, suffix="", namespace=None):
    """``fn`` compiled serially and with ``prange`` in parallel (see docs/design.md)."""
    return (njit(_twin(fn, suffix + "_serial", namespace), cache=True, fastmath=True),
            njit(_twin(fn, suffix + "_parallel", namespace), cache=True, fastmath=True, parallel=True))


EPOCH_KERNELS = {
    "ns": _variants(_ns_epoch),
    "hs": _variants(_hs_epoch),
    "softmax": _variants(_softmax_epoch),
}
ns_epoch, ns_epoch_parallel = EPOCH_KERNELS["ns"]
hs_epoch, hs_epoch_parallel = EPOCH_KERNELS["hs"]
softmax_epoch, softmax_epoch_parallel = EPOCH_KERNELS["softmax"]


@functools.lru_cache(maxsize=None)
def _width_windows(dim: int) -> dict:
    """This module's globals with ``DIM`` set to ``dim`` (Numba reads a global as a compile-time
    constant) and the window updates compiled for it, under names of their own."""
    namespace = dict(globals())
    namespace["DIM"] = dim
    namespace["STACK"] = -(-dim // 16) * 16
    for name in ("sg_window", "cbow_window"):
        namespace[name] = njit(_twin(globals()[name].py_func, f"_d{dim}", namespace), cache=True, fastmath=True)
    return namespace


def width_namespace(module_globals: dict, dim: int) -> dict:
    """A copy of ``module_globals`` (a kernel module's) in which ``DIM`` is ``dim`` and the
    window updates are the copies compiled for that width: epoch functions twinned into it
    (:func:`_variants`) are compiled for vectors of ``dim``."""
    windows = _width_windows(dim)
    namespace = dict(module_globals)
    namespace.update(DIM=dim, STACK=windows["STACK"], sg_window=windows["sg_window"],
                     cbow_window=windows["cbow_window"])
    return namespace


@functools.lru_cache(maxsize=None)
def _width_kernels(dim: int) -> dict:
    """The negative-sampling and hierarchical-softmax kernels compiled for vectors of ``dim``;
    compiled on first use, then cached on disk under their own names."""
    namespace = _width_windows(dim)
    return {"ns": _variants(_ns_epoch, f"_d{dim}", namespace), "hs": _variants(_hs_epoch, f"_d{dim}", namespace)}


def select(loss: str, parallel: bool, dim: int | None = None):
    """The compiled epoch kernel for ``loss``, threaded or not; for vectors of ``dim`` in
    ``SPECIALISED_DIMS``, the copy compiled for that width."""
    if dim in SPECIALISED_DIMS and loss in ("ns", "hs"):
        return _width_kernels(dim)[loss][1 if parallel else 0]
    return EPOCH_KERNELS[loss][1 if parallel else 0]
