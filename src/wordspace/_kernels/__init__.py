"""Compiled (Numba) kernels. Nothing here is public API.

Rules: every kernel is a module-level function; kernels import only numpy and numba; arrays
crossing the boundary are C-contiguous and float32 (``REAL``) or integer. Each kernel has a
slow reference in the tests.
"""

import numpy as np

REAL = np.float32
