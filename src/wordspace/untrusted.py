"""Opening files that wordspace did not write in this process, which may come from anyone.

One place decides what a reader may open: a regular file. A FIFO would block the first read
until some writer appears (forever, if none does), a device such as ``/dev/zero`` or
``/dev/urandom`` streams without end, a folder or a socket is no file at all; each is refused in
one line before anything waits on it. The check cannot be raced: the path is opened without
blocking and the open descriptor is what is examined. Reads are bounded by a size the caller
states, checked before anything is allocated, and JSON is parsed with limits (nesting depth,
digits of an integer) that turn hostile documents into a :class:`FormatError`.

Corpora are not read here (``wordspace.textfiles``): a corpus may legitimately be a pipe.
Writing is ``wordspace.atomic``'s.
"""

from __future__ import annotations

import io
import json
import os
import stat

from .errors import FormatError

__all__ = ["open_regular", "read_regular", "parse_json", "check_regular", "kind_of"]

_KINDS = ((stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a FIFO (named pipe)"), (stat.S_ISCHR, "a character device"),
          (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"))


def kind_of(mode: int) -> str:
    """What a file of ``st_mode`` is, in words ("a FIFO (named pipe)", "a regular file"...)."""
    if stat.S_ISREG(mode):
        return "a regular file"
    return next((name for test, name in _KINDS if test(mode)), "not a regular file")


def check_regular(path, what: str = "a file") -> int:
    """The size of ``path`` when it is (a link to) a regular file; else a one-line
    :class:`FormatError` that says what it is instead. Used where a path is handed to a reader
    that opens it itself (NumPy, zipfile); :func:`open_regular` is the race-free form."""
    path = os.fspath(path)
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise FormatError(f"'{path}' does not exist") from None
    except OSError as exc:
        raise FormatError(f"cannot read '{path}': {exc.strerror or exc}") from None
    if not stat.S_ISREG(st.st_mode):
        raise FormatError(f"'{path}' is {kind_of(st.st_mode)}, not {what}; give the path of a regular file")
    return st.st_size


def open_regular(path, what: str = "a file") -> io.BufferedReader:
    """``path`` opened for binary reading, if it is a regular file (see the module's docstring).

    Raises :class:`FormatError` naming the path and what it is ("is a FIFO (named pipe), not a
    wordspace phrase model"), or naming why it cannot be opened."""
    path = os.fspath(path)
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        raise FormatError(f"'{path}' does not exist") from None
    except IsADirectoryError:
        raise FormatError(f"'{path}' is a folder, not {what}") from None
    except OSError as exc:
        raise FormatError(f"cannot read '{path}': {exc.strerror or exc}") from None
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise FormatError(f"'{path}' is {kind_of(mode)}, not {what}; give the path of a regular file")
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def read_regular(path, what: str, max_bytes: int) -> bytes:
    """The bytes of the regular file ``path``, refused (before reading) when it holds more than
    ``max_bytes``: ``what`` names what it should be, as in "a wordspace BPE tokenizer"."""
    path = os.fspath(path)
    with open_regular(path, what) as fh:
        size = os.fstat(fh.fileno()).st_size
        if size > max_bytes:
            raise FormatError(f"'{path}' is {size:,} bytes; {what} is at most {max_bytes:,}: the file is not one")
        data = fh.read(size + 1)  # not read(max_bytes + 1): Python allocates what is asked for
        if len(data) > size:  # it grew while we read: the rest, a block at a time, up to the limit
            parts = [data]
            total = len(data)
            while total <= max_bytes:
                block = fh.read(min(1 << 24, max_bytes + 1 - total))
                if not block:
                    break
                parts.append(block)
                total += len(block)
            data = b"".join(parts)
    if len(data) > max_bytes:  # it grew while we read
        raise FormatError(f"'{path}' grew past {max_bytes:,} bytes while it was read; {what} is smaller")
    return data


def parse_json(data, where: str, what: str):
    """``data`` (bytes or str) parsed as JSON; a damaged or hostile document (not UTF-8, not
    JSON, nested too deeply, an integer of thousands of digits) is a one-line
    :class:`FormatError` naming ``where`` and ``what`` it should be."""
    try:
        text = data.decode("utf-8") if isinstance(data, (bytes, bytearray)) else data
        return json.loads(text)
    except UnicodeDecodeError as exc:
        raise FormatError(f"{where} is not {what}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except json.JSONDecodeError as exc:
        raise FormatError(f"{where} is not {what} (not valid JSON: {exc.msg} at line {exc.lineno}, column "
                          f"{exc.colno})") from None
    except RecursionError:
        raise FormatError(f"{where} is not {what}: its JSON is nested too deeply") from None
    except ValueError as exc:  # Python's limit on the digits of an int (4,300 by default)
        raise FormatError(f"{where} is not {what}: {str(exc).split(';')[0][:120]}") from None
