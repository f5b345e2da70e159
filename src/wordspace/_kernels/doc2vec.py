"""Paragraph vectors (Le and Mikolov 2014): the block loop of ``_kernels.epoch`` around a
sentence loop that trains document rows with word2vec's own window updates
(``_kernels.windows``), and the inference of new documents.

The input matrix holds the word rows, then one row per document: the document of sentence
``s`` is row ``doc_rows[s]`` (a document longer than the sentence limit is several sentences
with one row). ``cbow`` selects the architecture:

- **PV-DBOW** (``cbow`` false): at each position the document row alone predicts the word (a
  skip-gram window whose one context row is the document: ``sg_window`` with ``m = 1``); with
  ``dbow_words`` the words are also trained by skip-gram around each position, on the same
  targets (gensim's ``dbow_words=1``).
- **PV-DM** (``cbow`` true): the mean of the context rows and the document row predicts the
  word (``cbow_window`` with the document row appended to the context), and every one of those
  rows receives the whole error, as in CBOW.

``tables``: ``(noise_thr, noise_alias, doc_rows, flags)`` for negative sampling and
``(codes, points, lengths, doc_rows, flags)`` for hierarchical softmax, with ``flags[0]`` =
``dbow_words``. :func:`infer` trains the rows of new documents against the frozen model.
"""

import numpy as np
from numba import njit, prange

from . import epoch as _epoch_module
from .compile import SPECIALISED_DIMS, selector, twin, variants, width_namespace
from .epoch import P_NEGATIVE, P_WINDOW, context, epoch, subsample
from .memory import aligned_rows
from .rng import block_seed, draw_alias
from .windows import MIN_ERROR, cbow_window, no_rows_apart, sg_window, sigmoid

__all__ = ["select", "EPOCH_KERNELS", "PLAIN", "infer", "SPECIALISED_DIMS"]


# -- the targets of a position, per loss -------------------------------------------------------
@njit(cache=True, inline="always")
def ns_outputs(tables, params):
    """Output rows of one prediction: the word and ``negative`` noise words."""
    return np.int64(params[P_NEGATIVE]) + 1


@njit(cache=True, inline="always")
def ns_targets(center, rng, tables, targets, labels):
    noise_thr, noise_alias = tables[0], tables[1]
    targets[0] = center
    labels[0] = 1
    for k in range(1, targets.shape[0]):
        w = draw_alias(rng, noise_thr, noise_alias)
        targets[k] = w
        labels[k] = -1 if w == center else 0  # a draw equal to the word is skipped (word2vec.c)
    return targets.shape[0]


@njit(cache=True, inline="always")
def ns_docs(tables):
    return tables[2], tables[3]


@njit(cache=True, inline="always")
def hs_outputs(tables, params):
    """Output rows of one prediction: the deepest Huffman path."""
    return np.int64(tables[0].shape[1])


@njit(cache=True, inline="always")
def hs_targets(center, rng, tables, targets, labels):
    codes, points, lengths = tables[0], tables[1], tables[2]
    t = lengths[center]
    for k in range(t):
        targets[k] = points[center, k]
        labels[k] = 1 - codes[center, k]
    return t


@njit(cache=True, inline="always")
def hs_docs(tables):
    return tables[3], tables[4]


# -- training ----------------------------------------------------------------------------------
@njit(cache=True, inline="always")
def doc_block_state(W_in, W_out, tables, params, rng):
    dim = W_in.shape[1]
    window = np.int64(params[P_WINDOW])
    t_max = outputs(tables, params)  # noqa: F821 (the loss's: ns_outputs or hs_outputs)
    ctx = np.empty(2 * window + 1, dtype=np.int32)  # the context words, and the document (PV-DM)
    one = np.empty(1, dtype=np.int32)  # the document alone (PV-DBOW)
    targets = np.empty(t_max, dtype=np.int32)
    labels = np.empty(t_max, dtype=np.int32)
    inbuf = aligned_rows(2 * window + 1, dim)
    outbuf = aligned_rows(t_max, dim)
    grads = np.empty((2 * window + 1, t_max), dtype=np.float32)
    acc = aligned_rows(1, dim)[0]
    own, slot = no_rows_apart(dim)
    return ctx, one, targets, labels, inbuf, outbuf, grads, acc, own, slot


@njit(cache=True, inline="always")
def doc_sentence(W_in, W_out, sent, n, s, window, alpha, every, windows, rng, tables, state, cbow):
    ctx, one, targets, labels, inbuf, outbuf, grads, acc, own, slot = state
    doc_rows, flags = docs(tables)  # noqa: F821 (the loss's: ns_docs or hs_docs)
    doc = doc_rows[s]
    one[0] = doc
    words = flags[0] != 0
    loss = 0.0
    count = 0
    for i in range(n):
        t = fill(sent[i], rng, tables, targets, labels)  # noqa: F821 (ns_targets or hs_targets)
        with_loss = windows % every == 0
        windows += 1
        if cbow:
            m = context(sent, n, i, window, rng, ctx)
            ctx[m] = doc
            loss += cbow_window(W_in, W_out, ctx, m + 1, targets, labels, t, alpha, inbuf[0], acc, with_loss)
            if with_loss:
                count += 1
        else:
            loss += sg_window(W_in, W_out, one, 1, targets, labels, t, alpha, inbuf, outbuf, grads, acc, with_loss,
                              own, slot)
            if with_loss:
                count += 1
            if words:
                m = context(sent, n, i, window, rng, ctx)
                if m > 0:
                    loss += sg_window(W_in, W_out, ctx, m, targets, labels, t, alpha, inbuf, outbuf, grads, acc,
                                      with_loss, own, slot)
                    if with_loss:
                        count += m
    return loss, count, windows


def _namespace(kind: str, dim: int = 0) -> dict:
    """Globals for the block loop of ``kind`` ("ns" or "hs"), for vectors of ``dim`` (0: any)."""
    namespace = {**vars(_epoch_module), **globals()}
    if dim:
        namespace = width_namespace(namespace, dim)
    namespace["outputs"] = globals()[f"{kind}_outputs"]
    namespace["fill"] = globals()[f"{kind}_targets"]
    namespace["docs"] = globals()[f"{kind}_docs"]
    for piece in ("block_state", "sentence"):
        fn = globals()[f"doc_{piece}"].py_func
        namespace[piece] = njit(twin(fn, f"_{kind}_w{dim}", namespace), cache=True, fastmath=True, inline="always")
    return namespace


#: The plain (uncompiled) block loop of each loss, for tests that run it as Python.
PLAIN = {kind: twin(epoch, f"_doc_{kind}", _namespace(kind)) for kind in ("ns", "hs")}
EPOCH_KERNELS = {kind: variants(epoch, f"_doc_{kind}", _namespace(kind)) for kind in ("ns", "hs")}
select = selector(EPOCH_KERNELS, lambda dim: {kind: variants(epoch, f"_doc_{kind}_d{dim}", _namespace(kind, dim))
                                              for kind in ("ns", "hs")})


# -- inference ---------------------------------------------------------------------------------
@njit(cache=True, inline="always")
def _predict(W_out, h, targets, labels, t, alpha, grad, dim):
    """Add to ``grad`` the gradient for ``h`` of predicting ``targets`` from ``h``; the output
    rows are not changed."""
    for k in range(t):
        y = labels[k]
        if y < 0:
            continue
        row = W_out[targets[k]]
        f = np.float32(0.0)
        for d in range(dim):
            f += h[d] * row[d]
        g = np.float32(y) - sigmoid(f)
        if abs(g) < MIN_ERROR:
            continue
        g *= alpha
        for d in range(dim):
            grad[d] += g * row[d]


@njit(cache=True, parallel=True, fastmath=True)
def infer(W_words, W_out, tokens, offsets, keep, out, seeds, tables_ns, tables_hs, hs, window, negative, epochs,
          alpha, min_alpha, cbow):
    """Train ``out[i]`` (its initial value given) as the vector of document ``i`` =
    ``tokens[offsets[i]:offsets[i + 1]]`` against the frozen word rows ``W_words`` and output
    rows ``W_out``, for ``epochs`` passes with the rate falling linearly from ``alpha`` to
    ``min_alpha``; each document's random stream (subsampling, windows, noise words) is seeded
    from ``seeds[i]`` alone, so a document's vector depends on nothing but the model and its
    own text. ``tables_ns``: ``(noise_thr, noise_alias)``; ``tables_hs``: ``(codes, points,
    lengths)``; ``hs`` selects which. PV-DBOW: the document row predicts each word; PV-DM: the
    mean of the context rows and the document row does, and the document row receives the whole
    error."""
    dim = out.shape[1]
    n_docs = out.shape[0]
    t_max = tables_hs[0].shape[1] if hs else negative + 1
    for i in prange(n_docs):
        rng = np.empty(1, dtype=np.uint64)
        rng[0] = block_seed(seeds[i], 0, 0)
        a, b = offsets[i], offsets[i + 1]
        sent = np.empty(max(b - a, 1), dtype=np.int32)
        ctx = np.empty(2 * window, dtype=np.int32)
        targets = np.empty(t_max, dtype=np.int32)
        labels = np.empty(t_max, dtype=np.int32)
        h = np.empty(dim, dtype=np.float32)
        grad = np.empty(dim, dtype=np.float32)
        doc = out[i]
        for e in range(epochs):
            rate = np.float32(alpha - (alpha - min_alpha) * e / max(epochs - 1, 1))  # min_alpha at the last pass
            n = subsample(tokens, a, b, keep, rng, sent)
            for p in range(n):
                center = sent[p]
                if hs:
                    t = hs_targets(center, rng, tables_hs, targets, labels)
                else:
                    targets[0] = center
                    labels[0] = 1
                    for k in range(1, t_max):
                        w = draw_alias(rng, tables_ns[0], tables_ns[1])
                        targets[k] = w
                        labels[k] = -1 if w == center else 0
                    t = t_max
                for d in range(dim):
                    grad[d] = 0.0
                if cbow:
                    m = context(sent, n, p, window, rng, ctx)
                    for d in range(dim):
                        h[d] = doc[d]
                    for j in range(m):
                        row = W_words[ctx[j]]
                        for d in range(dim):
                            h[d] += row[d]
                    inv = np.float32(1.0 / (m + 1))
                    for d in range(dim):
                        h[d] *= inv
                    _predict(W_out, h, targets, labels, t, rate, grad, dim)
                else:
                    _predict(W_out, doc, targets, labels, t, rate, grad, dim)
                for d in range(dim):
                    doc[d] += grad[d]


@njit(cache=True)
def text_seeds(buf, starts, ends, seed):
    """A 64-bit seed per text (FNV-1a of its bytes, mixed with the model's seed): the same text
    gets the same random stream in every call and every process."""
    out = np.empty(starts.shape[0], dtype=np.uint64)
    for i in range(starts.shape[0]):
        h = np.uint64(14695981039346656037)
        for j in range(starts[i], ends[i]):
            h = (h ^ np.uint64(buf[j])) * np.uint64(1099511628211)
        out[i] = block_seed(np.uint64(seed), h, np.uint64(1))
    return out

