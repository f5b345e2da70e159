"""Vectors of a tokenizer's tokens: static sentence models (distilled ones, model2vec's).

A *static sentence model* is word vectors whose keys are the tokens of a Hugging Face
``tokenizers`` tokenizer (WordPiece, BPE, Unigram), possibly with whole words added to it, and
which carry that tokenizer. A text's vector is the mean of the rows of its tokens (tokens the
model has no row for, and the unknown token, are left out), scaled to unit length, as model2vec
and sentence-transformers' ``StaticEmbedding`` compute it. The vectors stay ordinary
:class:`~wordspace.Vectors` (``neighbors MODEL bank`` works on them); the tokenizer is the file
``tokenizer.json`` in the native model folder, read only through the ``tokenizers`` library.

This module also reads and writes model2vec's folder format (``model.safetensors`` holding
``embeddings`` and optionally ``weights`` and ``mapping``, ``tokenizer.json``, ``config.json``),
through ``safetensors`` (no pickle is ever read).
"""

from __future__ import annotations

import json
import os
import re

import numpy as np

from .errors import FormatError

__all__ = ["TokenizerSpec", "SENTENCE_META", "is_model2vec_dir", "read_model2vec", "write_model2vec",
           "owns_model2vec_dir", "encode_texts"]

TOKENIZER_FILE = "tokenizer.json"
#: the metadata key under which a static sentence model records how it pools
SENTENCE_META = "static_sentence_model"
MAX_TOKENIZER_BYTES = 256 << 20
MAX_CONFIG_BYTES = 1 << 20
MODEL2VEC_FILES = frozenset({"model.safetensors", "tokenizer.json", "config.json", "modules.json", "README.md"})
#: texts tokenized at a time (bounds the id lists held at once)
BATCH = 1 << 14


def _need_tokenizers():
    try:
        import tokenizers
    except ImportError:
        raise ImportError("static sentence models need the tokenizers library; install with pip install "
                          "'wordspace[distill]' (or pip install tokenizers)") from None
    return tokenizers


class TokenizerSpec:
    """A ``tokenizers`` tokenizer (kept as its JSON text) and the map from its token ids to the
    rows of a model's matrix (-1: no row)."""

    def __init__(self, text: str, source: str = "tokenizer.json"):
        self.text = text
        self.source = source
        self._tok = None
        self._rows_for = None
        self._by_words = None

    @classmethod
    def from_file(cls, path: str, parse: bool = True) -> "TokenizerSpec":
        from .untrusted import read_regular

        data = read_regular(path, "a Hugging Face tokenizer (tokenizer.json)", MAX_TOKENIZER_BYTES)
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            raise FormatError(f"'{path}' is not UTF-8 text; it is not a tokenizer.json") from None
        spec = cls(text, path)
        if parse:  # a damaged file is refused when the model is opened (native models: on first use)
            spec.tokenizer
        return spec

    @property
    def tokenizer(self):
        """The parsed ``tokenizers.Tokenizer``: no padding, no truncation (a model pools whole texts)."""
        if self._tok is None:
            tk = _need_tokenizers()
            try:
                tok = tk.Tokenizer.from_str(self.text)
            except Exception as exc:  # noqa: BLE001 (the Rust parser raises plain Exceptions on damaged files)
                raise FormatError(f"'{self.source}' is not a tokenizer the tokenizers library reads: "
                                  f"{str(exc).splitlines()[0] if str(exc) else type(exc).__name__}") from None
            tok.no_padding()
            tok.no_truncation()
            self._tok = tok
        return self._tok

    @property
    def by_words(self) -> bool:
        """Whether texts may be tokenized word by word (:func:`splits_at_whitespace`)."""
        if self._by_words is None:
            self._by_words = splits_at_whitespace(json.loads(self.tokenizer.to_str()))
        return self._by_words

    def rows(self, keys) -> np.ndarray:
        """``id -> row`` (int64, -1 where the model has no row) for a model whose keys are tokens."""
        if self._rows_for is not None and self._rows_for[0] is keys:
            return self._rows_for[1]
        vocab = self.tokenizer.get_vocab(with_added_tokens=True)
        size = id_space(vocab, self.source)
        lookup = np.full(size, -1, dtype=np.int64)
        for row, key in enumerate(keys):
            i = vocab.get(key)
            if i is not None:
                lookup[i] = row
        unk = unknown_id(self.tokenizer)
        if unk is not None and unk < size:
            lookup[unk] = -1  # model2vec leaves the unknown token out of the mean
        self._rows_for = (keys, lookup)
        return lookup


def id_space(vocab: dict, source: str) -> int:
    """One more than the largest token id, checked to be dense enough to allocate per id (a
    hostile tokenizer.json may give a token the id 4,000,000,000)."""
    size = max(vocab.values(), default=-1) + 1
    if size > 2 * len(vocab) + 1024:
        raise FormatError(f"'{source}': token ids go up to {size - 1:,} for {len(vocab):,} tokens; a tokenizer's ids "
                          "are numbered from 0 without large gaps: the file is damaged")
    return size


def unknown_id(tok) -> int | None:
    """The id of the tokenizer's unknown token (None when it has none)."""
    doc = json.loads(tok.to_str()).get("model", {})
    if doc.get("type") == "Unigram":
        u = doc.get("unk_id")
        return int(u) if isinstance(u, int) else None
    name = doc.get("unk_token")
    return tok.token_to_id(name) if isinstance(name, str) else None


def encode_texts(matrix: np.ndarray, spec: TokenizerSpec, keys, texts, normalize: bool = True,
                 out: np.ndarray | None = None) -> tuple[np.ndarray, int]:
    """``(rows, empty)``: the mean of the rows of each text's tokens (unit length when
    ``normalize``) and how many texts had no token with a row (their rows are zero).

    When the tokenizer splits text at whitespace before anything else (``TokenizerSpec.by_words``),
    each distinct word of a batch is tokenized once and its rows summed once; a text is then the
    sum of its words' sums over the sum of their counts. Otherwise each text is tokenized whole."""
    from ._kernels.pooling import sum_rows

    tok = spec.tokenizer
    lookup = spec.rows(keys)
    ones = np.ones(matrix.shape[0], dtype=np.int64)
    texts = texts if isinstance(texts, list) else list(texts)
    if out is None:
        out = np.empty((len(texts), matrix.shape[1]), dtype=np.float32)
    dim = matrix.shape[1]
    index: dict = {}  # word -> its row in sums (kept across batches: each distinct word is tokenized once)
    sums = np.empty((0, dim), dtype=np.float32)
    counts = np.empty(0, dtype=np.int64)
    per_text = np.empty(len(texts), dtype=np.int64)  # tokens counted in each text
    for s in range(0, len(texts), BATCH):
        part = texts[s : s + BATCH]
        if spec.by_words:
            known = len(index)
            word_ids, offsets = _words_of(part, index)
            if len(index) > known:
                new = list(index)[known:] if known else list(index)
                w_ids, w_offsets = _flat_ids(tok.encode_batch_fast(new, add_special_tokens=False))
                if len(index) > sums.shape[0]:  # grown by doubling: rows are copied O(log n) times
                    cap = max(len(index), 2 * sums.shape[0])
                    sums = np.concatenate([sums, np.empty((cap - sums.shape[0], dim), np.float32)])
                    counts = np.concatenate([counts, np.zeros(cap - counts.shape[0], np.int64)])
                sum_rows(matrix, lookup, ones, w_ids, w_offsets, sums[known : len(index)], counts[known : len(index)])
            # a text is the sum of its words' sums, over the sum of their token counts
            sum_rows(sums, np.arange(sums.shape[0]), counts, word_ids, offsets, out[s : s + len(part)],
                     per_text[s : s + len(part)])
        else:
            ids, offsets = _flat_ids(tok.encode_batch_fast(part, add_special_tokens=False))
            sum_rows(matrix, lookup, ones, ids, offsets, out[s : s + len(part)], per_text[s : s + len(part)])
    empty = per_text == 0
    if normalize:
        norms = np.sqrt(np.einsum("ij,ij->i", out, out))
        out /= np.where(norms > 0, norms, 1)[:, None]
    else:
        out /= np.maximum(per_text, 1)[:, None].astype(np.float32)
    return out, int(empty.sum())


#: characters Python's str.split() treats as whitespace and Unicode's White_Space (which the
#: tokenizers' whitespace rules follow) does not: a text holding one is tokenized whole
_PY_ONLY_SPACE = re.compile("[\x1c-\x1f]")


def _words_of(texts, index: dict):
    """``(word index of every word in order, offsets per text)``; words not yet in ``index``
    are added to it, numbered in order of first appearance."""
    from itertools import chain

    split = [t.split() if not _PY_ONLY_SPACE.search(t) else [t] for t in texts]
    lengths = np.fromiter(map(len, split), dtype=np.int64, count=len(split))
    offsets = np.zeros(len(split) + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    n = len(index)
    for w in dict.fromkeys(chain.from_iterable(split)):
        if w not in index:
            index[w] = n
            n += 1
    word_ids = np.fromiter(map(index.__getitem__, chain.from_iterable(split)), dtype=np.int64, count=int(offsets[-1]))
    return word_ids, offsets


def _flat_ids(encodings):
    from itertools import chain

    lengths = np.fromiter((len(e.ids) for e in encodings), dtype=np.int64, count=len(encodings))
    offsets = np.zeros(len(encodings) + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    ids = np.fromiter(chain.from_iterable(e.ids for e in encodings), dtype=np.int64, count=int(offsets[-1]))
    return ids, offsets


#: normalizers that act on each character alone, and pre-tokenizers that split at every
#: whitespace first: with these, a text's tokens are its whitespace-separated words' tokens in turn
_CHARWISE_NORMALIZERS = {"BertNormalizer", "Lowercase", "StripAccents", "NFD", "NFKD"}
_WORD_PRE_TOKENIZERS = {"BertPreTokenizer", "Whitespace", "WhitespaceSplit"}
_WITHIN_WORD_PRE_TOKENIZERS = {"Punctuation", "Digits"}


def splits_at_whitespace(doc: dict) -> bool:
    """Whether a tokenizer (its JSON) tokenizes each whitespace-separated word on its own."""
    def types(node):
        if node is None:
            return []
        if node.get("type") == "Sequence":
            inner = node.get("normalizers", node.get("pretokenizers", []))
            return [t for n in inner for t in types(n)]
        return [node.get("type")]

    norms = types(doc.get("normalizer"))
    pres = types(doc.get("pre_tokenizer"))
    if any(any(c.isspace() for c in str(a.get("content", ""))) for a in doc.get("added_tokens") or []):
        return False  # an added token spanning words (model2vec adds such "multi-word tokens")
    return (all(t in _CHARWISE_NORMALIZERS for t in norms) and bool(pres) and pres[0] in _WORD_PRE_TOKENIZERS
            and all(t in _WORD_PRE_TOKENIZERS | _WITHIN_WORD_PRE_TOKENIZERS for t in pres))


# -- model2vec's folders -------------------------------------------------------------------------
def is_model2vec_dir(path) -> bool:
    """Whether ``path`` is a folder in model2vec's format (or sentence-transformers' StaticEmbedding's)."""
    path = os.fspath(path)
    return (os.path.isdir(path) and os.path.isfile(os.path.join(path, "model.safetensors"))
            and os.path.isfile(os.path.join(path, TOKENIZER_FILE))
            and not os.path.isfile(os.path.join(path, "wordspace.json")))


def owns_model2vec_dir(path) -> bool:
    """A model2vec folder wordspace wrote, with nothing else in it (the only kind an export replaces)."""
    path = os.fspath(path)
    try:
        names = os.listdir(path)
        cfg_path = os.path.join(path, "config.json")
        if os.path.islink(cfg_path) or os.path.getsize(cfg_path) > MAX_CONFIG_BYTES:
            return False
        with open(cfg_path, encoding="utf-8") as fh:
            cfg = json.load(fh)
    except (OSError, ValueError, RecursionError):
        return False
    return (isinstance(cfg, dict) and cfg.get("model_type") == "model2vec" and cfg.get("written_by") == "wordspace"
            and all(n in MODEL2VEC_FILES and os.path.isfile(os.path.join(path, n))
                    and not os.path.islink(os.path.join(path, n)) for n in names))


def read_model2vec(path: str, cls):
    """A model2vec folder as ``cls`` (``Vectors``): one row per token id (``weights`` and
    ``mapping`` folded in, as model2vec's ``encode`` applies them), the tokenizer attached."""
    from .untrusted import parse_json, read_regular

    try:
        from safetensors import safe_open
    except ImportError:
        raise ImportError("model2vec folders need the safetensors library; install with pip install "
                          "'wordspace[distill]'") from None
    path = os.fspath(path)
    cfg_path = os.path.join(path, "config.json")
    cfg = {}
    if os.path.isfile(cfg_path):
        cfg = parse_json(read_regular(cfg_path, "a model2vec config.json", MAX_CONFIG_BYTES), f"'{cfg_path}'",
                         "a model2vec config.json")
        if not isinstance(cfg, dict):
            raise FormatError(f"'{cfg_path}' must hold a JSON object")
    spec = TokenizerSpec.from_file(os.path.join(path, TOKENIZER_FILE))
    st = os.path.join(path, "model.safetensors")
    try:
        with safe_open(st, framework="numpy") as fh:
            names = set(fh.keys())
            name = "embeddings" if "embeddings" in names else "embedding.weight" if "embedding.weight" in names else None
            if name is None:
                raise FormatError(f"'{st}' holds no 'embeddings' tensor (it has {', '.join(sorted(names)) or 'none'})")
            emb = _float_matrix(fh.get_tensor(name), st, name)
            weights = fh.get_tensor("weights") if "weights" in names else None
            mapping = fh.get_tensor("mapping") if "mapping" in names else None
    except FormatError:
        raise
    except Exception as exc:  # noqa: BLE001 (safetensors raises its own errors on damaged files)
        raise FormatError(f"'{st}' is not a safetensors file wordspace can read: "
                          f"{str(exc).splitlines()[0] if str(exc) else type(exc).__name__}") from None
    vocab = spec.tokenizer.get_vocab(with_added_tokens=True)
    n_ids = id_space(vocab, spec.source)
    rows_of_id = np.arange(n_ids)
    if mapping is not None:
        mapping = np.asarray(mapping)
        if mapping.ndim != 1 or mapping.dtype.kind not in "iu" or (mapping.size and (mapping.min() < 0
                                                                                      or mapping.max() >= emb.shape[0])):
            raise FormatError(f"'{st}': 'mapping' must be one integer row index per token, each below {emb.shape[0]}")
        if mapping.shape[0] < n_ids:
            raise FormatError(f"'{st}': 'mapping' has {mapping.shape[0]} entries for a tokenizer of {n_ids} ids")
        rows_of_id = mapping[:n_ids].astype(np.int64)
    elif emb.shape[0] < n_ids:
        raise FormatError(f"'{st}' has {emb.shape[0]} rows for a tokenizer of {n_ids} token ids; the folder is damaged")
    matrix = emb[rows_of_id]
    if weights is not None:
        weights = np.asarray(weights, dtype=np.float32).reshape(-1)
        if weights.shape[0] < n_ids or not np.isfinite(weights[:n_ids]).all():
            raise FormatError(f"'{st}': 'weights' must hold one finite number per token id ({n_ids})")
        matrix = matrix * weights[:n_ids, None]
    keys = [None] * n_ids
    for tok, i in vocab.items():
        keys[i] = tok
    if any(k is None for k in keys):  # ids with no token: rows nothing can reach
        hole = [i for i, k in enumerate(keys) if k is None]
        keep = np.setdiff1d(np.arange(n_ids), hole)
        keys = [keys[i] for i in keep]
        matrix = matrix[keep]
    meta = {SENTENCE_META: {"pooling": "mean", "normalize": bool(cfg.get("normalize", True)),
                            "source_format": "model2vec", "config": {k: cfg[k] for k in list(cfg)[:32]
                                                                    if isinstance(cfg[k], (str, int, float, bool))}}}
    v = cls(keys, np.ascontiguousarray(matrix, dtype=np.float32), metadata=meta, source=path)
    v.sentence_tokenizer = spec
    return v


def _float_matrix(x, where: str, name: str) -> np.ndarray:
    x = np.asarray(x)
    if x.ndim != 2 or x.dtype.kind not in "fi" or x.shape[1] == 0:
        raise FormatError(f"'{where}': {name!r} must be a 2-D float matrix, not {x.dtype} {x.shape}")
    x = x.astype(np.float32)
    if not np.isfinite(x).all():
        raise FormatError(f"'{where}': {name!r} holds NaN or infinity")
    return x


def write_model2vec(vectors, path: str, inputs=()) -> str:
    """Write a static sentence model as a model2vec folder (float32 ``embeddings`` indexed by
    token id, ids without a row get zeros; ``tokenizer.json``; ``config.json``; ``modules.json``
    for sentence-transformers), atomically."""
    from .atomic import atomic_dir

    spec = getattr(vectors, "sentence_tokenizer", None)
    if spec is None:
        from .errors import InvalidParameterError

        raise InvalidParameterError("model2vec needs a model that carries its tokenizer (a model made by 'wordspace "
                                    "distill' or read from a model2vec folder); these are plain word vectors")
    from safetensors.numpy import save_file

    vocab = spec.tokenizer.get_vocab(with_added_tokens=True)
    n_ids = id_space(vocab, spec.source)
    emb = np.zeros((n_ids, vectors.dim), dtype=np.float32)
    lookup = spec.rows(vectors.keys)
    has = lookup >= 0
    emb[has] = np.asarray(vectors.matrix)[lookup[has]]
    meta = vectors.metadata.get(SENTENCE_META, {}) if isinstance(vectors.metadata, dict) else {}
    normalize = bool(meta.get("normalize", True))
    cfg = {"model_type": "model2vec", "architectures": ["StaticModel"], "tokenizer_name": meta.get("teacher", ""),
           "apply_pca": meta.get("dim"), "hidden_dim": int(vectors.dim), "seq_length": 1000000,
           "normalize": normalize, "pooling": "mean", "embedding_dtype": "float32", "written_by": "wordspace"}
    modules = [{"idx": 0, "name": "0", "path": ".", "type": "sentence_transformers.models.StaticEmbedding"}]
    if normalize:
        modules.append({"idx": 1, "name": "1", "path": "1_Normalize", "type": "sentence_transformers.models.Normalize"})
    path = os.fspath(path)
    with atomic_dir(path, owns_model2vec_dir, inputs=inputs) as tmp:
        save_file({"embeddings": emb}, os.path.join(tmp, "model.safetensors"))
        with open(os.path.join(tmp, TOKENIZER_FILE), "w", encoding="utf-8") as fh:
            fh.write(spec.tokenizer.to_str())
        with open(os.path.join(tmp, "config.json"), "w", encoding="utf-8") as fh:
            json.dump(cfg, fh, indent=2)
        with open(os.path.join(tmp, "modules.json"), "w", encoding="utf-8") as fh:
            json.dump(modules, fh, indent=2)
    return path
