"""Numba's on-disk cache of these kernels, keyed by every kernel source at once.

Numba keys a cached function by the contents of the one file that defines it. A kernel compiled
with other kernels' functions inside it (an epoch loop with the window updates of
``windows.py``, the twins of ``compile.py``, the pre-token counter with ``w2vbin.py``'s byte
comparison) carries their machine code in its own cache entry, so an edit of ``windows.py`` alone
left every epoch kernel running the old window code, silently, until ``epoch.py`` changed too;
an upgrade of wordspace that changed only a helper would do the same (pip removes the files it
installed, not the cache files Numba wrote beside them). Here the key of every function defined
in this package is a hash of all its ``.py`` files: any change recompiles them all, once.

:func:`install` puts locators that do so in front of Numba's own (for a cache in
``NUMBA_CACHE_DIR``, beside the sources, or in the user's cache directory, as Numba would choose);
functions defined anywhere else are left to Numba. With a Numba whose cache machinery is named
otherwise, nothing is installed and Numba's own keys apply.
"""

import hashlib
import os

__all__ = ["install", "fingerprint", "kernels_fingerprint"]

_DIR = os.path.dirname(os.path.abspath(__file__))
_fingerprint: list = []


def fingerprint(directory: str) -> bytes:
    """SHA-256 of the names and contents of the ``.py`` files of ``directory``."""
    h = hashlib.sha256()
    for name in sorted(os.listdir(directory)):
        if name.endswith(".py"):
            h.update(name.encode("utf-8") + b"\0")
            with open(os.path.join(directory, name), "rb") as fh:
                h.update(fh.read())
            h.update(b"\0")
    return h.digest()


def kernels_fingerprint() -> bytes:
    """:func:`fingerprint` of this package, once per process."""
    if not _fingerprint:
        _fingerprint.append(fingerprint(_DIR))
    return _fingerprint[0]


def _keyed(base):
    """``base`` (a Numba cache locator) for this package's functions only, stamped with
    :func:`kernels_fingerprint`."""

    class KernelsLocator(base):
        wordspace_kernels = True

        @classmethod
        def from_function(cls, py_func, py_file):
            if os.path.dirname(os.path.abspath(py_file)) != _DIR:
                return None
            return super().from_function(py_func, py_file)

        def get_source_stamp(self):
            return kernels_fingerprint()

    KernelsLocator.__name__ = KernelsLocator.__qualname__ = "Kernels" + base.__name__.lstrip("_")
    return KernelsLocator


def install() -> bool:
    """Put the package's locators first in Numba's list (once); returns whether they are there."""
    try:
        from numba.core import caching
    except ImportError:
        return False
    impl = getattr(caching, "CacheImpl", None) or getattr(caching, "_CacheImpl", None)
    bases = [getattr(caching, name, None) or getattr(caching, "_" + name, None)
             for name in ("UserProvidedCacheLocator", "InTreeCacheLocator", "UserWideCacheLocator")]
    if impl is None or not isinstance(getattr(impl, "_locator_classes", None), list) or None in bases:
        return False
    if not any(getattr(c, "wordspace_kernels", False) for c in impl._locator_classes):
        impl._locator_classes = [_keyed(b) for b in bases] + list(impl._locator_classes)
    return True
