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

No pickle anywhere: .npy files are loaded with ``allow_pickle=False``.
"""

from __future__ import annotations

import json
import os

import numpy as np

from ..errors import FormatError
from ..atomic import atomic_dir

__all__ = ["save_native", "load_native", "is_native", "FORMAT_VERSION"]

FORMAT_NAME = "wordspace-vectors"
FORMAT_VERSION = 2  # the newest version this module reads and writes
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


def save_native(vectors, path: str, extra_arrays: dict | None = None) -> None:
    """Write ``vectors`` (and optional named extra arrays) as a native model directory."""
    counts = vectors.counts
    with atomic_dir(path) as tmp:
        np.save(os.path.join(tmp, "vectors.npy"), np.ascontiguousarray(vectors.matrix, dtype=np.float32))
        with open(os.path.join(tmp, "vocab.tsv"), "w", encoding="utf-8", newline="\n") as fh:
            if counts is None:
                fh.write("".join(escape_key(k) + "\t\n" for k in vectors.keys))
            else:
                fh.write("".join(f"{escape_key(k)}\t{int(c)}\n" for k, c in zip(vectors.keys, counts)))
        for name, arr in (extra_arrays or {}).items():
            np.save(os.path.join(tmp, f"{name}.npy"), arr)
        subwords = getattr(vectors, "subwords", None)
        if subwords is not None:
            np.save(os.path.join(tmp, "ngrams.npy"), np.ascontiguousarray(subwords.matrix, dtype=np.float32))
        header = {
            "format": FORMAT_NAME,
            "version": 1 if subwords is None else 2,
            "n_keys": len(vectors),
            "dim": vectors.dim,
            "dtype": "float32",
            "has_counts": counts is not None,
            "extra_arrays": sorted(extra_arrays or {}),
            "metadata": vectors.metadata,
        }
        if subwords is not None:
            header["subwords"] = subwords.config()
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
    """Keys of ``vocab.tsv`` as a :class:`KeyList` (bytes + offsets), or None when the file
    needs the general reader (escaped keys, counts present, damage)."""
    from ..vectors import KeyList

    with open(vpath, "rb") as fh:
        data = fh.read()
    if b"\\" in data or data.count(b"\t\n") != n or data.count(b"\n") != n or not data.endswith(b"\t\n"):
        return None
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    ends = np.flatnonzero(np.frombuffer(data, dtype=np.uint8) == 10)  # each line is "key\t\n"
    offsets = np.empty(n + 1, dtype=np.int64)
    offsets[0] = 0
    offsets[1:] = ends + 1
    keys_only = data.replace(b"\t\n", b"")
    offsets -= np.arange(n + 1, dtype=np.int64) * 2  # two bytes fewer per preceding line
    return KeyList(keys_only, offsets)


def _read_vocab(vpath: str, n: int):
    """Keys and count strings of ``vocab.tsv``; C-speed when the file is well formed."""
    try:
        with open(vpath, encoding="utf-8", newline="\n") as fh:
            text = fh.read()
    except FileNotFoundError:
        raise FormatError(f"'{vpath}' is missing") from None
    except UnicodeDecodeError as exc:
        raise FormatError(f"'{vpath}' is not valid UTF-8 ({exc.reason})") from None
    n_lines = text.count("\n")
    if text and not text.endswith("\n"):
        raise FormatError(f"'{vpath}' line {n_lines + 1} is cut off (no newline): the file is truncated")
    if text.count("\t") == n_lines:  # exactly one tab per line: split all at once
        parts = text.replace("\t", "\n").split("\n")
        keys, counts = parts[0:-1:2], parts[1:-1:2]
    else:
        keys, counts = [], []
        for lineno, line in enumerate(text.split("\n")[:-1], 1):
            key, tab, count = line.rpartition("\t")
            if not tab or "\t" in key:
                raise FormatError(f"'{vpath}' line {lineno}: expected 'key<TAB>count' with tabs in keys escaped")
            keys.append(key)
            counts.append(count)
    if len(keys) != n:
        raise FormatError(f"'{vpath}' holds {len(keys)} keys; the header expects {n}")
    if "\\" in text:
        keys = [unescape_key(k) if "\\" in k else k for k in keys]
    return keys, counts


def load_native(path: str, mmap: bool = True):
    """Open a native model directory; the matrix is memory-mapped unless ``mmap=False``."""
    from ..vectors import Vectors

    hpath = os.path.join(path, HEADER)
    try:
        with open(hpath, encoding="utf-8") as fh:
            header = json.load(fh)
    except FileNotFoundError:
        raise FormatError(f"'{path}' is not a wordspace model directory: '{HEADER}' is missing") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise FormatError(f"'{hpath}' is damaged: not valid JSON ({exc})") from None
    if not isinstance(header, dict) or header.get("format") != FORMAT_NAME:
        raise FormatError(f"'{hpath}' does not describe wordspace vectors (format {header.get('format') if isinstance(header, dict) else None!r})")
    version = header.get("version")
    if not isinstance(version, int) or version > FORMAT_VERSION:
        raise FormatError(
            f"'{path}' uses native format version {version!r}, but this wordspace reads versions "
            f"up to {FORMAT_VERSION}; upgrade wordspace to read it"
        )
    n, dim = header.get("n_keys"), header.get("dim")
    try:
        matrix = np.load(os.path.join(path, "vectors.npy"), mmap_mode="r" if mmap else None, allow_pickle=False)
    except FileNotFoundError:
        raise FormatError(f"'{path}': vectors.npy is missing") from None
    except ValueError as exc:
        raise FormatError(f"'{path}/vectors.npy' is damaged or truncated: {exc}") from None
    if matrix.dtype != np.float32 or matrix.ndim != 2 or matrix.shape != (n, dim):
        raise FormatError(
            f"'{path}/vectors.npy' holds {matrix.dtype} {matrix.shape}; the header expects float32 ({n}, {dim})"
        )
    subwords = _load_subwords(path, header, dim, mmap) if version >= 2 and "subwords" in header else None
    vpath = os.path.join(path, "vocab.tsv")
    keylist = None if header.get("has_counts") or not os.path.isfile(vpath) else _read_keylist(vpath, n)
    if keylist is not None:
        return Vectors(keylist, matrix, metadata=header.get("metadata", {}), subwords=subwords, check_keys=False)
    keys, counts = _read_vocab(vpath, n)
    cnt = None
    if header.get("has_counts"):
        try:
            cnt = np.array(counts, dtype=np.int64)
        except ValueError:
            raise FormatError(f"'{path}/vocab.tsv': a count is not an integer") from None
    try:
        return Vectors(keys, matrix, counts=cnt, metadata=header.get("metadata", {}), subwords=subwords, check_keys=False)
    except ValueError as exc:
        raise FormatError(f"'{path}': {exc}") from None


def _load_subwords(path: str, header: dict, dim: int, mmap: bool):
    from ..subwords import Subwords

    conf = header["subwords"]
    if not isinstance(conf, dict) or conf.get("hash") != SUBWORD_HASH:
        raise FormatError(f"'{path}/{HEADER}': unknown subword hash {conf.get('hash') if isinstance(conf, dict) else conf!r}; "
                          f"this wordspace knows {SUBWORD_HASH!r}")
    try:
        grams = np.load(os.path.join(path, "ngrams.npy"), mmap_mode="r" if mmap else None, allow_pickle=False)
    except FileNotFoundError:
        raise FormatError(f"'{path}': ngrams.npy is missing (the header declares subword vectors)") from None
    except ValueError as exc:
        raise FormatError(f"'{path}/ngrams.npy' is damaged or truncated: {exc}") from None
    if grams.dtype != np.float32 or grams.ndim != 2 or grams.shape != (conf.get("buckets"), dim):
        raise FormatError(f"'{path}/ngrams.npy' holds {grams.dtype} {grams.shape}; the header expects float32 "
                          f"({conf.get('buckets')}, {dim})")
    try:
        return Subwords(grams, int(conf["min_n"]), int(conf["max_n"]))
    except (KeyError, TypeError, ValueError) as exc:
        raise FormatError(f"'{path}/{HEADER}': bad subword settings {conf!r} ({exc})") from None
