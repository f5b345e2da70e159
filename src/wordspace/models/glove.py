"""GloVe: co-occurrence counting, then weighted least squares with AdaGrad.

Orchestration only: counting lives in ``wordspace.cooccur``, the epoch kernel in
``wordspace._kernels.glove``; the shared trainer contract (parameters, progress, history,
callbacks) in ``_base``.
"""

from __future__ import annotations


import numpy as np

from .._kernels import REAL
from .._kernels import glove as kg
from .._validation import NONE, Interval, Options
from ..cooccur import WEIGHTINGS
from ..corpus import DEFAULT_MAX_SENTENCE_LENGTH
from ..errors import InvalidParameterError
from ..vectors import Vectors
from ._base import Trainer, numba_threads, run_epochs

__all__ = ["GloVe"]

#: Co-occurrence entries per unit of parallel work (and of shuffling between epochs).
CHUNK = 1 << 15
EXPORTS = ("sum", "input", "output", "average")


class GloVe(Trainer):
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
    x_max : float, default=100.0
        Co-occurrences above this get full weight: :math:`f(x) = \\min(1, (x / x_{max})^{power})`.
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

    _algorithm = "glove"
    _parameter_constraints = {
        "dim": [Interval(int, 1, None)],
        "window": [Interval(int, 1, None)],
        "min_count": [Interval(int, 1, None)],
        "max_vocab": [Interval(int, 1, None), NONE],
        "weighting": [Options(WEIGHTINGS)],
        "epochs": [Interval(int, 1, None)],
        "alpha": [Interval(float, 0, None, closed="neither")],
        "x_max": [Interval(float, 0, None, closed="neither")],
        "power": [Interval(float, 0, None)],
        "memory": [Interval(float, 0, None, closed="neither")],
        "workers": [Interval(int, 1, None), NONE],
        "seed": [Interval(int, 0, 2**63 - 1)],
        "max_sentence_length": [Interval(int, 1, None)],
        "progress": [Options((True, False))],
    }

    def __init__(self, *, dim=100, window=10, min_count=5, max_vocab=None, weighting="harmonic", epochs=15,
                 alpha=0.05, x_max=100.0, power=0.75, memory=1024, workers=None, seed=1,
                 max_sentence_length=DEFAULT_MAX_SENTENCE_LENGTH, progress=True, callbacks=()):
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
        self.progress = progress
        self.callbacks = callbacks

    def fit(self, corpus, *, encoded=None):
        """Count co-occurrences in ``corpus`` and train. ``encoded`` as in ``Word2Vec.fit``."""
        self._validate_params()
        encoded = self._read_corpus(corpus, encoded)
        workers = self._resolve_workers()
        co = self.cooccurrence_ = self._count_cooccurrences(encoded, workers)
        if co.nnz == 0:
            raise InvalidParameterError(
                "no two vocabulary words occur within the window of each other; use a larger "
                "corpus, a larger window or a lower min_count"
            )
        self._train(co, workers)
        return self

    def _train(self, co, workers: int) -> None:
        v, dim = co.n_words, self.dim
        rng = np.random.default_rng(self.seed)
        init = lambda shape: ((rng.random(shape, dtype=np.float32) - 0.5) / dim).astype(REAL)  # GloVe's init
        W, C = init((v, dim)), init((v, dim))
        bw, bc = init(v), init(v)
        gW, gC = np.ones((v, dim), REAL), np.ones((v, dim), REAL)
        gbw, gbc = np.ones(v, REAL), np.ones(v, REAL)
        self.word_matrix_, self.context_matrix_, self.word_bias_, self.context_bias_ = W, C, bw, bc
        kg.shuffle_entries(co.rows, co.cols, co.values, self.seed)  # once, as GloVe's shuffle step
        n_chunks = (co.nnz + CHUNK - 1) // CHUNK
        params = np.array([self.alpha, self.x_max, self.power], dtype=np.float64)
        kernel = kg.select(parallel=workers > 1)
        per_call = max(1, (1 << 22) // CHUNK)  # about 4M entries between progress updates

        def epoch_fn(epoch, bar):
            order = kg.chunk_order(n_chunks, self.seed, epoch)
            total = 0.0
            for lo in range(0, n_chunks, per_call):
                part = order[lo : lo + per_call]
                loss_out = np.zeros(part.shape[0], dtype=np.float64)
                kernel(W, C, bw, bc, gW, gC, gbw, gbc, co.rows, co.cols, co.values, part, CHUNK, params, loss_out)
                total += float(loss_out.sum())
                seen = min(co.nnz, (lo + part.shape[0]) * CHUNK)
                bar.set_postfix_str(f"epoch={epoch + 1}/{self.epochs} loss={total / seen:.4f}", refresh=False)
                bar.update(int(np.minimum(co.nnz - part * CHUNK, CHUNK).sum()))
            return total / co.nnz, {}

        with numba_threads(workers):
            run_epochs(self, self.epochs, co.nnz, "glove", epoch_fn, unit="pair")
        if not np.isfinite(W).all() or not np.isfinite(C).all():
            raise InvalidParameterError(
                f"GloVe diverged (non-finite vectors) with alpha={self.alpha}; lower alpha"
            )
        self.vectors_ = self._current_vectors()
        for cb in self.callbacks:
            cb.on_train_end(self)

    def _matrix(self, kind: str) -> np.ndarray:
        W, C = self.word_matrix_, self.context_matrix_
        if kind == "input":
            return W.copy()
        if kind == "output":
            return C.copy()
        return W + C if kind == "sum" else (W + C) / 2

    def _current_vectors(self) -> Vectors:
        return self._make_vectors(self._matrix("sum"), "sum")

    def _make_vectors(self, matrix, kind) -> Vectors:
        meta = {"algorithm": self._algorithm, "exported": kind,
                "params": {k: val for k, val in self.get_params().items() if k != "callbacks"},
                "loss_history": self.loss_history_, "corpus": self.corpus_stats_}
        return Vectors(self.vocab_.words, np.ascontiguousarray(matrix, dtype=REAL), counts=self.vocab_.counts,
                       metadata=meta)

    def export(self, kind: str = "sum") -> Vectors:
        """Word + context vectors (``"sum"``, the default and ``vectors_``), word (``"input"``)
        or context (``"output"``) vectors, or their mean (``"average"``)."""
        self._check_fitted()
        if kind not in EXPORTS:
            raise InvalidParameterError(f"The 'kind' parameter of export must be one of "
                                        f"{', '.join(map(repr, EXPORTS))}. Got {kind!r} instead.")
        return self._make_vectors(self._matrix(kind), kind)
