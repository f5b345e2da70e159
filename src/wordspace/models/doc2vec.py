"""Doc2Vec: paragraph vectors (Le and Mikolov 2014), PV-DBOW and PV-DM, trained on word2vec's
epoch plan and window updates (``_kernels.doc2vec``), with deterministic inference of new
documents.

A corpus is one document per line (or per item of an in-memory corpus). Every line is a
document, an empty one too, and no document is cut: a line longer than ``max_sentence_length``
is trained as consecutive pieces of one document. Tags are line numbers (``tags="lines"``),
or the first tab-separated column of each line (``tags="first-column"``), or, in memory, the
``tags`` of gensim-style ``TaggedDocument(words, tags)`` items.

Inference (:meth:`Doc2Vec.infer`, ``transform``, ``infer_vector``) trains a new vector per text
against the frozen model, with the training's number of passes by default, as gensim does;
short texts gain from more (``infer(texts, epochs=20)``: on MR, 10M words of training, 57.5 ->
61.1 points; docs/benchmarks.md). Inference is deterministic: each text's random stream and
starting point come from the model's seed and the text alone, so the same text gives the same
vector in every call, batch and process.
"""

from __future__ import annotations

import os

import numpy as np

from .._kernels import REAL
from .._kernels import doc2vec as kd
from .._validation import LIMITS, NONE, Interval, Options, Param
from ..corpus import DEFAULT_MAX_SENTENCE_LENGTH
from ..errors import CorpusError, FormatError, InvalidParameterError
from ._base import check_memory
from .word2vec import Word2Vec

__all__ = ["Doc2Vec", "TAGS"]

TAGS = ("lines", "first-column")


class Doc2Vec(Word2Vec):
    """Paragraph vectors: a vector per document, learnt with the word vectors' machinery.

    Parameters
    ----------
    architecture : {"dbow", "dm"}, default="dbow"
        PV-DBOW (the document vector predicts each of its words; fast, and the stronger of the
        two in most published comparisons) or PV-DM (the mean of the context words' vectors and
        the document vector predicts the word).
    dbow_words : bool, default=False
        With PV-DBOW, also train word vectors by skip-gram on the same windows (gensim's
        ``dbow_words=1``); PV-DM always trains them.
    loss : {"ns", "hs"}, default="ns"
    tags : {"lines", "first-column"}, default="lines"
        A document's tag: its line number (from 0, across the files in order), or the text
        before the first tab of its line (the rest is the document).
    epochs : int, default=10
    alpha : float or None, default=None
        None: 0.025 (PV-DBOW and PV-DM alike, as gensim).

    The other parameters are :class:`~wordspace.Word2Vec`'s.

    Attributes
    ----------
    document_vectors_ : Vectors
        One vector per training document, keyed by tag (gensim's ``model.dv``).
    tags_ : list of str
    vectors_ : Vectors
        The word vectors (gensim's ``model.wv``); untrained noise with PV-DBOW unless
        ``dbow_words``.

    Inference (:meth:`infer`, :meth:`transform`) trains a new document's vector against the
    frozen model for ``epochs`` passes. It is deterministic: the vector's starting point and
    every random choice come from the model's ``seed`` and the document's own text, so the same
    text gets the same vector in every call and every process, whatever else is inferred with it.
    """

    algorithm = "doc2vec"
    export_kinds = ("words", "documents")
    _params = {
        **Word2Vec._params,
        "architecture": Param([Options(("dbow", "dm"))],
                              "doc2vec: dbow (the document predicts its words) or dm (with the context words)"),
        "loss": Param([Options(("ns", "hs"))], "negative sampling or hierarchical softmax"),
        "dbow_words": Param([Options((True, False))], "doc2vec dbow: also train word vectors by skip-gram"),
        "tags": Param([Options(TAGS)], "doc2vec: a document's tag is its line number, or its first tab-separated "
                                       "column"),
        "epochs": Param([Interval(int, 1, LIMITS["epochs"])], "passes over the corpus"),
        "alpha": Param([Interval(float, 0, LIMITS["rate"], closed="right"), NONE],
                       "initial learning rate (default 0.025)"),
    }
    _fitted_attr = "document_vectors_"

    def __init__(self, *, dim=100, window=5, architecture="dbow", dbow_words=False, loss="ns", negative=5,
                 ns_exponent=0.75, sample=1e-3, min_count=5, max_vocab=None, epochs=10, alpha=None, min_alpha=0.0001,
                 tags="lines", workers=None, seed=1, max_sentence_length=DEFAULT_MAX_SENTENCE_LENGTH, lowercase=False,
                 tokenizer="whitespace", normalize=None, numbers=False, progress=True, callbacks=()):
        super().__init__(dim=dim, window=window, architecture=architecture, loss=loss, negative=negative,
                         ns_exponent=ns_exponent, sample=sample, min_count=min_count, max_vocab=max_vocab,
                         epochs=epochs, alpha=alpha, min_alpha=min_alpha, workers=workers, seed=seed,
                         max_sentence_length=max_sentence_length, lowercase=lowercase, tokenizer=tokenizer,
                         normalize=normalize, numbers=numbers, phrases=None, progress=progress, callbacks=callbacks)
        self.dbow_words = dbow_words
        self.tags = tags

    @property
    def alpha_(self) -> float:
        return 0.025 if self.alpha is None else float(self.alpha)

    @property
    def averages_context(self) -> bool:
        return self.architecture == "dm"

    @property
    def description(self) -> str:
        words = "+words" if self.architecture == "dbow" and self.dbow_words else ""
        return f"doc2vec {self.architecture}{words}/{self.loss}"

    def check_export(self, kind: str) -> None:
        from ._base import Trainer

        Trainer.check_export(self, kind)

    # -- the corpus: one document per line -----------------------------------------------------
    def _read_corpus(self, corpus, encoded):
        import time

        from ..corpus import encode_corpus
        from ..progress import phase
        from ..vocab import Vocab

        if encoded is not None and encoded.lines is None:
            raise InvalidParameterError("Doc2Vec needs a corpus encoded as documents: encode_corpus(..., "
                                        "documents=True)", param="encoded")
        t0 = time.perf_counter()
        tags = None
        if encoded is None:
            with phase("reading and counting the documents", self.progress):
                corpus, tags = self._documents(corpus)
                encoded = encode_corpus(corpus, min_count=self.min_count, max_vocab=self.max_vocab,
                                        max_sentence_length=self.max_sentence_length,
                                        preparation=self.text_preparation(), documents=True)
        n_docs = int(encoded.lines[-1]) + 1 if encoded.lines.shape[0] else 0
        if tags is None:
            tags = [str(i) for i in range(n_docs)]
        if len(tags) != n_docs:  # pragma: no cover - the encoder keeps one place per line
            raise CorpusError(f"{len(tags)} tags for {n_docs} documents")
        self.vocab_ = Vocab(encoded.words, encoded.counts)
        self.tags_ = tags
        self.corpus_stats_ = {
            "raw_tokens": encoded.raw_tokens, "tokens": encoded.n_tokens, "documents": n_docs,
            "vocab": len(encoded.words), "invalid_utf8_bytes": encoded.invalid_bytes,
            "vocab_prunes": encoded.pruned, "seconds": time.perf_counter() - t0,
        }
        return encoded

    def _documents(self, corpus):
        """``(corpus for encode_corpus, tags or None)``: first-column tags are cut from the
        lines here; gensim-style ``TaggedDocument`` items give their words and first tag."""
        from ..corpus import LineCorpus, _is_path_list, corpus_files
        from ..textfiles import iter_blocks

        if isinstance(corpus, LineCorpus) or _is_path_list(corpus):
            if self.tags == "lines":
                return corpus, None
            files, options = corpus_files(corpus)
            docs, tags = [], []
            for path in files:
                text = b"".join(block for block, _ in iter_blocks(path, options=options)).decode("utf-8", "replace")
                lines = text.split("\n")
                if lines and lines[-1] == "":
                    lines.pop()
                for number, line in enumerate(lines, 1):
                    tag, tab, rest = line.partition("\t")
                    if not tab or not tag.strip():
                        raise CorpusError(f"'{path}', line {number}: tags='first-column' needs a tag, then a tab, "
                                          "then the document; this line has no tab or an empty tag")
                    tags.append(tag.strip())
                    docs.append(rest.split())
            return docs, _unique(tags)
        if isinstance(corpus, (str, bytes)) or iter(corpus) is corpus:
            raise CorpusError("a Doc2Vec corpus is file paths, a LineCorpus, or a list of documents (token lists or "
                              "TaggedDocument(words, tags) items)")
        items = list(corpus)
        if items and all(hasattr(d, "words") and hasattr(d, "tags") for d in items):
            tags = [str(d.tags[0]) if len(d.tags) else str(i) for i, d in enumerate(items)]
            return [list(d.words) for d in items], _unique(tags)
        return items, None

    # -- training --------------------------------------------------------------------------------
    def kernel_tables(self, words, counts) -> tuple:
        tables = super().kernel_tables(words, counts)
        return (*tables, self._doc_rows, np.array([int(bool(self.dbow_words))], dtype=np.int64))

    holds_top_of_tree = False  # (its kernels train the shared rows directly)

    def kernel(self, parallel: bool):
        return kd.select(self.loss, parallel=parallel, dim=self.dim)

    family = "documents"  # not trained on a cluster (wordspace.cluster refuses it)

    def init_matrices(self, n_words: int):
        """``(W_in, W_out)``: the word rows then one row per document (``tags_``), uniform in
        [-1/dim, 1/dim); the output rows zero."""
        w_in, w_out = super().init_matrices(n_words)
        rng = np.random.default_rng([self.seed, 1])
        docs = ((rng.random((len(self.tags_), self.dim), dtype=np.float32) * 2 - 1) / self.dim).astype(REAL)
        return np.concatenate([w_in, docs]), w_out

    def _fit(self, enc, workers: int) -> None:
        v, n_docs = len(enc.words), len(self.tags_)
        check_memory(4.0 * self.dim * (2 * v + n_docs), "the word, document and output matrices", "dim",
                     type(self).__name__, self.dim)
        self.input_matrix_, self.output_matrix_ = self.init_matrices(v)
        self._doc_rows = (v + enc.lines).astype(np.int32)
        self.epochs_trained_ = 0
        self._train_epochs(enc, workers, self.epochs, self.alpha_, self.min_alpha)

    def _word_matrix(self):
        return self.input_matrix_[: len(self.vocab_)]

    def _export_matrix(self, kind: str) -> np.ndarray:
        return self._word_matrix()

    def current_vectors(self):
        from ..vectors import Vectors

        self.document_vectors_ = Vectors(self.tags_, np.ascontiguousarray(self.input_matrix_[len(self.vocab_):]),
                                         metadata=self.metadata(exported="documents"), check_keys=False)
        return super().current_vectors()

    def export(self, kind: str | None = None):
        if kind == "documents":
            self._check_fitted()
            return self.document_vectors_
        return super().export(kind)

    def partial_fit(self, corpus, *, epochs: int | None = None, alpha: float | None = None,
                    min_alpha: float | None = None, encoded=None):
        """Train on more documents, as gensim's ``train`` on a built model does: a document
        whose tag the model has (first-column tags) trains that document's vector further; any
        other gets a new vector (line-number tags continue after the model's documents). The
        words are trained on as :meth:`Word2Vec.partial_fit` trains them. Returns self."""
        from ..corpus import encode_corpus

        self._check_fitted()
        tags = None
        if encoded is None:
            docs, tags = self._documents(corpus)
            encoded = encode_corpus(docs, min_count=1, max_sentence_length=self.max_sentence_length,
                                    preparation=self.text_preparation(), documents=True)
        elif encoded.lines is None:
            raise InvalidParameterError("Doc2Vec needs a corpus encoded as documents: encode_corpus(..., "
                                        "documents=True)", param="encoded")
        n_docs = int(encoded.lines[-1]) + 1 if encoded.lines.shape[0] else 0
        old = len(self.tags_)
        tags = tags if tags is not None else [str(old + i) for i in range(n_docs)]
        index = {t: i for i, t in enumerate(self.tags_)}
        added = []
        place = np.empty(n_docs, dtype=np.int64)  # each document's row among the document rows
        for i, t in enumerate(tags):
            j = index.get(t)
            if j is None:
                j = index[t] = old + len(added)
                added.append(t)
            place[i] = j
        self._pending = (len(added), place[encoded.lines])
        self.tags_ = self.tags_ + added
        try:
            return super().partial_fit(None, epochs=epochs, alpha=alpha, min_alpha=min_alpha, encoded=encoded)
        except BaseException:
            self.tags_ = self.tags_[:old]
            raise
        finally:
            self._pending = None

    def _grow(self, n_new: int) -> None:
        """Rows for ``n_new`` new words (before the document rows), then for the new documents."""
        n_docs, doc_of_sentence = self._pending
        n_words = len(self.vocab_) + n_new
        super()._grow(n_new)
        rng = np.random.default_rng([self.seed, self.epochs_trained_, len(self.tags_)])
        fresh = ((rng.random((n_docs, self.dim), dtype=np.float32) * 2 - 1) / self.dim).astype(REAL)
        self.input_matrix_ = np.concatenate([self.input_matrix_, fresh])
        self._doc_rows = (n_words + doc_of_sentence).astype(np.int32)

    # -- inference -------------------------------------------------------------------------------
    def infer(self, documents, *, epochs: int | None = None, alpha: float | None = None,
              min_alpha: float | None = None) -> np.ndarray:
        """``(n, dim)`` float32 vectors of ``documents`` (strings, tokenised as the training
        corpus was, or token lists), trained against the frozen model for ``epochs`` passes
        (default: the model's) with the rate falling from ``alpha`` (default: the model's) to
        ``min_alpha``. Deterministic (see the class docstring); documents without a known word
        keep their starting vector."""
        from .._validation import validate_params
        from ..vocab import alias_table, huffman_tree, noise_distribution

        self._check_fitted()
        epochs = self.epochs if epochs is None else epochs
        alpha = self.alpha_ if alpha is None else alpha
        min_alpha = min(self.min_alpha, alpha) if min_alpha is None else min_alpha
        validate_params({"epochs": epochs, "alpha": alpha, "min_alpha": min_alpha},
                        {"epochs": [Interval(int, 1, LIMITS["epochs"])], "alpha": [Interval(float, 0, LIMITS["rate"],
                                                                                            closed="right")],
                         "min_alpha": [Interval(float, 0, alpha)]}, "Doc2Vec.infer")
        texts = [d if isinstance(d, str) else " ".join(d) for d in documents]
        ids, offsets = self._encode_texts(texts)
        raw = ["\n".join(t.split()).encode("utf-8") for t in texts]
        buf = np.frombuffer(b"".join(raw) or b"\0", dtype=np.uint8)
        ends = np.cumsum([len(r) for r in raw], dtype=np.int64)
        starts = ends - np.array([len(r) for r in raw], dtype=np.int64)
        seeds = kd.text_seeds(buf, starts, ends, np.uint64(self.seed))
        out = np.empty((len(texts), self.dim), dtype=REAL)
        # the starting point, from the same seed as the stream, uniform in [-0.5/dim, 0.5/dim) as
        # gensim's: the range of the training rows (twice that) measured 1.5 points lower on MR
        # after five passes (docs/benchmarks.md)
        for i, s in enumerate(seeds.tolist()):
            rng = np.random.default_rng(s)
            out[i] = (rng.random(self.dim, dtype=np.float32) - 0.5) / self.dim
        counts = self.vocab_.counts
        from ._epochs import keep_table

        keep = keep_table(counts, self.sample) if len(texts) else np.zeros(0, np.uint64)
        if self.loss == "hs":
            tables_hs = self.tree_ if hasattr(self, "tree_") else huffman_tree(counts)
            tables_ns = (np.zeros(1, np.uint32), np.zeros(1, np.int32))
        else:
            tables_ns = alias_table(noise_distribution(counts, self.ns_exponent))
            tables_hs = (np.zeros((1, 1), np.uint8), np.zeros((1, 1), np.int32), np.zeros(1, np.int32))
        from ._base import numba_threads

        with numba_threads(self._resolve_workers()):
            kd.infer(self._word_matrix(), self.output_matrix_, ids, offsets, keep, out, seeds, tables_ns, tables_hs,
                     self.loss == "hs", int(self.window), int(self.negative), int(epochs), float(alpha),
                     float(min_alpha), self.architecture == "dm")
        return out

    def transform(self, documents) -> np.ndarray:
        """:meth:`infer` with the model's settings (scikit-learn's ``transform``)."""
        return self.infer(documents)

    def _encode_texts(self, texts):
        """Token ids of each text (the training corpus's preparation and vocabulary; unknown
        words dropped) and their offsets."""
        prep = self.text_preparation()
        index = self.vocab_.index
        offsets = np.zeros(len(texts) + 1, dtype=np.int64)
        ids = []
        for i, t in enumerate(texts):
            toks = prep.tokens(t) if not prep.is_identity else t.split()
            row = [index[w] for w in toks if w in index]
            ids.extend(row)
            offsets[i + 1] = offsets[i] + len(row)
        return np.asarray(ids, dtype=np.int32), offsets

    # -- saving ---------------------------------------------------------------------------------
    def _state_arrays(self) -> dict:
        return {"output_matrix": self.output_matrix_, "document_matrix": self.document_vectors_.matrix}

    def _extra_metadata(self) -> dict:
        return {"alpha_used": self.alpha_, "tags": list(self.tags_)}

    def _restore(self, path: str, vectors) -> None:
        from ..io.native import load_extra_array
        from ..vocab import huffman_tree

        tags = vectors.metadata.get("tags")
        if not (isinstance(tags, list) and all(isinstance(t, str) for t in tags)):
            raise FormatError(f"'{path}': the document tags of the Doc2Vec model are missing or damaged")
        n = len(self.vocab_)
        docs = load_extra_array(path, "document_matrix", (len(tags), self.dim))
        self.tags_ = tags
        self.input_matrix_ = np.concatenate([np.asarray(vectors.matrix, dtype=REAL), docs])
        self.output_matrix_ = load_extra_array(path, "output_matrix", (n - 1 if self.loss == "hs" else n, self.dim))
        if self.loss == "hs":
            self.tree_ = huffman_tree(self.vocab_.counts)
        self._doc_rows = np.zeros(0, np.int32)

    def infer_vector(self, document, **kwargs) -> np.ndarray:
        """The vector of one document (a string or a token list): gensim's ``infer_vector``,
        deterministic (see :meth:`infer`)."""
        return self.infer([document], **kwargs)[0]


def _unique(tags: list) -> list:
    seen = set()
    for i, t in enumerate(tags):
        if t in seen:
            raise CorpusError(f"the tag {t!r} is given to more than one document (document {i}); tags must be "
                              "unique")
        seen.add(t)
    return tags


def is_doc2vec(path) -> bool:
    """Whether ``path`` is a native model directory of a Doc2Vec trainer."""
    from ..io.native import is_native

    path = os.fspath(path)
    if not is_native(path):
        return False
    try:
        from ..vectors import Vectors

        return Vectors.load(path, format="native").metadata.get("algorithm") == Doc2Vec.algorithm
    except Exception:  # noqa: BLE001 - anything unreadable is not a Doc2Vec model
        return False
