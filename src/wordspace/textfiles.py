"""Reading text files: finding them (files, directories), opening them whatever their
compression (detected from the content), and streaming their bytes in bounded blocks cut at line
or token boundaries, with an exact count of invalid UTF-8.

Tokenising and encoding live in ``wordspace.corpus``; vocabulary policy in ``wordspace.vocab``.
Nothing here keeps state between calls or registers anything with Python at import.
"""

from __future__ import annotations

import bz2
import gzip
import lzma
import os
import re
import warnings
import zlib
from typing import Iterator

from .errors import CorpusError

__all__ = ["BLOCK_BYTES", "open_binary", "looks_binary", "expand_paths", "iter_blocks",
           "count_invalid_utf8", "decode"]

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


def open_binary(path: str):
    """Open ``path`` for binary reading, decompressing by its magic bytes."""
    with open(path, "rb") as fh:
        head = fh.read(6)
    for magic, opener in _MAGIC:
        if head.startswith(magic):
            return opener(path, "rb")
    return open(path, "rb")


def looks_binary(path: str) -> bool:
    """Whether a file is clearly not text: unreadable, or a NUL byte in its first 8 kB (after
    decompression)."""
    try:
        with open_binary(path) as fh:
            head = fh.read(8192)
    except READ_ERRORS:
        return True
    return b"\x00" in head


def expand_paths(paths) -> list[str]:
    """Return the corpus files named by ``paths`` (files, or directories searched recursively).

    Hidden files and files that are clearly binary are skipped inside directories. Raises
    :class:`CorpusError` for a missing path or a directory without text files.
    """
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    files: list[str] = []
    for p in map(os.fspath, paths):
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
            raise CorpusError(f"corpus path '{p}' is neither a file nor a directory")
        else:
            raise CorpusError(f"corpus path '{p}' does not exist; check the spelling or pass an existing file or directory")
    if not files:
        raise CorpusError("no corpus files given")
    return files


def iter_blocks(path: str, block_bytes: int | None = None) -> Iterator[tuple[bytes, bool]]:
    """Yield ``(data, ends_line)`` blocks of a file's bytes, each about ``block_bytes`` long.

    A block ends at its last newline when it has one (``ends_line`` true) and otherwise at its
    last whitespace, so no token is split unless one token is longer than four blocks. The
    final block of a file always ends its line.
    """
    block_bytes = block_bytes or BLOCK_BYTES
    try:
        fh = open_binary(path)
    except OSError as exc:
        raise CorpusError(f"cannot open corpus file '{path}': {exc.strerror or exc}") from None
    with fh:
        rest = b""
        first, offset = True, 0
        while True:
            try:
                data = fh.read(block_bytes)
            except READ_ERRORS as exc:
                raise CorpusError(f"corpus file '{path}' is damaged or truncated: {exc}") from None
            if not data:
                break
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
                                  f"{offset:,}) was cut into pieces; is this really text?", RuntimeWarning, stacklevel=2)
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
