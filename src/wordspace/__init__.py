"""wordspace: learn, query, measure and move word embeddings.

The public API: ``Word2Vec``, ``FastText``, ``GloVe``, ``PPMISVD`` (training), ``Vectors`` (storage and queries), ``load``,
``LineCorpus`` and the error classes. Heavy extras (torch, plotting, the web app) live in
sub-packages that are imported only on demand.
"""

from .corpus import LineCorpus, encode_corpus
from .errors import (
    CorpusError,
    DuplicateKeyError,
    FormatError,
    InvalidParameterError,
    KeyNotFoundError,
    NotFittedError,
    TrainingError,
    WordspaceError,
)
from .models import PPMISVD, FastText, GloVe, Word2Vec
from .callbacks import Callback
from .vectors import Neighbor, Vectors
from . import cluster  # noqa: F401,E402  (installs fit(cluster=...); imports nothing of Dask until used)

__version__ = "0.1.0"


def load(path, format=None, **kwargs) -> Vectors:
    """Load vectors from ``path`` in any supported format (detected from the content), or by the
    name of published vectors: ``load("glove-wiki-gigaword-50")`` downloads, verifies and converts
    them once, and every later load opens the memory-mapped copy in the cache (``limit=N`` keeps
    the N most frequent words; ``progress=False`` hides the download's bar). A path that exists
    always wins over a name. This is the one place where a name becomes a path."""
    import os

    from .errors import FormatError
    from .pretrained import fetch, is_model_name

    path = os.fspath(path)
    progress = kwargs.pop("progress", True)
    if not os.path.lexists(path):
        if not is_model_name(path):
            raise FormatError(f"'{path}' does not exist, and it is not a name in the catalogue of published vectors "
                              "('wordspace models' lists them)")
        path, format = fetch(path, progress=progress), "native"
    return Vectors.load(path, format=format, **kwargs)


__all__ = [
    "Word2Vec",
    "FastText",
    "GloVe",
    "PPMISVD",
    "Vectors",
    "Neighbor",
    "LineCorpus",
    "Callback",
    "encode_corpus",
    "load",
    "WordspaceError",
    "InvalidParameterError",
    "NotFittedError",
    "KeyNotFoundError",
    "FormatError",
    "CorpusError",
    "TrainingError",
    "DuplicateKeyError",
]
