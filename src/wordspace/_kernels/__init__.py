"""Compiled (Numba) kernels. Nothing here is public API.

Rules: every kernel is a module-level function; kernels import only numpy and numba; arrays
crossing the boundary are C-contiguous and float32 (``REAL``) or integer. Each kernel has a
slow reference in the tests. Their on-disk cache is keyed by all of their sources at once
(``_cache``).
"""

import numpy as np

from ._cache import install as _install_cache_keys

REAL = np.float32

_install_cache_keys()  # before any kernel is defined: Numba picks a function's cache locator then
