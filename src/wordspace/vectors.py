"""Vectors: key -> row storage and read-only queries (neighbours, similarity, analogies).

Training lives in ``wordspace.models``; file formats in ``wordspace.io`` (``Vectors.load``
and ``save`` only dispatch there); benchmarks in ``wordspace.evaluate``.
"""

from __future__ import annotations

import difflib
from typing import Iterable, NamedTuple, Sequence

import numpy as np

from ._validation import Interval, Options, check_param
from .compat import KeyedVectorsMethods, as_key_list, refuse_foreign_keywords
from .errors import DuplicateKeyError, InvalidParameterError, KeyNotFoundError
from .keylist import KeyList

__all__ = ["Vectors", "Neighbor", "OOV_POLICIES", "check_k"]

#: Lookups answered by a byte search of an opened file's keys before the key -> row dict is built.
SCAN_LOOKUPS = 32

#: What a query about an unknown key gets (see ``Vectors``).
OOV_POLICIES = ("error", "subwords", "zero")


class Neighbor(NamedTuple):
    """One answer of a neighbour or analogy query."""

    key: str
    score: float


def _unit_rows(matrix: np.ndarray, norms: np.ndarray, block: int = 1 << 16) -> np.ndarray:
    """Rows divided by their lengths ``norms`` (zero rows have length 1), block by block."""
    out = np.empty(matrix.shape, dtype=np.float32)
    for s in range(0, matrix.shape[0], block):
        out[s : s + block] = np.asarray(matrix[s : s + block], dtype=np.float32) / norms[s : s + block, None]
    return out


class Vectors(KeyedVectorsMethods):
    """Keys (any Unicode string) mapped to the rows of a float32 matrix.

    Parameters
    ----------
    keys : sequence of str
        One distinct key per row, most frequent first when counts are known.
    matrix : ndarray of shape (n_keys, dim)
        The vectors. Kept as given when already float32 (a memory map stays one).
    counts : ndarray of shape (n_keys,), optional
        Corpus counts of the keys.
    metadata : dict, optional
        Free-form JSON-compatible information (training parameters, ...).
    index : neighbour index, optional
        See ``wordspace.index``; exact search by default.
    subwords : Subwords, optional
        Hashed n-gram vectors (fastText models): unknown keys then get the mean of their
        n-gram rows.
    oov : {"error", "subwords", "zero"} or None, default=None
        What a query about an unknown key gets: a :class:`KeyNotFoundError` that suggests close
        keys, the subword vector, or a zero vector. None means "subwords" when ``subwords`` is
        given, else "error". Settable later (``v.oov = "zero"``). ``key in v`` and
        :meth:`index_of` always concern the vocabulary itself.
    check_keys : bool, default=True
        Build the key -> row mapping now, refusing duplicate keys. False defers it to the first
        lookup (readers use this so that opening a million keys stays well under a second;
        duplicates are then refused at that first lookup).
    source : str or None
        The file the vectors were read from, named in errors about their content (rows holding
        NaN or infinity are refused when first used, duplicate keys at the first lookup).

    Examples
    --------
    >>> v = Vectors(["a", "b", "c"], np.eye(3, dtype=np.float32))
    >>> v.most_similar("a", k=1)[0].key in {"b", "c"}
    True
    """

    def __init__(self, keys: Sequence[str], matrix: np.ndarray, counts=None, metadata=None, index=None,
                 subwords=None, oov: str | None = None, *, check_keys: bool = True, source: str | None = None):
        if not isinstance(keys, KeyList):
            keys = list(keys)
        if getattr(matrix, "dtype", None) != np.float32 or not isinstance(matrix, np.ndarray):
            matrix = np.ascontiguousarray(matrix, dtype=np.float32)
        if matrix.ndim != 2:
            raise InvalidParameterError(f"matrix must be 2-D (n_keys, dim), got shape {matrix.shape}")
        if matrix.shape[0] != len(keys):
            raise InvalidParameterError(
                f"got {len(keys)} keys for a matrix of {matrix.shape[0]} rows; they must match"
            )
        self._keys = keys
        self.source = source
        self._key_to_row = None  # key -> row, built on first lookup
        self._scans = 0  # lookups answered by searching a KeyList instead
        self._matrix = matrix
        self.counts = None if counts is None else np.asarray(counts, dtype=np.int64)
        self.metadata = dict(metadata or {})
        self._preparation = _preparation_of(self.metadata, source)  # applied to query words
        self._unit = None  # cached unit-normalised matrix
        self._norms = None  # cached row lengths
        self._suggest_pool = None  # spelling buckets for suggest(), built on first use
        self._index_backend = index  # None: ExactIndex, built on first query
        self._built = None
        if subwords is not None and subwords.matrix.shape[1] != matrix.shape[1]:
            raise InvalidParameterError(
                f"the n-gram matrix has {subwords.matrix.shape[1]} dimensions, the vectors {matrix.shape[1]}; they must match"
            )
        self.subwords = subwords
        #: ``(Codebooks, codes, n-gram codes or None)`` when the rows were rebuilt from product
        #: quantisation (``wordspace.quantize``): the native writer then stores the codes.
        self.quantized = None
        #: the tokenizer of a static sentence model (``wordspace.tokenized.TokenizerSpec``), else None
        self.sentence_tokenizer = None
        self.oov = oov if oov is not None else ("subwords" if subwords is not None else "error")
        if check_keys:
            self.key_to_index  # duplicate keys are refused here, not at the first query

    @property
    def oov(self) -> str:
        """The policy for unknown keys: "error", "subwords" or "zero"."""
        return self._oov

    @oov.setter
    def oov(self, policy: str) -> None:
        check_param("oov", policy, [Options(OOV_POLICIES)], "Vectors")
        if policy == "subwords" and getattr(self, "subwords", None) is None:
            raise InvalidParameterError(
                "oov='subwords' needs n-gram vectors, which these vectors do not have (train with "
                "wordspace.FastText or load a fastText model); use 'error' or 'zero'"
            )
        self._oov = policy

    @property
    def key_to_index(self) -> dict:
        """The key -> row mapping (built on first use; read it, do not change it)."""
        if self._key_to_row is None:
            keys = self._keys.tolist() if isinstance(self._keys, KeyList) else self._keys
            mapping = dict(zip(keys, range(len(keys))))
            if len(mapping) != len(self._keys):
                seen: set = set()
                i, dup = next((i, k) for i, k in enumerate(self._keys) if k in seen or seen.add(k))
                raise DuplicateKeyError(
                    (f"'{self.source}': " if self.source else "") + f"duplicate key {dup!r} at entry {i + 1} (first at entry "
                    f"{self._keys.index(dup) + 1}): every key must be unique", key=dup, position=i)
            self._key_to_row = mapping
        return self._key_to_row

    def has_duplicates(self) -> bool:
        """Whether some key occurs twice (such vectors cannot answer lookups)."""
        try:
            self.key_to_index
        except DuplicateKeyError:
            return True
        return False

    # -- container -------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self._keys)

    def __iter__(self):
        """The keys, in row order (``for key in v``)."""
        return iter(self._keys)

    def __contains__(self, key) -> bool:
        return isinstance(key, str) and self._lookup(key) >= 0

    def _lookup(self, key: str) -> int:
        """Row of ``key`` or -1; a word not found as given is looked up as the model's text
        preparation makes it (``"King"`` -> ``"king"`` for a model trained lower-cased)."""
        row = self._find(key)
        if row < 0 and self._preparation is not None:
            prepared = self._preparation.key(key)
            if prepared != key:
                row = self._find(prepared)
        return row

    def _find(self, key: str) -> int:
        """Row of ``key`` exactly, or -1. The first few lookups in an opened file search its key
        buffer (milliseconds) instead of building the key -> row dict (a second for a million
        keys), so opening a model and asking about a word or two stays instant."""
        if self._key_to_row is None and isinstance(self._keys, KeyList) and self._scans < SCAN_LOOKUPS:
            self._scans += 1
            return self._keys.find(key)
        return self.key_to_index.get(key, -1)

    def __getitem__(self, key: str) -> np.ndarray:
        """The row of ``key`` (a read-only view); for an unknown key, what the ``oov`` policy
        gives (the subword vector, or zeros) or a :class:`KeyNotFoundError`."""
        row = self._row(key)
        vec = self._matrix[row].view() if row >= 0 else self._oov_vector(key)
        if not np.isfinite(vec).all():
            self._refuse_nonfinite(row, key)
        vec.flags.writeable = False
        return vec

    def _refuse_nonfinite(self, row: int, key=None):
        """Raise for a row holding NaN or infinity (a damaged file, or a caller's bad matrix)."""
        from .errors import FormatError

        key = self._keys[row] if key is None and row >= 0 else key
        what = f"the vector of {key!r} (row {row + 1})" if row >= 0 else f"the subword vector of {key!r}"
        if self.source:
            raise FormatError(f"'{self.source}': {what} holds NaN or infinity; the file is damaged")
        raise InvalidParameterError(f"{what} holds NaN or infinity")

    def _row(self, key) -> int:
        """Row of ``key``, or -1 when it is unknown and the ``oov`` policy can answer anyway."""
        if self._oov != "error" and isinstance(key, str):
            return self._lookup(key)
        return self.index_of(key)

    def _oov_vector(self, key: str) -> np.ndarray:
        if self._oov == "subwords":
            return self.subwords.vector(key)
        return np.zeros(self.dim, dtype=np.float32)

    def _unit_of(self, key: str) -> tuple[np.ndarray, int]:
        """``(unit vector, row)`` of a key; row -1 for an unknown key answered by the policy."""
        row = self._row(key)
        if row >= 0:
            return self.unit_row(row), row
        vec = self._oov_vector(key)
        norm = float(np.linalg.norm(vec))
        return (vec / norm if norm > 0 else vec).astype(np.float32), -1

    def unit_row(self, row: int) -> np.ndarray:
        """Row ``row`` divided by its length."""
        if self._unit is not None:
            return self._unit[row]
        vec = np.asarray(self._matrix[row], dtype=np.float32)  # one row: no normalised copy needed
        return vec / self.norms()[row]

    def __repr__(self) -> str:
        return f"Vectors({len(self):,} keys x {self.dim} dims)"

    @property
    def preparation(self):
        """The text preparation the model was trained with (applied to query words), or None."""
        return self._preparation

    @property
    def keys(self) -> Sequence[str]:
        """The keys in row order (a list, or a lazily decoded :class:`KeyList` for opened
        native models and word2vec binary files of over 200,000 UTF-8 keys; ``list(v.keys)``
        gives a list either way)."""
        return self._keys

    @property
    def matrix(self) -> np.ndarray:
        """The (n_keys, dim) float32 matrix."""
        return self._matrix

    @property
    def dim(self) -> int:
        return int(self._matrix.shape[1])

    def index_of(self, key: str) -> int:
        """Row of ``key``; raises :class:`KeyNotFoundError` with suggestions."""
        if not isinstance(key, str):
            raise KeyNotFoundError(f"keys are str, got {type(key).__name__} {key!r}")
        row = self._lookup(key)
        if row < 0:
            raise KeyNotFoundError(self._unknown_message(key))
        return row

    def _unknown_message(self, key) -> str:
        close = self.suggest(key)
        msg = f"{key!r} is not in the vocabulary ({len(self):,} keys)."
        if close:
            msg += " Did you mean " + ", ".join(repr(c) for c in close) + "?"
        return msg

    def suggest(self, key: str, n: int = 3) -> list[str]:
        """Up to ``n`` known keys spelled like ``key`` (for "did you mean" messages): a case
        variant, or close spellings among the 200,000 most frequent keys of about the same length
        that share the key's first or last character (typos rarely hit both; this keeps the
        comparison to a few thousand keys, a few milliseconds)."""
        if not isinstance(key, str) or not key or len(key) > 200:
            return []
        lower = key.lower()
        if lower != key and self._lookup(lower) >= 0:
            return [lower]
        if self._suggest_pool is None:  # (first char, last char, length) -> keys, built once
            pool: dict = {}
            for k in self._keys[:200_000]:
                if k:
                    pool.setdefault((k[0], len(k)), []).append(k)
                    pool.setdefault(("", k[-1], len(k)), []).append(k)
            self._suggest_pool = pool
        cands: list = []
        for length in range(max(1, len(key) - 2), len(key) + 3):
            cands += self._suggest_pool.get((key[0], length), []) + self._suggest_pool.get(("", key[-1], length), [])
        return difflib.get_close_matches(key, list(dict.fromkeys(cands)), n=n, cutoff=0.75)

    # -- queries ---------------------------------------------------------------------------
    def normalized(self) -> np.ndarray:
        """The unit-length rows (computed once and cached)."""
        if self._unit is None:
            self._unit = _unit_rows(self._matrix, self.norms())
        return self._unit

    def norms(self) -> np.ndarray:
        """The length of every row (computed once, block by block, and cached)."""
        if self._norms is None:
            m, out = self._matrix, np.empty(len(self), dtype=np.float32)
            for s in range(0, m.shape[0], 1 << 16):
                block = np.asarray(m[s : s + (1 << 16)], dtype=np.float32)
                out[s : s + block.shape[0]] = np.sqrt(np.einsum("ij,ij->i", block, block))
            bad = ~np.isfinite(out)  # the pass that every query needs also refuses NaN and infinity
            if bad.any():
                row = int(np.flatnonzero(bad)[0])
                if np.isfinite(np.asarray(m[row], dtype=np.float64)).all():  # only the float32 square overflowed
                    out[bad] = np.float32(np.finfo(np.float32).max)
                else:
                    self._refuse_nonfinite(row)
            out[out == 0] = 1.0
            self._norms = out
        return self._norms

    def index(self):
        """The neighbour-search backend, built on first use (``ExactIndex`` by default)."""
        if self._built is None:
            from .index import ExactIndex

            backend = self._index_backend if self._index_backend is not None else ExactIndex()
            if hasattr(backend, "build_raw") and self._unit is None:  # no normalised float32 copy
                self._built = backend.build_raw(self._matrix, self.norms())
            else:
                self._built = backend.build(self.normalized())
        return self._built

    def set_index(self, index) -> "Vectors":
        """Use ``index`` (see ``wordspace.index``) for neighbour search from now on."""
        self._index_backend = index
        self._built = None
        return self

    def similarity(self, a: str, b: str) -> float:
        """Cosine similarity of two keys."""
        ua = self._unit_of(a)[0].astype(np.float64)
        ub = self._unit_of(b)[0].astype(np.float64)
        na, nb = float(np.linalg.norm(ua)), float(np.linalg.norm(ub))
        if na == 0 or nb == 0:
            return 0.0
        # in float64, then rounded to float32's precision: a key's similarity to itself is 1 exactly
        return _cosine(np.float32(np.dot(ua, ub) / (na * nb)))

    def _query_vector(self, query, positive, negative):
        exclude = set()
        if query is not None and (positive or negative):
            raise InvalidParameterError("give either query or positive/negative lists, not both")
        if query is not None:
            if isinstance(query, str):
                positive = [query]
            else:
                vec = np.asarray(query, dtype=np.float32)
                if vec.shape != (self.dim,):
                    raise InvalidParameterError(
                        f"query vector must have shape ({self.dim},), got {vec.shape}"
                    )
                return vec, exclude
        if not positive and not negative:
            raise InvalidParameterError("empty query: give a key, a vector, or positive/negative keys")
        vec = np.zeros(self.dim, dtype=np.float32)
        for sign, words in ((1.0, positive), (-1.0, negative)):
            for w in words:
                weight = sign
                if isinstance(w, tuple) and len(w) == 2 and not isinstance(w[1], str):  # gensim's (key, weight)
                    w, weight = w[0], float(w[1])
                if isinstance(w, str):
                    unit, i = self._unit_of(w)
                    vec += weight * unit
                    if i >= 0:
                        exclude.add(i)
                else:
                    vec += weight * np.asarray(w, dtype=np.float32)
        return vec, exclude

    def most_similar(self, query=None, k: int = 10, *, positive: Iterable = (), negative: Iterable = (),
                     exclude: Iterable[str] = (), restrict: int | None = None, **unknown) -> list[Neighbor]:
        """The ``k`` keys with the highest cosine similarity to a query.

        The query is a key, a vector, or the sum of the unit vectors of ``positive`` keys minus
        those of ``negative`` keys (``positive=['king', 'woman'], negative=['man']``; one string
        is one key, as in gensim, and ``(key, weight)`` pairs weigh a key). Keys of the query
        are never answers; nor are keys in ``exclude``. ``restrict`` limits answers to the first
        (most frequent) ``restrict`` keys. gensim's ``topn=``/``restrict_vocab=`` are refused
        with these names (see docs/gensim.md; :meth:`similar_by_word` takes gensim's).
        """
        if unknown:
            refuse_foreign_keywords("most_similar()", unknown)
            raise TypeError(f"most_similar() got an unexpected keyword argument {next(iter(unknown))!r}")
        check_k(k)
        positive, negative, exclude = as_key_list(positive), as_key_list(negative), as_key_list(exclude)
        vec, excl = self._query_vector(query, positive, negative)
        excl |= {self.index_of(w) for w in exclude}
        norm = float(np.linalg.norm(vec))
        q = (vec / norm if norm > 0 else vec).astype(np.float32)[None, :]
        ids, scores = self.index().query(q, k, limit=restrict, exclude=[sorted(excl)])
        return [Neighbor(self._keys[i], _cosine(sc)) for i, sc in zip(ids[0].tolist(), scores[0].tolist()) if i >= 0]

    def most_similar_batch(self, queries: Sequence, k: int = 10, *, restrict: int | None = None) -> list[list[Neighbor]]:
        """Neighbours of many queries (keys or vectors) at once: one matrix product per block of
        queries, so 1,000 queries cost about as much as a few single ones. A key is never its
        own answer."""
        check_k(k)
        if len(queries) == 0:
            raise InvalidParameterError("most_similar_batch needs at least one query")
        found = {}
        keys = [q for q in queries if isinstance(q, str)]
        if len(keys) > SCAN_LOOKUPS:
            if self._key_to_row is None and isinstance(self._keys, KeyList):
                # an opened file: one compiled pass over its key buffer finds them all
                found = {k: r for k, r in zip(keys, self._keys.find_many(keys).tolist()) if r >= 0}
            else:
                self.key_to_index  # many lookups: one dict is cheaper than many searches
        rows, excl = [], []
        for q in queries:
            if isinstance(q, str):
                i = found.get(q, -1)
                unit, i = (self.unit_row(i), i) if i >= 0 else self._unit_of(q)
                rows.append(unit)
                excl.append([i] if i >= 0 else [])
            else:
                v = np.asarray(q, dtype=np.float32)
                if v.shape != (self.dim,):
                    raise InvalidParameterError(f"query vector must have shape ({self.dim},), got {v.shape}")
                n = float(np.linalg.norm(v))
                rows.append(v / n if n > 0 else v)
                excl.append([])
        ids, scores = self.index().query(np.stack(rows).astype(np.float32), k, limit=restrict, exclude=excl)
        keys = self._keys
        return [[Neighbor(keys[i], _cosine(sc)) for i, sc in zip(r_ids, r_sc) if i >= 0]
                for r_ids, r_sc in zip(ids.tolist(), scores.tolist())]

    def analogy(self, a: str, b: str, c: str, k: int = 10, *, method: str = "add",
                restrict: int | None = None) -> list[Neighbor]:
        """Answers to ``a : b :: c : ?`` (``man : king :: woman : queen``).

        ``method="add"`` is 3CosAdd: candidates ranked by :math:`\\cos(x, b) - \\cos(x, a) +
        \\cos(x, c)`, each reported with its cosine to the normalised ``b - a + c``, the score
        ``most_similar(positive=[b, c], negative=[a])`` reports for it (and gensim too).
        ``"mul"`` is 3CosMul (Levy & Goldberg 2014) with cosines shifted to [0, 1] and
        :math:`\\epsilon = 10^{-3}`: :math:`\\cos(x,b)\\cos(x,c) / (\\cos(x,a) + \\epsilon)`.
        ``a``, ``b`` and ``c`` are never answers. See ``wordspace.analogy``.
        """
        from .analogy import check_method, solve_analogies

        check_k(k)
        check_method(method, "analogy")
        (ua, ia), (ub, ib), (uc, ic) = self._unit_of(a), self._unit_of(b), self._unit_of(c)
        ids, scores = solve_analogies(self, np.stack([ua, ub, uc]).astype(np.float32), np.array([[0, 1, 2]]),
                                      np.array([[ia, ib, ic]]), k, method, restrict)
        score = _cosine if method == "add" else float  # 3CosAdd reports cosines; 3CosMul ratios
        return [Neighbor(self._keys[i], score(sc)) for i, sc in zip(ids[0].tolist(), scores[0].tolist()) if i >= 0]

    def doesnt_match(self, keys: Sequence[str]) -> str:
        """The key least similar to the mean of the keys' unit vectors (gensim's rule). Keys
        without a vector are left out with a warning, as gensim leaves them out (with the
        ``"subwords"`` policy every key has one)."""
        import warnings

        keys = as_key_list(keys)
        known = [k for k in keys if k in self or (self._oov == "subwords" and isinstance(k, str))]
        if len(known) != len(keys):
            warnings.warn(f"leaving out keys without a vector: {[k for k in keys if k not in known]}", stacklevel=2)
        if len(known) < 2:
            raise InvalidParameterError(f"doesnt_match needs at least 2 keys with vectors, got {len(known)}")
        u = np.stack([self._unit_of(k)[0] for k in known])
        mean = u.mean(axis=0)
        n = float(np.linalg.norm(mean))
        return known[int(np.argmin(u @ (mean / n if n > 0 else mean)))]

    # -- persistence -----------------------------------------------------------------------
    def save(self, path, format: str | None = None) -> str:
        """Write to ``path``; the extension picks the format unless ``format`` is given.

        ``.bin``: word2vec binary; ``.txt``/``.vec``: word2vec text; anything else: the native
        format (a directory, see ``wordspace.io.native``). Writes are atomic.
        """
        from .io import save

        return save(self, path, format=format)

    @classmethod
    def load(cls, path, format: str | None = None, **kwargs) -> "Vectors":
        """Read vectors from the file or model folder ``path``, detecting the format when
        ``format`` is None. Published vectors are opened by name with ``wordspace.load(NAME)``,
        which fetches them once and then calls this."""
        import os

        from .io import load

        if isinstance(path, (str, os.PathLike)) and not os.path.lexists(path):
            from .errors import FormatError

            raise FormatError(f"'{os.fspath(path)}' does not exist; to open published vectors by name, use "
                              f"wordspace.load({os.fspath(path)!r})")
        return load(path, format=format, cls=cls, **kwargs)


def _preparation_of(metadata: dict, source):
    """The text preparation a model records (None for none, or for plain vectors)."""
    text = metadata.get("text") if isinstance(metadata, dict) else None
    if not text:
        return None
    from .textprep import TextPreparation

    prep = TextPreparation.from_dict(text, f"'{source}'" if source else "the metadata")
    return None if prep.is_identity else prep


def _cosine(x) -> float:
    """A cosine computed in float32 (rows and query each divided by a rounded length) can land a
    few ten-thousandths outside [-1, 1]; what is reported is clipped to the range."""
    return min(1.0, max(-1.0, float(x)))


def check_k(k) -> None:
    check_param("k", k, [Interval(int, 1, None)])
