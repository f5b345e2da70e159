"""Crash-safe writing, and the one rule for what a write may replace.

A file or directory is written under a temporary name beside its target, flushed to disk, then
renamed over it, so the target holds the old content or the new, never half of either.

What may be replaced is decided before any work starts, by :func:`check_writable`, for every
writer of the library and the command line: an existing path is replaced only when it is
provably ours and of the kind being written (a whole, valid file of that format, or a folder
holding our marker and nothing but the files its format has: :func:`owned_dir`), never when it
is also an input, a link, a FIFO or device, or a file with other hard links. A replaced file
keeps its permissions (and, where allowed, its owner). Leftovers of killed runs (temporary names
carry the writer's process id) are removed by the next write to the same target. Anything may
import this module; it imports nothing of wordspace but errors and ``untrusted``.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import os
import re
import shutil
import stat
import tempfile
from typing import Callable

from .errors import WordspaceError
from .untrusted import kind_of

__all__ = ["atomic_file", "atomic_dir", "check_writable", "check_not_input", "owned_dir", "recover"]

#: ``(path) -> bool``: whether an existing file or directory may be replaced by the writer.
Replaceable = Callable[[str], bool]

_TMP = ".wstmp"  # marks our temporary names: .<target>.wstmp-<pid>-<random>
_OLD = ".wsold"  # a replaced directory waiting for removal: .<target>.wsold-<pid>-<random>


def _umask() -> int:
    """The process umask (read by setting and restoring it)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def owned_dir(path: str, marker: str, format_name: str, names) -> bool:
    """Whether ``path`` is a folder wordspace wrote and nothing else lives in: ``marker`` (a
    JSON file) names ``format_name`` (or a format starting with it followed by "-"), and every
    entry is a regular file (no link, no folder) whose name is in ``names``, a set or a
    ``(header) -> set`` callable for formats whose files depend on the header."""
    import json

    from .untrusted import read_regular

    header = os.path.join(path, marker)
    if not os.path.isdir(path) or os.path.islink(path) or os.path.islink(header):
        return False
    try:
        doc = json.loads(read_regular(header, "a wordspace header", 64 << 20).decode("utf-8"))
        entries = list(os.scandir(path))
    except (OSError, ValueError, RecursionError, WordspaceError):
        return False
    fmt = doc.get("format") if isinstance(doc, dict) else None
    if not isinstance(fmt, str) or not (fmt == format_name or fmt.startswith(format_name + "-")):
        return False
    allowed = names(doc) if callable(names) else names
    return all(e.name in allowed and e.is_file(follow_symlinks=False) for e in entries)


def check_writable(path, kind: str = "file", replaceable: Replaceable | None = None, what: str = "output",
                   inputs=()) -> str:
    """Refuse, before any work, an output path that cannot or must not be written.

    ``kind`` is ``"file"`` or ``"dir"``. The rule, the same for every writer: an existing path
    is replaced only when ``replaceable(path)`` proves it is ours and of the kind being written
    (for a file: a whole, valid file of the format; for a folder: :func:`owned_dir`), or when it
    is empty. Never replaced: a path equal to one of ``inputs`` (or a folder holding one), a
    symbolic link, a FIFO, device or socket, a file with other hard links (they would keep the
    old content), anything when ``replaceable`` is None (a plain text file wordspace wrote cannot
    be told from one of yours). Returns the absolute parent directory. Raises
    :class:`WordspaceError` naming the path and the reason; nothing is touched.
    """
    path = os.fspath(path)
    if not path:
        raise WordspaceError(f"the {what} path is empty")
    parent = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(parent):
        raise WordspaceError(f"cannot write '{path}': directory '{parent}' does not exist")
    if not os.access(parent, os.W_OK):
        raise WordspaceError(f"cannot write '{path}': directory '{parent}' is not writable")
    check_not_input(path, inputs)
    if os.path.islink(path):
        raise WordspaceError(f"refusing to write '{path}': it is a symbolic link; give the real path")
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return parent
    keep = "(nothing was touched); choose a new name or remove it yourself"
    if kind == "dir":
        if not stat.S_ISDIR(st.st_mode):
            raise WordspaceError(f"cannot write a model directory at '{path}': {kind_of(st.st_mode)} is there; choose "
                                 "another name or remove it yourself")
        if not (_is_empty_dir(path) or (replaceable is not None and replaceable(path))):
            raise WordspaceError(f"refusing to replace '{path}': it is a directory that is not a wordspace model of "
                                 f"this kind, or one that holds files of yours {keep}")
        return parent
    if stat.S_ISDIR(st.st_mode):
        raise WordspaceError(f"cannot write the file '{path}': a directory is there; give a file name")
    if not stat.S_ISREG(st.st_mode):
        raise WordspaceError(f"refusing to replace '{path}': it is {kind_of(st.st_mode)}, not a regular file {keep}")
    if st.st_nlink > 1:
        raise WordspaceError(f"refusing to replace '{path}': it has {st.st_nlink - 1} other hard link(s), which would "
                             f"keep the old content {keep}")
    if st.st_size > 0 and not (replaceable is not None and replaceable(path)):
        why = ("is not a file of the format being written (only a whole, valid one is replaced)" if replaceable
               is not None else "may be yours (a text file wordspace wrote cannot be told apart from one of yours)")
        raise WordspaceError(f"refusing to replace '{path}': it exists and {why} {keep}")
    return parent


def check_not_input(path, inputs, label: str = "the output") -> None:
    """Raise :class:`WordspaceError` when writing ``path`` would replace one of ``inputs`` (the
    same file or folder under any name, or a folder holding one)."""
    path = os.fspath(path)
    for source in inputs:
        if source is not None and _overlaps(path, os.fspath(source)):
            raise WordspaceError(f"refusing to write {label} '{path}': it is also an input ('{os.fspath(source)}'), "
                                 "which writing would replace; write to another path")


def _overlaps(out: str, source: str) -> bool:
    """Whether writing ``out`` would replace ``source``: the same file or folder (through any
    name: links, hard links, ``..``), or a folder that holds it."""
    if not os.path.lexists(out) or not os.path.exists(source):
        return False
    try:
        if os.path.samefile(out, source):
            return True
    except OSError:
        return False
    if os.path.isdir(out) and not os.path.islink(out):
        real_out, real_src = os.path.realpath(out), os.path.realpath(source)
        return os.path.commonpath([real_out, real_src]) == real_out
    return False


def _is_empty_dir(path: str) -> bool:
    try:
        return not os.listdir(path)
    except OSError:
        return False


def _fsync_path(path: str, directory: bool = False) -> None:
    """Flush ``path`` to disk (best effort where the platform cannot fsync directories)."""
    flags = os.O_RDONLY | (getattr(os, "O_DIRECTORY", 0) if directory else 0)
    try:
        fd = os.open(path, flags)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _pid_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # exists but is not ours to signal
    return True


def _leftovers(parent: str, base: str):
    """Our temporary and replaced names for ``base`` in ``parent``: ``(path, marker, pid)``."""
    pat = re.compile(re.escape("." + base) + r"\.(wstmp|wsold)-(\d+)-[A-Za-z0-9_]+$")
    try:
        names = os.listdir(parent)
    except OSError:
        return
    for name in names:
        m = pat.match(name)
        if m:
            yield os.path.join(parent, name), "." + m.group(1), int(m.group(2))


def _recover(path: str) -> None:
    """Finish or undo what a killed writer of ``path`` left: a replaced model whose new version
    never arrived is put back; dead writers' temporary names are removed."""
    parent, base = os.path.split(os.path.abspath(path))
    for left, marker, pid in sorted(_leftovers(parent, base), key=lambda t: t[1] != _OLD):
        if _pid_alive(pid):
            continue
        if marker == _OLD and not os.path.lexists(path):
            with contextlib.suppress(OSError):  # when it cannot, it is kept for a later try
                os.rename(left, path)  # the old model comes back under its name
            continue
        if os.path.isdir(left) and not os.path.islink(left):
            shutil.rmtree(left, ignore_errors=True)
        else:
            with contextlib.suppress(OSError):
                os.unlink(left)


def _tmp_name(parent: str, base: str, marker: str) -> str:
    return tempfile.mktemp(prefix=f".{base}{marker}-{os.getpid()}-", dir=parent)


def _target_mode(path: str, default: int) -> tuple[int, tuple | None]:
    """``(mode, (uid, gid) or None)`` a write of ``path`` gives its result: those of the file or
    folder it replaces, else ``default`` minus the umask."""
    try:
        st = os.stat(path)
    except OSError:
        return default & ~_umask(), None
    return stat.S_IMODE(st.st_mode), (st.st_uid, st.st_gid)


def _apply_mode(tmp: str, mode: int, owner) -> None:
    os.chmod(tmp, mode)
    if owner is not None and hasattr(os, "chown"):
        with contextlib.suppress(OSError):  # keeping the owner needs the right to; the mode is what matters
            os.chown(tmp, *owner)


def _disk_full(exc: OSError, path: str) -> WordspaceError:
    return WordspaceError(f"cannot write '{path}': the disk is full ({exc.strerror}); nothing was written: free some "
                          "space or write elsewhere")


def _fingerprint(path: str):
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_ino, st.st_size, st.st_mtime_ns


@contextlib.contextmanager
def atomic_file(path, mode: str = "wb", replaceable: Replaceable | None = None, inputs=()):
    """Yield a file object; on success it replaces ``path`` (after :func:`check_writable`, run
    again before the rename if the target changed meanwhile), on error nothing is left. The data
    is fsynced before the rename, the directory after it; a replaced file's mode is kept."""
    path = os.fspath(path)
    parent = check_writable(path, "file", replaceable, inputs=inputs)
    seen = _fingerprint(path)
    _recover(path)
    base = os.path.basename(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{base}{_TMP}-{os.getpid()}-", dir=parent)
    try:
        with os.fdopen(fd, mode) as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        if _fingerprint(path) != seen:  # someone changed the target while we worked: judge it again
            check_writable(path, "file", replaceable, inputs=inputs)
        _apply_mode(tmp, *_target_mode(path, 0o666))  # mkstemp makes the file private
        os.replace(tmp, path)
        _fsync_path(parent, directory=True)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if isinstance(exc, OSError) and exc.errno == errno.ENOSPC:
            raise _disk_full(exc, path) from None
        raise


def _exchange(a: str, b: str) -> bool:
    """Swap two paths atomically (Linux ``renameat2(RENAME_EXCHANGE)``); False if unavailable."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        fn = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    rc = fn(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange)
    return rc == 0


@contextlib.contextmanager
def atomic_dir(path, replaceable: Replaceable | None = None, inputs=()):
    """Yield a temporary directory that replaces the directory ``path`` on success.

    Only what ``replaceable`` proves ours (or an empty folder) is ever replaced (see
    :func:`check_writable`). The swap is one atomic exchange where the system has it; elsewhere
    the old directory is first renamed aside, and a crash between the two renames is repaired by
    the next write (or :func:`recover`) putting it back. Every file and the directory are
    fsynced first; a replaced folder's mode is kept.
    """
    path = os.fspath(path)
    parent = check_writable(path, "dir", replaceable, inputs=inputs)
    _recover(path)
    base = os.path.basename(os.path.abspath(path))
    tmp = tempfile.mkdtemp(prefix=f".{base}{_TMP}-{os.getpid()}-", dir=parent)
    try:
        yield tmp
        for name in os.listdir(tmp):
            _fsync_path(os.path.join(tmp, name))
        _fsync_path(tmp, directory=True)
        check_writable(path, "dir", replaceable, inputs=inputs)  # still ours to replace after the work
        _apply_mode(tmp, *_target_mode(path, 0o777))  # mkdtemp makes the directory private
        if os.path.isdir(path):
            if _exchange(tmp, path):
                shutil.rmtree(tmp, ignore_errors=True)  # tmp now holds the old model
            else:
                old = _tmp_name(parent, base, _OLD)
                os.rename(path, old)
                os.rename(tmp, path)
                shutil.rmtree(old, ignore_errors=True)
        else:
            os.rename(tmp, path)
        _fsync_path(parent, directory=True)
    except BaseException as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        if isinstance(exc, OSError) and exc.errno == errno.ENOSPC:
            raise _disk_full(exc, path) from None
        raise


def recover(path) -> None:
    """Repair what a killed writer of ``path`` left behind (see :func:`atomic_dir`)."""
    _recover(os.fspath(path))
