"""Text classification on word vectors: document vectors for scikit-learn, and an attention
classifier in PyTorch.

:class:`EmbeddingVectorizer` is a scikit-learn transformer (extra ``[classify]``) turning
documents into the mean, tf-idf-weighted mean or SIF vector of their words, for use in a
``Pipeline`` with any classifier. :class:`AttentionClassifier` (extra ``[torch]``) learns an
attention-pooled document vector over the word vectors end to end. Both take a
:class:`wordspace.Vectors`; neither trains word vectors (``wordspace.models`` does).
"""

from __future__ import annotations

import math
import re
from collections import Counter

import numpy as np

from ._validation import InstanceOf, Interval, Options, check_param
from .errors import InvalidParameterError, NotFittedError

try:
    from sklearn.base import BaseEstimator, ClassifierMixin, TransformerMixin
except ImportError:  # pragma: no cover - exercised only without the extra
    raise ImportError("wordspace.classify requires scikit-learn; install with pip install 'wordspace[classify]'") from None

__all__ = ["EmbeddingVectorizer", "AttentionClassifier", "default_tokenizer"]

_TOKEN = re.compile(r"\w+(?:['\-]\w+)*|[^\w\s]")
POOLINGS = ("mean", "tfidf", "sif")


def default_tokenizer(text: str) -> list[str]:
    """Words (with inner apostrophes or hyphens) and single punctuation marks."""
    return _TOKEN.findall(text)


def _check_vectors(vectors, owner: str):
    from .vectors import Vectors

    check_param("vectors", vectors, [InstanceOf(Vectors, "a wordspace.Vectors")], owner)


class EmbeddingVectorizer(TransformerMixin, BaseEstimator):
    """Documents -> fixed-size vectors from word vectors (a scikit-learn transformer).

    Parameters
    ----------
    vectors : Vectors
        The word vectors.
    pooling : {"mean", "tfidf", "sif"}, default="mean"
        ``"mean"``: the mean of the vectors of the document's known words. ``"tfidf"``: weighted
        by tf-idf, with idf learned in :meth:`fit` (scikit-learn's smoothed idf,
        ``log((1 + n) / (1 + df)) + 1``). ``"sif"``: Arora, Liang and Ma (2017): weights
        ``a / (a + p(w))`` with ``p(w)`` the word's unigram probability (from the vectors'
        counts when they have them, else from the documents given to :meth:`fit`), then the
        projection on the first principal component of the fitted documents is removed.
    sif_a : float, default=1e-3
        The ``a`` of SIF.
    lowercase : bool, default=True
        Lower-case documents before tokenizing.
    tokenizer : callable or None
        ``str -> list of str``; the default splits words and punctuation.

    Documents without a known word get a zero vector.
    """

    def __init__(self, vectors=None, pooling: str = "mean", sif_a: float = 1e-3, lowercase: bool = True,
                 tokenizer=None):
        self.vectors = vectors
        self.pooling = pooling
        self.sif_a = sif_a
        self.lowercase = lowercase
        self.tokenizer = tokenizer

    def _tokens(self, doc) -> list[str]:
        if not isinstance(doc, str):
            raise InvalidParameterError(f"documents must be strings, got {type(doc).__name__}")
        tok = self.tokenizer or default_tokenizer
        return tok(doc.lower() if self.lowercase else doc)

    def _validate(self):
        _check_vectors(self.vectors, "EmbeddingVectorizer")
        check_param("pooling", self.pooling, [Options(POOLINGS)], "EmbeddingVectorizer")
        check_param("sif_a", self.sif_a, [Interval(float, 0, None, closed="right")], "EmbeddingVectorizer")

    def fit(self, X, y=None):
        """Learn idf (``tfidf``) or word probabilities and the common component (``sif``)."""
        self._validate()
        docs = [self._tokens(d) for d in X]
        if not docs:
            raise InvalidParameterError("EmbeddingVectorizer.fit needs at least one document")
        v = self.vectors
        self.weights_ = None
        if self.pooling == "tfidf":
            df = Counter(w for d in docs for w in set(d) if w in v)
            n = len(docs)
            self.weights_ = {w: math.log((1 + n) / (1 + c)) + 1 for w, c in df.items()}
            self.default_weight_ = math.log(1 + n) + 1  # a word never seen in fit (df = 0)
        elif self.pooling == "sif":
            self.word_counts_ = None if v.counts is not None else Counter(w for d in docs for w in d)
            self.total_ = float(v.counts.sum() if v.counts is not None else sum(self.word_counts_.values()))
            self.component_ = None
            m = self._pool(docs)
            nonzero = m[np.abs(m).sum(axis=1) > 0]
            if nonzero.shape[0] >= 2:
                self.component_ = np.linalg.svd(nonzero, full_matrices=False)[2][0]
        self.n_features_out_ = v.dim
        return self

    def _weight(self, w: str, tf: int) -> float:
        if self.pooling == "mean":
            return float(tf)
        if self.pooling == "tfidf":
            return tf * self.weights_.get(w, self.default_weight_)
        if self.word_counts_ is None:
            p = self.vectors.counts[self.vectors.index_of(w)] / self.total_
        else:
            p = self.word_counts_.get(w, 0) / self.total_
        return tf * self.sif_a / (self.sif_a + p)

    def _pool(self, docs) -> np.ndarray:
        v = self.vectors
        out = np.zeros((len(docs), v.dim), dtype=np.float32)
        for i, d in enumerate(docs):
            tf = Counter(w for w in d if w in v)
            if not tf:
                continue
            words = list(tf)
            w = np.array([self._weight(x, tf[x]) for x in words], dtype=np.float32)
            rows = v.matrix[[v.index_of(x) for x in words]]
            out[i] = w @ rows / w.sum()
        return out

    def transform(self, X) -> np.ndarray:
        """``(n_docs, dim)`` float32 document vectors."""
        if not hasattr(self, "n_features_out_"):
            raise NotFittedError("This EmbeddingVectorizer instance is not fitted yet. Call fit(documents) first.")
        m = self._pool([self._tokens(d) for d in X])
        if self.pooling == "sif" and self.component_ is not None:
            u = self.component_.astype(np.float32)
            m -= np.outer(m @ u, u)
        return m


class AttentionClassifier(ClassifierMixin, BaseEstimator):
    """A document classifier that attends over word vectors (PyTorch, extra ``[torch]``).

    Each word of a document is looked up in ``vectors`` (frozen unless ``fine_tune``); a score
    :math:`s_t = q^\\top \\tanh(W e_t + b)` per word, softmax over the document's words (padding
    masked), gives the pooled vector :math:`\\sum_t \\alpha_t e_t`, which a linear layer maps
    to class logits. Trained with Adam on cross-entropy, mini-batches, CPU or GPU.

    Parameters
    ----------
    vectors : Vectors
    hidden : int, default=64
        Size of the attention layer.
    epochs : int, default=10
    batch_size : int, default=64
    lr : float, default=2e-3
    dropout : float, default=0.2
    fine_tune : bool, default=False
        Also train the word vectors.
    max_length : int, default=400
        Words kept per document (the first ones).
    seed : int, default=0
    device : str or None
        ``"cpu"``, ``"cuda"``...; None uses CUDA when available.
    """

    def __init__(self, vectors=None, hidden: int = 64, epochs: int = 10, batch_size: int = 64, lr: float = 2e-3,
                 dropout: float = 0.2, fine_tune: bool = False, max_length: int = 400, lowercase: bool = True,
                 tokenizer=None, seed: int = 0, device=None):
        self.vectors = vectors
        self.hidden = hidden
        self.epochs = epochs
        self.batch_size = batch_size
        self.lr = lr
        self.dropout = dropout
        self.fine_tune = fine_tune
        self.max_length = max_length
        self.lowercase = lowercase
        self.tokenizer = tokenizer
        self.seed = seed
        self.device = device

    def _encode(self, X):
        tok = self.tokenizer or default_tokenizer
        index = self.vectors.key_to_index
        ids = []  # rows of wordspace.nn.to_embedding: 0 pads, 1 is unknown, word i is i + 2
        for d in X:
            if not isinstance(d, str):
                raise InvalidParameterError(f"documents must be strings, got {type(d).__name__}")
            words = tok(d.lower() if self.lowercase else d)[: self.max_length] or [""]
            ids.append([index.get(w, -1) + 2 for w in words])
        width = max(len(r) for r in ids)
        out = np.zeros((len(ids), width), dtype=np.int64)
        for i, r in enumerate(ids):
            out[i, : len(r)] = r
        return out

    def fit(self, X, y):
        import torch

        from .nn.classifier import AttentionPoolingModel

        _check_vectors(self.vectors, "AttentionClassifier")
        X = list(X)
        self.classes_, y_idx = np.unique(np.asarray(y), return_inverse=True)
        if len(self.classes_) < 2:
            raise InvalidParameterError("AttentionClassifier needs at least two classes in y")
        torch.manual_seed(self.seed)
        rng = np.random.default_rng(self.seed)
        dev = self.device or ("cuda" if torch.cuda.is_available() else "cpu")
        self.model_ = AttentionPoolingModel.from_vectors(self.vectors, len(self.classes_), hidden=self.hidden,
                                                         dropout=self.dropout, freeze=not self.fine_tune).to(dev)
        ids = torch.from_numpy(self._encode(X))
        target = torch.from_numpy(y_idx.astype(np.int64))
        opt = torch.optim.Adam([p for p in self.model_.parameters() if p.requires_grad], lr=self.lr)
        self.loss_history_ = []
        self.model_.train()
        for _ in range(self.epochs):
            order = rng.permutation(len(X))
            total = 0.0
            for s in range(0, len(X), self.batch_size):
                b = torch.from_numpy(order[s : s + self.batch_size])
                batch = ids[b].to(dev)
                logits = self.model_(batch)
                loss = torch.nn.functional.cross_entropy(logits, target[b].to(dev))
                opt.zero_grad()
                loss.backward()
                opt.step()
                total += float(loss.detach()) * len(b)
            self.loss_history_.append(total / len(X))
        self.device_ = dev
        return self

    def predict_proba(self, X) -> np.ndarray:
        import torch

        if not hasattr(self, "model_"):
            raise NotFittedError("This AttentionClassifier instance is not fitted yet. Call fit(X, y) first.")
        self.model_.eval()
        ids = torch.from_numpy(self._encode(list(X)))
        out = []
        with torch.no_grad():
            for s in range(0, ids.shape[0], 256):
                out.append(torch.softmax(self.model_(ids[s : s + 256].to(self.device_)), dim=-1).cpu().numpy())
        return np.concatenate(out)

    def predict(self, X) -> np.ndarray:
        return self.classes_[self.predict_proba(X).argmax(axis=1)]

    def attention(self, doc: str) -> list[tuple[str, float]]:
        """The words of ``doc`` with their attention weights (what the classifier looked at)."""
        import torch

        ids = torch.from_numpy(self._encode([doc])).to(self.device_)
        self.model_.eval()
        with torch.no_grad():
            _, weights = self.model_(ids, return_attention=True)
        tok = self.tokenizer or default_tokenizer
        words = tok(doc.lower() if self.lowercase else doc)[: self.max_length]
        return list(zip(words, weights[0, : len(words)].cpu().numpy().tolist()))
