"""The native wordspace format: a directory with a JSON header, a .npy matrix and a vocabulary.

Layout, version 1 (frozen: a later version gets a new number, and readers refuse newer ones)::

    MODEL/
      wordspace.json   {"format": "wordspace-vectors", "version": 1, "n_keys": N, "dim": D,
                        "dtype": "float32", "has_counts": bool, "metadata": {...}}
      vectors.npy      (N, D) float32, C order; memory-mapped on load
      vocab.tsv        one key per line, "key<TAB>count" (count empty if unknown); in keys,
                       backslash, tab, newline and carriage return are written \\\\ \\t \\n \\r

Version 2 is version 1 plus subword vectors (fastText models); it is written only when the
vectors have them, so plain vectors stay readable by readers of version 1::

      wordspace.json   ... "version": 2, "subwords": {"min_n": 3, "max_n": 6, "buckets": B,
                                                      "hash": "fnv1a32-fasttext"}
      ngrams.npy       (B, D) float32: row ``fnv1a32(ngram) % B`` (see wordspace.subwords)

Version 3 is version 2 with a compact n-gram table, written when the subword vectors are compact
(wordspace's own fastText trainer keeps the rows no vocabulary word uses at zero, so only the
rows that occur are stored; vectors are identical)::

      wordspace.json   ... "version": 3, "subwords": {..., "buckets": B, "rows": R}
      ngrams.npy       (R, D) float32: the rows of the buckets in ngram_ids.npy, in that order
      ngram_ids.npy    (R,) int64: sorted, distinct bucket numbers in [0, B); other buckets are zero

Version 4 holds product-quantised vectors (``wordspace.quantize``): codes instead of floats, read
back as the rows they stand for (in memory, not mapped)::

      wordspace.json   ... "version": 4, "quantized": {"dsub": S, "centroids": K, "subspaces": M}
      centroids.npy    (M, K, S) float32: the centres of each subspace (M * S = D)
      codes.npy        (N, M) uint8: each row's centre in every subspace (no vectors.npy)
      ngram_codes.npy  (R or B, M) uint8, with subwords: the n-gram rows' codes (no ngrams.npy)

No pickle anywhere: .npy files are loaded with ``allow_pickle=False``.
"""

from __future__ import annotations

import json
import os

import numpy as np

from ..atomic import atomic_dir, owned_dir
from ..errors import FormatError
from ..subwords import MAX_NGRAM
from ..untrusted import check_regular, open_regular, read_regular

__all__ = ["save_native", "load_native", "load_extra_array", "is_native", "owns_native_dir", "native_files",
           "FORMAT_VERSION"]

FORMAT_NAME = "wordspace-vectors"
FORMAT_VERSION = 4  # the newest version this module reads and writes
SUBWORD_HASH = "fnv1a32-fasttext"
HEADER = "wordspace.json"

_ESC = {"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"}
_UNESC = {"\\": "\\", "t": "\t", "n": "\n", "r": "\r"}


def escape_key(key: str) -> str:
    if any(c in key for c in "\\\t\n\r"):
        return "".join(_ESC.get(c, c) for c in key)
    return key


def unescape_key(text: str) -> str:
    if "\\" not in text:
        return text
    out, i = [], 0
    while i < len(text):
        c = text[i]
        if c == "\\" and i + 1 < len(text) and text[i + 1] in _UNESC:
            out.append(_UNESC[text[i + 1]])
            i += 2
        else:
            out.append(c)
            i += 1
    return "".join(out)


def is_native(path: str) -> bool:
    return os.path.isdir(path) and os.path.isfile(os.path.join(path, HEADER))


#: Every file a native model folder may hold, besides the extra arrays its header lists.
NATIVE_FILES = frozenset((HEADER, "vectors.npy", "vocab.tsv", "ngrams.npy", "ngram_ids.npy", "centroids.npy",
                          "codes.npy", "ngram_codes.npy"))


def native_files(header: dict) -> set:
    """The names a native model folder with ``header`` may hold (its format's files, the extra
    arrays it lists, and the files of the trainers and models that extend it: ``extra_files``)."""
    extra = header.get("extra_arrays") if isinstance(header, dict) else None
    files = header.get("extra_files") if isinstance(header, dict) else None
    names = set(NATIVE_FILES)
    names |= {f"{x}.npy" for x in extra if isinstance(x, str)} if isinstance(extra, list) else set()
    names |= {x for x in files if isinstance(x, str)} if isinstance(files, list) else set()
    return names


def owns_native_dir(path) -> bool:
    """Whether ``path`` is a native model folder wordspace wrote, with nothing else in it (the
    only kind of folder a native write may replace)."""
    return owned_dir(os.fspath(path), HEADER, FORMAT_NAME, native_files)


def save_native(vectors, path: str, extra_arrays: dict | None = None, inputs=()) -> None:
    """Write ``vectors`` (and optional named extra arrays) as a native model directory; ``inputs``
    are paths the write must not replace (see ``wordspace.atomic.check_writable``)."""
    counts = vectors.counts
    pq = getattr(vectors, "quantized", None)
    with atomic_dir(path, owns_native_dir, inputs=inputs) as tmp:
        if pq is None:
            np.save(os.path.join(tmp, "vectors.npy"), np.ascontiguousarray(vectors.matrix, dtype=np.float32))
        else:
            np.save(os.path.join(tmp, "centroids.npy"), np.ascontiguousarray(pq[0].centroids, dtype="<f4"))
            np.save(os.path.join(tmp, "codes.npy"), np.ascontiguousarray(pq[1], dtype=np.uint8))
        with open(os.path.join(tmp, "vocab.tsv"), "w", encoding="utf-8", newline="\n") as fh:
            if counts is None:
                fh.write("".join(escape_key(k) + "\t\n" for k in vectors.keys))
            else:
                fh.write("".join(f"{escape_key(k)}\t{int(c)}\n" for k, c in zip(vectors.keys, counts)))
        for name, arr in (extra_arrays or {}).items():
            np.save(os.path.join(tmp, f"{name}.npy"), np.ascontiguousarray(arr, dtype=np.float32))
        subwords = getattr(vectors, "subwords", None)
        if subwords is not None:
            if pq is None:
                np.save(os.path.join(tmp, "ngrams.npy"), np.ascontiguousarray(subwords.matrix, dtype=np.float32))
            else:
                np.save(os.path.join(tmp, "ngram_codes.npy"), np.ascontiguousarray(pq[2], dtype=np.uint8))
            if subwords.is_compact:
                np.save(os.path.join(tmp, "ngram_ids.npy"), np.ascontiguousarray(subwords.ids, dtype="<i8"))
        spec = getattr(vectors, "sentence_tokenizer", None)
        if spec is not None:  # a static sentence model's tokenizer (wordspace.tokenized)
            with open(os.path.join(tmp, "tokenizer.json"), "w", encoding="utf-8") as fh:
                fh.write(spec.text)
        header = {
            "format": FORMAT_NAME,
            "version": 4 if pq is not None else 1 if subwords is None else 3 if subwords.is_compact else 2,
            "n_keys": len(vectors),
            "dim": vectors.dim,
            "dtype": "float32",
            "has_counts": counts is not None,
            "extra_arrays": sorted(extra_arrays or {}),
            "metadata": vectors.metadata,
        }
        if spec is not None:
            header["extra_files"] = ["tokenizer.json"]
        if pq is not None:
            c = pq[0].centroids
            header["quantized"] = {"dsub": int(c.shape[2]), "centroids": int(c.shape[1]), "subspaces": int(c.shape[0])}
        if subwords is not None:
            header["subwords"] = subwords.config()
            if subwords.is_compact:
                header["subwords"]["rows"] = int(subwords.matrix.shape[0])
        with open(os.path.join(tmp, HEADER), "w", encoding="utf-8") as fh:
            json.dump(header, fh, indent=2, sort_keys=True, default=_json_default)
            fh.write("\n")


def _json_default(obj):
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    return str(obj)


def _read_keylist(vpath: str, n: int):
    """Keys of ``vocab.tsv`` as a :class:`KeyList` (one buffer), or None when the file needs the
    general reader (escaped keys, counts present, damage)."""
    from ..keylist import KeyList

    data = read_regular(vpath, "a vocabulary (vocab.tsv)", MAX_VOCAB_BYTES_PER_KEY * n + MAX_HEADER_BYTES)
    if b"\\" in data or data.count(b"\t\n") != n or data.count(b"\n") != n or data.count(b"\t") != n \
            or (n and not data.endswith(b"\t\n")):
        return None
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    buf = b"\n" + data.replace(b"\t\n", b"\n")  # each line "key\t\n": keys separated by newlines
    starts = np.flatnonzero(np.frombuffer(buf, dtype=np.uint8) == 10).astype(np.int64)
    _refuse_duplicates(vpath, np.frombuffer(buf, dtype=np.uint8), starts[:-1] + 1, starts[1:])
    return KeyList(buf, starts)


#: Up to this many keys, duplicates are found by a set of byte strings (see _refuse_duplicates)
SMALL_KEYS = 200_000


def _refuse_duplicates(vpath: str, buf: np.ndarray, key_start: np.ndarray, key_end: np.ndarray) -> None:
    """A key listed twice is refused when the model is opened (one compiled hash pass over the
    key bytes), not at the first lookup: lookups answered by a byte search of the keys would
    otherwise find the first copy and never notice the second."""
    n = key_start.shape[0]
    if n <= SMALL_KEYS:  # a set of byte strings: no compiled code to load for a small model
        raw = buf.tobytes()
        keys = [raw[a:b] for a, b in zip(key_start.tolist(), key_end.tolist())]
        i = -1
        if len(set(keys)) != n:
            seen: set = set()
            i = next(j for j, k in enumerate(keys) if k in seen or seen.add(k))
    else:
        from .._kernels.w2vbin import first_duplicate

        i = int(first_duplicate(buf, key_start, key_end))
    if i >= 0:
        key = bytes(buf[key_start[i] : key_end[i]]).decode("utf-8", "replace")
        raise FormatError(f"'{vpath}' line {i + 1}: the key {key!r} is listed twice; every key must be unique: the "
                          "file is damaged")


def _read_vocab(vpath: str, n: int):
    """Keys and count strings of ``vocab.tsv`` (one ``key<TAB>count`` line per key)."""
    data = read_regular(vpath, "a vocabulary (vocab.tsv)", MAX_VOCAB_BYTES_PER_KEY * n + MAX_HEADER_BYTES)
    if data and not data.endswith(b"\n"):
        line = data.count(b"\n") + 1
        raise FormatError(f"'{vpath}' line {line} is cut off (no newline): the file is truncated")
    buf = np.frombuffer(data, dtype=np.uint8)
    tabs, ends = np.flatnonzero(buf == 9), np.flatnonzero(buf == 10)
    if ends.shape[0] != n:
        raise FormatError(f"'{vpath}' holds {ends.shape[0]:,} lines; the header expects {n:,} keys")
    # every line has exactly one tab: tabs and newlines alternate, a tab first
    if tabs.shape[0] != n or (n and not ((tabs < ends).all() and (tabs[1:] > ends[:-1]).all())):
        starts = np.concatenate(([0], ends[:-1] + 1))
        per_line = np.searchsorted(tabs, ends) - np.searchsorted(tabs, starts)
        bad = int(np.flatnonzero(per_line != 1)[0]) + 1 if (per_line != 1).any() else 1
        raise FormatError(f"'{vpath}' line {bad}: expected 'key<TAB>count' with tabs in keys escaped")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise FormatError(f"'{vpath}' is not valid UTF-8 ({exc.reason} at byte {exc.start})") from None
    parts = text.replace("\t", "\n").split("\n")
    keys, counts = parts[0:-1:2], parts[1:-1:2]
    if "\\" in text:
        keys = [unescape_key(k) if "\\" in k else k for k in keys]
    return keys, counts


#: Largest header and vocabulary files read (sanity bounds far above any real model).
MAX_HEADER_BYTES = 64 << 20
MAX_VOCAB_BYTES_PER_KEY = 64  # a vocab.tsv larger than this per key (plus the header's bound) is damaged


def _member(path: str, name: str, required: bool = True) -> str | None:
    """The path of a file inside the model directory, refusing links and anything that is not a
    regular file (a model never points outside itself)."""
    full = os.path.join(path, name)
    if os.path.islink(full):
        raise FormatError(f"'{full}' is a symbolic link; a model directory must hold its own files")
    if not os.path.exists(full):
        if required:
            raise FormatError(f"'{path}': {name} is missing")
        return None
    if not os.path.isfile(full):
        raise FormatError(f"'{full}' is not a regular file")
    return full


def _read_header(path: str) -> dict:
    from ..jsondoc import read_document

    hpath = _member(path, HEADER)
    header = read_document(hpath, format_name=FORMAT_NAME, latest=FORMAT_VERSION, what="a wordspace vectors header",
                           max_bytes=MAX_HEADER_BYTES)
    for key, ok in (("n_keys", lambda x: isinstance(x, int) and not isinstance(x, bool) and x >= 0),
                    ("dim", lambda x: isinstance(x, int) and not isinstance(x, bool) and x >= 1),
                    ("has_counts", lambda x: isinstance(x, bool)),
                    ("metadata", lambda x: isinstance(x, dict))):
        if key in header or key in ("n_keys", "dim"):
            if not ok(header.get(key)):
                raise FormatError(f"'{hpath}': {key!r} is {header.get(key)!r}, which is not valid here")
    if header.get("dtype", "float32") != "float32":
        raise FormatError(f"'{hpath}': dtype {header.get('dtype')!r}; native vectors are float32")
    return header


def npy_header(fh) -> tuple:
    """``(shape, fortran_order, dtype, data offset)`` of the .npy file open in ``fh``, read
    with a bounded header (NumPy's parser raises on damage)."""
    version = np.lib.format.read_magic(fh)
    if version == (1, 0):
        shape, fortran, dtype = np.lib.format.read_array_header_1_0(fh, max_header_size=1 << 16)
    elif version in ((2, 0), (3, 0)):
        shape, fortran, dtype = np.lib.format.read_array_header_2_0(fh, max_header_size=1 << 16)
    else:
        raise ValueError(f"unknown .npy version {version}")
    return shape, fortran, dtype, fh.tell()


def _open_npy(path: str, shape: tuple, mmap: bool, dtype: str = "<f4") -> np.ndarray:
    """A C-order .npy array of ``dtype`` (float32 unless said) and exactly ``shape``, its header
    checked against the file's size before anything is mapped or allocated."""
    name = os.path.basename(path)
    size = check_regular(path, "a .npy array")  # a FIFO or device here would block or never end
    try:
        with open_regular(path, "a .npy array") as fh:
            got, fortran, got_dtype, offset = npy_header(fh)
    except FormatError:
        raise
    except Exception as exc:  # noqa: BLE001 (NumPy's header parser raises many kinds on damage)
        raise FormatError(f"'{path}' is damaged or truncated: not a readable .npy file "
                          f"({type(exc).__name__}: {exc})") from None
    want = np.dtype(dtype)
    if got_dtype != want or fortran or tuple(got) != tuple(shape):
        kind = "float32" if want == np.dtype("<f4") else str(want)
        raise FormatError(f"'{path}' holds {got_dtype} {tuple(got)}{' (Fortran order)' if fortran else ''}; the header "
                          f"expects {kind} {tuple(shape)} in C order")
    need = offset + want.itemsize * int(np.prod(shape, dtype=object))
    if size != need:
        raise FormatError(f"'{path}' is {size:,} bytes; {name} of shape {tuple(shape)} takes {need:,}: "
                          "the file is truncated or damaged")
    if mmap:
        return np.memmap(path, dtype=want, mode="r", offset=offset, shape=tuple(shape))
    with open_regular(path, "a .npy array") as fh:
        fh.seek(offset)
        return np.fromfile(fh, dtype=want, count=int(np.prod(shape))).reshape(shape)


def load_native(path: str, mmap: bool = True, *, cls):
    """Open a native model directory as ``cls`` (``wordspace.Vectors``, which passes itself:
    ``io`` never imports the class it fills); the matrix is memory-mapped unless ``mmap=False``.

    Every size is checked against the files before anything is mapped; files that are links
    are refused; rows holding NaN or infinity are refused when the vectors are first used
    (``Vectors.norms`` reads every row once anyway), so opening stays instant.
    """
    header = _read_header(path)
    n, dim = header["n_keys"], header["dim"]
    version = header["version"]
    books = _codebooks(path, header, dim) if version >= 4 and "quantized" in header else None
    if books is None:
        matrix = _open_npy(_member(path, "vectors.npy"), (n, dim), mmap)
    else:
        codes = np.array(_open_codes(path, "codes.npy", n, books))
        matrix = books.decode(codes)
    subwords, gram_codes = (_load_subwords(path, header, dim, mmap, books) if version >= 2 and "subwords" in header
                            else (None, None))
    vpath = _member(path, "vocab.tsv")
    meta = header.get("metadata", {})
    keylist = None if header.get("has_counts") else _read_keylist(vpath, n)
    if keylist is not None:
        vectors = cls(keylist, matrix, metadata=meta, subwords=subwords, check_keys=False, source=path)
    else:
        keys, counts = _read_vocab(vpath, n)
        cnt = None
        if header.get("has_counts"):
            try:
                cnt = np.array(counts, dtype=np.int64)
            except (ValueError, OverflowError):
                raise FormatError(f"'{vpath}': a count is not an integer") from None
            if (cnt < 0).any():
                raise FormatError(f"'{vpath}' line {int(np.flatnonzero(cnt < 0)[0]) + 1}: a count is negative")
        vectors = cls(keys, matrix, counts=cnt, metadata=meta, subwords=subwords, check_keys=False, source=path)
    if books is not None:  # the codes stay with the vectors, so that saving them again writes codes
        vectors.quantized = (books, codes, gram_codes)
    if "tokenizer.json" in (header.get("extra_files") or []):
        from ..tokenized import TokenizerSpec

        vectors.sentence_tokenizer = TokenizerSpec.from_file(_member(path, "tokenizer.json"), parse=False)
    return vectors


def _codebooks(path: str, header: dict, dim: int):
    """The product-quantisation codebooks of a version-4 model, checked against the header."""
    from ..codebooks import MAX_DSUB, Codebooks

    conf = header["quantized"]
    hpath = os.path.join(path, HEADER)
    vals = {k: conf.get(k) if isinstance(conf, dict) else None for k in ("dsub", "centroids", "subspaces")}
    if not all(isinstance(v, int) and not isinstance(v, bool) and v >= 1 for v in vals.values()) \
            or vals["centroids"] > 256 or vals["dsub"] > MAX_DSUB or vals["dsub"] * vals["subspaces"] != dim:
        raise FormatError(f"'{hpath}': bad quantisation settings {str(conf)[:200]} (dsub 1..{MAX_DSUB}, dsub x subspaces "
                          f"must equal dim={dim}, centroids 1..256)")
    cents = _open_npy(_member(path, "centroids.npy"), (vals["subspaces"], vals["centroids"], vals["dsub"]), mmap=False)
    if not np.isfinite(cents).all():
        raise FormatError(f"'{os.path.join(path, 'centroids.npy')}' holds NaN or infinite values: the file is damaged")
    return Codebooks(cents)


def _open_codes(path: str, name: str, n: int, books) -> np.ndarray:
    """``(n, subspaces)`` uint8 codes, each below the number of centroids."""
    codes = _open_npy(_member(path, name), (n, books.centroids.shape[0]), mmap=True, dtype="|u1")
    ks = books.centroids.shape[1]
    if ks < 256 and codes.size and int(codes.max()) >= ks:
        raise FormatError(f"'{os.path.join(path, name)}' holds code {int(codes.max())} but there are {ks} centroids: the "
                          "file is damaged")
    return codes


def _load_subwords(path: str, header: dict, dim: int, mmap: bool, books=None):
    """``(Subwords, their codes or None)`` of a model with subword vectors."""
    from ..subwords import Subwords

    conf = header["subwords"]
    hpath = os.path.join(path, HEADER)
    if not isinstance(conf, dict) or conf.get("hash") != SUBWORD_HASH:
        raise FormatError(f"'{hpath}': unknown subword hash {conf.get('hash') if isinstance(conf, dict) else conf!r}; "
                          f"this wordspace knows {SUBWORD_HASH!r}")
    ints = {k: conf.get(k) for k in ("min_n", "max_n", "buckets")}
    if not all(isinstance(v, int) and not isinstance(v, bool) for v in ints.values()) \
            or not 1 <= ints["min_n"] <= MAX_NGRAM or not 0 <= ints["max_n"] <= MAX_NGRAM or ints["buckets"] < 1 \
            or (ints["max_n"] and ints["min_n"] > ints["max_n"]):
        raise FormatError(f"'{hpath}': bad subword settings {conf!r} (min_n 1..{MAX_NGRAM}, max_n 0 or min_n..{MAX_NGRAM}, "
                          "buckets >= 1)")
    def table(n_rows):
        if books is None:
            return _open_npy(_member(path, "ngrams.npy"), (n_rows, dim), mmap), None
        codes = np.array(_open_codes(path, "ngram_codes.npy", n_rows, books))
        return books.decode(codes), codes

    if header["version"] < 3 or "rows" not in conf:
        grams, codes = table(ints["buckets"])
        return Subwords(grams, ints["min_n"], ints["max_n"]), codes
    rows = conf["rows"]
    if not isinstance(rows, int) or isinstance(rows, bool) or not 0 <= rows <= ints["buckets"]:
        raise FormatError(f"'{hpath}': 'rows' is {rows!r}; a compact n-gram table holds 0..{ints['buckets']} rows")
    grams, codes = table(rows)
    ids = _open_ids(_member(path, "ngram_ids.npy"), rows, ints["buckets"])
    return Subwords(grams, ints["min_n"], ints["max_n"], ids=ids, buckets=ints["buckets"]), codes


def _open_ids(path: str, n: int, buckets: int) -> np.ndarray:
    """The bucket numbers of a compact n-gram table: ``n`` little-endian int64, sorted, distinct,
    in ``[0, buckets)``; checked against the file's size before reading."""
    ids = _open_npy(path, (n,), mmap=False, dtype="<i8")
    if n and (ids[0] < 0 or ids[-1] >= buckets or (np.diff(ids) <= 0).any()):
        raise FormatError(f"'{path}': the bucket ids must be sorted, distinct and in [0, {buckets}); the file is damaged")
    return ids


def load_extra_array(path: str, name: str, shape: tuple) -> np.ndarray:
    """A float32 array saved beside the vectors (``save_native(..., extra_arrays=...)``), of
    exactly ``shape`` (checked against the header's list and the file before reading)."""
    header = _read_header(path)
    if name not in (header.get("extra_arrays") or []):
        raise FormatError(f"'{path}' holds no {name!r} array (it has {header.get('extra_arrays') or 'none'})")
    return np.array(_open_npy(_member(path, f"{name}.npy"), tuple(shape), mmap=True))
