"""word2vec text and binary files (C tool, gensim, GoogleNews), GloVe text and fastText .vec.

Text: an optional ``"n_keys dim"`` header (GloVe files have none), then ``key v1 ... vdim`` per
line. Binary: the same header, then per key its bytes, a space, ``dim`` little-endian float32
and (as the C tool writes) a newline, which readers treat as optional.
"""

from __future__ import annotations

import codecs
import contextlib
import mmap
import os

import numpy as np

from ..atomic import atomic_file
from ..errors import FormatError
from ..keylist import KeyList
from ..untrusted import check_regular, open_regular

__all__ = ["load_word2vec", "save_word2vec", "sniff_binary", "owns_word2vec_file", "format_rows"]


#: The largest dimension a header may declare (a sanity bound, far above any published model).
MAX_DIM = 1 << 20
#: How far detection reads to find the first record (a first key longer than this is refused).
MAX_FIRST_RECORD = 64 << 20
#: The longest line a text file may hold (a record of 64 MiB is over two million numbers)
MAX_LINE = 64 << 20
#: Compressed text vectors (``vectors.txt.gz``, as gensim reads them): magic bytes -> module
COMPRESSED = {b"\x1f\x8b": "gzip", b"BZh": "bz2", b"\xfd7zXZ\x00": "lzma"}


def compression_of(path: str) -> str | None:
    """``"gzip"``, ``"bz2"`` or ``"lzma"`` when the file starts with that compressor's magic
    bytes, else None."""
    with open_regular(path, "a vectors file") as fh:
        head = fh.read(6)
    return next((kind for magic, kind in COMPRESSED.items() if head.startswith(magic)), None)


@contextlib.contextmanager
def _open_text(path: str):
    """The file's bytes, decompressed when it is compressed."""
    import importlib

    kind = compression_of(path)
    with open_regular(path, "a vectors file") as fh:
        if kind is None:
            yield fh
        else:
            with importlib.import_module(kind).open(fh, "rb") as inner:
                yield inner
_BOM = b"\xef\xbb\xbf"


def _parse_header(line: bytes, path: str):
    """``(n_keys, dim)`` of a ``"n_keys dim"`` header line, None when the line is not one; a
    header with impossible numbers is refused."""
    parts = line.split()
    if len(parts) != 2 or not all(p.isdigit() for p in parts) or any(len(p) > 19 for p in parts):
        return None
    n, dim = int(parts[0]), int(parts[1])
    if dim < 1 or dim > MAX_DIM:
        raise FormatError(f"'{path}' line 1: the header says dimension {dim}; it must be in 1..{MAX_DIM:,}")
    if n < 1:
        raise FormatError(f"'{path}' line 1: the header says {n} vectors; a vectors file holds at least one")
    return n, dim


def _first_line(fh, limit: int) -> bytes | None:
    """The bytes up to the next newline (excluded), reading at most ``limit``; None if longer."""
    out = bytearray()
    while len(out) <= limit:
        chunk = fh.read(1 << 16)
        if not chunk:
            return bytes(out)
        cut = chunk.find(b"\n")
        if cut >= 0:
            out += chunk[:cut]
            return bytes(out)
        out += chunk
    return None


def _parse_values(fields: list) -> np.ndarray:
    """float32 values of a text record's fields: decimal numbers, or (as C's ``%a`` writes them)
    hexadecimal floats such as ``0x1.8p+1``; ValueError for anything else."""
    try:
        return np.array(fields, dtype=np.float32)
    except ValueError:
        out = []
        for f in fields:
            text = f.decode("ascii") if isinstance(f, bytes) else f
            try:
                out.append(float(text))
            except ValueError:
                out.append(float.fromhex(text))  # ValueError again when it is no number at all
        return np.array(out, dtype=np.float32)


def _text_record_ok(line: bytes, dim: int) -> str | None:
    """None when ``line`` is a text record ``key v1 ... vdim`` (fields apart by any run of
    spaces or tabs); else why not."""
    key, _, rest = line.rstrip(b"\r").strip(b" ").partition(b" ")
    fields = rest.split()
    if not key or len(fields) != dim:
        return f"its first record has {len(fields)} values after the key, not {dim}"
    try:
        _parse_values(fields)
    except (ValueError, UnicodeDecodeError):
        return "its first record's values are not numbers"
    return None


def _binary_record_ok(fh, start: int, dim: int, size: int) -> str | None:
    """None when the bytes at ``start`` are a binary record ``key SPACE dim*float32``."""
    fh.seek(start)
    most = min(size - start, MAX_FIRST_RECORD)
    head = fh.read(min(most, 1 << 16))  # a first key is short: read more only when no space is in sight
    while b" " not in head.lstrip(b"\n") and len(head) < most:
        more = fh.read(min(len(head), most - len(head)))
        if not more:
            break
        head += more
    skip = len(head) - len(head.lstrip(b"\n"))  # newlines before a key are separators, as the C tool reads them
    head, start = head[skip:], start + skip
    sp = head.find(b" ")
    if sp <= 0:
        return "no key followed by a space starts it"
    if b"\n" in head[:sp]:
        return "its first key holds a newline"
    if sp + 1 + 4 * dim > size - start:
        return f"the file ends before the first vector's {4 * dim:,} bytes"
    fh.seek(start + sp + 1)
    values = np.frombuffer(fh.read(4 * dim), dtype="<f4")
    if not np.isfinite(values).all():
        return "the first vector's bytes are not finite float32 values"
    return None


def _looks_binary(head: bytes) -> bool:
    """Binary data rather than text in any encoding: NUL bytes, or many control bytes."""
    controls = sum(head.count(bytes([c])) for c in range(32) if c not in (9, 10, 13))
    return b"\x00" in head or controls > len(head) // 10


def _is_utf8(data: bytes) -> bool:
    """Whether ``data`` reads as text: valid UTF-8 without NUL bytes."""
    if b"\x00" in data:
        return False
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def sniff_binary(path: str) -> bool:
    """Whether a word2vec file is binary (True) or text (False), decided from its first record
    read both ways; a file that is neither, or both, is refused with the two readings named."""
    size = check_regular(path, "a vectors file")
    with open_regular(path, "a vectors file") as fh:
        first = _first_line(fh, 4096)
        if first is None or _parse_header(first.lstrip(_BOM), path) is None:
            fh.seek(0)
            head = fh.read(4096)
            if _looks_binary(head):
                raise FormatError(f"'{path}' is not a vectors file: it holds binary data (first bytes {head[:8]!r}) "
                                  "and no word2vec header 'n_keys dim'; give a word2vec, GloVe or fastText file, or "
                                  "a wordspace model directory")
            return False  # no "n dim" header: GloVe-style text (the text reader checks the rest)
        n, dim = _parse_header(first.lstrip(_BOM), path)
        start = len(first) + 1
        fh.seek(start)
        line = _first_line(fh, MAX_FIRST_RECORD)
        why_text = "its first record is longer than 64 MiB" if line is None else _text_record_ok(line, dim)
        why_binary = _binary_record_ok(fh, start, dim, size)
    if why_text is None:
        return False
    if why_binary is None:
        return True
    # Neither reading works, so nothing will load: let the reader the name or the content points
    # to say precisely where the file fails
    ext = os.path.splitext(path)[1].lower()
    if ext == ".bin":
        return True
    if ext in (".txt", ".vec") or (line is not None and _is_utf8(line)):
        return False
    raise FormatError(f"'{path}' is neither word2vec text ({why_text}) nor word2vec binary ({why_binary}); "
                      "if you know which it is, name it with --format (--input-format for convert; format= in Python) to read "
                      "it so and see where it fails")


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


def load_word2vec(path: str, binary: bool | None = None, *, cls, limit: int | None = None,
                  encoding: str = "utf-8", unicode_errors: str | None = "strict"):
    """Read a word2vec text/binary, GloVe or fastText ``.vec`` file into ``cls`` (the
    :class:`~wordspace.Vectors` that calls this).

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
    path = os.fspath(path)
    unicode_errors = unicode_errors or "strict"
    if check_regular(path, "a vectors file") == 0:
        raise FormatError(f"'{path}' is empty: expected a word2vec header 'n_keys dim' and vectors")
    compressed = compression_of(path)
    if compressed and binary:
        raise FormatError(f"'{path}' is {compressed}-compressed: compressed word2vec binary files are not read; "
                          "decompress it first (compressed text vectors are read directly)")
    if binary is None:
        binary = False if compressed else sniff_binary(path)
    unique = False
    if binary:
        keys, matrix, unique, finite = _read_binary(path, limit, encoding, unicode_errors)
        first = 2
    else:
        keys, matrix, first = _read_text(path, limit, encoding, unicode_errors)
        finite = False
    if not finite:  # names the first entry that is not
        _check_finite(matrix, keys, path, first)
    vectors = cls(keys, matrix, check_keys=False, source=path)
    if not unique:  # builds the key index once, naming a duplicate's line
        _check_unique(vectors, path, first)
    return vectors


def _read_binary(path, limit, encoding, errors, parse=None):
    """Parse a word2vec binary file: a compiled scan finds the records, one pass gathers the
    vectors and another the key bytes, then keys are decoded (no per-record Python slicing of
    the file)."""
    with open_regular(path, "a word2vec binary file") as fh:
        mm = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
    if hasattr(mmap, "MADV_WILLNEED"):  # read ahead from a cold disk: 1.2 GB in 0.9 s instead of 2-3 s
        mm.madvise(mmap.MADV_WILLNEED)
    try:
        return (parse or _parse_binary)(mm, path, limit, encoding, errors)
    finally:
        try:
            mm.close()
        except BufferError:  # a view still exists (an exception's frame): the GC closes it
            pass


def owns_word2vec_file(path, binary: bool) -> bool:
    """Whether ``path`` is a whole, valid word2vec file of the kind wordspace writes (the
    ``n_keys dim`` header, then exactly that many records, nothing after; text ending with its
    newline), so that writing such a file over it loses nobody's document. A headerless (GloVe)
    file, a table or prose whose first line looks numeric is not."""
    from ..errors import WordspaceError

    path = os.fspath(path)
    try:
        with open_regular(path, "a word2vec file") as fh:
            first = _first_line(fh, 256)
        if first is None or _parse_header(first.lstrip(_BOM), path) is None:
            return False
        if binary:
            _read_binary(path, None, "utf-8", "replace", parse=lambda mm, p, limit, *_: _scan_binary(mm, p, limit))
        else:
            _read_text(path, None, "utf-8", "replace")
    except (WordspaceError, OSError, ValueError, MemoryError):
        return False
    return True


def _scan_binary(mm, path, limit):
    """The records of a word2vec binary file in ``mm``, checked: ``(n, dim, key_start, key_end,
    vec_start, keyed)``; a header without its records, a record without its vector, an empty key
    or data after the last record is a :class:`FormatError`. ``keyed`` is None for a small file
    (Python's byte searches); for a large one, the compiled scan's ``(buffer, starts, clashes,
    dup)``: the keys as a :class:`~wordspace.keylist.KeyList` buffer, how many key bytes are
    newlines and the first entry repeating an earlier key's bytes (-1: none), found in the same
    pass over the file."""
    nl = mm.find(b"\n", 0, 256)
    header = _parse_header(mm[: max(nl, 0)].lstrip(_BOM), path) if nl >= 0 else None
    if header is None:
        raise FormatError(f"'{path}' is not a word2vec binary file: its first line is not 'n_keys dim'")
    n, dim = header
    if limit is not None:
        n = min(n, limit)
    need = n * (4 * dim + 2)  # each record: a key of at least one byte, a space, the vector
    if need > len(mm) - nl - 1:
        raise FormatError(
            f"'{path}': the header promises {header[0]:,} vectors of dimension {dim:,}, at least {need:,} bytes, "
            f"but the file holds {len(mm) - nl - 1:,} after the header; it is truncated or the header is wrong"
        )
    vec_start = np.empty(n, dtype=np.int64)
    keyed = None
    if n <= SMALL_FILE_KEYS:
        key_start = np.empty(n, dtype=np.int64)
        key_end = np.empty(n, dtype=np.int64)
        count, status, pos = _scan_records_py(mm, nl + 1, n, dim, key_start, key_end, vec_start)
    else:
        buf = np.frombuffer(mm, dtype=np.uint8)
        count, status, pos, keyed = _scan_compiled(buf, nl + 1, n, dim, vec_start, whole=n == header[0])
        del buf
        key_end = vec_start[:count] - 1
        key_start = key_end - (np.diff(keyed[1][: count + 1]) - 1)
    if status:
        if status == 3:
            raise FormatError(
                f"'{path}' is truncated or damaged: the keys up to entry {count + 1} of {n} (at byte {pos}) leave "
                f"too few bytes for the {n:,} vectors of dimension {dim} the header promises"
            )
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
    empty = np.flatnonzero(key_end[:count] == key_start[:count])
    if empty.shape[0]:
        raise FormatError(f"'{path}': entry {int(empty[0]) + 1} at byte {int(key_start[empty[0]])} has an empty key")
    if limit is None:
        rest = mm[pos : pos + 64].strip(b"\r\n")
        if rest:
            raise FormatError(
                f"'{path}': the header says {n:,} vectors but more data follows the last one (at byte {pos:,}); "
                "the header is wrong or the file is damaged"
            )
    return n, dim, key_start, key_end, vec_start, keyed


def _scan_compiled(buf, start, n, dim, vec_start, whole):
    """The compiled scan of ``n`` records from ``buf[start:]``: ``(count, status, pos, keyed)``,
    ``keyed = (KeyList buffer, starts, clashes, first duplicate or -1)``. A whole file (every
    record the header promises) of at least PARALLEL_SCAN_BYTES is scanned as two halves on two
    threads, split at a guessed record end that the first half must land on exactly; anything
    else (a wrong guess, a damaged file) is scanned by one thread, which finds the same records
    and names the same faults."""
    from .._kernels.w2vbin import first_repeat, record_end_after, scan_halves, scan_part

    rec = 4 * dim
    size = buf.shape[0]
    cap = size - start - n * rec + 1  # every byte that is not a vector, plus the leading newline
    starts = np.empty(n + 1, dtype=np.int64)
    hashes = np.empty(n, dtype=np.uint64)
    keys = np.empty(cap, dtype=np.uint8)
    done = None
    if whole and size >= PARALLEL_SCAN_BYTES:
        mid = record_end_after(buf, start + (size - start) // 2, rec)
        if mid > 0:
            vec1, starts1 = np.empty(n, dtype=np.int64), np.empty(n + 1, dtype=np.int64)
            hashes1, keys1 = np.empty(n, dtype=np.uint64), np.empty(cap, dtype=np.uint8)
            (n0, s0, p0, u0, c0), (n1, s1, p1, u1, c1) = scan_halves(
                buf, start, mid, n, rec, vec_start, starts, hashes, keys, vec1, starts1, hashes1, keys1).tolist()
            # the first half ended on the guess; the second found the rest and then only line ends
            if s0 == 0 and p0 == mid and s1 == 1 and p1 == size and n0 + n1 == n:
                keys[u0 : u0 + u1 - 1] = keys1[1:u1]
                starts[n0 + 1 :] = starts1[1 : n1 + 1] + (u0 - 1)
                vec_start[n0:] = vec1[:n1]
                hashes[n0:] = hashes1[:n1]
                done = (n, 0, size, u0 + u1 - 1, c0 + c1)
            del vec1, starts1, hashes1, keys1
    if done is None:
        done = scan_part(buf, start, size + 1, n, rec, vec_start, starts, hashes, keys)
    count, status, pos, used, clashes = done
    dup = first_repeat(keys, starts[:-1] + 1, starts[1:], hashes) if status == 0 else -1
    return count, status, pos, (keys[:used], starts, clashes, dup)


#: A whole file of at least this many bytes is scanned on two threads (see _scan_compiled).
PARALLEL_SCAN_BYTES = 1 << 24


#: Files of at most this many records are parsed by Python's byte searches instead of the
#: compiled scan: 50,000 records take about 40 ms either way, and loading the compiled code
#: costs a command's start-up about 0.4 s (docs/benchmarks.md, "Time to first answer").
SMALL_FILE_KEYS = 200_000


def _scan_records_py(mm, start, n, dim, key_start, key_end, vec_start):
    """The compiled scan (``_kernels.w2vbin.scan_part``) in Python, for small files: the same
    records, statuses and positions, with each key's start and end."""
    size = len(mm)
    pos = start
    rec = 4 * dim
    find = mm.find
    ks, ke = [], []
    for i in range(n):
        while pos < size and mm[pos] in (10, 13):
            pos += 1
        s = pos
        sp = find(b" ", pos)
        if sp < 0:
            key_start[:i], key_end[:i], vec_start[:i] = ks, ke, [e + 1 for e in ke]
            return i, 1, s
        if sp + 1 + rec > size:
            key_start[:i], key_end[:i], vec_start[:i] = ks, ke, [e + 1 for e in ke]
            return i, 2, s
        ks.append(s)
        ke.append(sp)
        pos = sp + 1 + rec
    key_start[:], key_end[:] = ks, ke
    vec_start[:] = key_end + 1
    return n, 0, pos


def _parse_binary(mm, path, limit, encoding, errors):
    """``(keys, matrix, unique, finite)``: ``unique`` when the keys are proven distinct as strings,
    ``finite`` when every value was checked finite on the way."""
    n, dim, key_start, key_end, vec_start, keyed = _scan_binary(mm, path, limit)
    rec = 4 * dim
    finite = False
    if keyed is None:  # NumPy gathers: no compiled code to load
        matrix, raw, clashes = _gather_records(mm, key_start, key_end, vec_start, dim)
        pieces = raw.split(b"\n")[:-1] if clashes == 0 else [mm[a:b] for a, b in zip(key_start.tolist(), key_end.tolist())]
        unique_bytes = len(set(pieces)) == n
        del pieces
    else:
        from .._kernels.w2vbin import gather_finite

        key_buf, key_starts, clashes, dup = keyed
        buf = np.frombuffer(mm, dtype=np.uint8)
        matrix = np.empty((n, dim), dtype="<f4")
        finite = gather_finite(buf, vec_start, matrix.view(np.uint8).reshape(n, rec), matrix) == n
        del buf
        unique_bytes = dup < 0
        listed = key_buf.tobytes()  # b"\n" + key0 + b"\n" + ...
        if clashes == 0 and codecs.lookup(encoding).name == "utf-8" and _decodes(listed, "utf-8"):
            # valid UTF-8 without newlines in keys: held as one buffer, decoded on access
            return KeyList(listed, key_starts), matrix, unique_bytes, finite
        raw = listed[1:]
    unique = False  # proven unique as str (then nobody needs a dict of every key now)
    try:
        if clashes == 0:  # decode every key in one call, then split
            keys = raw.decode(encoding, errors).split("\n")[:-1]
            # distinct bytes are distinct strings when no byte was replaced in decoding
            unique = unique_bytes and codecs.lookup(encoding).name in _INJECTIVE and (
                errors == "strict" or _decodes(raw, encoding))
        else:
            keys = [mm[a:b].decode(encoding, errors) for a, b in zip(key_start.tolist(), key_end.tolist())]
    except UnicodeDecodeError:
        i = next(i for i in range(n) if not _decodes(mm[key_start[i] : key_end[i]], encoding))
        try:
            mm[key_start[i] : key_end[i]].decode(encoding)
        except UnicodeDecodeError as own:
            exc = own  # the key's own fault, not one seen across the joined keys
        cut = " (the word2vec C tool cuts keys at 50 bytes, which can split a character)" \
            if key_end[i] - key_start[i] in (49, 50) and exc.reason.startswith("unexpected end") else ""
        raise FormatError(
            f"'{path}': the key of entry {i + 1} at byte {key_start[i]} is not valid {encoding} "
            f"({exc.reason}){cut}; pass unicode_errors='replace' to keep the rest of it, or the right encoding"
        ) from None
    return keys, matrix.astype(np.float32, copy=False), unique, finite


def _gather_records(mm, key_start, key_end, vec_start, dim):
    """``(matrix, raw, clashes)`` of the scanned records by NumPy gathers: the vectors as a
    writable ``(n, dim)`` little-endian float32 array, the keys as ``key + b"\\n"`` each, joined,
    and how many newline bytes the keys themselves hold."""
    n, rec = key_start.shape[0], 4 * dim
    if n == 0:
        return np.empty((0, dim), dtype="<f4"), b"", 0
    buf = np.frombuffer(mm, dtype=np.uint8)
    rows = np.lib.stride_tricks.as_strided(buf, shape=(buf.shape[0] - rec + 1, rec), strides=(1, 1), writeable=False)
    matrix = rows[vec_start].view("<f4")  # one row of bytes per record, copied: the file's mapping can close
    lengths = key_end - key_start + 1  # each key and the space after it
    ends = np.cumsum(lengths)
    keys = buf[np.arange(int(ends[-1])) + np.repeat(key_start - (ends - lengths), lengths)]
    clashes = int(np.count_nonzero(keys == 10))
    keys[ends - 1] = 10
    return matrix, keys.tobytes(), clashes


#: Codecs whose strict decoding maps distinct byte strings to distinct strings.
_INJECTIVE = ("utf-8", "iso8859-1", "ascii")


def _decodes(b: bytes, encoding: str) -> bool:
    try:
        b.decode(encoding)
        return True
    except UnicodeDecodeError:
        return False


def _read_text(path, limit, encoding, errors):
    """Parse a text file line by line from its bytes: each key is decoded on its own, so a bad
    byte is reported on its own line, and values are parsed as ASCII numbers."""
    keys: list[str] = []
    rows: list[np.ndarray] = []
    with _open_text(path) as fh:
        first = fh.readline(1 << 16)
        if first.startswith(_BOM):  # a byte-order mark is not part of the header or the first key
            first = first[len(_BOM):]
        header = _parse_header(first, path) if first.endswith(b"\n") else None
        n_expected, dim = (header if header else (None, None))
        first_data_line = 2 if header else 1
        fh.seek(0)
        lineno = 0
        last_ended = True
        while True:
            raw = fh.readline(MAX_LINE + 1)
            if not raw:
                break
            lineno += 1
            if len(raw) > MAX_LINE:
                raise FormatError(f"'{path}' line {lineno} is longer than 64 MiB: not a vectors file")
            if lineno == 1:
                if raw.startswith(_BOM):
                    raw = raw[len(_BOM):]
                if header:
                    continue
            if limit is not None and len(keys) >= limit:
                break
            if n_expected is not None and len(keys) >= n_expected:
                if raw.strip():
                    raise FormatError(
                        f"'{path}' line {lineno}: the header says {n_expected:,} vectors but more lines follow; "
                        "the header is wrong or the file is damaged"
                    )
                continue
            raw_ended = raw.endswith(b"\n")
            raw = raw.rstrip(b"\r\n")
            if not raw.strip():
                continue
            kb, _, rest = raw.rstrip(b" ").partition(b" ")
            try:
                key = kb.decode(encoding, errors)
            except UnicodeDecodeError as exc:
                raise FormatError(
                    f"'{path}' line {lineno} is not valid {encoding} ({exc.reason}); pass "
                    "unicode_errors='replace' or the right encoding"
                ) from None
            try:
                vec = _parse_values(rest.split()) if rest else np.zeros(0, np.float32)
            except (ValueError, UnicodeDecodeError) as exc:
                raise FormatError(f"'{path}' line {lineno}: a value is not a number ({exc})") from None
            if dim is None:
                dim = vec.shape[0]
                if dim == 0:
                    raise FormatError(f"'{path}' line {lineno}: {key!r} has no vector values")
            if not kb:
                raise FormatError(f"'{path}' line {lineno}: the line starts with a space, not a key")
            if not key:
                raise FormatError(f"'{path}' line {lineno}: the key {kb!r} is empty once decoded with "
                                  f"unicode_errors={errors!r}; use unicode_errors='replace' to keep such keys")
            if vec.shape[0] != dim:
                raise FormatError(
                    f"'{path}' line {lineno}: {key!r} has {vec.shape[0]} values, expected {dim}"
                    + (" (from the header)" if header else " (from the first line)")
                )
            keys.append(key)
            rows.append(vec)
            last_ended = raw_ended
        if keys and not last_ended and (limit is None or len(keys) < limit):
            raise FormatError(f"'{path}' line {lineno} is cut off: the file does not end with a newline, so its last "
                              "vector may be truncated (a number cut short still reads as a number); if the file is "
                              "whole, add the final newline")
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


def format_rows(block: np.ndarray) -> list[bytes]:
    """Each row as text: the shortest decimals that read back to the same float32 values."""
    from .._kernels.floatfmt import format_rows as kernel

    n, d = block.shape
    width = 17 * max(d, 1)  # at most 16 bytes per value plus a separator
    out = np.empty(n * width, dtype=np.uint8)
    starts = np.arange(n, dtype=np.int64) * width
    lens = np.empty(n, dtype=np.int64)
    kernel(np.ascontiguousarray(block, dtype=np.float32), out, starts, lens)
    raw = out.tobytes()
    return [raw[s : s + ln] for s, ln in zip(starts.tolist(), lens.tolist())]


def save_word2vec(vectors, path: str, binary: bool, *, header: bool = True, block: int = 4096, inputs=()) -> None:
    """Write ``vectors`` as word2vec binary or text (``header=False`` writes GloVe text);
    ``inputs`` are paths the write must not replace."""
    path = os.fspath(path)
    keys = vectors.keys
    keys = keys.tolist() if isinstance(keys, KeyList) else keys  # (decoded once)
    m = vectors.matrix
    joined = "\n".join(keys)
    if any(c in joined for c in " \t\r") or joined.count("\n") != len(keys) - 1 or "\n\n" in f"\n{joined}\n":
        for k in keys:  # name the first key that cannot be written
            if not k or any(c in k for c in " \n\t\r"):
                raise FormatError(
                    f"key {k!r} cannot be written to a word2vec file: keys must be non-empty and hold "
                    "no spaces, tabs or newlines; use the native format instead"
                )
    del joined
    with atomic_file(path, "wb", replaceable=lambda p: owns_word2vec_file(p, binary), inputs=inputs) as fh:
        if header:
            fh.write(f"{len(keys)} {m.shape[1]}\n".encode())
        compiled = binary and len(keys) > SMALL_FILE_KEYS  # (small files: no compiled code to load)
        block = PACKED_BLOCK if compiled else block
        buf = np.empty(0, dtype=np.uint8)  # the compiled writer's records, one buffer for every block
        for s in range(0, len(keys), block):
            rows = np.ascontiguousarray(m[s : s + block], dtype="<f4")
            ks = keys[s : s + block]
            if compiled:
                buf, size = _packed_records(ks, rows, buf)
                fh.write(memoryview(buf)[:size])
            elif binary:
                fh.write(b"".join(k.encode("utf-8") + b" " + r.tobytes() + b"\n" for k, r in zip(ks, rows)))
            else:
                fh.write(b"".join(k.encode("utf-8") + b" " + r + b"\n" for k, r in zip(ks, format_rows(rows))))


#: Records packed per write by the compiled writer: about 5 MB at 300 dimensions, one buffer used
#: again for every block, so that it stays in the cache while the kernel copies it out (a first
#: save of 1M x 300 in a fresh process: 4.1 s at 4,096 records, 5.3 s at 16,384, measured) and no
#: block costs fresh memory.
PACKED_BLOCK = 1 << 12


def _packed_records(keys: list, rows: np.ndarray, buf: np.ndarray) -> tuple[np.ndarray, int]:
    """The binary records of ``keys`` (no newline in any) and float32 ``rows``, packed by one
    compiled pass into ``buf`` (or a larger buffer when it is too small): ``(buffer, bytes)``.
    The keys are encoded in one call and split at their newlines."""
    from .._kernels.w2vbin import pack_records

    raw = np.frombuffer(("\n".join(keys) + "\n").encode("utf-8"), dtype=np.uint8)
    ends = np.flatnonzero(raw == 10)
    starts = np.empty_like(ends)
    starts[0], starts[1:] = 0, ends[:-1] + 1
    lens = ends - starts
    rec = rows.shape[1] * 4
    offsets = np.zeros(len(keys) + 1, dtype=np.int64)
    np.cumsum(lens + (rec + 2), out=offsets[1:])
    size = int(offsets[-1])
    if buf.shape[0] < size:
        buf = np.empty(size + size // 4, dtype=np.uint8)
    pack_records(raw, starts, lens, rows.view(np.uint8).reshape(len(keys), rec), offsets, buf)
    return buf, size
