"""Crash-safe writing: a file or directory is written under a temporary name beside its target,
flushed to disk, then renamed over it, so the target holds the old content or the new, never
half of either.

What may be replaced is decided before any work starts (:func:`check_writable`): nothing but a
file of the format being written, or a wordspace model directory, is ever overwritten. Leftovers
of killed runs (temporary names carry the writer's process id) are removed by the next write to
the same target. Anything may import this module; it imports nothing of wordspace but errors.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import re
import shutil
import tempfile
from typing import Callable

from .errors import WordspaceError

__all__ = ["atomic_file", "atomic_dir", "check_writable", "is_native_model_dir"]

#: ``(path) -> bool``: whether an existing file or directory may be replaced by the writer.
Replaceable = Callable[[str], bool]

_TMP = ".wstmp"  # marks our temporary names: .<target>.wstmp-<pid>-<random>
_OLD = ".wsold"  # a replaced directory waiting for removal: .<target>.wsold-<pid>-<random>


def _umask() -> int:
    """The process umask (read by setting and restoring it)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def is_native_model_dir(path: str) -> bool:
    """Whether ``path`` is a directory written by wordspace (it holds ``wordspace.json`` naming
    one of wordspace's formats)."""
    import json

    header = os.path.join(path, "wordspace.json")
    if not os.path.isdir(path) or os.path.islink(header) or not os.path.isfile(header):
        return False
    try:
        with open(header, "rb") as fh:
            data = json.loads(fh.read(1 << 20).decode("utf-8"))
    except (OSError, ValueError, RecursionError):
        return False
    return isinstance(data, dict) and str(data.get("format", "")).startswith("wordspace-")


def check_writable(path, kind: str = "file", replaceable: Replaceable | None = None, what: str = "output") -> str:
    """Refuse, before any work, an output path that cannot or must not be written.

    ``kind`` is ``"file"`` or ``"dir"``. An existing target of the wrong kind is refused; an
    existing target of the right kind is replaced only when ``replaceable(path)`` says it is a
    file of the format being written (for directories: a wordspace model by default). Returns
    the absolute parent directory. Raises :class:`WordspaceError` naming the path and the reason.
    """
    path = os.fspath(path)
    if not path:
        raise WordspaceError(f"the {what} path is empty")
    parent = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(parent):
        raise WordspaceError(f"cannot write '{path}': directory '{parent}' does not exist")
    if not os.access(parent, os.W_OK):
        raise WordspaceError(f"cannot write '{path}': directory '{parent}' is not writable")
    if os.path.islink(path):
        raise WordspaceError(f"refusing to write '{path}': it is a symbolic link; give the real path")
    if os.path.lexists(path):
        if kind == "dir":
            if not os.path.isdir(path):
                raise WordspaceError(f"cannot write a model directory at '{path}': a file is there; "
                                     "choose another name or remove it yourself")
            check = replaceable or is_native_model_dir
            if not (check(path) or _is_empty_dir(path)):
                raise WordspaceError(f"refusing to replace '{path}': it is a directory that is not a wordspace model "
                                     "(nothing in it was touched); choose a new name or remove it yourself")
        else:
            if os.path.isdir(path):
                raise WordspaceError(f"cannot write the file '{path}': a directory is there; give a file name")
            if not os.path.isfile(path):
                raise WordspaceError(f"refusing to replace '{path}': it is not a regular file")
            if replaceable is not None and os.path.getsize(path) > 0 and not replaceable(path):
                raise WordspaceError(f"refusing to replace '{path}': it exists and is not a file of the format being "
                                     "written (nothing was touched); choose a new name or remove it yourself")
    return parent


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


@contextlib.contextmanager
def atomic_file(path, mode: str = "wb", replaceable: Replaceable | None = None):
    """Yield a file object; on success it replaces ``path`` (after :func:`check_writable`), on
    error nothing is left. The data is fsynced before the rename, the directory after it."""
    path = os.fspath(path)
    parent = check_writable(path, "file", replaceable)
    _recover(path)
    base = os.path.basename(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{base}{_TMP}-{os.getpid()}-", dir=parent)
    try:
        with os.fdopen(fd, mode) as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes the file private; give it open()'s mode
        os.replace(tmp, path)
        _fsync_path(parent, directory=True)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
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
def atomic_dir(path, replaceable: Replaceable | None = None):
    """Yield a temporary directory that replaces the directory ``path`` on success.

    Only a wordspace model directory (or what ``replaceable`` accepts) is ever replaced. The
    swap is one atomic exchange where the system has it; elsewhere the old directory is first
    renamed aside, and a crash between the two renames is repaired by the next write (or
    :func:`recover`) putting it back. Every file and the directory are fsynced first.
    """
    path = os.fspath(path)
    parent = check_writable(path, "dir", replaceable)
    _recover(path)
    base = os.path.basename(os.path.abspath(path))
    tmp = tempfile.mkdtemp(prefix=f".{base}{_TMP}-{os.getpid()}-", dir=parent)
    try:
        yield tmp
        os.chmod(tmp, 0o777 & ~_umask())  # mkdtemp makes the directory private
        for name in os.listdir(tmp):
            _fsync_path(os.path.join(tmp, name))
        _fsync_path(tmp, directory=True)
        check_writable(path, "dir", replaceable)  # still ours to replace after the work
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
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def recover(path) -> None:
    """Repair what a killed writer of ``path`` left behind (see :func:`atomic_dir`)."""
    _recover(os.fspath(path))
