"""The window updates every word2vec-family kernel shares: skip-gram's matrix of (context,
output) pairs, CBOW's mean predicting each output in turn, the full softmax, and the sigmoid and
loss they read from a table (skip-gram, where no loss is computed: a rational fit of the sigmoid).

Each function updates one window of rows in place and returns the window's summed loss; the
epoch loops around them are ``_kernels.epoch`` (one block loop) with the pieces of each loss in
``_kernels.word2vec`` and ``_kernels.fasttext``. ``DIM`` and ``STACK`` are read as compile-time
constants: ``_kernels.compile.width_namespace`` compiles copies of these functions for the usual
vector widths (docs/design.md, "Kernels").
"""

import math

import numpy as np
from numba import carray, njit

from .memory import stack_floats

#: The vector width these functions are compiled for; 0 = read it from the matrices. The copies
#: ``_kernels.compile.width_namespace`` makes for the usual widths have it as a constant: every
#: vector loop then has a known trip count and is unrolled into whole SIMD registers with no
#: remainder loop or trip-count checks (docs/design.md).
DIM = 0
#: Floats in a window's stack accumulator: the width rounded up to whole cache lines.
STACK = 16
#: CBOW windows of at most this many targets score them all before updating any.
AHEAD = 16

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


@njit(cache=True, inline="always")
def no_rows_apart(dim):
    """``sg_window``'s ``own, slot`` when no output row is held apart."""
    return np.empty((0, dim), dtype=np.float32), np.empty(0, dtype=np.int32)


#: ``sigmoid(x) = 0.5 + x P(x^2) / Q(x^2)`` on ``[-8, 8]``: a rational fit (weighted least
#: squares, Loeb's iteration) within 1.8e-7 of the true value in float32 arithmetic, finer than
#: the table; arithmetic alone, so a loop of it is vectorised (the table's lookups are not).
_SIG_P = (0.24999999366747824, 0.00790084763259913, 4.069228262890959e-05, 2.273248808230805e-08)
_SIG_Q = (0.1149366882809269, 0.001407507557597066, 2.828572709467383e-06)
_SIG_RANGE = 8.0


@njit(cache=True, inline="always", fastmath=True)
def sigmoid_rational(f):
    """``sigmoid(f)`` by the rational fit: ``f`` is clamped to ``[-8, 8]``, where the true
    value is within 3.4e-4 of 0 or 1 (the pairs beyond score an error below ``MIN_ERROR`` or
    near 1 either way)."""
    x = min(max(np.float32(f), np.float32(-_SIG_RANGE)), np.float32(_SIG_RANGE))
    z = x * x
    p = np.float32(_SIG_P[0]) + z * (np.float32(_SIG_P[1]) + z * (np.float32(_SIG_P[2]) + z * np.float32(_SIG_P[3])))
    q = np.float32(1.0) + z * (np.float32(_SIG_Q[0]) + z * (np.float32(_SIG_Q[1]) + z * np.float32(_SIG_Q[2])))
    return np.float32(0.5) + x * p / q


@njit(cache=True, fastmath=True)
def sg_window(W_in, W_out, ctx, m, targets, labels, t, alpha, inbuf, outbuf, grads, accbuf, with_loss, own, slot):
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

    ``own``/``slot``: output rows this thread holds a copy of (``own[slot[r]]`` stands for
    ``W_out[r]`` where ``slot[r] >= 0``; an empty ``slot``, as :func:`no_rows_apart` makes:
    none). Hierarchical softmax keeps the top of the tree so
    (``_kernels.word2vec.hs_block_state``): every window reads and writes those rows, and two
    threads writing the same rows of the shared matrix pass their cache lines back and forth.
    Without a loss to compute, the gradient pass takes the sigmoid from
    :func:`sigmoid_rational` and has no branch, so it is vectorised over the outputs.
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
    owned = slot.shape[0] > 0  # (the row choice is written out twice: an inline helper for it measured 25% slower)
    for k in range(t):
        h = slot[targets[k]] if owned else -1
        row = own[h] if h >= 0 else W_out[targets[k]]
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
    if with_loss:
        for j in range(m):
            for k in range(t):
                y = labels[k]
                if y < 0:
                    grads[j, k] = 0.0
                    continue
                sig, lo = sigmoid_and_loss(grads[j, k], y)
                loss += lo
                err = np.float32(y - sig)
                grads[j, k] = np.float32(0.0) if abs(err) < MIN_ERROR else err * a32
    else:  # branch-free arithmetic: vectorised over the outputs
        for j in range(m):
            for k in range(t):
                y = labels[k]
                err = np.float32(y) - sigmoid_rational(grads[j, k])
                skip = (y < 0) | (abs(err) < np.float32(MIN_ERROR))
                grads[j, k] = np.float32(0.0) if skip else err * a32
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
        h = slot[targets[k]] if owned else -1
        row = own[h] if h >= 0 else W_out[targets[k]]
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
