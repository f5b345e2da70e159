"""Count-based representations as the textbooks teach them: one-hot vectors and the word-word
co-occurrence matrix, as SciPy sparse matrices and scikit-learn transformers (extra
``[classify]``: scikit-learn and SciPy; ``import wordspace`` never imports this module).

Counting itself is ``wordspace.cooccur`` (compiled, in bounded memory); vocabulary policy is
``wordspace.vocab``; this module only gives their results the shapes other libraries expect.
"""

from __future__ import annotations

import numpy as np

try:
    import scipy.sparse as sp
    from sklearn.base import BaseEstimator, TransformerMixin
except ImportError:  # pragma: no cover - exercised only without the extra
    raise ImportError("wordspace.sparse requires scikit-learn and SciPy; install with pip install "
                      "'wordspace[classify]'") from None

from .errors import InvalidParameterError, NotFittedError

__all__ = ["one_hot", "cooccurrence_matrix", "OneHotEncoder", "CooccurrenceVectorizer"]


def one_hot(words, vocabulary) -> "sp.csr_matrix":
    """The one-hot rows of ``words``: a ``(len(words), len(vocabulary))`` sparse matrix with a
    single 1 per row, in the column of the word's id.

    ``vocabulary`` is a list of words (ids are positions), a ``{word: id}`` dict, a
    :class:`~wordspace.vocab.Vocab` or a :class:`~wordspace.Vectors`. An unknown word raises
    :class:`KeyNotFoundError`.
    """
    from .vocab import one_hot_rows

    return one_hot_rows(words, _index(vocabulary))


def _index(vocabulary) -> dict:
    if isinstance(vocabulary, dict):
        return vocabulary
    for attr in ("key_to_index", "index"):  # Vectors, Vocab
        idx = getattr(vocabulary, attr, None)
        if isinstance(idx, dict):
            return idx
    words = list(vocabulary)
    index = {w: i for i, w in enumerate(words)}
    if len(index) != len(words):
        raise InvalidParameterError("the vocabulary lists a word twice")
    return index


def cooccurrence_matrix(corpus, *, window: int = 2, weighting: str = "uniform", min_count: int = 1,
                        max_vocab: int | None = None, memory: float = 1024, workers: int | None = None):
    """The word-word co-occurrence matrix of ``corpus`` and its vocabulary: ``(matrix, words)``.

    ``matrix[i, j]`` is the weighted number of times word ``words[j]`` occurs within ``window``
    tokens of word ``words[i]`` (on either side, inside a line): weight 1 (``"uniform"``), 1/d
    (``"harmonic"``, GloVe's) or (window - d + 1) / window (``"linear"``). The matrix is
    symmetric, a ``scipy.sparse.csr_matrix`` of float64. Words are ordered by frequency (most
    frequent first), ties by the word; ``min_count`` and ``max_vocab`` choose them.

    The corpus is read once by the compiled encoder and counted in ``memory`` megabytes
    (``wordspace.cooccur``), so it may be a file far larger than RAM; only the result must fit.
    """
    import os

    from .cooccur import count_cooccurrences
    from .corpus import encode_corpus

    encoded = encode_corpus(corpus, min_count=min_count, max_vocab=max_vocab)
    co = count_cooccurrences(encoded, window=window, weighting=weighting, memory=memory,
                             workers=workers or max(1, os.cpu_count() or 1))
    n = co.n_words
    matrix = sp.csr_matrix((np.asarray(co.values, dtype=np.float64), (np.asarray(co.rows), np.asarray(co.cols))),
                           shape=(n, n))
    return matrix, list(encoded.words)


class OneHotEncoder(TransformerMixin, BaseEstimator):
    """One-hot vectors of words over a vocabulary learned from a corpus (scikit-learn API).

    ``fit(corpus)`` learns the vocabulary (``vocabulary_``: word -> column, most frequent first);
    ``transform(words)`` gives their one-hot rows, a sparse ``(n_words, n_vocabulary)`` matrix.
    Unknown words raise, or get an all-zero row with ``handle_unknown="ignore"``.
    """

    def __init__(self, *, min_count: int = 1, max_vocab: int | None = None, handle_unknown: str = "error"):
        self.min_count = min_count
        self.max_vocab = max_vocab
        self.handle_unknown = handle_unknown

    def fit(self, corpus, y=None):
        from .corpus import encode_corpus

        if self.handle_unknown not in ("error", "ignore"):
            raise InvalidParameterError(param="handle_unknown", owner="OneHotEncoder", rule="one of 'error', 'ignore'",
                                        value=self.handle_unknown)
        enc = encode_corpus(corpus, min_count=self.min_count, max_vocab=self.max_vocab)
        self.vocabulary_ = {w: i for i, w in enumerate(enc.words)}
        return self

    def transform(self, words):
        if not hasattr(self, "vocabulary_"):
            raise NotFittedError("This OneHotEncoder instance is not fitted yet. Call fit(corpus) first.")
        if self.handle_unknown == "error":
            return one_hot(words, self.vocabulary_)
        known = [(i, self.vocabulary_[w]) for i, w in enumerate(words) if w in self.vocabulary_]
        rows = np.array([i for i, _ in known], dtype=np.int64)
        cols = np.array([j for _, j in known], dtype=np.int64)
        return sp.csr_matrix((np.ones(len(known), np.float32), (rows, cols)), shape=(len(words), len(self.vocabulary_)))

    def get_feature_names_out(self, input_features=None):
        return np.array(sorted(self.vocabulary_, key=self.vocabulary_.get), dtype=object)


class CooccurrenceVectorizer(TransformerMixin, BaseEstimator):
    """Co-occurrence counts as features of words (scikit-learn API).

    ``fit(corpus)`` counts the matrix (``matrix_``, ``vocabulary_``; see
    :func:`cooccurrence_matrix`); ``transform(words)`` gives each word's row, so a word is
    described by the words around it; ``fit_transform(corpus)`` is the whole matrix.
    """

    def __init__(self, *, window: int = 2, weighting: str = "uniform", min_count: int = 1,
                 max_vocab: int | None = None, memory: float = 1024):
        self.window = window
        self.weighting = weighting
        self.min_count = min_count
        self.max_vocab = max_vocab
        self.memory = memory

    def fit(self, corpus, y=None):
        self.matrix_, words = cooccurrence_matrix(corpus, window=self.window, weighting=self.weighting,
                                                  min_count=self.min_count, max_vocab=self.max_vocab,
                                                  memory=self.memory)
        self.vocabulary_ = {w: i for i, w in enumerate(words)}
        return self

    def fit_transform(self, corpus, y=None):
        return self.fit(corpus).matrix_

    def transform(self, words):
        if not hasattr(self, "matrix_"):
            raise NotFittedError("This CooccurrenceVectorizer instance is not fitted yet. Call fit(corpus) first.")
        return one_hot(words, self.vocabulary_) @ self.matrix_

    def get_feature_names_out(self, input_features=None):
        return np.array(sorted(self.vocabulary_, key=self.vocabulary_.get), dtype=object)
