"""Reading text files: finding them (files, directories, globs), opening them whatever their
compression (detected from the content), and streaming their bytes in bounded blocks cut at line
or token boundaries, with an exact count of invalid UTF-8.

A path may also be a URL (``s3://bucket/key``, ``gs://...``, ``hdfs://...``, ``https://...``),
opened through ``fsspec`` (extra ``[cluster]``; ``s3fs``/``gcsfs`` for their schemes) with the
credentials those libraries find in the usual places (environment, profiles) plus the
``storage_options`` each function takes (the command line's ``--storage-options JSON``, carried by
a :class:`wordspace.LineCorpus` from the user's argument to every read, on a cluster's workers
too). A URL to a prefix ("directory") or with glob characters is expanded like a local directory
or glob.

Tokenising and encoding live in ``wordspace.corpus``; vocabulary policy in ``wordspace.vocab``.
Nothing here registers anything with Python at import.
"""

from __future__ import annotations

import bz2
import contextlib
import glob
import gzip
import io
import lzma
import os
import re
import warnings
import zlib
from typing import Iterator

from ._deprecation import deprecated
from .errors import CorpusError

__all__ = ["BLOCK_BYTES", "open_binary", "looks_binary", "expand_paths", "iter_blocks",
           "count_invalid_utf8", "decode", "is_url", "file_size", "is_compressed", "iter_range_blocks"]

#: Bytes read from a file at a time. A line longer than this is streamed in pieces cut at
#: whitespace, so a single 100 MB line never needs more than about this much text in memory.
BLOCK_BYTES = 4 << 20

_MAGIC = (
    (b"\x1f\x8b", gzip.open),
    (b"BZh", bz2.open),
    (b"\xfd7zXZ\x00", lzma.open),
)
#: Errors a damaged compressed stream raises while it is read.
READ_ERRORS = (OSError, EOFError, lzma.LZMAError, zlib.error)
_BOM = b"\xef\xbb\xbf"
_ESCAPED = re.compile("[\udc80-\udcff]")  # an invalid byte decoded with 'surrogateescape'


_URL = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://")
_GLOB = re.compile(r"[*?\[]")
#: Storage options for reads given none: set only by the deprecated :func:`set_storage_options`.
_DEPRECATED_DEFAULTS: dict = {}


def is_url(path) -> bool:
    """Whether ``path`` names an object through a URL scheme (``s3://``, ``https://``...)."""
    return isinstance(path, str) and _URL.match(path) is not None


def _fs(url: str, options: dict | None = None):
    """``(filesystem, path)`` of a URL through fsspec (``options``: its storage options), with
    one clear error for each way it fails."""
    try:
        import fsspec
    except ImportError:
        raise CorpusError(f"'{url}' is a URL; reading URLs needs fsspec: pip install 'wordspace[cluster]'") from None
    try:
        return fsspec.core.url_to_fs(url, **(options if options is not None else _DEPRECATED_DEFAULTS))
    except ImportError as exc:
        raise CorpusError(f"cannot open '{url}': {exc} (for example pip install s3fs for s3://, gcsfs for gs://)") from None
    except (ValueError, TypeError) as exc:
        raise CorpusError(f"cannot open '{url}': {exc}; check the URL and --storage-options") from None


def fallback_options() -> dict:
    """The storage options of a read given none: empty unless the deprecated
    :func:`set_storage_options` set some."""
    return dict(_DEPRECATED_DEFAULTS)


_INSTEAD = "LineCorpus(paths, storage_options=...) or the options argument of the read"


@deprecated(_INSTEAD, "0.3.0")
def set_storage_options(options: dict | None) -> None:
    """Storage options for every later read of a URL that is given none (deprecated: options
    travel with the corpus, :class:`~wordspace.LineCorpus`)."""
    if options is not None and not isinstance(options, dict):
        raise TypeError(f"storage options must be a dict, got {type(options).__name__}")
    _DEPRECATED_DEFAULTS.clear()
    _DEPRECATED_DEFAULTS.update(options or {})


@deprecated(_INSTEAD, "0.3.0")
def get_storage_options() -> dict:
    """The options :func:`set_storage_options` set (deprecated)."""
    return dict(_DEPRECATED_DEFAULTS)


@deprecated(_INSTEAD, "0.3.0")
@contextlib.contextmanager
def storage_options(options: dict | None):
    """:func:`set_storage_options` for the enclosed block only (deprecated)."""
    old = dict(_DEPRECATED_DEFAULTS)
    _DEPRECATED_DEFAULTS.clear()
    _DEPRECATED_DEFAULTS.update(options or {})
    try:
        yield
    finally:
        _DEPRECATED_DEFAULTS.clear()
        _DEPRECATED_DEFAULTS.update(old)


def _url_error(url: str, exc: BaseException) -> CorpusError:
    if isinstance(exc, FileNotFoundError):
        return CorpusError(f"corpus path '{url}' does not exist; check the spelling or pass an existing object or prefix")
    if isinstance(exc, PermissionError):
        return CorpusError(f"access to '{url}' was refused: {exc}; check the credentials (environment, profile) or "
                           "--storage-options")
    return CorpusError(f"cannot read '{url}': {type(exc).__name__}: {exc}")


class _Stream(io.BufferedIOBase):
    """A decompressing reader over a file object that closes both when closed (a binary
    stream like any other: ``io.TextIOWrapper`` takes it)."""

    def __init__(self, outer, inner):
        super().__init__()
        self._outer, self._inner = outer, inner

    def read(self, n: int | None = -1) -> bytes:
        return self._outer.read(-1 if n is None else n)

    def read1(self, n: int = -1) -> bytes:
        return self._outer.read(n if n and n > 0 else io.DEFAULT_BUFFER_SIZE)

    def readline(self, n: int | None = -1) -> bytes:
        return self._outer.readline(-1 if n is None else n)

    def readable(self) -> bool:
        return True

    def close(self) -> None:
        if self.closed:
            return
        try:
            self._outer.close()
        finally:
            if self._inner is not self._outer:
                self._inner.close()
            super().close()


def _open_raw(path: str, options: dict | None = None):
    """The undecompressed bytes of a local file or a URL."""
    if not is_url(path):
        return open(path, "rb")
    fs, p = _fs(path, options)
    try:
        return fs.open(p, "rb")
    except Exception as exc:  # noqa: BLE001 (each storage library raises its own errors)
        raise _url_error(path, exc) from None


def _decompressor(head: bytes):
    for magic, opener in _MAGIC:
        if head.startswith(magic):
            return opener
    return None


def is_compressed(path: str, options: dict | None = None) -> bool:
    """Whether the file or object starts with gzip, bzip2 or xz magic bytes."""
    with _open_raw(path, options) as fh:
        return _decompressor(fh.read(6)) is not None


def file_size(path: str, options: dict | None = None) -> int:
    """Size in bytes of a local file or an object."""
    if not is_url(path):
        return os.path.getsize(path)
    fs, p = _fs(path, options)
    try:
        return int(fs.size(p))
    except Exception as exc:  # noqa: BLE001
        raise _url_error(path, exc) from None


def open_binary(path: str, options: dict | None = None):
    """Open ``path`` (a file or a URL) for binary reading, decompressing by its magic bytes."""
    if not is_url(path):
        with open(path, "rb") as fh:
            head = fh.read(6)
        opener = _decompressor(head)
        return opener(path, "rb") if opener else open(path, "rb")
    raw = _open_raw(path, options)
    try:
        head = raw.read(6)
        raw.seek(0)
        opener = _decompressor(head)
    except BaseException:
        raw.close()
        raise
    return _Stream(opener(raw, "rb"), raw) if opener else raw


def looks_binary(path: str, options: dict | None = None) -> bool:
    """Whether a file is clearly not text: unreadable, or a NUL byte in its first 8 kB (after
    decompression)."""
    try:
        with open_binary(path, options) as fh:
            head = fh.read(8192)
    except READ_ERRORS:
        return True
    return b"\x00" in head


def _expand_url(p: str, options: dict | None) -> list[str]:
    fs, root = _fs(p, options)
    try:
        if _GLOB.search(root):
            found = sorted(x for x in fs.glob(root) if not x.rsplit("/", 1)[-1].startswith(".") and fs.isfile(x))
            if not found:
                raise CorpusError(f"no object matches '{p}'; check the pattern")
        elif fs.isdir(root):
            found = sorted(x for x in fs.find(root) if not any(part.startswith(".") for part in
                                                               x[len(root.rstrip("/")):].split("/")))
            found = [x for x in found if not looks_binary(fs.unstrip_protocol(x), options)]
            if not found:
                raise CorpusError(f"corpus prefix '{p}' contains no text objects; put plain text (optionally "
                                  ".gz/.bz2/.xz) objects with one sentence per line under it")
        elif fs.isfile(root):
            found = [root]
        else:
            raise FileNotFoundError(p)
    except CorpusError:
        raise
    except Exception as exc:  # noqa: BLE001
        raise _url_error(p, exc) from None
    return [p if x == root and not _GLOB.search(root) else fs.unstrip_protocol(x) for x in found]


def expand_paths(paths, options: dict | None = None) -> list[str]:
    """Return the corpus files named by ``paths`` (files, directories searched recursively,
    globs, and URLs of objects, prefixes or globs; ``options``: storage options for URLs).

    Hidden files and files that are clearly binary are skipped inside directories. Raises
    :class:`CorpusError` for a missing path or a directory without text files.
    """
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    files: list[str] = []
    for p in map(os.fspath, paths):
        if is_url(p):
            files.extend(_expand_url(p, options))
            continue
        if not os.path.exists(p) and _GLOB.search(p):
            matches = sorted(m for m in glob.glob(p, recursive=True) if os.path.isfile(m))
            if not matches:
                raise CorpusError(f"no file matches '{p}'; check the pattern")
            files.extend(expand_paths(matches))
            continue
        if os.path.isdir(p):
            found = []
            for root, dirs, names in os.walk(p):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for name in sorted(names):
                    full = os.path.join(root, name)
                    if name.startswith(".") or not os.path.isfile(full) or looks_binary(full):
                        continue
                    found.append(full)
            if not found:
                raise CorpusError(
                    f"corpus directory '{p}' contains no text files; put plain text "
                    "(optionally .gz/.bz2/.xz) files with one sentence per line in it"
                )
            files.extend(found)
        elif os.path.isfile(p):
            if looks_binary(p):
                raise CorpusError(f"corpus file '{p}' is not text: it holds NUL bytes near its start (after "
                                  "decompression) or cannot be decompressed; give text files, one sentence per line")
            files.append(p)
        elif os.path.exists(p):
            from .untrusted import kind_of

            raise CorpusError(f"corpus path '{p}' is {kind_of(os.stat(p).st_mode)}, not a file or a directory; a "
                              "corpus is read from files (decompressed on the fly), folders, globs or URLs")
        else:
            raise CorpusError(f"corpus path '{p}' does not exist; check the spelling or pass an existing file or directory")
    if not files:
        raise CorpusError("no corpus files given")
    return files


def iter_blocks(path: str, block_bytes: int | None = None, options: dict | None = None) -> Iterator[tuple[bytes, bool]]:
    """Yield ``(data, ends_line)`` blocks of a file's bytes, each about ``block_bytes`` long.

    A block ends at its last newline when it has one (``ends_line`` true) and otherwise at its
    last whitespace, so no token is split unless one token is longer than four blocks. The
    final block of a file always ends its line.
    """
    block_bytes = block_bytes or BLOCK_BYTES
    with _opened(open_binary, path, options) as fh:
        yield from _cut(_chunks(fh, path, block_bytes, None), path, block_bytes)


def iter_range_blocks(path: str, start: int, end: int, block_bytes: int | None = None,
                      options: dict | None = None) -> Iterator[tuple[bytes, bool]]:
    """:func:`iter_blocks` for the lines of an uncompressed file (or object) that start at a byte
    in ``[start, end)``: consecutive ranges cover every line exactly once."""
    block_bytes = block_bytes or BLOCK_BYTES
    with _opened(_open_raw, path, options) as fh:
        try:
            if start > 0:
                fh.seek(start - 1)
                if fh.read(1) != b"\n":
                    fh.readline()  # the rest of a line that began before this range
            pos = fh.tell()
        except READ_ERRORS as exc:
            raise CorpusError(f"corpus file '{path}' is damaged or truncated: {exc}") from None
        if pos >= end:
            return
        yield from _cut(_chunks(fh, path, block_bytes, end - pos), path, block_bytes, strip_bom=start == 0)


def _opened(opener, path: str, options: dict | None):
    """``opener(path, options)``, a failure to open being a corpus error that names the file."""
    try:
        return opener(path, options)
    except OSError as exc:
        raise CorpusError(f"cannot open corpus file '{path}': {exc.strerror or exc}") from None


def _chunks(fh, path: str, block_bytes: int, limit: int | None) -> Iterator[bytes]:
    """Raw reads of ``block_bytes``; with ``limit``, up to that many bytes and then the rest of
    the line they end in."""
    done = 0
    while limit is None or done < limit:
        try:
            data = fh.read(block_bytes if limit is None else min(block_bytes, limit - done))
        except READ_ERRORS as exc:
            raise CorpusError(f"corpus file '{path}' is damaged or truncated: {exc}") from None
        except Exception as exc:  # noqa: BLE001 (a storage library's own error while streaming a URL)
            if is_url(path):
                raise _url_error(path, exc) from None
            raise
        if not data:
            return
        done += len(data)
        yield data
    if limit is not None and not data.endswith(b"\n"):
        try:
            tail = fh.readline()
        except READ_ERRORS as exc:
            raise CorpusError(f"corpus file '{path}' is damaged or truncated: {exc}") from None
        if tail:
            yield tail


def _cut(chunks, path: str, block_bytes: int, strip_bom: bool = True) -> Iterator[tuple[bytes, bool]]:
    rest = b""
    first, offset = strip_bom, 0
    for data in chunks:
        if first:
            first = False
            if data.startswith(_BOM):  # a byte-order mark is not part of the first word
                data = data[len(_BOM):]
        buf = rest + data if rest else data
        cut = buf.rfind(b"\n")
        if cut >= 0:
            piece, rest, ends = buf[: cut + 1], buf[cut + 1 :], True
        else:
            cut = max(buf.rfind(c) for c in (b" ", b"\t", b"\r", b"\x0b", b"\x0c"))
            if cut >= 0:
                piece, rest = buf[: cut + 1], buf[cut + 1 :]
            elif len(buf) > 4 * block_bytes:  # one absurd token: cut it rather than grow
                warnings.warn(f"corpus file '{path}': a token of more than {len(buf):,} bytes (from byte "
                              f"{offset:,}) was cut into pieces; is this really text?", RuntimeWarning, stacklevel=3)
                piece, rest = buf, b""
            else:
                rest = buf
                continue
            ends = False
        offset += len(piece)
        yield piece, ends
    if rest:
        yield rest, True


def count_invalid_utf8(data: bytes) -> int:
    """Number of bytes that UTF-8 decoding of ``data`` would replace (0 for valid text)."""
    try:
        data.decode("utf-8")
        return 0
    except UnicodeDecodeError:
        return len(_ESCAPED.findall(data.decode("utf-8", "surrogateescape")))


def decode(token: bytes) -> str:
    """A token's text; invalid UTF-8 becomes U+FFFD (counted by :func:`count_invalid_utf8`)."""
    return token.decode("utf-8", "replace")
