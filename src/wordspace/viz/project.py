"""Choosing words to show and projecting their vectors to 2 or 3 dimensions."""

from __future__ import annotations

import numpy as np

from .._validation import Interval, Options, check_param
from ..errors import InvalidParameterError

__all__ = ["select_words", "project", "METHODS"]

METHODS = ("pca", "tsne", "umap")


def select_words(vectors, words=None, top: int | None = None, neighbors_of=None, k: int = 10):
    """``(words, groups)``: the keys to show and a group label for each.

    Exactly one of ``words`` (a list), ``top`` (the ``top`` most frequent keys) or
    ``neighbors_of`` (a list of keys: each with its ``k`` nearest neighbours, grouped by the
    query word) is given. Unknown words raise ``KeyNotFoundError`` with suggestions.
    """
    given = sum(x is not None for x in (words, top, neighbors_of))
    if given != 1:
        raise InvalidParameterError("give exactly one of words, top or neighbors_of")
    if words is not None:
        words = list(dict.fromkeys(words))
        for w in words:
            vectors.index_of(w)
        if len(words) < 2:
            raise InvalidParameterError("a map needs at least 2 words")
        return words, [None] * len(words)
    if top is not None:
        check_param("top", top, [Interval(int, 2, None)])
        keys = list(vectors.keys[: min(top, len(vectors))])
        return keys, [None] * len(keys)
    out, groups = [], []
    for q in neighbors_of:
        for w in [q] + [n.key for n in vectors.most_similar(q, k=k)]:
            if w not in out:
                out.append(w)
                groups.append(q)
    return out, groups


def _pca(m: np.ndarray, dim: int) -> np.ndarray:
    c = m - m.mean(axis=0)
    u, s, vt = np.linalg.svd(c, full_matrices=False)
    coords = u[:, :dim] * s[:dim]
    # a fixed sign per axis (largest |loading| positive): the same picture every time
    signs = np.sign(vt[:dim][np.arange(dim), np.argmax(np.abs(vt[:dim]), axis=1)])
    return coords * np.where(signs == 0, 1, signs)


def project(vectors, words=None, method: str = "pca", dim: int = 2, seed: int = 0, **kwargs) -> np.ndarray:
    """``(n, dim)`` coordinates of ``words`` (all keys when None; or pass a 2-D array).

    ``method``: "pca" (NumPy SVD on the unit vectors), "tsne" (scikit-learn, perplexity
    ``min(30, n - 1)``, PCA initialisation) or "umap" (umap-learn, cosine metric). ``seed``
    makes t-SNE and UMAP deterministic; ``kwargs`` go to them.
    """
    check_param("method", method, [Options(METHODS)], "project")
    check_param("dim", dim, [Interval(int, 2, 3)], "project")
    if isinstance(vectors, np.ndarray):
        m = np.asarray(vectors, dtype=np.float64)
    else:
        keys = list(vectors.keys) if words is None else list(words)
        rows = [vectors.index_of(w) for w in keys]
        m = np.asarray(vectors.matrix[rows], dtype=np.float64) / vectors.norms()[rows, None]  # only these rows
    n = m.shape[0]
    if n <= dim:
        raise InvalidParameterError(f"projecting to {dim} dimensions needs more than {dim} words, got {n}")
    if method == "pca":
        return _pca(m, dim).astype(np.float32)
    if method == "tsne":
        try:
            from sklearn.manifold import TSNE
        except ImportError:
            raise ImportError("t-SNE requires scikit-learn; install with pip install 'wordspace[viz]'") from None
        opts = {"perplexity": float(min(30, n - 1)), "init": "pca", "random_state": seed, **kwargs}
        return TSNE(n_components=dim, **opts).fit_transform(m).astype(np.float32)
    import warnings

    try:
        with warnings.catch_warnings():  # umap-learn warns at import when TensorFlow is absent
            warnings.simplefilter("ignore", ImportWarning)
            import umap
    except ImportError:
        raise ImportError("UMAP requires umap-learn; install with pip install 'wordspace[viz]'") from None
    opts = {"n_neighbors": min(15, n - 1), "metric": "cosine", "random_state": seed, "init": "spectral" if n > dim + 2 else "random",
            **kwargs}
    with warnings.catch_warnings():  # umap warns that a seed disables its parallelism: that is the point
        warnings.simplefilter("ignore", UserWarning)
        return umap.UMAP(n_components=dim, **opts).fit_transform(m).astype(np.float32)
