"""Supervised text classification the fastText way: a document is the mean of its word (and
hashed word n-gram) rows, scored against one output row per label (softmax, one-vs-all) or per
inner node of a Huffman tree over the labels (hierarchical softmax). Hogwild over documents.

Documents are CSR arrays: ``ids[off[d]:off[d + 1]]`` are document ``d``'s input rows and
``labels[loff[d]:loff[d + 1]]`` its labels.
"""

import math

import numpy as np
from numba import njit, prange

from .rng import below, block_seed

SOFTMAX, OVA, HS = 0, 1, 2
MULT = np.uint64(116049371)


@njit(cache=True)
def add_ngrams(off, ids, n, n_words, buckets, out_off, out_ids):
    """Append to each document the rows of its word n-grams (2..``n`` consecutive word ids,
    hashed into ``buckets`` rows after the ``n_words`` word rows); returns the ids written."""
    o = 0
    for d in range(off.shape[0] - 1):
        out_off[d] = o
        s, e = off[d], off[d + 1]
        for i in range(s, e):
            out_ids[o] = ids[i]
            o += 1
        for i in range(s, e):
            h = np.uint64(ids[i])
            for j in range(i + 1, min(e, i + n)):
                h = h * MULT + np.uint64(ids[j])
                out_ids[o] = n_words + np.int64(h % np.uint64(buckets))
                o += 1
    out_off[off.shape[0] - 1] = o
    return o


@njit(cache=True, inline="always")
def _dot(a, b):
    acc = 0.0
    for k in range(a.shape[0]):
        acc += a[k] * b[k]
    return acc


@njit(cache=True, inline="always")
def _sigmoid(x):
    if x > 30.0:
        return 1.0
    if x < -30.0:
        return 0.0
    return 1.0 / (1.0 + math.exp(-x))


@njit(cache=True, parallel=True, fastmath=True)
def train_epoch(w_in, w_out, off, ids, loff, labels, order, first, total, lr0, kind, codes, points, lengths,
                seed, epoch, loss_out):
    """One pass over the documents ``order`` (chunks of ``order.shape[1]`` documents run on
    threads); the learning rate falls linearly from ``lr0`` to 0 over ``total`` documents, of
    which ``first`` came before this pass. ``loss_out[c]`` gets chunk ``c``'s summed loss."""
    dim = w_in.shape[1]
    n_labels = w_out.shape[0]
    for c in prange(order.shape[0]):
        rng = np.empty(1, dtype=np.uint64)
        rng[0] = block_seed(seed, epoch, c)
        hidden = np.empty(dim, dtype=np.float32)
        grad = np.empty(dim, dtype=np.float32)
        scores = np.empty(n_labels, dtype=np.float64)
        loss = 0.0
        for t in range(order.shape[1]):
            d = order[c, t]
            if d < 0:
                continue
            s, e = off[d], off[d + 1]
            ls, le = loff[d], loff[d + 1]
            if e == s or le == ls:
                continue
            lr = lr0 * max(0.0, 1.0 - (first + c * order.shape[1] + t) / total)
            for k in range(dim):
                hidden[k] = 0.0
                grad[k] = 0.0
            for i in range(s, e):
                row = w_in[ids[i]]
                for k in range(dim):
                    hidden[k] += row[k]
            inv = np.float32(1.0 / (e - s))
            for k in range(dim):
                hidden[k] *= inv
            if kind == OVA:
                for j in range(n_labels):
                    y = 0.0
                    for q in range(ls, le):
                        if labels[q] == j:
                            y = 1.0
                    out = w_out[j]
                    dot = _dot(hidden, out)
                    p = _sigmoid(dot)
                    loss -= math.log(max(p if y > 0 else 1.0 - p, 1e-10))
                    g = np.float32(lr * (y - p))
                    for k in range(dim):
                        grad[k] += g * out[k]
                        out[k] += g * hidden[k]
            else:
                target = labels[ls + below(rng, le - ls)] if le - ls > 1 else labels[ls]
                if kind == SOFTMAX:
                    mx = -1e300
                    for j in range(n_labels):
                        out = w_out[j]
                        dot = _dot(hidden, out)
                        scores[j] = dot
                        mx = max(mx, dot)
                    z = 0.0
                    for j in range(n_labels):
                        scores[j] = math.exp(scores[j] - mx)
                        z += scores[j]
                    loss -= math.log(max(scores[target] / z, 1e-10))
                    for j in range(n_labels):
                        g = np.float32(lr * ((1.0 if j == target else 0.0) - scores[j] / z))
                        out = w_out[j]
                        for k in range(dim):
                            grad[k] += g * out[k]
                            out[k] += g * hidden[k]
                else:  # hierarchical softmax: the target's path in the Huffman tree
                    for q in range(lengths[target]):
                        out = w_out[points[target, q]]
                        dot = _dot(hidden, out)
                        p = _sigmoid(dot)
                        y = 1.0 - codes[target, q]
                        loss -= math.log(max(p if y > 0 else 1.0 - p, 1e-10))
                        g = np.float32(lr * (y - p))
                        for k in range(dim):
                            grad[k] += g * out[k]
                            out[k] += g * hidden[k]
            for k in range(dim):
                grad[k] *= inv
            for i in range(s, e):
                row = w_in[ids[i]]
                for k in range(dim):
                    row[k] += grad[k]
        loss_out[c] = loss


@njit(cache=True, parallel=True, fastmath=True)
def label_scores(w_in, w_out, off, ids, kind, codes, points, lengths, n_labels, out):
    """``out[d, j]``: the probability of label ``j`` for document ``d`` (softmax; independent
    sigmoids for one-vs-all; path products for hierarchical softmax). Empty documents get 0."""
    dim = w_in.shape[1]
    for d in prange(off.shape[0] - 1):
        s, e = off[d], off[d + 1]
        for j in range(n_labels):
            out[d, j] = 0.0
        if e == s:
            continue
        hidden = np.zeros(dim, dtype=np.float64)
        for i in range(s, e):
            row = w_in[ids[i]]
            for k in range(dim):
                hidden[k] += row[k]
        for k in range(dim):
            hidden[k] /= e - s
        if kind == HS:
            for j in range(n_labels):
                p = 1.0
                for q in range(lengths[j]):
                    node = w_out[points[j, q]]
                    dot = _dot(hidden, node)
                    sg = _sigmoid(dot)
                    p *= sg if codes[j, q] == 0 else 1.0 - sg
                out[d, j] = p
            continue
        mx = -1e300
        for j in range(n_labels):
            node = w_out[j]
            dot = _dot(hidden, node)
            out[d, j] = dot
            mx = max(mx, dot)
        if kind == OVA:
            for j in range(n_labels):
                out[d, j] = _sigmoid(out[d, j])
        else:
            z = 0.0
            for j in range(n_labels):
                out[d, j] = math.exp(out[d, j] - mx)
                z += out[d, j]
            for j in range(n_labels):
                out[d, j] /= z
