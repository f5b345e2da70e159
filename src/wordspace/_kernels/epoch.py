"""The one block loop of every word2vec-family epoch kernel, and the sampling it does.

The corpus is cut into blocks of whole sentences; ``prange`` runs blocks in parallel (Hogwild:
threads update the shared matrices without locks, so ``workers > 1`` is seed-deterministic in
its random choices but racy in its updates; bit-identical runs need one thread). Each block has
its own random stream (``block_seed`` of the run's seed, the epoch and the block's global
number), subsamples each sentence at its learning rate, and hands it to the loss
(``_kernels.word2vec``: negative sampling, hierarchical and full softmax; and
``_kernels.fasttext``), which supplies the functions the loop finds among its globals:

``block_state(W_in, W_out, tables, params, rng)``
    the block's buffers (a tuple), made once per block;
``sentence(W_in, W_out, sent, n, s, window, alpha, every, windows, rng, tables, state, cbow)``
    train the ``n`` words of ``sent`` (sentence ``s`` of the corpus, after subsampling),
    window by window; the loss of a window is computed when
    the block's window count ``windows`` is a multiple of ``every``. Returns ``(summed loss,
    predictions counted, windows)``;
``block_end(W_in, W_out, tables, state)``
    optional (this module's does nothing): called once the block's sentences are trained.

:func:`~wordspace._kernels.compile.variants` compiles the loop once per loss (its globals a
namespace holding that loss's functions), so the dispatch costs nothing at run time. The loss
owns the loop over a sentence's positions: a piece called per position would pass the block's
buffers in and out of a tuple once per window, and that reference counting cost about a tenth
of a CBOW epoch (1.34 against 1.20 s on the 10M-word slice, two threads).

``params`` is a float64 array (packed in one place: ``wordspace.models._epochs.Schedule``)
``[alpha, min_alpha, words_before, total_words, window, negative, seed, epoch,
max_sentence_length, first_block]`` describing the linear learning-rate schedule:
``alpha_t = alpha - (alpha - min_alpha) * (words_before + t) / total_words`` where ``t`` is the
position of the sentence in the epoch's token stream. ``blocks`` holds sentence indices: block
``b`` of a call is sentences ``blocks[b]:blocks[b + 1]`` and has the global number
``first_block + b``, which seeds its random generator. ``tables`` is a tuple of the loss's
arrays (noise alias tables, the Huffman tree, subword ids).
"""

import numpy as np
from numba import njit, prange

from .memory import prefetch_row
from .rng import below, block_seed, next_u32

P_ALPHA, P_MIN_ALPHA, P_BEFORE, P_TOTAL, P_WINDOW, P_NEGATIVE, P_SEED, P_EPOCH, P_MAXLEN, P_BLOCK0 = range(10)
N_PARAMS = 10

#: While training, the online loss is computed on one window in this many (per block, so the
#: same windows for any thread count); its table lookups cost a tenth of a skip-gram window.
#: With a zero learning rate (the per-epoch loss on a fixed sample) every window counts.
LOSS_EVERY = 8

#: The vector width the loop is compiled for (0: any); see ``_kernels.windows.DIM``.
DIM = 0


@njit(cache=True, inline="always")
def block_end(W_in, W_out, tables, state):
    """What a loss does when a block ends (its namespace may replace this: hierarchical
    softmax exchanges its copy of the top of the tree a last time); by default nothing."""
    pass


@njit(cache=True, inline="always")
def loss_every(params):
    return 1 if params[P_ALPHA] == 0.0 else LOSS_EVERY


@njit(cache=True, inline="always")
def learning_rate(params, position):
    """The rate at ``position`` of the epoch's token stream (linear decay, floored)."""
    a0 = params[P_ALPHA]
    a1 = params[P_MIN_ALPHA]
    frac = (params[P_BEFORE] + position) / params[P_TOTAL]
    alpha = a0 - (a0 - a1) * frac
    return max(alpha, a1)


@njit(cache=True, inline="always")
def subsample(tokens, a, b, keep, rng, sent):
    """Copy the words of ``tokens[a:b]`` that survive subsampling into ``sent``; return count."""
    n = 0
    for i in range(a, b):
        w = tokens[i]
        if next_u32(rng) < keep[w]:
            sent[n] = w
            n += 1
    return n


@njit(cache=True, inline="always")
def context(sent, n, i, window, rng, ctx):
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
def prefetch_first_context(W_in, sent, n, window):
    """The input rows of a sentence's first window."""
    for j in range(min(n, window + 1)):
        prefetch_row(W_in, sent[j])


@njit(cache=True, inline="always")
def prefetch_next_context(W_in, sent, n, i, window):
    """The input row that enters the window after position ``i``'s."""
    if i + window + 1 < n:
        prefetch_row(W_in, sent[i + window + 1])


def epoch(W_in, W_out, tokens, offsets, blocks, keep, tables, params, loss_out, count_out, cbow):
    """Train ``blocks`` of sentences; ``loss_out[b]``/``count_out[b]`` receive block ``b``'s
    summed loss and number of predictions over the windows whose loss was computed (one in
    ``LOSS_EVERY`` while training, every window at a zero rate). ``W_in``/``W_out``: the
    shared matrices (rows are words, or Huffman nodes, or subword buckets); ``tokens`` (n,)
    int32 and ``offsets`` (sentences + 1,) int64: the encoded corpus; ``keep`` (words,) uint64:
    the subsampling thresholds."""
    if DIM > 0 and (W_in.shape[1] != DIM or W_out.shape[1] != DIM):  # (DIM is read here, not in a helper)
        raise ValueError("kernel compiled for another vector width")
    window = np.int64(params[P_WINDOW])
    seed = np.int64(params[P_SEED])
    epoch_no = np.int64(params[P_EPOCH])
    maxlen = np.int64(params[P_MAXLEN])
    every = loss_every(params)
    n_blocks = blocks.shape[0] - 1
    for b in prange(n_blocks):
        rng = np.empty(1, dtype=np.uint64)
        rng[0] = block_seed(seed, epoch_no, np.int64(params[P_BLOCK0]) + b)
        sent = np.empty(maxlen, dtype=np.int32)
        state = block_state(W_in, W_out, tables, params, rng)  # noqa: F821 (the loss's: see the module docstring)
        loss = 0.0
        count = 0
        windows = 0
        for s in range(blocks[b], blocks[b + 1]):
            a = offsets[s]
            alpha = learning_rate(params, a)
            n = subsample(tokens, a, offsets[s + 1], keep, rng, sent)
            lo, c, windows = sentence(W_in, W_out, sent, n, s, window, alpha, every, windows, rng,  # noqa: F821
                                      tables, state, cbow)
            loss += lo
            count += c
        block_end(W_in, W_out, tables, state)
        loss_out[b] = loss
        count_out[b] = count
