"""FastText: word2vec whose input vector of a word is the mean of its subword rows.

Subclasses :class:`~wordspace.models.word2vec.Word2Vec` (same corpus reading, blocks, learning
rate schedule, progress and history) and swaps in the subword tables, the kernel of
``wordspace._kernels.fasttext`` and fastText's word vectors (mean of the word's own row and its
n-gram rows). The hashing lives in ``wordspace.subwords``.
"""

from __future__ import annotations

import numpy as np

from .._kernels import REAL
from .._kernels import fasttext as kft
from .._validation import LIMITS, NONE, Interval, Options, Param
from ..corpus import DEFAULT_MAX_SENTENCE_LENGTH
from ..errors import InvalidParameterError
from ..subwords import MAX_NGRAM, Subwords, subword_table
from ..vocab import alias_table, noise_distribution
from .word2vec import Word2Vec

__all__ = ["FastText"]


class FastText(Word2Vec):
    """fastText subword embeddings (Bojanowski et al. 2017): skip-gram or CBOW, negative sampling.

    Each word is represented by its own vector plus the vectors of its character n-grams
    (``min_n`` to ``max_n`` characters of ``<word>``), hashed into ``buckets`` rows with
    fastText's FNV-1a hash, so n-gram ids match Facebook's fastText. Words never seen in
    training get the mean of their n-gram vectors (``vectors_["unseen"]``).

    Parameters
    ----------
    dim, window, architecture, negative, min_count, max_vocab, epochs, min_alpha, workers, seed,
    max_sentence_length, progress, callbacks
        As in :class:`Word2Vec`.
    min_n : int, default=3
        Shortest character n-gram.
    max_n : int, default=6
        Longest character n-gram; 0 disables n-grams (the model is then plain word2vec).
    buckets : int, default=2000000
        Rows of the hashed n-gram matrix (fastText's ``-bucket``).
    ns_exponent : float, default=0.5
        Noise words are drawn with probability proportional to ``count ** ns_exponent``; 0.5
        is fastText's table (word2vec uses 0.75).
    sample : float, default=1e-4
        Subsampling threshold (fastText's default ``-t``).
    alpha : float or None, default=None
        Initial learning rate; None means 0.05, fastText's default for both architectures.

    Attributes
    ----------
    vectors_ : Vectors
        The words' vectors (mean of the word's row and its n-gram rows) carrying a
        :class:`~wordspace.subwords.Subwords`, so unknown words get vectors too.
    input_matrix_ : ndarray of shape (n_words + buckets, dim)
        Word rows, then n-gram rows, laid out as fastText's input matrix.
    output_matrix_, loss_history_, history_, vocab_
        As in :class:`Word2Vec`.
    """

    algorithm = "fasttext"
    _params = {
        **Word2Vec._params,
        "loss": Param([Options(("ns",))], Word2Vec._params["loss"].help),
        "min_n": Param([Interval(int, 1, MAX_NGRAM)], "shortest character n-gram"),
        "max_n": Param([Interval(int, 0, MAX_NGRAM)], "longest character n-gram; 0 for none"),
        "buckets": Param([Interval(int, 1, LIMITS["buckets"])], "rows of the hashed n-gram matrix"),
        "alpha": Param([Interval(float, 0, LIMITS["rate"], closed="right"), NONE], "initial learning rate"),
    }

    def __init__(self, *, dim=100, window=5, architecture="skipgram", loss="ns", negative=5,
                 ns_exponent=0.5, sample=1e-4, min_count=5, max_vocab=None, epochs=5, alpha=None,
                 min_alpha=0.0001, min_n=3, max_n=6, buckets=2_000_000, workers=None, seed=1,
                 max_sentence_length=DEFAULT_MAX_SENTENCE_LENGTH,
                 lowercase=False, tokenizer="whitespace", normalize=None, numbers=False, phrases=None, progress=True, callbacks=()):
        self.dim = dim
        self.window = window
        self.architecture = architecture
        self.loss = loss
        self.negative = negative
        self.ns_exponent = ns_exponent
        self.sample = sample
        self.min_count = min_count
        self.max_vocab = max_vocab
        self.epochs = epochs
        self.alpha = alpha
        self.min_alpha = min_alpha
        self.min_n = min_n
        self.max_n = max_n
        self.buckets = buckets
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

    def _check_params(self) -> None:
        super()._check_params()
        if self.max_n and self.min_n > self.max_n:
            raise InvalidParameterError(param="min_n", owner="FastText", value=self.min_n, refs={"max_n": self.max_n},
                                        rule="at most {max_n}")

    @property
    def alpha_(self) -> float:
        return float(self.alpha) if self.alpha is not None else 0.05

    def _state_arrays(self) -> dict:
        # the words' own input rows (vectors.npy holds their composed vectors, ngrams.npy the buckets)
        return {**super()._state_arrays(), "word_rows": self.input_matrix_[: len(self.vocab_)]}

    def _restore(self, path: str, vectors) -> None:
        from ..errors import FormatError
        from ..io.native import load_extra_array

        n = len(self.vocab_)
        if vectors.subwords is None or vectors.subwords.buckets != self.buckets:
            raise FormatError(f"'{path}': the n-gram rows of the fastText trainer are missing or of another size")
        words = load_extra_array(path, "word_rows", (n, self.dim))
        self.input_matrix_ = np.concatenate([words, np.asarray(vectors.subwords.full(), dtype=REAL)])
        self.output_matrix_ = load_extra_array(path, "output_matrix", (n, self.dim))
        self._sub_off, self._sub_ids = subword_table(self.vocab_.words, self.min_n, self.max_n, self.buckets)

    def kernel_tables(self, words, counts) -> tuple:
        """The noise alias tables and the words' subword rows (``_kernels.fasttext``); the rows
        of buckets no word uses are zeroed here, as soon as the vocabulary is known."""
        thr, alias = alias_table(noise_distribution(counts, self.ns_exponent))
        self._sub_off, self._sub_ids = subword_table(words, self.min_n, self.max_n, self.buckets)
        self._zero_unused_buckets()
        most = np.array([kft.max_subwords(self._sub_off)], dtype=np.int64)
        return thr, alias, self._sub_off, self._sub_ids, most

    def _zero_unused_buckets(self) -> None:
        """Rows of buckets no vocabulary word's n-gram falls in are never read nor written by
        training; they are set to zero (not left at their random start), so the model is the
        compact table of the rows that occur, exactly (an unknown word's n-grams in such buckets
        add nothing instead of noise)."""
        n = len(self.vocab_.words) if hasattr(self, "vocab_") else None
        m = getattr(self, "input_matrix_", None)
        if m is None or n is None or m.shape[0] != n + self.buckets:
            return
        used = np.zeros(self.buckets, dtype=bool)
        used[self._used_buckets()] = True
        m[n:][~used] = 0.0

    def _used_buckets(self) -> np.ndarray:
        """The buckets the vocabulary's n-grams fall in (repeats included)."""
        n = len(self.vocab_.words)
        return self._sub_ids[self._sub_ids >= n] - n

    def kernel(self, parallel: bool):
        return kft.select("ns", parallel=parallel, dim=self.dim)

    def init_matrices(self, n_words: int):
        """fastText's initialisation: every input row (words and buckets) uniform in
        [-1/dim, 1/dim], output rows zero."""
        rng = np.random.default_rng(self.seed)
        rows = n_words + self.buckets
        w_in = np.empty((rows, self.dim), dtype=REAL)
        step = 1 << 18  # fill in slices: no float64 temporary the size of the matrix
        for s in range(0, rows, step):
            part = rng.random((min(step, rows - s), self.dim), dtype=np.float32)
            w_in[s : s + step] = (part * 2 - 1) / self.dim
        return w_in, np.zeros((n_words, self.dim), dtype=REAL)

    def _word_matrix(self):
        out = np.empty((len(self.vocab_.words), self.dim), dtype=REAL)
        kft.compose_rows(self.input_matrix_, self._sub_off, self._sub_ids, out)
        return out

    @property
    def description(self) -> str:
        return f"fasttext {self.architecture}"

    def _extra_rows(self) -> int:
        return self.buckets

    def _subwords(self):
        if not self.max_n:  # no n-grams: unknown words have no vector
            return None
        n = len(self.vocab_.words)
        return Subwords.compact_of(self.input_matrix_[n:], self._used_buckets(), self.min_n, self.max_n)
