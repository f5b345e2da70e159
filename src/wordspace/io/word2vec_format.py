"""word2vec text and binary files (C tool, gensim, GoogleNews), GloVe text and fastText .vec.

Text: an optional ``"n_keys dim"`` header (GloVe files have none), then ``key v1 ... vdim`` per
line. Binary: the same header, then per key its bytes, a space, ``dim`` little-endian float32
and (as the C tool writes) a newline, which readers treat as optional.
"""

from __future__ import annotations

import mmap
import os

import numpy as np

from ..errors import FormatError
from ..atomic import atomic_file

__all__ = ["load_word2vec", "save_word2vec", "sniff_binary"]


def sniff_binary(path: str) -> bool:
    """True when the file after its header line is not text (a word2vec binary file)."""
    with open(path, "rb") as fh:
        head = fh.read(65536)
    nl = head.find(b"\n")
    if nl < 0:
        return False
    body = head[nl + 1 :]
    parts = head[:nl].split()
    if len(parts) != 2 or not all(p.isdigit() for p in parts):
        return False  # GloVe-style text without a header
    if b"\x00" in body:
        return True
    try:
        body[: max(0, len(body) - 4)].decode("utf-8")
    except UnicodeDecodeError:
        return True
    # a text body has digits, signs, dots, spaces and newlines after each key
    line = body.split(b"\n", 1)[0]
    fields = line.split(b" ")
    if len(fields) >= int(parts[1]) + 1:
        return False
    return True


def _parse_header(line: bytes, path: str):
    parts = line.split()
    if len(parts) != 2 or not all(p.isdigit() for p in parts):
        return None
    n, dim = int(parts[0]), int(parts[1])
    if dim <= 0:
        raise FormatError(f"'{path}' line 1: the header says dimension {dim}; it must be positive")
    return n, dim


def _check_finite(matrix: np.ndarray, keys: list, path: str, first_line: int, block: int = 1 << 16) -> None:
    for s in range(0, matrix.shape[0], block):
        part = matrix[s : s + block]
        if np.isfinite(part.sum()) or np.isfinite(part).all():  # one reduction when all is well
            continue
        i = s + int(np.flatnonzero(~np.isfinite(part).all(axis=1))[0])
        raise FormatError(
            f"'{path}': the vector of {keys[i]!r} (entry {i + 1}, line {first_line + i}) holds "
            "NaN or infinity; fix or drop that entry"
        )


def _check_unique(vectors, path: str, first_line: int) -> None:
    keys = vectors.keys
    if not vectors.has_duplicates():
        return
    seen: dict = {}
    for i, k in enumerate(keys):
        if k in seen:
            raise FormatError(
                f"'{path}': duplicate key {k!r} at entry {i + 1} (line {first_line + i}), first "
                f"seen at entry {seen[k] + 1}; keys must be unique"
            )
        seen[k] = i


def load_word2vec(path: str, binary: bool | None = None, *, limit: int | None = None,
                  encoding: str = "utf-8", unicode_errors: str = "strict"):
    """Read a word2vec text/binary, GloVe or fastText ``.vec`` file into :class:`Vectors`.

    Parameters
    ----------
    path : str
        The file.
    binary : bool or None
        Binary word2vec when true, text when false, detected from the content when None.
    limit : int or None
        Read only the first ``limit`` vectors.
    encoding, unicode_errors : str
        How key bytes are decoded (``unicode_errors="replace"`` accepts damaged keys,
        such as multi-byte characters cut by the C tool's 50-byte key limit).
    """
    from ..vectors import Vectors

    path = os.fspath(path)
    if binary is None:
        binary = sniff_binary(path)
    if os.path.getsize(path) == 0:
        raise FormatError(f"'{path}' is empty: expected a word2vec header 'n_keys dim' and vectors")
    if binary:
        keys, matrix = _read_binary(path, limit, encoding, unicode_errors)
        first = 2
    else:
        keys, matrix, first = _read_text(path, limit, encoding, unicode_errors)
    _check_finite(matrix, keys, path, first)
    vectors = Vectors(keys, matrix, check_keys=False)
    _check_unique(vectors, path, first)  # builds the key index once, naming a duplicate's line
    return vectors


def _read_binary(path, limit, encoding, errors):
    """Parse a word2vec binary file: a compiled scan finds the records, one pass gathers the
    vectors and another the key bytes, then keys are decoded (no per-record Python slicing of
    the file)."""
    with open(path, "rb") as fh:
        mm = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
    try:
        return _parse_binary(mm, path, limit, encoding, errors)
    finally:
        try:
            mm.close()
        except BufferError:  # a view still exists (an exception's frame): the GC closes it
            pass


def _parse_binary(mm, path, limit, encoding, errors):
    from .._kernels.w2vbin import gather_keys, gather_vectors, scan_records

    nl = mm.find(b"\n", 0, 256)
    header = _parse_header(mm[: max(nl, 0)], path) if nl >= 0 else None
    if header is None:
        raise FormatError(f"'{path}' is not a word2vec binary file: its first line is not 'n_keys dim'")
    n, dim = header
    if limit is not None:
        n = min(n, limit)
    key_start = np.empty(n, dtype=np.int64)
    key_end = np.empty(n, dtype=np.int64)
    vec_start = np.empty(n, dtype=np.int64)
    buf = np.frombuffer(mm, dtype=np.uint8)
    count, status, pos = scan_records(buf, nl + 1, n, dim, key_start, key_end, vec_start)
    if status:
        del buf
        if status == 1:
            raise FormatError(
                f"'{path}' is truncated or damaged: entry {count + 1} of {n} at byte {pos} has no key "
                f"(the header promises {header[0]} vectors of dimension {dim})"
            )
        key = mm[pos : mm.find(b" ", pos)][:50]
        raise FormatError(
            f"'{path}' is truncated: entry {count + 1} of {n} ({key!r}) at byte {pos} needs "
            f"{4 * dim} bytes of vector but the file ends before them"
        )
    matrix = np.empty((n, dim), dtype="<f4")
    gather_vectors(buf, vec_start, matrix.view(np.uint8).reshape(n, 4 * dim), 4 * dim)
    key_bytes = np.empty(int((key_end - key_start).sum()) + n, dtype=np.uint8)
    clashes = gather_keys(buf, key_start, key_end, key_bytes, 10)  # newline-separated
    del buf
    raw = key_bytes.tobytes()
    try:
        if clashes == 0:  # decode every key in one call, then split
            keys = raw.decode(encoding, errors).split("\n")[:-1]
        else:
            keys = [mm[a:b].decode(encoding, errors) for a, b in zip(key_start.tolist(), key_end.tolist())]
    except UnicodeDecodeError as exc:
        i = next(i for i in range(n) if not _decodes(mm[key_start[i] : key_end[i]], encoding))
        raise FormatError(
            f"'{path}': key of entry {i + 1} at byte {key_start[i]} is not valid {encoding} "
            f"({exc.reason}); pass unicode_errors='replace' or the right encoding"
        ) from None
    return keys, matrix.astype(np.float32, copy=False)


def _decodes(b: bytes, encoding: str) -> bool:
    try:
        b.decode(encoding)
        return True
    except UnicodeDecodeError:
        return False


def _read_text(path, limit, encoding, errors):
    keys: list[str] = []
    rows: list[np.ndarray] = []
    with open(path, "r", encoding=encoding, errors=errors, newline="\n") as fh:
        try:
            first = fh.readline()
        except UnicodeDecodeError as exc:
            raise FormatError(f"'{path}' line 1 is not valid {encoding} ({exc.reason})") from None
        header = _parse_header(first.encode(), path)
        n_expected, dim = (header if header else (None, None))
        first_data_line = 2 if header else 1
        lines = fh if header else _chain([first], fh)
        lineno = first_data_line - 1
        try:
            for line in lines:
                lineno += 1
                if limit is not None and len(keys) >= limit:
                    break
                line = line.rstrip("\r\n")
                if not line.strip():
                    continue
                key, _, rest = line.rstrip(" ").partition(" ")
                vec = np.array(rest.split(), dtype=np.float32) if rest else np.zeros(0, np.float32)
                if dim is None:
                    dim = vec.shape[0]
                    if dim == 0:
                        raise FormatError(f"'{path}' line {lineno}: {key!r} has no vector values")
                if vec.shape[0] != dim:
                    raise FormatError(
                        f"'{path}' line {lineno}: {key!r} has {vec.shape[0]} values, expected {dim}"
                        + (" (from the header)" if header else " (from the first line)")
                    )
                keys.append(key)
                rows.append(vec)
        except UnicodeDecodeError as exc:
            raise FormatError(
                f"'{path}' line {lineno + 1} is not valid {encoding} ({exc.reason}); pass "
                "unicode_errors='replace' or the right encoding"
            ) from None
        except ValueError as exc:
            if isinstance(exc, FormatError):
                raise
            raise FormatError(f"'{path}' line {lineno}: a value is not a number ({exc})") from None
    if not keys:
        raise FormatError(f"'{path}' holds no vectors")
    if n_expected is not None and limit is None and len(keys) != n_expected:
        raise FormatError(
            f"'{path}': the header says {n_expected} vectors but the file holds {len(keys)}; "
            "the file is truncated or the header is wrong"
        )
    if n_expected is not None and limit is not None and len(keys) < min(limit, n_expected):
        raise FormatError(f"'{path}': the header says {n_expected} vectors but the file holds {len(keys)}")
    return keys, np.vstack(rows), first_data_line


def _chain(first, rest):
    yield from first
    yield from rest


def _format_rows(block: np.ndarray) -> list[bytes]:
    """Each row as text: the shortest decimals that read back to the same float32 values."""
    from .._kernels.floatfmt import format_rows

    n, d = block.shape
    width = 17 * max(d, 1)  # at most 16 bytes per value plus a separator
    out = np.empty(n * width, dtype=np.uint8)
    starts = np.arange(n, dtype=np.int64) * width
    lens = np.empty(n, dtype=np.int64)
    format_rows(np.ascontiguousarray(block, dtype=np.float32), out, starts, lens)
    raw = out.tobytes()
    return [raw[s : s + ln] for s, ln in zip(starts.tolist(), lens.tolist())]


def save_word2vec(vectors, path: str, binary: bool, *, header: bool = True, block: int = 4096) -> None:
    """Write ``vectors`` as word2vec binary or text (``header=False`` writes GloVe text)."""
    path = os.fspath(path)
    keys = vectors.keys
    m = vectors.matrix
    for k in keys:
        if not k or any(c in k for c in " \n\t\r"):
            raise FormatError(
                f"key {k!r} cannot be written to a word2vec file: keys must be non-empty and hold "
                "no spaces, tabs or newlines; use the native format instead"
            )
    from . import replaceable_by

    with atomic_file(path, "wb", replaceable=replaceable_by("word2vec-binary" if binary else "word2vec-text")) as fh:
        if header:
            fh.write(f"{len(keys)} {m.shape[1]}\n".encode())
        for s in range(0, len(keys), block):
            rows = np.ascontiguousarray(m[s : s + block], dtype="<f4")
            ks = keys[s : s + block]
            if binary:
                fh.write(b"".join(k.encode("utf-8") + b" " + r.tobytes() + b"\n" for k, r in zip(ks, rows)))
            else:
                fh.write(b"".join(k.encode("utf-8") + b" " + r + b"\n" for k, r in zip(ks, _format_rows(rows))))
