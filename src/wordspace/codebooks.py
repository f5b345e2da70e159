"""Codebooks of product quantisation: the centres of every subspace, and the encoding of rows
into one byte per subspace and back. What reads a quantised model (``wordspace.io.native``) and
what trains one (``wordspace.quantize``) both need them; k-means itself lives in
``wordspace.quantize`` and the compiled loops in ``wordspace._kernels.pq``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .errors import InvalidParameterError

__all__ = ["Codebooks", "MAX_DSUB"]

#: The widest subvector: a row of ``dim`` floats becomes ``dim / dsub`` bytes, so a reader
#: decodes at most ``4 * MAX_DSUB`` bytes per byte of codes (a version-4 model cannot expand
#: past that, whatever its header says).
MAX_DSUB = 64


@dataclass
class Codebooks:
    """``centroids`` (m, ks, dsub) float32: the centres of every subspace."""

    centroids: np.ndarray

    @property
    def dsub(self) -> int:
        return int(self.centroids.shape[2])

    @property
    def dim(self) -> int:
        return int(self.centroids.shape[0] * self.centroids.shape[2])

    def encode(self, matrix) -> np.ndarray:
        """``(n, m)`` uint8 codes of the rows of ``matrix`` (n, dim)."""
        from ._kernels.pq import encode

        x = np.ascontiguousarray(matrix, dtype=np.float32)
        if x.ndim != 2 or x.shape[1] != self.dim:
            raise InvalidParameterError(f"rows of {self.dim} dimensions are needed, got shape {x.shape}")
        codes = np.empty((x.shape[0], self.centroids.shape[0]), dtype=np.uint8)
        if x.shape[0]:
            encode(x, self.dsub, self.centroids, codes)
        return codes

    def decode(self, codes) -> np.ndarray:
        """``(n, dim)`` float32 rows rebuilt from ``codes`` (n, m)."""
        from ._kernels.pq import decode

        codes = np.ascontiguousarray(codes, dtype=np.uint8)
        out = np.empty((codes.shape[0], self.dim), dtype=np.float32)
        if codes.shape[0]:
            decode(codes, self.centroids, out)
        return out
