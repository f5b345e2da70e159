"""GloVe: co-occurrence counting, then weighted least squares with AdaGrad.

Orchestration only: counting lives in ``wordspace.cooccur``, the epoch kernel in
``wordspace._kernels.glove``; the shared trainer contract (parameters, progress, history,
callbacks) in ``_base``.
"""

from __future__ import annotations


import numpy as np

from .._kernels import REAL
from .._kernels import glove as kg
from .._validation import LIMITS, Interval, Options, Param
from ..cooccur import WEIGHTINGS
from ..corpus import DEFAULT_MAX_SENTENCE_LENGTH
from ..progress import announce_compilation
from ._base import COMMON_PARAMS, check_memory, numba_threads
from ._cooccurrence import CooccurrenceTrainer

__all__ = ["GloVe"]

#: Co-occurrence entries per unit of parallel work (and of shuffling between epochs).
CHUNK = 1 << 15


class GloVe(CooccurrenceTrainer):
    """GloVe embeddings (Pennington, Socher and Manning 2014).

    Parameters
    ----------
    dim : int, default=100
        Vector dimension.
    window : int, default=10
        Symmetric window for counting co-occurrences (the GloVe paper's 10).
    min_count : int, default=5
        Words seen fewer times are ignored.
    max_vocab : int or None, default=None
        Keep only the most frequent ``max_vocab`` words.
    weighting : {"harmonic", "uniform", "linear"}, default="harmonic"
        Weight of a pair at distance d: 1/d as in GloVe; see ``wordspace.cooccur``.
    epochs : int, default=15
        Passes over the non-zero co-occurrences.
    alpha : float, default=0.05
        AdaGrad's initial learning rate (GloVe's ``eta``).
    x_max : float, default=10.0
        Co-occurrences above this get full weight: :math:`f(x) = \\min(1, (x / x_{max})^{power})`.
        10 is the GloVe tool's setting for corpora of tens of millions of words (its text8 demo);
        the paper's 100 was tuned on corpora of billions of words, and on 10M words of Wikipedia
        it halves the analogy score (docs/design.md). Use 100 on billions of words.
    power : float, default=0.75
        Exponent of the weighting function.
    memory : float, default=1024
        Megabytes for counting co-occurrences; larger matrices are counted in sorted runs on
        disk and merged (see ``wordspace.cooccur.count_cooccurrences``).
    workers : int or None, default=None
        Threads; None uses every core. Only ``workers=1`` is bit-reproducible.
    seed : int, default=1
        Seed of the initial vectors, the shuffle and the chunk order of each epoch.
    max_sentence_length : int, default=10000
        Longer lines are cut; windows never cross a cut or a line end.
    progress : bool, default=True
        Progress bars on stderr.
    callbacks : sequence of Callback, default=()
        Called after each epoch.

    Attributes
    ----------
    vocab_ : Vocab
    vectors_ : Vectors
        Word + context vectors, the GloVe paper's choice (:meth:`export` gives the others).
    word_matrix_, context_matrix_ : ndarray of shape (n_words, dim)
    word_bias_, context_bias_ : ndarray of shape (n_words,)
    cooccurrence_ : wordspace.cooccur.Cooccurrence
        The counted matrix (memory-mapped when it outgrew ``memory``).
    loss_history_ : list of float
        Mean weighted squared error per non-zero entry, per epoch (float64).
    history_ : list of dict
    """

    algorithm = "glove"
    export_kinds = ("sum", "input", "output", "average")
    _params = {
        **COMMON_PARAMS,
        "weighting": Param([Options(WEIGHTINGS)], "weight of a pair at distance d: harmonic 1/d, uniform 1, "
                           "linear (window-d+1)/window"),
        "epochs": Param([Interval(int, 1, LIMITS["epochs"])], "passes over the corpus"),
        "alpha": Param([Interval(float, 0, LIMITS["rate"], closed="right")], "AdaGrad's initial learning rate"),
        "x_max": Param([Interval(float, 0, LIMITS["size"], closed="right")], "co-occurrences above this get full weight"),
        "power": Param([Interval(float, 0, LIMITS["exponent"])], "exponent of the weighting function"),
        "memory": Param([Interval(float, 0, LIMITS["megabytes"], closed="right")], "megabytes for counting co-occurrences"),
    }

    def __init__(self, *, dim=100, window=10, min_count=5, max_vocab=None, weighting="harmonic", epochs=15,
                 alpha=0.05, x_max=10.0, power=0.75, memory=1024, workers=None, seed=1,
                 max_sentence_length=DEFAULT_MAX_SENTENCE_LENGTH,
                 lowercase=False, tokenizer="whitespace", normalize=None, numbers=False, phrases=None, progress=True, callbacks=()):
        self.dim = dim
        self.window = window
        self.min_count = min_count
        self.max_vocab = max_vocab
        self.weighting = weighting
        self.epochs = epochs
        self.alpha = alpha
        self.x_max = x_max
        self.power = power
        self.memory = memory
        self.workers = workers
        self.seed = seed
        self.max_sentence_length = max_sentence_length
        self.lowercase = lowercase
        self.tokenizer = tokenizer
        self.normalize = normalize
        self.numbers = numbers
        self.phrases = phrases
        self.progress = progress
        self.callbacks = callbacks

    def _learn(self, co, workers: int) -> None:
        v, dim = co.n_words, self.dim
        check_memory(4.0 * dim * v * 4 + 4.0 * co.nnz, "the word, context and AdaGrad matrices", "dim", "GloVe", dim)
        rng = np.random.default_rng(self.seed)
        init = lambda shape: ((rng.random(shape, dtype=np.float32) - 0.5) / dim).astype(REAL)  # GloVe's init
        W, C = init((v, dim)), init((v, dim))
        bw, bc = init(v), init(v)
        gW, gC = np.ones((v, dim), REAL), np.ones((v, dim), REAL)
        gbw, gbc = np.ones(v, REAL), np.ones(v, REAL)
        self.word_matrix_, self.context_matrix_, self.word_bias_, self.context_bias_ = W, C, bw, bc
        kg.shuffle_entries(co.rows, co.cols, co.values, self.seed)  # once, as GloVe's shuffle step
        log_vals = np.empty(co.nnz, dtype=np.float32)  # log X once, not once per epoch
        for s in range(0, co.nnz, 1 << 24):
            np.log(co.values[s : s + (1 << 24)], out=log_vals[s : s + (1 << 24)])
        n_chunks = (co.nnz + CHUNK - 1) // CHUNK
        params = np.array([self.alpha, np.log(self.x_max), self.power], dtype=np.float64)
        # the threaded kernel even for one worker (then on one thread, in chunk order, so runs
        # repeat bit for bit): the serial compilation of the same loop is not vectorised and took
        # 2.7 times as long (1.85 against 0.70 s per epoch of 4M entries, docs/benchmarks.md)
        kernel = kg.select("adagrad", parallel=True)
        per_call = max(1, (1 << 22) // CHUNK)  # about 4M entries between progress updates

        def epoch_fn(epoch, bar):
            order = kg.chunk_order(n_chunks, self.seed, epoch)
            total = 0.0
            for lo in range(0, n_chunks, per_call):
                part = order[lo : lo + per_call]
                loss_out = np.zeros(part.shape[0], dtype=np.float64)
                if lo == 0:
                    announce_compilation(bar, kernel)
                kernel(W, C, bw, bc, gW, gC, gbw, gbc, co.rows, co.cols, log_vals, part, CHUNK, params, loss_out)
                total += float(loss_out.sum())
                seen = min(co.nnz, (lo + part.shape[0]) * CHUNK)
                bar.set_postfix_str(f"epoch={epoch + 1}/{self.epochs} loss={total / seen:.4f}", refresh=False)
                bar.update(int(np.minimum(co.nnz - part * CHUNK, CHUNK).sum()))
            return total / co.nnz, {}

        with numba_threads(workers):
            self.run_epochs(self.epochs, co.nnz, "glove", epoch_fn, unit="pair")

    def _export_matrix(self, kind: str) -> np.ndarray:
        W, C = self.word_matrix_, self.context_matrix_
        if kind == "input":
            return W.copy()
        if kind == "output":
            return C.copy()
        return W + C if kind == "sum" else (W + C) / 2
