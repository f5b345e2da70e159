"""What gensim and fastText users already type.

- :class:`KeyedVectorsMethods`: gensim's ``KeyedVectors`` query methods under gensim's names and
  with gensim's semantics (``n_similarity``, ``distance``, ``distances``, ``rank``,
  ``closer_than``, ``most_similar_to_given``, ``relative_cosine_similarity``,
  ``get_mean_vector``, ``similar_by_word``/``_key``/``_vector``, ``most_similar_cosmul``,
  ``rank_by_centrality``, ``get_vector``, ``get_index``...). :class:`wordspace.Vectors` has them;
  wordspace's own names stay, and each gensim name is a thin call of one implementation.
- :func:`refuse_foreign_keywords`: gensim's and fastText's parameter names given to a wordspace
  call (``Word2Vec(vector_size=100, sg=1)``, ``most_similar(..., topn=5)``) are refused with the
  wordspace name, never accepted silently.
- :func:`foreign_attribute`: gensim's attribute names on a wordspace model (``model.wv``) get an
  ``AttributeError`` that names wordspace's.

The full table of names is in ``docs/gensim.md``.
"""

from __future__ import annotations

import warnings

import numpy as np

__all__ = ["KeyedVectorsMethods", "FOREIGN_KEYWORDS", "FOREIGN_ATTRIBUTES", "refuse_foreign_keywords",
           "foreign_attribute"]

#: gensim's (and fastText's) keyword -> what wordspace calls it
FOREIGN_KEYWORDS = {
    "vector_size": "dim", "size": "dim", "sg": "architecture='skipgram' (sg=1) or 'cbow' (sg=0)",
    "hs": "loss='hs'", "iter": "epochs", "epoch": "epochs", "max_vocab_size": "max_vocab",
    "max_final_vocab": "max_vocab", "sentences": "fit(corpus)", "corpus_file": "fit(path)",
    "corpus_iterable": "fit(corpus)", "documents": "fit(corpus)", "bucket": "buckets",
    "dm": "architecture='dm' (dm=1) or 'dbow' (dm=0)", "cbow_mean": "architecture='cbow' (always the mean)",
    "topn": "k", "restrict_vocab": "restrict", "lr": "alpha", "ws": "window", "minCount": "min_count",
    "neg": "negative", "minn": "min_n", "maxn": "max_n", "thread": "workers", "t": "sample",
    "wordNgrams": "word_ngrams", "input": "fit(path)",
}

#: gensim's attribute names on a model -> wordspace's
FOREIGN_ATTRIBUTES = {
    "wv": "vectors_ (a wordspace.Vectors)", "dv": "document_vectors_", "vector_size": "dim",
    "syn1neg": "output_matrix_", "syn1": "output_matrix_", "corpus_count": "corpus_stats_",
    "epochs_trained": "epochs_trained_", "index_to_key": "vectors_.keys", "key_to_index": "vectors_.key_to_index",
}


def refuse_foreign_keywords(owner: str, given, allowed=()) -> None:
    """Raise a ``TypeError`` naming the wordspace parameter for the first gensim or fastText
    keyword in ``given`` (a mapping or names) that ``owner`` does not take."""
    for name in given:
        if name in FOREIGN_KEYWORDS and name not in allowed:
            raise TypeError(f"{owner} got the keyword {name!r}, gensim's or fastText's name; wordspace calls it "
                            f"{FOREIGN_KEYWORDS[name]} (see docs/gensim.md)")


def foreign_attribute(owner, name: str):
    """The ``AttributeError`` for attribute ``name`` of ``owner``, naming wordspace's attribute
    when ``name`` is gensim's."""
    kind = type(owner).__name__
    if name in FOREIGN_ATTRIBUTES:
        return AttributeError(f"'{kind}' object has no attribute {name!r} (gensim's name); wordspace calls it "
                              f"{FOREIGN_ATTRIBUTES[name]} (see docs/gensim.md)")
    return AttributeError(f"'{kind}' object has no attribute {name!r}")


def as_key_list(items) -> list:
    """gensim's rule: one string (or one vector) stands for a list of one."""
    if items is None:
        return []
    if isinstance(items, str) or (isinstance(items, np.ndarray) and items.ndim == 1):
        return [items]
    return list(items)  # a list, or a 2-D array: one vector per row


class KeyedVectorsMethods:
    """gensim's ``KeyedVectors`` query methods, for a class with ``keys``, ``matrix``,
    ``norms()``, ``similarity``, ``most_similar``, ``__contains__``, ``index_of`` and ``[key]``
    (:class:`wordspace.Vectors`). Results are what gensim returns for the same vectors: lists of
    ``(key, score)`` pairs, floats, NumPy arrays."""

    # -- gensim's accessors ----------------------------------------------------------------------
    @property
    def index_to_key(self):
        return self.keys

    @property
    def vectors(self) -> np.ndarray:
        return self.matrix

    @property
    def vector_size(self) -> int:
        return self.dim

    def get_index(self, key, default=None) -> int:
        """The row of ``key``; ``default`` when it is unknown and a default is given."""
        if isinstance(key, (int, np.integer)) and not isinstance(key, bool) and 0 <= key < len(self.keys):
            return int(key)
        if default is not None and key not in self:
            return default
        return self.index_of(key)

    def has_index_for(self, key) -> bool:
        return key in self

    def get_vector(self, key, norm: bool = False) -> np.ndarray:
        """The vector of ``key`` (a key or a row number), unit length when ``norm``."""
        row = self.get_index(key) if not isinstance(key, str) else -1
        vec = np.asarray(self.matrix[row] if row >= 0 else self[key], dtype=np.float32)
        if norm:
            n = float(np.linalg.norm(vec))
            vec = vec / n if n > 0 else vec
        return vec

    def get_normed_vectors(self) -> np.ndarray:
        return self.normalized()

    # -- similarities ----------------------------------------------------------------------------
    def get_mean_vector(self, keys, weights=None, pre_normalize: bool = True, post_normalize: bool = False,
                        ignore_missing: bool = True) -> np.ndarray:
        """The weighted mean of the vectors of ``keys`` (keys, row numbers or vectors); unit
        rows first when ``pre_normalize``; missing keys skipped unless ``ignore_missing`` is
        false; the mean divided by the summed absolute weights of what was used."""
        keys = as_key_list(keys) if isinstance(keys, str) else list(keys)
        if len(keys) == 0:
            raise ValueError("cannot compute mean with no input")
        w = np.ones(len(keys), dtype=np.float32) if weights is None else np.asarray(weights, dtype=np.float32)
        if w.shape != (len(keys),):
            raise ValueError("keys and weights array must have same number of elements")
        mean = np.zeros(self.dim, dtype=np.float32)
        total = 0.0
        for k, weight in zip(keys, w.tolist()):
            if isinstance(k, np.ndarray):
                mean += weight * k.astype(np.float32)
            elif (isinstance(k, str) and k in self) or (isinstance(k, (int, np.integer)) and 0 <= k < len(self.keys)):
                mean += weight * self.get_vector(k, norm=pre_normalize)
            elif not ignore_missing:
                raise self._missing(k)
            else:
                continue
            total += abs(weight)
        if total > 0:
            mean = mean / total
        if post_normalize:
            n = float(np.linalg.norm(mean))
            mean = mean / n if n > 0 else mean
        return mean.astype(np.float32)

    def _missing(self, key):
        try:
            self.index_of(key)
        except KeyError as exc:
            return exc
        return KeyError(key)  # pragma: no cover - only called for missing keys

    def n_similarity(self, ws1, ws2) -> float:
        """Cosine of the means of two lists of keys (raw vectors averaged, unknown keys
        skipped)."""
        if not (len(ws1) and len(ws2)):
            raise ZeroDivisionError("At least one of the passed list is empty.")
        a = self.get_mean_vector(ws1, pre_normalize=False)
        b = self.get_mean_vector(ws2, pre_normalize=False)
        return float(np.dot(_unit(a), _unit(b)))

    def distance(self, w1, w2) -> float:
        """1 - cosine similarity."""
        return 1.0 - self.similarity(w1, w2)

    def distances(self, word_or_vector, other_words=()) -> np.ndarray:
        """1 - the cosine of ``word_or_vector`` with each of ``other_words`` (every key when
        empty), as a float32 array in that order."""
        vec = self.get_vector(word_or_vector) if isinstance(word_or_vector, str) else \
            np.asarray(word_or_vector, dtype=np.float32)
        if len(other_words) == 0:
            return 1.0 - self._cosines(vec)
        rows = np.array([self.get_index(w) for w in other_words], dtype=np.int64)
        m = np.asarray(self.matrix[rows], dtype=np.float32)
        return (1.0 - (m @ vec) / (np.linalg.norm(m, axis=1) * np.linalg.norm(vec))).astype(np.float32)

    def _cosines(self, vec) -> np.ndarray:
        """Cosine of ``vec`` with every row (a block of rows at a time; zero rows give 0)."""
        norm = float(np.linalg.norm(vec))
        out = np.empty(len(self.keys), dtype=np.float32)
        norms = self.norms()
        step = 1 << 16
        for s in range(0, len(self.keys), step):
            block = np.asarray(self.matrix[s : s + step], dtype=np.float32) @ vec
            with np.errstate(divide="ignore", invalid="ignore"):
                out[s : s + step] = np.where(norms[s : s + step] > 0, block / (norms[s : s + step] * norm), 0.0)
        return out

    def closer_than(self, key1, key2) -> list:
        """Every key closer to ``key1`` than ``key2`` is (``key1`` itself left out)."""
        d = self.distances(key1)
        i1, i2 = self.get_index(key1), self.get_index(key2)
        return [self.keys[i] for i in np.flatnonzero(d < d[i2]).tolist() if i != i1]

    def words_closer_than(self, word1, word2) -> list:
        """:meth:`closer_than` (gensim's older name)."""
        return self.closer_than(word1, word2)

    def rank(self, key1, key2) -> int:
        """1 + the number of keys closer to ``key1`` than ``key2``."""
        return len(self.closer_than(key1, key2)) + 1

    def most_similar_to_given(self, key1, keys_list):
        """The key of ``keys_list`` most similar to ``key1``."""
        return keys_list[int(np.argmax([self.similarity(key1, k) for k in keys_list]))]

    def relative_cosine_similarity(self, wa, wb, topn: int = 10) -> float:
        """Leeuwenberg et al. (2016): cos(wa, wb) over the sum of the cosines of ``wa``'s
        ``topn`` nearest keys."""
        sims = self.similar_by_word(wa, topn)
        if not sims:
            raise ValueError("Cannot calculate relative cosine similarity without any similar words.")
        return float(self.similarity(wa, wb)) / sum(s for _, s in sims)

    def similar_by_word(self, word, topn: int | None = 10, restrict_vocab: int | None = None):
        """:meth:`similar_by_key`."""
        return self.similar_by_key(word, topn, restrict_vocab)

    def similar_by_key(self, key, topn: int | None = 10, restrict_vocab: int | None = None):
        """The ``topn`` keys nearest ``key`` as ``(key, cosine)`` pairs; with ``topn=None`` the
        cosine of every key, as an array."""
        return self._gensim_most_similar([key], [], topn, restrict_vocab)

    def similar_by_vector(self, vector, topn: int | None = 10, restrict_vocab: int | None = None):
        """The ``topn`` keys nearest ``vector`` (nothing left out)."""
        return self._gensim_most_similar([np.asarray(vector, dtype=np.float32)], [], topn, restrict_vocab)

    def _gensim_most_similar(self, positive, negative, topn, restrict_vocab):
        if topn is not None and topn < 1:
            return []
        if topn is None:
            mean = self.get_mean_vector(list(positive) + list(negative),
                                        [1.0] * len(positive) + [-1.0] * len(negative), post_normalize=True,
                                        ignore_missing=False)
            sims = self._cosines(mean)
            return sims[:restrict_vocab] if restrict_vocab else sims
        return [tuple(n) for n in self.most_similar(positive=positive, negative=negative, k=topn,
                                                    restrict=restrict_vocab)]

    def most_similar_cosmul(self, positive=None, negative=None, topn: int | None = 10,
                            restrict_vocab: int | None = None):
        """gensim's 3CosMul over free lists of keys (or vectors): the product of the shifted
        cosines ``(1 + cos) / 2`` with ``positive`` over that with ``negative`` plus 1e-6 (gensim's
        epsilon; :meth:`analogy` with ``method="mul"`` uses Levy and Goldberg's 1e-3). The query
        keys are not answers."""
        if topn is not None and topn < 1:
            return []
        positive, negative = as_key_list(positive), as_key_list(negative)
        if not positive:
            raise ValueError("cannot compute similarity with no input")
        used = {self.get_index(w) for w in positive + negative if isinstance(w, str) and w in self}
        pos = [self.get_vector(w, norm=True) if isinstance(w, str) else np.asarray(w, np.float32) for w in positive]
        neg = [self.get_vector(w, norm=True) if isinstance(w, str) else np.asarray(w, np.float32) for w in negative]
        norms = self.norms()
        n = len(self.keys) if not restrict_vocab else min(restrict_vocab, len(self.keys))
        m = np.asarray(self.matrix[:n], dtype=np.float32)
        with np.errstate(divide="ignore", invalid="ignore"):
            shifted = [(1.0 + (m @ t) / norms[:n]) / 2.0 for t in pos + neg]
        num = np.prod(shifted[: len(pos)], axis=0)
        den = np.prod(shifted[len(pos):], axis=0) if neg else np.ones(n, np.float32)
        dists = num / (den + 1e-6)
        if topn is None:
            return dists
        order = np.argsort(-dists, kind="stable")[: topn + len(used)]
        return [(self.keys[i], float(dists[i])) for i in order.tolist() if i not in used][:topn]

    def rank_by_centrality(self, words, use_norm: bool = True) -> list:
        """``(cosine to the mean, key)`` of the known ``words``, most central first; unknown
        words are left out with a warning."""
        used = [w for w in words if w in self]
        if len(used) != len(words):
            warnings.warn(f"vectors for words {sorted(set(words) - set(used))} are not present in the model, "
                          "ignoring these words", stacklevel=3)
        if not used:
            raise ValueError("cannot select a word from an empty list")
        vecs = np.stack([self.get_vector(w, norm=use_norm) for w in used]).astype(np.float32)
        mean = self.get_mean_vector(vecs, post_normalize=True)
        dists = vecs @ mean
        return sorted(zip(dists.tolist(), used), reverse=True)


def _unit(v: np.ndarray) -> np.ndarray:
    n = float(np.linalg.norm(v))
    return v / n if n > 0 else v
