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
from .._validation import LIMITS, Callbacks, Interval, Options, Param
from ..cooccur import WEIGHTINGS
from ..corpus import DEFAULT_MAX_SENTENCE_LENGTH
from ..errors import InvalidParameterError
from ..progress import progress_bar
from ._base import COMMON_PARAMS, check_memory
from ._cooccurrence import CooccurrenceTrainer
from .glove import GloVe

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


def randomized_svd(indptr, indices, data, n_cols: int, k: int, n_iter: int = 6, seed: int = 0, workers: int = 1,
                   step=None):
    """The top ``k`` singular triplets of a CSR matrix: ``(U, S, Vt)``.

    Randomized range finder with ``n_iter`` power iterations (Halko, Martinsson and Tropp
    2011): a Gaussian sketch, re-orthonormalised after every product, then the exact SVD of
    the small projected matrix. Products with ``A.T`` use a transposed copy (no scattered
    writes); sketches go into the products as float32 (the products are bound by reading them)
    and are summed and orthonormalised in float64 by Cholesky QR (two matrix products and a
    small Cholesky factorisation; once between products, twice for the basis the answer comes
    from; Householder QR when a sketch is too ill-conditioned for it). Signs are fixed so that each column of ``U`` has its largest-magnitude entry
    positive. ``step()``, when given, is called after each of the ``2 * n_iter + 2`` products
    with the matrix (for progress). ``workers`` is accepted for compatibility; the products use
    Numba's threads.
    """
    n_rows = indptr.shape[0] - 1
    width = min(k + max(k, MIN_OVERSAMPLE), n_rows, n_cols)
    rng = np.random.default_rng(seed)
    t_indptr = np.empty(n_cols + 1, dtype=np.int64)
    t_indices = np.empty_like(indices)
    t_data = np.empty_like(data)
    kl.csr_transpose(indptr, indices, data, n_cols, t_indptr, t_indices, t_data)
    step = step or (lambda: None)
    # buffers reused by every product: fresh 100 MB arrays cost their page faults each time
    # (a square matrix's two sides share theirs: each product copies its input into ``sketch``
    # before writing its output, so an output buffer may hold that input)
    sketch = np.empty((max(n_rows, n_cols), width), dtype=np.float32)
    outs = {n_rows: np.empty((n_rows, width)), n_cols: np.empty((n_cols, width))}
    spares = {n_rows: np.empty((n_rows, width)), n_cols: np.empty((n_cols, width))}

    def product(ptr, idx, val, n_out, x, passes):  # orthonormal columns spanning (A or A.T) @ x
        x32 = sketch[: x.shape[0]]
        x32[...] = x
        out = outs[n_out]
        kl.csr_matmul(ptr, idx, val, x32, out)
        step()
        if passes == 0:
            return out
        q = _orthonormal(out, spares[n_out], passes)
        if q is spares[n_out]:  # the result went to the spare: it becomes the next output buffer's pair
            outs[n_out], spares[n_out] = q, out
        return q

    # the sketches between products only need well-conditioned columns (one Cholesky QR pass);
    # the basis the answer is read from is orthonormal to working precision (two)
    q = product(indptr, indices, data, n_rows, rng.standard_normal((n_cols, width)), 1 if n_iter else 2)
    for it in range(n_iter):
        z = product(t_indptr, t_indices, t_data, n_cols, q, 1)
        q = product(indptr, indices, data, n_rows, z, 2 if it == n_iter - 1 else 1)
    q = q.copy()
    b = product(t_indptr, t_indices, t_data, n_cols, q, 0).T  # (width, n_cols) = Q.T @ A
    ub, s, vt = np.linalg.svd(b, full_matrices=False)
    u = q @ ub[:, :k]
    s, vt = s[:k], vt[:k]
    flip = np.sign(u[np.argmax(np.abs(u), axis=0), np.arange(u.shape[1])])
    flip[flip == 0] = 1.0
    return u * flip, s, vt * flip[:, None]


def _orthonormal(x: np.ndarray, spare: np.ndarray | None = None, passes: int = 2) -> np.ndarray:
    """An orthonormal basis of the columns of ``x`` (tall, float64), by ``passes`` rounds of
    Cholesky QR, each two products with ``x`` instead of Householder QR's column-by-column
    passes (51,686 x 600: 0.5 s a round against 2.3-3 s); two rounds are as accurate as
    Householder while ``x`` is far from singular, and Householder QR is used when it is not.
    Rounds alternate between ``x`` and ``spare`` (both may be overwritten); the result is one
    of them, or a new array."""
    src, dst = x, spare
    try:
        for _ in range(passes):
            chol = np.linalg.cholesky(src.T @ src)
            r = np.ascontiguousarray(np.linalg.inv(chol).T)
            if not np.isfinite(r).all():
                raise np.linalg.LinAlgError("the columns are (nearly) dependent")
            dst = np.matmul(src, r, out=dst)  # written only once the round is known to work
            src, dst = dst, src
        return src
    except np.linalg.LinAlgError:
        return np.linalg.qr(src)[0]  # src: the last round's intact input


class PPMISVD(CooccurrenceTrainer):
    """Embeddings from the truncated SVD of a positive PMI matrix.

    Parameters
    ----------
    dim : int, default=100
        Number of singular vectors kept.
    window : int, default=5
        Symmetric window for counting co-occurrences.
    min_count, max_vocab, max_sentence_length, workers, seed, progress, callbacks
        As in :class:`~wordspace.Word2Vec` (``callbacks`` get ``on_train_begin`` and ``on_train_end``: there are no epochs).
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

    algorithm = "ppmi-svd"
    export_kinds = ("input",)
    _params = {
        **COMMON_PARAMS,
        "dim": Param([Interval(int, 1, LIMITS["dim"])], "number of singular vectors kept"),
        "weighting": Param([Options(WEIGHTINGS)], GloVe._params["weighting"].help),
        "context_smoothing": Param([Interval(float, 0, LIMITS["exponent"], closed="right")],
                                   "exponent of the context counts; 1 disables smoothing"),
        "shift": Param([Interval(float, 0, LIMITS["size"], closed="right")],
                       "subtract log(SHIFT) from every PMI; 1 means no shift"),
        "eigenvalue_power": Param([Interval(float, -10, 10)], "the vectors are U * S**POWER"),
        "power_iterations": Param([Interval(int, 0, 100)], "power iterations of the randomized SVD"),
        "memory": Param([Interval(float, 0, LIMITS["megabytes"], closed="right")], "megabytes for counting co-occurrences"),
        "callbacks": Param([Callbacks()], "objects called when training begins and ends", cli=False),
    }

    def __init__(self, *, dim=100, window=5, min_count=5, max_vocab=None, weighting="linear",
                 context_smoothing=0.75, shift=1.0, eigenvalue_power=0.5, power_iterations=6, memory=1024,
                 workers=None, seed=1, max_sentence_length=DEFAULT_MAX_SENTENCE_LENGTH,
                 lowercase=False, tokenizer="whitespace", normalize=None, numbers=False, phrases=None, progress=True,
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
        self.lowercase = lowercase
        self.tokenizer = tokenizer
        self.normalize = normalize
        self.numbers = numbers
        self.phrases = phrases
        self.progress = progress
        self.callbacks = callbacks

    def check_vocabulary(self, words, counts) -> None:
        n = len(words)
        if self.dim >= n:
            raise InvalidParameterError(param="dim", owner="PPMISVD", value=self.dim,
                                        rule=f"smaller than the vocabulary ({n:,} words)")

    def _learn(self, co, workers: int) -> None:
        n = co.n_words
        t0 = time.perf_counter()
        indptr, indices, data = ppmi_matrix(co, self.context_smoothing, self.shift)
        if data.shape[0] == 0:
            raise InvalidParameterError(
                "the PPMI matrix is empty: no pair co-occurs more often than chance"
                + (f" after the shift log({self.shift})" if self.shift != 1 else "")
                + "; use a larger corpus or window, or a smaller shift", param="shift"
            )
        check_memory(8.0 * n * 4 * (2 * self.dim + MIN_OVERSAMPLE), "the randomized SVD", "dim", "PPMISVD", self.dim)
        bar = progress_bar(2 * self.power_iterations + 2, self.progress, "svd", unit="product")
        try:
            u, s, _ = randomized_svd(indptr, indices, data, n, self.dim, self.power_iterations, self.seed, workers,
                                     step=lambda: bar.update(1))
        finally:
            bar.close()
        frob = float(np.dot(data.astype(np.float64), data))
        residual = max(0.0, 1.0 - float(np.dot(s, s)) / frob)
        self.singular_values_ = s
        self.word_matrix_ = (u * s ** self.eigenvalue_power).astype(REAL)
        self.loss_history_ = [residual]
        self.history_ = [{"loss": residual, "ppmi_nonzeros": int(data.shape[0]), "seconds": time.perf_counter() - t0}]

    def _export_matrix(self, kind: str) -> np.ndarray:
        return self.word_matrix_

    def _extra_metadata(self) -> dict:
        return {"singular_values": self.singular_values_.tolist()}
