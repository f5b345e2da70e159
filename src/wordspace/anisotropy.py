"""Anisotropy of embedding spaces: measure it and correct it, for static and contextual vectors.

Embeddings (contextual ones most of all) tend to occupy a narrow cone: random pairs have a
high cosine, which blurs similarity. :func:`anisotropy` measures the mean cosine of random
pairs; :func:`center`, :func:`all_but_the_top` (Mu and Viswanath 2018) and :func:`whiten` remove
the common direction(s). Functions take an ``(n, dim)`` array, or a :class:`wordspace.Vectors`
for which they return new ``Vectors``. Contextual vectors come from ``wordspace.contextual``.
"""

from __future__ import annotations

import numpy as np

from ._validation import Interval, Options, check_param
from .errors import InvalidParameterError

__all__ = ["anisotropy", "center", "all_but_the_top", "whiten", "correct", "METHODS"]

METHODS = ("center", "all-but-the-top", "whiten")


def _matrix(x):
    from .vectors import Vectors

    if isinstance(x, Vectors):
        return np.asarray(x.matrix, dtype=np.float64), x
    m = np.asarray(x, dtype=np.float64)
    if m.ndim != 2 or m.shape[0] < 2:
        raise InvalidParameterError(f"expected an (n, dim) array with n >= 2, got shape {m.shape}")
    return m, None


def _wrap(m, original):
    if original is None:
        return m.astype(np.float32)
    from .vectors import Vectors

    return Vectors(original.keys, m.astype(np.float32), counts=original.counts, metadata=dict(original.metadata),
                   subwords=None)


def anisotropy(x, n_pairs: int = 10_000, seed: int = 0) -> float:
    """Mean cosine similarity of ``n_pairs`` random pairs of distinct rows (0 for an isotropic
    space; close to 1 when all vectors point the same way)."""
    m, _ = _matrix(x)
    rng = np.random.default_rng(seed)
    i = rng.integers(0, m.shape[0], n_pairs)
    j = rng.integers(0, m.shape[0] - 1, n_pairs)
    j[j >= i] += 1  # distinct rows
    a, b = m[i], m[j]
    na, nb = np.linalg.norm(a, axis=1), np.linalg.norm(b, axis=1)
    ok = (na > 0) & (nb > 0)
    return float(np.mean(np.einsum("ij,ij->i", a[ok], b[ok]) / (na[ok] * nb[ok])))


def center(x):
    """Subtract the mean vector."""
    m, orig = _matrix(x)
    return _wrap(m - m.mean(axis=0), orig)


def all_but_the_top(x, d: int | None = None):
    """Centre, then remove the projections on the top ``d`` principal directions (Mu and
    Viswanath 2018; their rule of thumb ``d = dim / 100`` when None, at least 1)."""
    m, orig = _matrix(x)
    if d is None:
        d = max(1, m.shape[1] // 100)
    check_param("d", d, [Interval(int, 0, m.shape[1] - 1)], "all_but_the_top")
    c = m - m.mean(axis=0)
    if d:
        u = np.linalg.svd(c, full_matrices=False)[2][:d]  # (d, dim) top principal directions
        c = c - (c @ u.T) @ u
    return _wrap(c, orig)


def whiten(x, eps: float = 1e-5):
    """PCA whitening: centre, rotate onto the principal axes and scale each to unit variance
    (``eps`` guards near-zero variances). The covariance becomes the identity."""
    m, orig = _matrix(x)
    c = m - m.mean(axis=0)
    cov = c.T @ c / max(1, c.shape[0] - 1)
    vals, vecs = np.linalg.eigh(cov)
    return _wrap(c @ vecs / np.sqrt(np.maximum(vals, 0) + eps), orig)


def correct(x, method: str = "all-but-the-top", **kwargs):
    """Apply one of :data:`METHODS` by name."""
    funcs = {"center": center, "all-but-the-top": all_but_the_top, "whiten": whiten}
    check_param("method", method, [Options(METHODS)], "correct")
    return funcs[method](x, **kwargs)
