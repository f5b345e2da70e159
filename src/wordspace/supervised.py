"""Supervised text classification, the fastText way (Joulin et al. 2017, "Bag of Tricks for
Efficient Text Classification"): a document is the mean of the vectors of its words and hashed
word n-grams, and a linear layer scores the labels with a softmax, one-vs-all sigmoids (several
labels per document) or a hierarchical softmax over a Huffman tree of the labels. Training is
compiled (``wordspace._kernels.supervised``) and Hogwild over documents, with fastText's
linearly decaying learning rate.

Files use fastText's format: one document per line, labels as tokens with the prefix
``__label__`` (several allowed), the other tokens words. :class:`SupervisedClassifier` follows
scikit-learn's estimator contract (``fit(texts, labels)``, ``predict``, ``predict_proba``,
``score``, ``get_params``/``set_params``) without needing scikit-learn.
"""

from __future__ import annotations

import json
import os

import numpy as np

from ._validation import LIMITS, NONE, Declared, InstanceOf, Interval, Options, Param, validate_params
from .errors import FormatError, InvalidParameterError, NotFittedError
from .vectors import Vectors

__all__ = ["SupervisedClassifier", "read_labeled", "LOSSES", "LABEL_PREFIX"]

LABEL_PREFIX = "__label__"
LOSSES = ("softmax", "ova", "hs")
FORMAT_NAME = "wordspace-classifier"
FORMAT_VERSION = 1
MAX_LINE_BYTES = 1 << 24


def read_labeled(path, prefix: str = LABEL_PREFIX, limit: int | None = None) -> tuple[list[list[str]], list[list[str]]]:
    """``(documents, labels)`` of a file in fastText's format (tokens split on whitespace; at
    most ``limit`` documents). Lines without any label keep an empty label list (``fit``
    refuses them, ``predict`` uses them)."""
    from .untrusted import open_regular

    path = os.fspath(path)
    docs, labels = [], []
    try:
        with open_regular(path, "a labelled text file") as fh:
            for lineno, raw in enumerate(fh, 1):
                if len(raw) > MAX_LINE_BYTES:
                    raise FormatError(f"'{path}' line {lineno} is {len(raw):,} bytes long; a document line is far "
                                      "shorter: the file is not a labelled text file")
                toks = raw.decode("utf-8", "replace").split()
                if not toks:
                    continue
                labels.append([t[len(prefix):] for t in toks if t.startswith(prefix) and len(t) > len(prefix)])
                docs.append([t for t in toks if not t.startswith(prefix)])
                if limit is not None and len(docs) >= limit:
                    break
    except FileNotFoundError:
        raise FormatError(f"'{path}' does not exist") from None
    except IsADirectoryError:
        raise FormatError(f"'{path}' is a directory, not a labelled text file") from None
    if not docs:
        raise FormatError(f"'{path}' holds no document: expected lines like '__label__positive a fine film'")
    return docs, labels


class SupervisedClassifier(Declared):
    """fastText's supervised classifier (see the module docstring).

    Parameters
    ----------
    dim : int, default=100
    epochs : int, default=5
    alpha : float, default=0.1
        Initial learning rate, falling linearly to 0 (fastText's ``lr``; ``lr=`` is still
        accepted, with a :class:`DeprecationWarning`, until wordspace 0.3).
    word_ngrams : int, default=1
        Also use the n-grams of 2..``word_ngrams`` consecutive words (hashed into ``buckets``).
    loss : {"softmax", "ova", "hs"}, default="softmax"
        "ova" (one-vs-all) for several labels per document.
    min_count : int, default=1
    buckets : int, default=2,000,000
        Rows for hashed word n-grams (used only when ``word_ngrams > 1``).
    pretrained : Vectors or None
        Start the word rows from these vectors (words missing from them start at random);
        their dimension must equal ``dim``.
    workers : int or None
        Threads (None: Numba's default). One worker gives bit-identical runs.
    seed : int, default=1
    progress : bool, default=False
        A bar on stderr: one step per epoch, with the loss (and a note while the kernels are
        compiled on a first run).
    """

    _params = {
        "dim": Param([Interval(int, 1, LIMITS["dim"])], "vector dimension"),
        "epochs": Param([Interval(int, 1, LIMITS["epochs"])], "passes over the documents"),
        "alpha": Param([Interval(float, 0, 1000, closed="neither")], "initial learning rate, falling linearly to 0"),
        "word_ngrams": Param([Interval(int, 1, 100)], "also use n-grams of up to this many words"),
        "loss": Param([Options(LOSSES)], "softmax, one-vs-all (several labels per document) or hierarchical softmax"),
        "min_count": Param([Interval(int, 1, LIMITS["count"])], "ignore words seen fewer times"),
        "buckets": Param([Interval(int, 1, LIMITS["buckets"])], "rows for hashed word n-grams"),
        "pretrained": Param([NONE, InstanceOf(Vectors, "a wordspace.Vectors")], "start the word rows from these"),
        "workers": Param([Interval(int, 1, LIMITS["threads"]), NONE], "threads (default: all cores)"),
        "seed": Param([Interval(int, 0, 2**63 - 1)], "random seed"),
        "progress": Param([Options((True, False))], "progress bar on stderr"),
    }
    _renamed = {"lr": ("alpha", "0.3.0")}

    def __init__(self, *, dim=100, epochs=5, alpha=0.1, word_ngrams=1, loss="softmax", min_count=1, buckets=2_000_000,
                 pretrained=None, workers=None, seed=1, progress=False, **renamed):
        self.dim, self.epochs, self.alpha, self.word_ngrams = dim, epochs, alpha, word_ngrams
        self.loss, self.min_count, self.buckets, self.pretrained = loss, min_count, buckets, pretrained
        self.workers, self.seed, self.progress = workers, seed, progress
        self._take_renamed(renamed)

    def _check_params(self) -> None:
        if self.pretrained is not None and self.pretrained.dim != self.dim:
            raise InvalidParameterError(param="dim", owner="SupervisedClassifier",
                                        rule=f"the dimension of the pretrained vectors, {self.pretrained.dim}",
                                        value=self.dim)

    @staticmethod
    def _as_docs(texts) -> list[list[str]]:
        return [t.split() if isinstance(t, str) else list(t) for t in texts]

    @staticmethod
    def _as_labels(labels) -> list[list[str]]:
        return [[str(x) for x in y] if isinstance(y, (list, tuple, set, frozenset)) else [str(y)] for y in labels]

    def _word_ids(self, docs) -> tuple[np.ndarray, np.ndarray]:
        """Documents as offsets and ids of their known words (unknown words are left out)."""
        index = self.word_index_
        off = np.zeros(len(docs) + 1, dtype=np.int64)
        ids = []
        for i, d in enumerate(docs):
            row = [index[w] for w in d if w in index]
            ids.extend(row)
            off[i + 1] = off[i] + len(row)
        return off, np.asarray(ids, dtype=np.int64)

    def _encode(self, docs) -> tuple[np.ndarray, np.ndarray]:
        return self._with_ngrams(*self._word_ids(docs))

    def _with_ngrams(self, off: np.ndarray, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Documents of word ids with their hashed word n-grams appended (compacted when the
        classifier has its n-gram table)."""
        from ._kernels.supervised import add_ngrams

        if self.word_ngrams <= 1:
            return off, ids
        n = self.word_ngrams
        out_off = np.empty_like(off)
        out = np.empty(ids.shape[0] * n, dtype=np.int64)
        used = add_ngrams(off, ids, n, len(self.words_), self.buckets, out_off, out)
        out = out[:used]
        if hasattr(self, "ngram_buckets_"):
            out = self._compact_rows(out)
        return out_off, out

    def _compact_rows(self, ids: np.ndarray) -> np.ndarray:
        """Bucket rows -> rows of the compact table: the buckets seen in training follow the
        words, in bucket order; any other bucket goes to the last row, which stays zero."""
        nw, table = len(self.words_), self.ngram_buckets_
        row_of = getattr(self, "_row_of", None)
        if row_of is None or row_of.shape[0] != self.buckets:
            row_of = np.full(self.buckets, nw + table.shape[0], dtype=np.int64)  # unseen: the zero row
            row_of[table] = nw + np.arange(table.shape[0])
            self._row_of = row_of
        grams = ids >= nw
        ids = ids.copy()
        ids[grams] = row_of[ids[grams] - nw]
        return ids

    def fit(self, texts, labels) -> "SupervisedClassifier":
        """Learn from ``texts`` (strings, split on whitespace, or token lists) and ``labels``
        (one label, or a list of labels, per text)."""
        self.validate_params()
        docs, labs = self._as_docs(texts), self._as_labels(labels)
        if len(docs) != len(labs):
            raise InvalidParameterError(f"got {len(docs)} texts and {len(labs)} labels; give one label (or list) per text")
        keep = [i for i, y in enumerate(labs) if y]
        if not keep:
            raise InvalidParameterError("no text has a label: give each training text at least one label")
        docs, labs = [docs[i] for i in keep], [labs[i] for i in keep]
        counts: dict = {}
        for d in docs:
            for w in d:
                counts[w] = counts.get(w, 0) + 1
        self.words_ = sorted((w for w, c in counts.items() if c >= self.min_count), key=lambda w: (-counts[w], w))
        self.word_index_ = {w: i for i, w in enumerate(self.words_)}
        lab_counts: dict = {}
        for y in labs:
            for x in y:
                lab_counts[x] = lab_counts.get(x, 0) + 1
        self._set_labels(lab_counts)
        label_index = {x: i for i, x in enumerate(self.classes_)}
        loff = np.zeros(len(labs) + 1, dtype=np.int64)
        np.cumsum([len(y) for y in labs], out=loff[1:])
        lab_ids = np.array([label_index[x] for y in labs for x in y], dtype=np.int64)
        return self._train(*self._word_ids(docs), loff, lab_ids)

    def fit_file(self, path) -> "SupervisedClassifier":
        """Learn from a file in fastText's format, read by the compiled corpus reader (what
        ``wordspace classify train`` does; a million lines take seconds, not minutes)."""
        from .corpus import encode_corpus

        self.validate_params()
        enc = encode_corpus(os.fspath(path), min_count=1, max_sentence_length=1 << 30)
        is_label = np.array([w.startswith(LABEL_PREFIX) and len(w) > len(LABEL_PREFIX) for w in enc.words], dtype=bool)
        tok_is_label = is_label[enc.tokens]
        # labels per line (the reader keeps no empty line, so every segment has a token)
        keep = np.add.reduceat(tok_is_label.astype(np.int64), enc.offsets[:-1]) > 0
        if not keep.any():
            raise FormatError(f"'{path}' has no label: prefix each line's labels with {LABEL_PREFIX} "
                              f"('{LABEL_PREFIX}positive a fine film')")
        sentence = np.repeat(np.arange(enc.n_sentences), np.diff(enc.offsets))
        kept_tok = keep[sentence]
        # words: min_count over the lines that have labels; ids follow (-count, word) as fit's
        word_tok = enc.tokens[kept_tok & ~tok_is_label]
        wc = np.bincount(word_tok, minlength=len(enc.words))
        cand = [i for i in np.flatnonzero(wc >= self.min_count).tolist() if not is_label[i]]
        order = sorted(cand, key=lambda i: (-int(wc[i]), enc.words[i]))
        self.words_ = [enc.words[i] for i in order]
        self.word_index_ = {w: i for i, w in enumerate(self.words_)}
        remap = np.full(len(enc.words), -1, dtype=np.int64)
        remap[order] = np.arange(len(order))
        lab_tok = enc.tokens[kept_tok & tok_is_label]
        lc = np.bincount(lab_tok, minlength=len(enc.words))
        labs = sorted(np.flatnonzero(lc).tolist(), key=lambda i: (-int(lc[i]), enc.words[i][len(LABEL_PREFIX):]))
        self._set_labels({enc.words[i][len(LABEL_PREFIX):]: int(lc[i]) for i in labs})
        lab_remap = np.full(len(enc.words), -1, dtype=np.int64)
        lab_remap[labs] = np.arange(len(labs))
        # per kept line, its labels and its known words, in order
        sent_kept = sentence[kept_tok]
        toks = enc.tokens[kept_tok]
        is_lab = tok_is_label[kept_tok]
        new_sent = np.cumsum(keep) - 1
        lines = new_sent[sent_kept]
        n_docs = int(keep.sum())
        lab_ids = lab_remap[toks[is_lab]]
        loff = np.zeros(n_docs + 1, dtype=np.int64)
        np.cumsum(np.bincount(lines[is_lab], minlength=n_docs), out=loff[1:])
        w = remap[toks[~is_lab]]
        known = w >= 0
        woff = np.zeros(n_docs + 1, dtype=np.int64)
        np.cumsum(np.bincount(lines[~is_lab][known], minlength=n_docs), out=woff[1:])
        return self._train(woff, w[known], loff, lab_ids)

    def _set_labels(self, counts: dict) -> None:
        """``classes_`` most frequent first (ties by name) and their counts, from ``{label: count}``."""
        self.classes_ = sorted(counts, key=lambda x: (-counts[x], x))
        self.label_counts_ = [counts[x] for x in self.classes_]
        if len(self.classes_) < 2 and self.loss != "ova":
            raise InvalidParameterError(f"the training texts have one label ({self.classes_[0]!r}); a classifier needs "
                                        "at least two (or loss='ova' to score one label yes or no)")

    def _set_loss(self) -> None:
        """The kernel's loss code and, for hierarchical softmax, the Huffman tree of the label
        counts (derived from ``loss`` and ``label_counts_``, at training and at loading alike)."""
        from ._kernels import supervised as ks
        from .vocab import huffman_tree

        self._kind = {"softmax": ks.SOFTMAX, "ova": ks.OVA, "hs": ks.HS}[self.loss]
        if self.loss == "hs":
            tree = huffman_tree(np.array(self.label_counts_, dtype=np.int64))
        else:
            tree = (np.zeros((1, 1)), np.zeros((1, 1)), np.zeros(1))
        self._tree = tuple(np.asarray(a, np.int64) for a in tree)

    def _train(self, woff, wids, loff, lab_ids) -> "SupervisedClassifier":
        import numba

        from ._kernels import supervised as ks

        if hasattr(self, "ngram_buckets_"):
            del self.ngram_buckets_
        self._row_of = None
        off, ids = self._with_ngrams(woff, wids)
        n_rows = len(self.words_)
        if self.word_ngrams > 1:
            # a compact n-gram table: rows only for the buckets the training texts hit, plus one
            # row that stays zero for buckets first met when predicting (fastText keeps all
            # ``buckets`` rows, most of them never trained)
            seen = np.zeros(self.buckets, dtype=bool)
            seen[ids[ids >= n_rows] - n_rows] = True
            self.ngram_buckets_ = np.flatnonzero(seen)
            ids = self._compact_rows(ids)
            n_rows += self.ngram_buckets_.shape[0] + 1
        rng = np.random.default_rng(self.seed)
        # fastText's uniform start for every row the training texts use: every word (the
        # vocabulary comes from them) and every listed bucket; the last n-gram row stays zero
        w_in = np.zeros((n_rows, self.dim), dtype=np.float32)
        live = n_rows - (1 if self.word_ngrams > 1 else 0)
        w_in[:live] = (rng.random((live, self.dim), dtype=np.float32) * 2 - 1) / self.dim
        if self.pretrained is not None:
            for w, i in self.word_index_.items():
                if w in self.pretrained:
                    w_in[i] = self.pretrained[w]
        self._set_loss()
        n_out = len(self.classes_) - (1 if self.loss == "hs" else 0)  # inner nodes of the tree, or labels
        w_out = np.zeros((n_out, self.dim), dtype=np.float32)
        workers = self.workers or numba.get_num_threads()
        n = woff.shape[0] - 1
        chunk = 1 if workers == 1 else max(1, min(256, n // (8 * workers) or 1))
        n_chunks = (n + chunk - 1) // chunk
        total = float(n * self.epochs)
        self.loss_history_ = []
        from .progress import announce_compilation, progress_bar

        previous = numba.get_num_threads()
        numba.set_num_threads(max(1, min(workers, numba.config.NUMBA_NUM_THREADS)))
        bar = progress_bar(self.epochs, bool(self.progress), "classify", unit="epoch")
        try:
            announce_compilation(bar, ks.train_epoch)
            for epoch in range(self.epochs):
                perm = np.random.default_rng([self.seed, epoch]).permutation(n)
                order = np.full(n_chunks * chunk, -1, dtype=np.int64)
                order[:n] = perm
                order = order.reshape(n_chunks, chunk)
                loss = np.zeros(n_chunks, dtype=np.float64)
                ks.train_epoch(w_in, w_out, off, ids, loff, lab_ids, order, float(epoch * n), total, float(self.alpha),
                               self._kind, *self._tree, self.seed, epoch, loss)
                self.loss_history_.append(float(loss.sum() / n))
                bar.set_postfix_str(f"loss={self.loss_history_[-1]:.4f}", refresh=False)
                bar.update(1)
                if not np.isfinite(self.loss_history_[-1]):
                    from .errors import TrainingError

                    raise TrainingError(f"training diverged in epoch {epoch + 1} (loss {self.loss_history_[-1]}); "
                                        f"lower the learning rate (alpha={self.alpha!r})")
        finally:
            bar.close()
            numba.set_num_threads(previous)
        self.input_matrix_, self.output_matrix_ = w_in, w_out
        return self

    # -- prediction ---------------------------------------------------------------------------
    def _check_fitted(self):
        if not hasattr(self, "input_matrix_"):
            raise NotFittedError("this SupervisedClassifier is not fitted yet: call fit() or load() first")

    def predict_proba(self, texts) -> np.ndarray:
        """``(n_texts, n_classes)`` label probabilities, columns in the order of ``classes_``
        (most frequent label first). Texts with no known word get zeros."""
        from ._kernels.supervised import label_scores

        self._check_fitted()
        off, ids = self._encode(self._as_docs(texts))
        out = np.empty((off.shape[0] - 1, len(self.classes_)), dtype=np.float64)
        label_scores(self.input_matrix_, self.output_matrix_, off, ids, self._kind, *self._tree, len(self.classes_), out)
        return out

    def predict(self, texts) -> np.ndarray:
        """The most probable label of each text."""
        p = self.predict_proba(texts)
        return np.array([self.classes_[i] for i in p.argmax(axis=1)], dtype=object)

    def predict_top(self, texts, k: int = 1, threshold: float = 0.0) -> list[list[tuple[str, float]]]:
        """For each text, up to ``k`` ``(label, probability)`` pairs above ``threshold``, best first."""
        validate_params({"k": k, "threshold": threshold}, {"k": [Interval(int, 1, None)],
                        "threshold": [Interval(float, 0, 1)]}, "predict_top")
        p = self.predict_proba(texts)
        out = []
        for row in p:
            best = np.argsort(-row, kind="stable")[:k]
            out.append([(self.classes_[j], float(row[j])) for j in best if row[j] > threshold])
        return out

    def score(self, texts, labels) -> float:
        """Accuracy: the share of texts whose most probable label is (one of) theirs."""
        pred = self.predict(texts)
        labs = self._as_labels(labels)
        return float(np.mean([p in y for p, y in zip(pred, labs)]))

    def test(self, texts, labels, k: int = 1) -> dict:
        """fastText's ``test``: precision and recall at ``k`` over the texts with labels."""
        labs = self._as_labels(labels)
        keep = [i for i, y in enumerate(labs) if y]
        if not keep:
            raise InvalidParameterError("no text to test has a label")
        docs = self._as_docs(texts)
        top = self.predict_top([docs[i] for i in keep], k)
        hits = sum(sum(lab in labs[i] for lab, _ in t) for i, t in zip(keep, top))
        return {"n": len(keep), "precision": hits / (k * len(keep)), "recall": hits / sum(len(labs[i]) for i in keep),
                "k": k}

    # -- files ----------------------------------------------------------------------------------
    def save(self, path) -> str:
        """A directory: ``classifier.json`` (settings, words, labels) and the two matrices."""
        from .atomic import atomic_dir

        self._check_fitted()
        path = os.fspath(path)
        with atomic_dir(path, replaceable=is_classifier_dir) as tmp:
            np.save(os.path.join(tmp, "input.npy"), self.input_matrix_)
            np.save(os.path.join(tmp, "output.npy"), self.output_matrix_)
            if self.word_ngrams > 1:
                np.save(os.path.join(tmp, "ngram_buckets.npy"), self.ngram_buckets_.astype(np.int64))
            doc = {"format": FORMAT_NAME, "version": FORMAT_VERSION, "loss": self.loss, "dim": self.dim,
                   "word_ngrams": self.word_ngrams, "buckets": self.buckets, "words": self.words_,
                   "labels": self.classes_, "label_counts": self.label_counts_, "params": {k: v for k, v in self.get_params().items() if k != "pretrained"}}
            with open(os.path.join(tmp, "classifier.json"), "w", encoding="utf-8") as fh:
                json.dump(doc, fh, ensure_ascii=False)
        return path

    @classmethod
    def load(cls, path) -> "SupervisedClassifier":
        """Read a directory written by :meth:`save` (untrusted: structure and sizes checked)."""
        from .io.native import _open_npy
        from .jsondoc import read_document

        path = os.fspath(path)
        if not os.path.isdir(path):
            raise FormatError(f"'{path}' is not a wordspace classifier (a directory written by 'classify train')")
        doc = read_document(os.path.join(path, "classifier.json"), format_name=FORMAT_NAME, latest=FORMAT_VERSION,
                            what="a wordspace classifier", max_bytes=1 << 30)
        words, labels = doc.get("words"), doc.get("labels")
        ok = (isinstance(words, list) and all(isinstance(w, str) for w in words) and isinstance(labels, list)
              and len(labels) >= 1 and all(isinstance(x, str) for x in labels) and len(set(words)) == len(words)
              and len(set(labels)) == len(labels) and doc.get("loss") in LOSSES)
        for key in ("dim", "word_ngrams", "buckets"):
            v = doc.get(key)
            ok = ok and isinstance(v, int) and not isinstance(v, bool) and 1 <= v <= (1 << 31)
        if not ok:
            raise FormatError(f"'{path}': classifier.json is damaged (words, labels, loss, dim, word_ngrams, buckets)")
        lc = doc.get("label_counts")
        if not (isinstance(lc, list) and len(lc) == len(labels) and all(
                isinstance(c, int) and not isinstance(c, bool) and c >= 1 for c in lc)
                and all(a >= b for a, b in zip(lc, lc[1:]))):
            raise FormatError(f"'{path}': classifier.json is damaged (label_counts must be one positive count per "
                              "label, most frequent first)")
        if doc["loss"] == "hs" and len(labels) < 2:
            raise FormatError(f"'{path}': a hierarchical softmax needs at least two labels")
        clf = cls(dim=doc["dim"], word_ngrams=doc["word_ngrams"], buckets=doc["buckets"], loss=doc["loss"])
        n_rows = len(words)
        if doc["word_ngrams"] > 1:
            table = _read_buckets(os.path.join(path, "ngram_buckets.npy"), doc["buckets"])
            clf.ngram_buckets_ = table
            n_rows += table.shape[0] + 1
        n_out = len(labels) - 1 if doc["loss"] == "hs" else len(labels)
        clf.input_matrix_ = _open_npy(os.path.join(path, "input.npy"), (n_rows, doc["dim"]), False)
        clf.output_matrix_ = _open_npy(os.path.join(path, "output.npy"), (n_out, doc["dim"]), False)
        for name, m in (("input", clf.input_matrix_), ("output", clf.output_matrix_)):
            if not np.isfinite(m).all():
                raise FormatError(f"'{path}': the {name} matrix holds NaN or infinity; the file is damaged")
        clf.words_, clf.classes_, clf.label_counts_ = words, labels, lc
        clf.word_index_ = {w: i for i, w in enumerate(words)}
        clf._set_loss()
        return clf


def _read_buckets(path: str, buckets: int) -> np.ndarray:
    """The sorted, distinct bucket ids of a classifier's n-gram table (checked before use)."""
    from .io.native import npy_header

    from .untrusted import open_regular

    try:
        with open_regular(path, "a classifier's n-gram table") as fh:
            size = os.fstat(fh.fileno()).st_size
            shape, fortran, dtype, offset = npy_header(fh)
            if dtype != np.dtype("<i8") or fortran or len(shape) != 1 or size != offset + 8 * shape[0]:
                raise ValueError("not an int64 vector filling the file")
            table = np.fromfile(fh, dtype="<i8", count=shape[0])
    except FormatError:
        if not os.path.lexists(path):
            raise FormatError(f"'{path}' is missing: a classifier with word n-grams keeps its n-gram table there") from None
        raise
    except Exception as exc:  # noqa: BLE001 (NumPy's header parser raises many kinds on damage)
        raise FormatError(f"'{path}' is damaged ({type(exc).__name__}: {exc})") from None
    if table.shape[0] and (table[0] < 0 or table[-1] >= buckets or (np.diff(table) <= 0).any()):
        raise FormatError(f"'{path}': the n-gram table must list distinct buckets below {buckets:,} in order")
    return table


#: The files a classifier folder holds (and all a write of one may replace: ``owned_dir``).
CLASSIFIER_FILES = frozenset(("classifier.json", "input.npy", "output.npy", "ngram_buckets.npy"))


def is_classifier_dir(path: str) -> bool:
    """Whether ``path`` is a classifier folder wordspace wrote, with nothing else in it."""
    from .atomic import owned_dir

    return owned_dir(os.fspath(path), "classifier.json", FORMAT_NAME, CLASSIFIER_FILES)
