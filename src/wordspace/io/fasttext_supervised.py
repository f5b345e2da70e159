"""Facebook fastText supervised models (``.bin``, and quantized ``.ftz``): fastText's labels and
probabilities, for ``wordspace classify test|predict`` and Python.

fastText's Python package is archived and its ``predict`` breaks on NumPy 2; this reads the file
(``io.fasttext_bin.read_model``) and predicts as fastText's ``FastText::predictLine`` does:

- a line's tokens are split on whitespace and fastText's end-of-line token ``</s>`` is added;
  tokens with the label prefix are not words;
- a known word gives its row (and, when the model has character n-grams, the rows of its
  n-grams); an unknown word gives its n-gram rows only; every word, known or not, takes part in
  the word n-grams (``-wordNgrams``): their FNV-1a hashes combined as ``h * 116049371 + h'`` in
  64 bits (each 32-bit hash sign-extended, as fastText's ``int32_t`` makes it) into a bucket row;
- the hidden vector is the mean of those rows; the label probabilities are the softmax of the
  output rows' scores (``-loss softmax``), their sigmoids (``ova``, ``ns``), or products of
  sigmoids down the Huffman tree of the label counts (``hs``).

:meth:`FastTextClassifier.predict_top` reports the probabilities as fastText prints them,
``exp(log(p + 1e-5))`` (fastText's ``std_log``), so that the numbers are fastText's to the last
digit; :meth:`FastTextClassifier.predict_proba` gives the probabilities themselves.
"""

from __future__ import annotations

import numpy as np

from ..errors import FormatError, InvalidParameterError

__all__ = ["FastTextClassifier", "is_fasttext_classifier"]

LABEL_PREFIX = "__label__"
EOS = "</s>"
_WORD_NGRAM_MULT = 116049371
_MASK64 = (1 << 64) - 1


def _fnv(data: bytes) -> int:
    """fastText's ``Dictionary::hash``: FNV-1a over the bytes taken as signed chars."""
    h = 2166136261
    for c in data:
        h = ((h ^ ((c - 256) & 0xFFFFFFFF if c > 127 else c)) * 16777619) & 0xFFFFFFFF
    return h


def is_fasttext_classifier(path) -> bool:
    """Whether ``path`` is a fastText ``.bin`` file of a supervised model."""
    import os

    from .fasttext_bin import is_fasttext_bin, read_model

    path = os.fspath(path)
    if not os.path.isfile(path) or not is_fasttext_bin(path):
        return False
    try:
        return read_model(path).args["model"] == 3
    except FormatError:
        return False


class FastTextClassifier:
    """A fastText supervised model read from its ``.bin`` file (see the module docstring)."""

    def __init__(self, model, input_matrix, output_matrix):
        from .fasttext_bin import _LOSSES

        self.path = model.path
        self.args = model.args
        self.loss = _LOSSES.get(model.args["loss"], model.args["loss"])
        self.nwords = model.nwords
        words = model.words
        self.words_ = words[: model.nwords]
        labels = words[model.nwords : model.nwords + model.nlabels]
        self.labels_ = labels
        self.classes_ = [w[len(LABEL_PREFIX):] if w.startswith(LABEL_PREFIX) else w for w in labels]
        self.label_counts_ = np.asarray(model.counts[model.nwords:], dtype=np.int64)
        self._index = {w: i for i, w in enumerate(self.words_)}
        self._raw = model.raw_entries[: model.nwords] if model.raw_keys else None
        self._input = input_matrix
        self._output = output_matrix
        # a pruned model (.ftz with -cutoff) keeps the rows of some n-gram buckets only
        self._pruneidx = model.pruneidx if model.rows != model.nwords + model.args["bucket"] else None
        self._token_cache: dict = {}
        if self.loss == "hs":
            self._paths = _huffman_paths(self.label_counts_)
        if self.loss not in ("softmax", "hs", "ova", "ns"):
            raise FormatError(f"'{self.path}': unknown loss {self.loss!r} in a supervised model")

    @classmethod
    def load(cls, path, encoding: str = "utf-8", unicode_errors: str | None = None) -> "FastTextClassifier":
        """Read a supervised fastText ``.bin`` or quantized ``.ftz`` file (untrusted: every size
        checked)."""
        import os
        import struct

        from ..untrusted import check_regular, open_regular
        from .fasttext_bin import _read_quantized, read_model

        path = os.fspath(path)
        m = read_model(path, encoding, unicode_errors)
        if m.args["model"] != 3:
            raise FormatError(f"'{path}' is a fastText word-vector model, not a classifier; wordspace.load reads it")
        if m.nlabels < 1:
            raise FormatError(f"'{path}' is a supervised fastText model without labels: the file is damaged")
        if m.quant is not None:
            inp = m.quant.decode()
        else:
            inp = np.memmap(path, dtype="<f4", mode="r", offset=m.offset, shape=(m.rows, m.cols))
        flag = 1 if m.versioned else 0
        with open_regular(path, "a fastText model") as fh:
            fh.seek(m.output_at)
            head = fh.read(16 + flag)
            if flag and head[0]:  # -qout: the output matrix is quantized too
                fh.seek(m.output_at + 1)
                q = _read_quantized(fh, path, check_regular(path, "a fastText model"))
                rows, cols, out = q.rows, q.dim, q.decode()
            else:
                rows, cols = struct.unpack("<2q", head[flag:])
                out = None
        if rows != m.nlabels or cols != m.cols:
            raise FormatError(f"'{path}': the output matrix is {rows} x {cols}; a classifier of {m.nlabels} labels "
                              f"needs {m.nlabels} x {m.cols}")
        if out is None:
            out = np.array(np.memmap(path, dtype="<f4", mode="r", offset=m.output_at + 16 + flag,
                                     shape=(rows, cols)), dtype=np.float32)
        if not (np.isfinite(out).all() and np.isfinite(np.asarray(inp[: min(len(inp), 1 << 16)])).all()):
            raise FormatError(f"'{path}': the matrices hold NaN or infinity: the file is damaged")
        return cls(m, inp, out)

    # -- a line's input rows ---------------------------------------------------------------------
    def _token(self, tok: str):
        """``(input rows, signed 32-bit hash)`` of a word token, or None for a label; computed
        once per distinct token (a line's words repeat across a file)."""
        entry = self._token_cache.get(tok)
        if entry is not None or tok in self._token_cache:
            return entry
        from ..subwords import subword_table

        wid = self._index.get(tok, -1)
        if wid < 0 and tok.startswith(LABEL_PREFIX):
            self._token_cache[tok] = None  # a label, not a word
            return None
        raw = self._raw[wid] if (wid >= 0 and self._raw is not None) else tok.encode("utf-8", "surrogateescape")
        rows = [wid] if wid >= 0 else []
        minn, maxn, bucket = self.args["minn"], self.args["maxn"], self.args["bucket"]
        if maxn > 0 and bucket > 0 and tok != EOS:
            _, sub = subword_table([raw], max(minn, 1), maxn, bucket)
            rows.extend(r for r in (self._gram_row(b) for b in (sub[1:] - 1).tolist()) if r >= 0)  # sub[0]: the word
        h = _fnv(raw)
        entry = self._token_cache[tok] = (rows, h - (1 << 32) if h >= 1 << 31 else h)  # fastText's int32_t
        return entry

    def _rows_of(self, tokens) -> list:
        ids, hashes = [], []
        for tok in list(tokens) + [EOS]:
            entry = self._token(tok)
            if entry is not None:
                ids.extend(entry[0])
                hashes.append(entry[1])
        bucket = self.args["bucket"]
        n = self.args["word_ngrams"]
        if n > 1 and bucket > 0:
            for i in range(len(hashes)):
                h = hashes[i] & _MASK64
                for j in range(i + 1, min(len(hashes), i + n)):
                    h = (h * _WORD_NGRAM_MULT + (hashes[j] & _MASK64)) & _MASK64
                    ids.append(self._gram_row(h % bucket))
        return [i for i in ids if i >= 0]

    def _gram_row(self, bucket: int) -> int:
        """The input row of an n-gram bucket; -1 for a bucket a pruned model cut."""
        if self._pruneidx is None:
            return self.nwords + bucket
        row = self._pruneidx.get(bucket)
        return -1 if row is None else self.nwords + row

    def _hidden(self, docs) -> tuple[np.ndarray, np.ndarray]:
        """``(hidden, has_rows)``: each document's mean input row."""
        hidden = np.zeros((len(docs), self.args["dim"]), dtype=np.float32)
        ok = np.zeros(len(docs), dtype=bool)
        for i, d in enumerate(docs):
            ids = self._rows_of(d.split() if isinstance(d, str) else d)
            if ids:
                rows = np.asarray(ids, dtype=np.int64)
                if rows.min() < 0 or rows.max() >= self._input.shape[0]:
                    raise FormatError(f"'{self.path}': a row outside the input matrix: the file is damaged")
                hidden[i] = np.asarray(self._input[rows], dtype=np.float32).mean(axis=0)
                ok[i] = True
        return hidden, ok

    # -- predictions ------------------------------------------------------------------------------
    def predict_proba(self, texts) -> np.ndarray:
        """``(n_texts, n_labels)``: each label's probability, columns in ``classes_`` order (a
        text without any input row gets zeros)."""
        p, _ = self._scores(texts)
        return p

    def _scores(self, texts) -> tuple[np.ndarray, np.ndarray]:
        """``(probabilities, fastText's reported values)``."""
        h, ok = self._hidden(list(texts))
        z = h.astype(np.float64) @ self._output.T.astype(np.float64)
        if self.loss == "softmax":
            z -= z.max(axis=1, keepdims=True)
            p = np.exp(z)
            p /= p.sum(axis=1, keepdims=True)
            shown = p + 1e-5
        elif self.loss in ("ova", "ns"):
            p = _table_sigmoid(z.astype(np.float32))  # fastText's lookup table here (exact in hs)
            shown = p + 1e-5
        else:
            p, shown = self._tree_probabilities(z)
        p[~ok] = 0.0
        shown[~ok] = 0.0
        return p, shown

    def _tree_probabilities(self, z: np.ndarray):
        """Each label's probability down the Huffman tree: the product over its path of
        ``sigmoid(score)`` (right branch) or ``1 - sigmoid(score)``; fastText reports the product
        of each factor plus 1e-5."""
        sig = 1.0 / (1.0 + np.exp(-z))
        p = np.ones((z.shape[0], len(self.classes_)))
        shown = np.ones_like(p)
        for label, (nodes, codes) in enumerate(self._paths):
            for node, right in zip(nodes, codes):
                f = sig[:, node] if right else 1.0 - sig[:, node]
                p[:, label] *= f
                shown[:, label] *= f + 1e-5
        return p, shown

    def predict_top(self, texts, k: int = 1, threshold: float = 0.0) -> list:
        """For each text, up to ``k`` ``(label, probability)`` pairs whose probability is at least
        ``threshold``, best first, with fastText's reported values."""
        from .._validation import Interval, validate_params

        validate_params({"k": k, "threshold": threshold}, {"k": [Interval(int, 1, None)],
                        "threshold": [Interval(float, 0, 1)]}, "predict_top")
        p, shown = self._scores(texts)
        out = []
        for prob, rep in zip(p, shown):
            # fastText's cut: p >= threshold; down the tree, log(p + 1e-5) >= log(threshold + 1e-5)
            keep = rep >= threshold + 1e-5 if self.loss == "hs" else prob >= threshold
            best = np.argsort(-rep, kind="stable")[:k]
            out.append([(self.classes_[j], float(rep[j])) for j in best if rep[j] > 0 and keep[j]])
        return out

    def predict(self, texts) -> np.ndarray:
        """The most probable label of each text."""
        p = self.predict_proba(texts)
        return np.array([self.classes_[i] for i in p.argmax(axis=1)], dtype=object)

    def test(self, texts, labels, k: int = 1) -> dict:
        """fastText's ``test``: precision and recall at ``k`` over the texts with labels."""
        labs = [list(y) for y in labels]
        keep = [i for i, y in enumerate(labs) if y]
        if not keep:
            raise InvalidParameterError("no text to test has a label")
        texts = list(texts)
        top = self.predict_top([texts[i] for i in keep], k)
        hits = sum(sum(lab in labs[i] for lab, _ in t) for i, t in zip(keep, top))
        predicted = sum(len(t) for t in top)
        return {"n": len(keep), "precision": hits / predicted if predicted else 0.0,
                "recall": hits / sum(len(labs[i]) for i in keep), "k": k}


#: fastText's sigmoid table: 512 steps over [-8, 8] (``Loss::sigmoid``)
_SIGMOID_TABLE = (1.0 / (1.0 + np.exp(-(np.arange(513, dtype=np.float64) * 16.0 / 512 - 8.0)))).astype(np.float32)


def _table_sigmoid(x: np.ndarray) -> np.ndarray:
    """fastText's ``Loss::sigmoid``: 0 below -8, 1 above 8, else the table entry at
    ``floor((x + 8) * 512 / 16)``."""
    idx = np.clip(((x + np.float32(8.0)) * np.float32(512) / np.float32(8.0) / np.float32(2.0)).astype(np.int64),
                  0, 512)
    return np.where(x < -8.0, 0.0, np.where(x > 8.0, 1.0, _SIGMOID_TABLE[idx].astype(np.float64)))


def _huffman_paths(counts: np.ndarray) -> list:
    """fastText's ``HierarchicalSoftmaxLoss::buildTree`` over the label counts (sorted, most
    frequent first): for each label, the inner nodes on its path (output rows) and whether each
    step is the right child."""
    osz = len(counts)
    n = 2 * osz - 1
    parent = [-1] * n
    binary = [False] * n
    count = [1e15] * n
    for i in range(osz):
        count[i] = float(counts[i])
    leaf, node = osz - 1, osz
    for i in range(osz, n):
        mini = [0, 0]
        for j in range(2):
            if leaf >= 0 and count[leaf] < count[node]:
                mini[j] = leaf
                leaf -= 1
            else:
                mini[j] = node
                node += 1
        count[i] = count[mini[0]] + count[mini[1]]
        parent[mini[0]] = parent[mini[1]] = i
        binary[mini[1]] = True
    paths = []
    for i in range(osz):
        nodes, codes = [], []
        j = i
        while parent[j] != -1:
            nodes.append(parent[j] - osz)
            codes.append(binary[j])
            j = parent[j]
        paths.append((nodes, codes))
    return paths
