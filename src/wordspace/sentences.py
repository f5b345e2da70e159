"""Sentence and document vectors from word vectors (or a Doc2Vec model): one row per text.

Methods (``SentenceEncoder(method=...)``):

- ``"mean"``: the mean of the vectors of the text's known words.
- ``"fasttext"``: the mean of their unit-length vectors, fastText's ``get_sentence_vector``
  (a word with a zero vector is left out, as fastText leaves it out).
- ``"sif"``: smooth inverse frequency (Arora, Liang and Ma 2017): each word weighted
  ``a / (a + p(w))`` (``a`` = ``sif_a``, 1e-3; ``p(w)`` the word's unigram probability), the
  weighted vectors averaged over the text's known words, then the projection on the first
  singular vector of the texts' matrix (uncentred, as the authors' code) removed.
- ``"usif"``: unsupervised SIF (Ethayarajh 2018): unit-length word vectors weighted
  ``a / (a / 2 + p(w))`` with ``a`` derived, without tuning, from the vocabulary size ``|V|`` and
  the texts' average length ``n``: ``alpha`` is the share of words with ``p(w)`` above
  ``1 - (1 - 1/|V|)^n``, ``Z = |V| / 2`` and ``a = (1 - alpha) / (alpha Z)``; averaged, then the
  first five singular vectors removed, each weighted by its share of the five squared singular
  values, ``s_i^2 / sum_j s_j^2``.
- ``"infer"``: a :class:`~wordspace.Doc2Vec` model's inferred vectors.
- ``"tokens"``: a static sentence model's (``wordspace distill``, a model2vec folder): the text
  split by the model's own tokenizer, the mean of its tokens' rows, scaled to unit length as
  model2vec does (``wordspace.tokenized``).

``p(w)`` comes from the model's counts; vectors without counts (GloVe text files, say) take
them from ``frequencies`` (a file of ``word count`` lines, or a dict) or from the ``wordfreq``
package, and the encoder says which (``weights_source_``). Words outside the model are left out
(with fastText models, whose subwords give every word a vector, they are counted with their
subword vector, ``p(w) = 0``). A text without a known word gets a zero row. Texts are prepared
as the model's training text was (its recorded lower-casing, tokenizer...), then split on
whitespace.

The common components (SIF, uSIF) are fitted on the texts given to :meth:`SentenceEncoder.fit`
(or on other text) and kept, so that later texts, one at a time or many, are embedded the same
way; :meth:`SentenceEncoder.save` writes them with the settings. The compiled path
(``_kernels.pooling``) reads the texts' bytes directly: no token or string is made per word.
"""

from __future__ import annotations

import json
import os
import warnings

import numpy as np

from ._validation import NONE, Declared, InstanceOf, Interval, Options, Param
from .errors import FormatError, InvalidParameterError, NotFittedError

__all__ = ["SentenceEncoder", "METHODS", "is_encoder_dir"]

METHODS = ("mean", "sif", "usif", "fasttext", "infer", "tokens")
#: Common components removed by uSIF (the paper's m)
USIF_COMPONENTS = 5
FORMAT_NAME = "wordspace-sentence-encoder"
FORMAT_VERSION = 1
ENCODER_FILES = frozenset({"encoder.json"})
#: rows handled at a time when fitting or removing components (bounds the float64 copies)
CHUNK = 1 << 16
#: The common components are fitted on at least this many lines, spread evenly through the text
#: when it has more (every n-th chunk of lines): on a million lines of Wikipedia the components
#: of a quarter of them agree with those of all of them to a cosine of 0.99986 or more (SIF's
#: one: 0.999999), and the Gram matrix costs a quarter (docs/benchmarks.md).
FIT_LINES = 250_000


class SentenceEncoder(Declared):
    """One vector per sentence or document (see the module docstring for the methods).

    Parameters
    ----------
    model : Vectors, Doc2Vec, or str
        Word vectors, a Doc2Vec model, or anything ``wordspace.load`` opens (a path or a
        published name; a Doc2Vec model directory too).
    method : {"auto", "mean", "sif", "usif", "fasttext", "infer", "tokens"}, default="auto"
        "auto": "infer" for a Doc2Vec model, "tokens" for a static sentence model (one that
        carries its tokenizer), "sif" for vectors with word counts, else "mean".
    sif_a : float, default=1e-3
        SIF's ``a``.
    lowercase : bool, default=False
        Lower-case texts first (beyond what the model's own preparation does).
    frequencies : str, dict or None
        Word counts for models without them: a file of ``word count`` lines, or a dict.
    language : str, default="en"
        The language ``wordfreq`` is asked about when neither the model nor ``frequencies``
        gives counts.

    scikit-learn's contract: ``fit(texts)`` fits the common components (and uSIF's ``a``),
    ``transform(texts)`` returns a float32 array ``(len(texts), dim)``; it works in a
    ``Pipeline``. :meth:`encode` fits first when the method needs it and nothing was fitted.
    """

    _params = {
        "model": Param([InstanceOf(object, "word vectors, a Doc2Vec model or a path")], "the model", cli=False),
        "method": Param([Options(("auto",) + METHODS)], "how word vectors become a sentence vector"),
        "sif_a": Param([Interval(float, 0, 1, closed="right")], "SIF's a"),
        "lowercase": Param([Options((True, False))], "lower-case texts first"),
        "frequencies": Param([NONE, InstanceOf((str, os.PathLike, dict), "a path or a dict")],
                             "word counts for models without them"),
        "language": Param([InstanceOf(str, "a language code such as 'en'")], "wordfreq's language"),
    }

    def __init__(self, model=None, *, method="auto", sif_a=1e-3, lowercase=False, frequencies=None, language="en"):
        self.model = model
        self.method = method
        self.sif_a = sif_a
        self.lowercase = lowercase
        self.frequencies = frequencies
        self.language = language

    # -- the model -------------------------------------------------------------------------------
    def _check_params(self) -> None:
        if self.model is None:
            raise InvalidParameterError(param="model", owner="SentenceEncoder", rule="word vectors, a Doc2Vec model "
                                        "or a path", value=None)

    def _resolved(self):
        """The model object (opened once from a path or name) and the method it gets."""
        from .models import Doc2Vec

        cached = getattr(self, "_opened", None)
        if cached is not None and cached[0] is self.model and cached[3] == self.method:
            return cached[1], cached[2]
        self.validate_params()
        model = self.model
        if isinstance(model, (str, os.PathLike)):
            from .models.doc2vec import is_doc2vec

            model = Doc2Vec.load(model) if is_doc2vec(model) else _load(model)
        is_doc = isinstance(model, Doc2Vec)
        if not is_doc and not all(hasattr(model, a) for a in ("keys", "matrix", "counts")):
            raise InvalidParameterError(param="model", owner="SentenceEncoder", rule="word vectors, a Doc2Vec model "
                                        "or a path", value=type(model).__name__)
        method = self.method
        tokenized = not is_doc and getattr(model, "sentence_tokenizer", None) is not None
        if method == "auto":
            method = ("infer" if is_doc else "tokens" if tokenized else "sif" if model.counts is not None else "mean")
        if method == "tokens" and not tokenized:
            raise InvalidParameterError("method='tokens' needs a static sentence model, one that carries its "
                                        "tokenizer ('wordspace distill', a model2vec folder); these are "
                                        + ("a Doc2Vec model" if is_doc else "plain word vectors"), param="method")
        if is_doc != (method == "infer"):
            raise InvalidParameterError(
                f"method={method!r} needs {'a Doc2Vec model' if method == 'infer' else 'word vectors'}; this model is "
                f"{'a Doc2Vec model, whose vectors are inferred (method infer)' if is_doc else 'word vectors'}",
                param="method")
        self._opened = (self.model, model, method, self.method)
        return model, method

    def opened_model(self):
        """The model object (read from its path or name on first use)."""
        return self._resolved()[0]

    @property
    def dim(self) -> int:
        model, _ = self._resolved()
        return int(model.dim)

    # -- fitting ---------------------------------------------------------------------------------
    def fit(self, texts, y=None) -> "SentenceEncoder":
        """Fit what the method learns from text: SIF's common component, uSIF's ``a`` (from the
        texts' average length) and its five components. A no-op for mean, fasttext and infer."""
        self._fit_buffer(_buffer(texts))
        return self

    def fit_file(self, path) -> "SentenceEncoder":
        """:meth:`fit` on the lines of a file."""
        self._fit_buffer(_read_lines_file(path))
        return self

    def _fit_buffer(self, buf: np.ndarray, out=None) -> np.ndarray:
        """Fit on ``buf`` (lines of text) and return its rows (components removed)."""
        model, method = self._resolved()
        self.method_ = method
        if method in ("infer", "tokens"):
            self.components_ = np.zeros((0, model.dim), np.float32)
            self.component_weights_ = np.zeros(0)
            return self._rows(buf, out)
        prepared = self._prepare(buf)
        if method == "usif":
            from ._kernels.pooling import line_bounds, token_counts

            starts, ends = line_bounds(prepared)
            n = token_counts(prepared, starts, ends)
            lines = int(np.count_nonzero(n))
            self.average_length_ = float(n.sum() / lines) if lines else 1.0
            self.usif_a_ = _usif_a(self._probabilities(model), self.average_length_)
        k = {"sif": 1, "usif": USIF_COMPONENTS}.get(method, 0)
        x, gram = self._pool(model, method, prepared, gram=k > 0, out=out)
        self.components_, self.component_weights_ = _components(gram, k, method, model.dim)
        _remove(x, self.components_, self.component_weights_)
        return x

    # -- embedding -------------------------------------------------------------------------------
    def transform(self, texts) -> np.ndarray:
        """``(len(texts), dim)`` float32: one row per text, with the fitted components removed."""
        return self._rows(_buffer(texts))

    def encode(self, texts) -> np.ndarray:
        """:meth:`transform`, fitting on ``texts`` first when the method fits something and
        nothing was fitted yet."""
        if not hasattr(self, "components_"):
            return self._fit_buffer(_buffer(texts))
        return self.transform(texts)

    def fit_transform(self, texts, y=None) -> np.ndarray:
        return self._fit_buffer(_buffer(texts))

    def encode_file(self, path, *, fit: bool | None = None, out=None) -> np.ndarray:
        """The rows of a file's lines; fitted on them first when ``fit`` (default: when nothing
        was fitted yet). ``out``: a function ``(rows, dim) -> array`` that gives the float32
        array to fill (a memory map of the output file, say), called once the lines are
        counted; the rows are made in it."""
        buf = _read_lines_file(path)
        if fit or (fit is None and not hasattr(self, "components_")):
            return self._fit_buffer(buf, out)
        return self._rows(buf, out)

    def _rows(self, buf: np.ndarray, out=None) -> np.ndarray:
        model, method = self._resolved()
        if method in ("infer", "tokens"):
            text = buf.tobytes().decode("utf-8", "replace")
            lines = text.split("\n")
            if lines and lines[-1] == "":
                lines.pop()
            if method == "tokens":
                if self.lowercase:
                    lines = [t.lower() for t in lines]
                from .tokenized import SENTENCE_META, encode_texts

                meta = model.metadata.get(SENTENCE_META, {}) if isinstance(model.metadata, dict) else {}
                target = out(len(lines), model.dim) if out is not None else None
                x, empty = encode_texts(model.matrix, model.sentence_tokenizer, model.keys, lines,
                                        normalize=bool(meta.get("normalize", True)), out=target)
                self.last_stats_ = {"lines": len(lines), "empty": int(empty)}
                return x
            x = model.infer(lines) if lines else np.zeros((0, model.dim), np.float32)
            self.last_stats_ = {"lines": len(lines), "empty": int(sum(1 for t in lines if not t.split()))}
            if out is not None:
                target = out(x.shape[0], x.shape[1])
                target[...] = x
                return target
            return x
        if not hasattr(self, "components_") and method in ("sif", "usif"):
            raise NotFittedError(f"this SentenceEncoder ({method}) is not fitted: call fit(texts) (or encode, which "
                                 "fits on the texts it embeds) first")
        x, _ = self._pool(model, method, self._prepare(buf), out=out)
        if getattr(self, "components_", None) is not None and len(self.components_):
            _remove(x, self.components_, self.component_weights_)
        return x

    def _prepare(self, buf: np.ndarray) -> np.ndarray:
        """The model's text preparation, and lower-casing when asked, on the whole buffer."""
        from .textprep import TextPreparation

        model, _ = self._resolved()
        prep = getattr(model, "preparation", None)
        if self.lowercase:
            prep = TextPreparation(**{**(prep.to_dict() if prep is not None else {}), "lowercase": True})
        if prep is None or prep.is_identity:
            return buf
        return np.frombuffer(prep.prepare_bytes(buf.tobytes()), dtype=np.uint8)

    def _pool(self, model, method: str, buf: np.ndarray, gram: bool = False, out=None):
        """``(rows, gram)``: the pooled row of every line of ``buf`` and, when asked, the
        float64 Gram matrix of the rows (else None). ``out``: see :meth:`encode_file`."""
        from ._kernels.pooling import CHUNKS, line_bounds, pool_lines

        table, keybuf, kstarts = self._table(model)
        scale = self._scale(model, method)
        starts, ends = line_bounds(buf)
        dim = model.dim
        if out is None:
            out = np.empty((starts.shape[0], dim), dtype=np.float32)
        else:
            out = out(starts.shape[0], dim)
        known = np.empty(starts.shape[0], dtype=np.int64)
        unknown = np.empty(starts.shape[0], dtype=np.int64)
        parts = np.zeros((CHUNKS if gram else 0, dim, dim), dtype=np.float32)
        every = max(1, starts.shape[0] // FIT_LINES)
        pool_lines(buf, starts, ends, table, keybuf, kstarts, model.matrix, scale, out, known, unknown, parts, every)
        fixed = None
        if getattr(model, "subwords", None) is not None and unknown.any():
            fixed = self._subword_lines(model, method, buf, starts, ends, scale, out, known, unknown)
        self.last_stats_ = {"lines": int(starts.shape[0]), "empty": int(np.count_nonzero(known == 0)),
                            "unknown_words": int(unknown.sum()), "known_words": int(known.sum())}
        if not gram:
            return out, None
        if fixed is not None:  # rows redone in Python: the Gram matrix of every row, again
            return out, _gram(out)
        return out, parts.sum(axis=0, dtype=np.float64)

    def _subword_lines(self, model, method, buf, starts, ends, scale, out, known, unknown) -> None:
        """Lines with words outside the vocabulary, again in Python: those words get their
        subword vectors (fastText models), with ``p(w) = 0``."""
        unseen = self._weight_of_unseen(method)
        redone = np.flatnonzero(unknown)
        for i in redone.tolist():
            words = buf[starts[i] : ends[i]].tobytes().decode("utf-8", "replace").split()
            acc = np.zeros(model.dim, dtype=np.float64)
            k = 0
            for w in words:
                row = model.index_of(w) if w in model else -1
                if row >= 0:
                    f, vec = float(scale[row]), model.matrix[row]
                else:
                    vec = np.asarray(model[w], dtype=np.float64)
                    norm = float(np.linalg.norm(vec))
                    f = unseen / norm if method in ("fasttext", "usif") and norm > 0 else (unseen if norm > 0 else -1.0)
                if f < 0:
                    continue
                acc += f * np.asarray(vec, dtype=np.float64)
                k += 1
            out[i] = (acc / max(k, 1)).astype(np.float32)
            known[i] = k
        return redone

    # -- weights ---------------------------------------------------------------------------------
    def _weight_of_unseen(self, method: str) -> float:
        if method == "sif":
            return 1.0  # a / (a + 0)
        if method == "usif":
            return 2.0  # a / (a / 2 + 0)
        return 1.0

    def _table(self, model):
        cached = getattr(self, "_lookup", None)
        if cached is not None and cached[0] is model:
            return cached[1]
        from ._kernels.pooling import key_table

        keybuf, kstarts = _key_buffer(model.keys)
        entry = (key_table(keybuf, kstarts), keybuf, kstarts)
        self._lookup = (model, entry)
        return entry

    def _scale(self, model, method: str) -> np.ndarray:
        """Each word's factor in the kernel (see ``_kernels.pooling``)."""
        n = len(model.keys)
        if method == "mean":
            return np.ones(n, dtype=np.float32)
        unit = method in ("fasttext", "usif")
        if method == "sif":
            p = self._probabilities(model)
            weight = self.sif_a / (self.sif_a + p)
        elif method == "usif":
            p = self._probabilities(model)
            a = self.usif_a_
            weight = a / (0.5 * a + p)
        else:
            weight = np.ones(n)
        if unit:
            norms = np.asarray(model.norms(), dtype=np.float64)
            weight = np.where(norms > 0, weight / np.where(norms > 0, norms, 1.0), -1.0)
        return weight.astype(np.float32)

    def _probabilities(self, model) -> np.ndarray:
        """``p(w)`` of every key, and where it came from (``weights_source_``)."""
        cached = getattr(self, "_probs", None)
        if cached is not None and cached[0] is model:
            return cached[1]
        counts, source = _counts(model, self.frequencies, self.language)
        total = float(counts.sum())
        if total <= 0:
            raise InvalidParameterError("the word counts are all zero; give frequencies for the model's words",
                                        param="frequencies")
        p = counts / total
        known = p > 0
        if not known.all():  # words the frequency list lacks: its smallest probability (uSIF's code does so)
            p = np.where(known, p, p[known].min() if known.any() else 1.0 / len(p))
        self.weights_source_ = source
        self._probs = (model, p)
        return p

    # -- saving ----------------------------------------------------------------------------------
    def metadata(self) -> dict:
        """What the rows were made with (the command line writes it beside them)."""
        model, method = self._resolved()
        doc = {"method": method, "dim": int(model.dim), "lowercase": bool(self.lowercase),
               "model": _model_reference(self.model, model)}
        if method in ("sif", "usif"):
            doc["weights_source"] = getattr(self, "weights_source_", None)
        if method == "sif":
            doc["sif_a"] = float(self.sif_a)
        if method == "usif":
            doc["usif_a"] = float(getattr(self, "usif_a_", float("nan")))
            doc["average_length"] = float(getattr(self, "average_length_", float("nan")))
        if hasattr(self, "components_"):
            doc["components"] = int(len(self.components_))
        return doc

    def save(self, path) -> str:
        """A folder ``encoder.json``: the settings, the fitted components and a reference to
        the model (its path or published name), so that :meth:`load` embeds the same way."""
        from .atomic import atomic_dir

        if not hasattr(self, "components_"):
            raise NotFittedError("fit the SentenceEncoder before saving it (the components are what it keeps)")
        meta = self.metadata()
        if meta["model"] is None:
            raise InvalidParameterError("the model was given as an object that was not read from a file; save the "
                                        "model first and give its path", param="model")
        doc = {"format": FORMAT_NAME, "version": FORMAT_VERSION, **meta, "frequencies": _jsonable(self.frequencies),
               "language": self.language, "components_rows": np.asarray(self.components_, np.float64).tolist(),
               "component_weights": np.asarray(self.component_weights_, np.float64).tolist()}
        path = os.fspath(path)
        with atomic_dir(path, replaceable=is_encoder_dir) as tmp:
            with open(os.path.join(tmp, "encoder.json"), "w", encoding="utf-8") as fh:
                json.dump(doc, fh, ensure_ascii=False)
        return path

    @classmethod
    def load(cls, path, model=None) -> "SentenceEncoder":
        """An encoder written by :meth:`save`; ``model`` replaces the model it refers to."""
        from .jsondoc import read_document

        path = os.fspath(path)
        doc = read_document(os.path.join(path, "encoder.json"), format_name=FORMAT_NAME, latest=FORMAT_VERSION,
                            what="a wordspace sentence encoder", max_bytes=256 << 20)
        method, dim = doc.get("method"), doc.get("dim")
        rows, weights = doc.get("components_rows"), doc.get("component_weights")
        ok = (method in METHODS and isinstance(dim, int) and not isinstance(dim, bool) and 1 <= dim <= 1 << 16
              and isinstance(rows, list) and len(rows) <= USIF_COMPONENTS
              and all(isinstance(r, list) and len(r) == dim and all(_finite(x) for x in r) for r in rows)
              and isinstance(weights, list) and len(weights) == len(rows) and all(_finite(x) for x in weights)
              and isinstance(doc.get("lowercase"), bool))
        if method == "usif":
            ok = ok and _finite(doc.get("usif_a")) and doc["usif_a"] > 0 and _finite(doc.get("average_length"))
        freq = doc.get("frequencies")
        ok = ok and (freq is None or isinstance(freq, str)) and isinstance(doc.get("language", "en"), str)
        if not ok:
            raise FormatError(f"'{path}': encoder.json is damaged (method, dim, components, weights)")
        ref = model if model is not None else doc.get("model")
        if ref is None or (not isinstance(ref, str) and model is None):
            raise FormatError(f"'{path}': the encoder names no model; pass model=")
        enc = cls(ref, method=method, sif_a=float(doc.get("sif_a", 1e-3)), lowercase=doc["lowercase"],
                  frequencies=freq, language=doc.get("language", "en"))
        enc.method_ = method
        enc.components_ = np.asarray(rows, dtype=np.float32).reshape(len(rows), dim)
        enc.component_weights_ = np.asarray(weights, dtype=np.float64)
        if method == "usif":
            enc.usif_a_, enc.average_length_ = float(doc["usif_a"]), float(doc["average_length"])
        if enc.dim != dim:
            raise FormatError(f"'{path}': the encoder was fitted for {dim} dimensions; the model has {enc.dim}")
        return enc


def is_encoder_dir(path) -> bool:
    """Whether ``path`` is a folder :meth:`SentenceEncoder.save` wrote, with nothing else in it."""
    from .atomic import owned_dir

    return owned_dir(os.fspath(path), "encoder.json", FORMAT_NAME, ENCODER_FILES)


# -- helpers -------------------------------------------------------------------------------------
def _load(ref):
    from .pretrained import load

    return load(ref)


def _buffer(texts) -> np.ndarray:
    """The texts as lines of one UTF-8 buffer (a newline inside a text becomes a space)."""
    if isinstance(texts, (str, bytes)):
        raise InvalidParameterError("texts must be a list of strings, not one string (wrap it: [text])",
                                    param="texts")
    parts = []
    for t in texts:
        if not isinstance(t, str):
            raise InvalidParameterError(f"texts must be strings, got {type(t).__name__}", param="texts")
        parts.append(t.replace("\n", " ").replace("\r", " "))
    data = ("\n".join(parts) + "\n").encode("utf-8", "surrogatepass") if parts else b""
    return np.frombuffer(data, dtype=np.uint8)


def _read_lines_file(path) -> np.ndarray:
    """The bytes of a text file (``-``: standard input), checked as untrusted input."""
    import sys

    from .textfiles import looks_binary
    from .untrusted import read_regular

    if os.fspath(path) == "-":
        data = sys.stdin.buffer.read()
    else:
        path = os.fspath(path)
        if looks_binary(path):
            raise FormatError(f"'{path}' looks like a binary file, not text with one sentence per line")
        data = read_regular(path, "a text file", 1 << 40)
    return np.frombuffer(data, dtype=np.uint8)


def _key_buffer(keys):
    """``(buffer, starts)``: the keys in ``KeyList``'s layout (each between newlines)."""
    layout = getattr(keys, "layout", None)
    if layout is not None:
        buf, starts = layout()
        return np.frombuffer(buf, dtype=np.uint8), starts
    data = ("\n" + "\n".join(keys) + "\n").encode("utf-8", "surrogatepass")
    buf = np.frombuffer(data, dtype=np.uint8)
    starts = np.flatnonzero(buf == 10).astype(np.int64)
    if starts.shape[0] != len(keys) + 1:  # a key holding a newline can never match a token anyway
        starts = np.concatenate(([0], np.cumsum([len(k.encode("utf-8", "surrogatepass")) + 1 for k in keys])))
    return buf, starts


def _counts(model, frequencies, language: str):
    """``(counts per key, where they came from)``."""
    n = len(model.keys)
    if frequencies is None and model.counts is not None:
        return np.asarray(model.counts, dtype=np.float64), "model counts"
    if isinstance(frequencies, dict):
        table, source = frequencies, "frequencies given as a dict"
    elif frequencies is not None:
        table, source = _read_frequencies(os.fspath(frequencies)), f"file {os.fspath(frequencies)}"
    else:
        try:
            import wordfreq
        except ImportError:
            raise InvalidParameterError(
                "these vectors have no word counts, which SIF and uSIF need: give --frequencies FILE (word and count "
                "per line), install wordfreq (pip install wordfreq), or use --method mean", param="method") from None
        table = wordfreq.get_frequency_dict(language)
        source = f"wordfreq {getattr(wordfreq, '__version__', '')} ({language})".replace("  ", " ")
    keys = model.keys.tolist() if hasattr(model.keys, "tolist") else list(model.keys)
    counts = np.fromiter((float(table.get(k, 0.0)) for k in keys), dtype=np.float64, count=n)
    if not (np.isfinite(counts).all() and (counts >= 0).all()):
        raise InvalidParameterError("word frequencies must be finite and not negative", param="frequencies")
    return counts, source


def _read_frequencies(path: str) -> dict:
    from .untrusted import read_regular

    text = read_regular(path, "a word frequency file", 1 << 32).decode("utf-8", "replace")
    out = {}
    for number, line in enumerate(text.splitlines(), 1):
        parts = line.split()
        if not parts:
            continue
        try:
            if len(parts) != 2:
                raise ValueError
            value = float(parts[1])
            if not np.isfinite(value) or value < 0:
                raise ValueError
        except ValueError:
            raise FormatError(f"'{path}', line {number}: expected a word and a count (a number >= 0), got "
                              f"{line[:60]!r}") from None
        out.setdefault(parts[0], value)
    if not out:
        raise FormatError(f"'{path}' holds no word counts (expected lines of a word and a count)")
    return out


def _usif_a(p: np.ndarray, n: float) -> float:
    """uSIF's ``a`` from the word probabilities and the average text length ``n``."""
    v = float(p.shape[0])
    threshold = 1.0 - (1.0 - 1.0 / v) ** max(n, 1.0)
    alpha = max(float(np.count_nonzero(p > threshold)) / v, 1.0 / v)
    z = 0.5 * v
    return max((1.0 - alpha) / (alpha * z), 1e-12)


def _gram(x: np.ndarray) -> np.ndarray:
    """``x.T @ x`` in float64, a chunk of rows at a time."""
    gram = np.zeros((x.shape[1], x.shape[1]), dtype=np.float64)
    for s in range(0, x.shape[0], CHUNK):
        part = np.asarray(x[s : s + CHUNK], dtype=np.float64)
        gram += part.T @ part
    return gram


def _components(gram: np.ndarray | None, k: int, method: str, dim: int):
    """The top ``k`` right singular vectors of the rows whose Gram matrix (``x.T @ x``,
    uncentred) is ``gram``, and their removal weights: 1 for SIF; each one's share of the ``k``
    squared singular values for uSIF."""
    if k == 0 or gram is None or not np.any(gram):
        return np.zeros((0, dim), np.float32), np.zeros(0)
    vals, vecs = np.linalg.eigh(gram)
    order = np.argsort(-vals)[: min(k, dim)]
    sq = np.maximum(vals[order], 0.0)
    comps = vecs[:, order].T.astype(np.float32)
    if method == "usif":
        weights = sq / sq.sum() if sq.sum() > 0 else np.zeros_like(sq)
    else:
        weights = np.ones(len(order))
    return comps, weights


def _remove(x: np.ndarray, comps: np.ndarray, weights: np.ndarray) -> None:
    """``x -= sum_i w_i (x . c_i) c_i`` in place, a chunk of rows at a time."""
    if len(comps) == 0 or x.shape[0] == 0:
        return
    from ._kernels.pooling import remove_components

    remove_components(x, np.ascontiguousarray(comps, dtype=np.float32), np.asarray(weights, dtype=np.float32))


def _model_reference(given, model):
    if isinstance(given, (str, os.PathLike)):
        ref = os.fspath(given)
        return os.path.abspath(ref) if os.path.lexists(ref) else ref
    source = getattr(model, "source", None)
    return os.path.abspath(source) if source else None


def _jsonable(frequencies):
    if frequencies is None:
        return None
    if isinstance(frequencies, dict):
        warnings.warn("the frequencies were a dict; the saved encoder keeps only what was computed from them",
                      stacklevel=3)
        return None
    return os.path.abspath(os.fspath(frequencies))


def _finite(x) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool) and bool(np.isfinite(x))
