"""PPMI + SVD: count-based embeddings (Levy, Goldberg and Dagan 2015).

Co-occurrence counts (``wordspace.cooccur``) -> positive pointwise mutual information with
context-distribution smoothing and an optional shift -> truncated SVD of the sparse matrix
(randomized, with the CSR products of ``wordspace._kernels.linalg``) -> ``U * S**p``.
"""

from __future__ import annotations

import time

import numpy as np

from .._kernels import REAL
from .._kernels import linalg as kl
from .._validation import NONE, Interval, Options
from ..cooccur import WEIGHTINGS
from ..corpus import DEFAULT_MAX_SENTENCE_LENGTH
from ..errors import InvalidParameterError
from ..vectors import Vectors
from ._base import Trainer, numba_threads

__all__ = ["PPMISVD", "ppmi_matrix", "randomized_svd"]

#: Random directions beyond ``dim`` in the randomized SVD: at least this many, and at least
#: ``dim`` (twice the rank). PPMI spectra decay slowly; on a 3,000-word PPMI matrix of the demo
#: corpus, width 2 x 100 with 6 power iterations put the 100 singular values within 0.4% of
#: the exact ones (mean 0.07%), width 100 + 20 only within 2.5% (docs/design.md).
MIN_OVERSAMPLE = 20


def ppmi_matrix(co, context_smoothing: float = 0.75, shift: float = 1.0):
    """Positive PMI of a co-occurrence matrix, as CSR ``(indptr, indices, data)``.

    .. math:: \\mathrm{PPMI}(w, c) = \\max\\left(0, \\log \\frac{\\#(w, c)}{\\#(w)\\,
       P_\\alpha(c)} - \\log k\\right), \\quad P_\\alpha(c) = \\frac{\\#(c)^\\alpha}{\\sum_{c'} \\#(c')^\\alpha}

    with :math:`\\#(w) = \\sum_c \\#(w, c)`, :math:`\\alpha` = ``context_smoothing`` and
    :math:`k` = ``shift``. Entries that are not positive are dropped.
    """
    n = co.n_words
    rows = np.asarray(co.rows)
    cols = np.asarray(co.cols)
    vals = np.asarray(co.values, dtype=np.float64)
    word_sum = np.bincount(rows, weights=vals, minlength=n)
    ctx = np.bincount(cols, weights=vals, minlength=n) ** context_smoothing
    ctx_prob = ctx / ctx.sum()
    with np.errstate(divide="ignore"):
        pmi = np.log(vals) - np.log(word_sum[rows]) - np.log(ctx_prob[cols]) - np.log(shift)
    keep = pmi > 0
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows[keep], minlength=n), out=indptr[1:])
    return indptr, cols[keep].astype(np.int32), pmi[keep].astype(np.float32)


def randomized_svd(indptr, indices, data, n_cols: int, k: int, n_iter: int = 6, seed: int = 0, workers: int = 1):
    """The top ``k`` singular triplets of a CSR matrix: ``(U, S, Vt)``.

    Randomized range finder with ``n_iter`` power iterations (Halko, Martinsson and Tropp
    2011): a Gaussian sketch, re-orthonormalised by QR after every product, then the exact SVD
    of the small projected matrix. Signs are fixed so that each column of ``U`` has its
    largest-magnitude entry positive.
    """
    n_rows = indptr.shape[0] - 1
    width = min(k + max(k, MIN_OVERSAMPLE), n_rows, n_cols)
    rng = np.random.default_rng(seed)
    parts = np.empty((max(1, workers), n_cols, width), dtype=np.float64)

    def times(x):  # A @ x
        out = np.empty((n_rows, x.shape[1]), dtype=np.float64)
        kl.csr_matmul(indptr, indices, data, np.ascontiguousarray(x), out)
        return out

    def t_times(y):  # A.T @ y
        kl.csr_t_matmul(indptr, indices, data, np.ascontiguousarray(y), parts[:, :, : y.shape[1]])
        return parts[:, :, : y.shape[1]].sum(axis=0)

    q = np.linalg.qr(times(rng.standard_normal((n_cols, width))))[0]
    for _ in range(n_iter):
        z = np.linalg.qr(t_times(q))[0]
        q = np.linalg.qr(times(z))[0]
    b = t_times(q).T  # (width, n_cols) = Q.T @ A
    ub, s, vt = np.linalg.svd(b, full_matrices=False)
    u = q @ ub[:, :k]
    s, vt = s[:k], vt[:k]
    flip = np.sign(u[np.argmax(np.abs(u), axis=0), np.arange(u.shape[1])])
    flip[flip == 0] = 1.0
    return u * flip, s, vt * flip[:, None]


class PPMISVD(Trainer):
    """Embeddings from the truncated SVD of a positive PMI matrix.

    Parameters
    ----------
    dim : int, default=100
        Number of singular vectors kept.
    window : int, default=5
        Symmetric window for counting co-occurrences.
    min_count, max_vocab, max_sentence_length, workers, seed, progress, callbacks
        As in :class:`~wordspace.Word2Vec` (``callbacks`` get ``on_train_end`` only).
    weighting : {"uniform", "harmonic", "linear"}, default="linear"
        Weight of a pair at distance d (see ``wordspace.cooccur``); "linear" is the expected
        weight of word2vec's dynamic window, which Levy et al. recommend porting.
    context_smoothing : float, default=0.75
        Exponent applied to context counts (:math:`\\alpha` in :func:`ppmi_matrix`); 1 disables it.
    shift : float, default=1.0
        Subtract :math:`\\log k` from every PMI (``k`` = shift) before clipping; 1 means no shift.
    eigenvalue_power : float, default=0.5
        The vectors are :math:`U \\Sigma^p`; 0 gives plain :math:`U`, 1 the classic :math:`U\\Sigma`.
    power_iterations : int, default=6
        Power iterations of the randomized SVD (more: slower, more exact).
    memory : float, default=1024
        Megabytes for counting co-occurrences (see ``wordspace.cooccur``).

    Attributes
    ----------
    vocab_, vectors_, cooccurrence_
    singular_values_ : ndarray of shape (dim,)
    loss_history_ : list of float
        One entry: the share of the PPMI matrix's squared Frobenius norm that the rank-``dim``
        approximation leaves unexplained (:math:`1 - \\sum \\sigma_i^2 / \\|M\\|_F^2`).
    history_ : list of dict
    """

    _algorithm = "ppmi-svd"
    _parameter_constraints = {
        "dim": [Interval(int, 1, None)],
        "window": [Interval(int, 1, None)],
        "min_count": [Interval(int, 1, None)],
        "max_vocab": [Interval(int, 1, None), NONE],
        "weighting": [Options(WEIGHTINGS)],
        "context_smoothing": [Interval(float, 0, None, closed="neither")],
        "shift": [Interval(float, 0, None, closed="neither")],
        "eigenvalue_power": [Interval(float, None, None)],
        "power_iterations": [Interval(int, 0, None)],
        "memory": [Interval(float, 0, None, closed="neither")],
        "workers": [Interval(int, 1, None), NONE],
        "seed": [Interval(int, 0, 2**63 - 1)],
        "max_sentence_length": [Interval(int, 1, None)],
        "progress": [Options((True, False))],
    }

    def __init__(self, *, dim=100, window=5, min_count=5, max_vocab=None, weighting="linear",
                 context_smoothing=0.75, shift=1.0, eigenvalue_power=0.5, power_iterations=6, memory=1024,
                 workers=None, seed=1, max_sentence_length=DEFAULT_MAX_SENTENCE_LENGTH, progress=True,
                 callbacks=()):
        self.dim = dim
        self.window = window
        self.min_count = min_count
        self.max_vocab = max_vocab
        self.weighting = weighting
        self.context_smoothing = context_smoothing
        self.shift = shift
        self.eigenvalue_power = eigenvalue_power
        self.power_iterations = power_iterations
        self.memory = memory
        self.workers = workers
        self.seed = seed
        self.max_sentence_length = max_sentence_length
        self.progress = progress
        self.callbacks = callbacks

    def fit(self, corpus, *, encoded=None):
        """Count, weight and factorise. ``encoded`` as in ``Word2Vec.fit``."""
        self._validate_params()
        encoded = self._read_corpus(corpus, encoded)
        n = len(encoded.words)
        if self.dim >= n:
            raise InvalidParameterError(
                f"The 'dim' parameter of PPMISVD must be smaller than the vocabulary ({n:,} words). "
                f"Got {self.dim} instead."
            )
        workers = self._resolve_workers()
        for cb in self.callbacks:
            cb.on_train_begin(self)
        co = self.cooccurrence_ = self._count_cooccurrences(encoded, workers)
        t2 = time.perf_counter()
        indptr, indices, data = ppmi_matrix(co, self.context_smoothing, self.shift)
        if data.shape[0] == 0:
            raise InvalidParameterError(
                "the PPMI matrix is empty: no pair co-occurs more often than chance"
                + (f" after the shift log({self.shift})" if self.shift != 1 else "")
                + "; use a larger corpus or window, or a smaller shift"
            )
        with numba_threads(workers):
            u, s, _ = randomized_svd(indptr, indices, data, n, self.dim, self.power_iterations, self.seed, workers)
        frob = float(np.dot(data.astype(np.float64), data))
        residual = max(0.0, 1.0 - float(np.dot(s, s)) / frob)
        self.singular_values_ = s
        self.loss_history_ = [residual]
        self.history_ = [{"loss": residual, "ppmi_nonzeros": int(data.shape[0]), "seconds": time.perf_counter() - t2}]
        self.vectors_ = self._current_vectors(u)
        for cb in self.callbacks:
            cb.on_train_end(self)
        return self

    def _current_vectors(self, u=None) -> Vectors:
        if u is None:
            self._check_fitted()
            return self.vectors_
        matrix = (u * self.singular_values_ ** self.eigenvalue_power).astype(REAL)
        meta = {"algorithm": self._algorithm, "params": {k: v for k, v in self.get_params().items() if k != "callbacks"},
                "loss_history": self.loss_history_, "singular_values": self.singular_values_.tolist(),
                "corpus": self.corpus_stats_}
        return Vectors(self.vocab_.words, np.ascontiguousarray(matrix), counts=self.vocab_.counts, metadata=meta)
