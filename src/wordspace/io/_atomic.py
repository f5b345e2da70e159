"""Atomic writes: write under a temporary name beside the target, then rename over it."""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile

from ..errors import WordspaceError


def _umask() -> int:
    """The process umask (read by setting and restoring it)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _check_parent(path: str) -> str:
    parent = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(parent):
        raise WordspaceError(f"cannot write '{path}': directory '{parent}' does not exist")
    if not os.access(parent, os.W_OK):
        raise WordspaceError(f"cannot write '{path}': directory '{parent}' is not writable")
    return parent


@contextlib.contextmanager
def atomic_file(path: str, mode: str = "wb"):
    """Yield a file object; on success it replaces ``path``, on error nothing is left."""
    parent = _check_parent(path)
    fd, tmp = tempfile.mkstemp(prefix="." + os.path.basename(path) + ".", suffix=".tmp", dir=parent)
    try:
        with os.fdopen(fd, mode) as fh:
            yield fh
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes the file private; give it open()'s mode
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


@contextlib.contextmanager
def atomic_dir(path: str):
    """Yield a temporary directory that replaces the directory ``path`` on success."""
    parent = _check_parent(path)
    if os.path.exists(path) and not os.path.isdir(path):
        raise WordspaceError(f"cannot write a model directory at '{path}': a file is there")
    tmp = tempfile.mkdtemp(prefix="." + os.path.basename(path) + ".", suffix=".tmp", dir=parent)
    try:
        yield tmp
        os.chmod(tmp, 0o777 & ~_umask())  # mkdtemp makes the directory private
        if os.path.isdir(path):
            old = tmp + ".old"
            os.rename(path, old)
            os.rename(tmp, path)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.rename(tmp, path)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
