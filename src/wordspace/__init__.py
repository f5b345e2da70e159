"""wordspace: learn, query, measure and move word embeddings.

The public API: ``Word2Vec``, ``FastText``, ``GloVe``, ``PPMISVD``, ``Doc2Vec`` (training), ``Vectors`` (storage
and queries), ``load``, ``SentenceEncoder`` (sentence and document vectors), ``distill`` (static sentence models
from a transformer, extra ``[distill]``), ``LineCorpus`` and the error classes. Heavy extras (torch, plotting, the
web app) live in sub-packages that are imported only on demand; the trainers (and Numba, which they need) are
imported on first use, so that opening and querying vectors starts in a fifth of a second.
"""

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
from .vectors import Neighbor, Vectors
from .pretrained import load

#: names imported on first use: the trainers pull in Numba and their compiled kernels (about
#: 0.3 s), which a command that only opens and queries vectors never needs
_LAZY = {"Word2Vec": ".models", "FastText": ".models", "GloVe": ".models", "PPMISVD": ".models",
         "Doc2Vec": ".models", "SentenceEncoder": ".sentences", "LineCorpus": ".corpus",
         "encode_corpus": ".corpus", "Callback": ".callbacks", "distill": ".distillation"}


def __getattr__(name):
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'wordspace' has no attribute {name!r}")
    from importlib import import_module

    value = getattr(import_module(module, __name__), name)
    if module == ".models":  # the cluster package installs itself as the trainers' fit(cluster=...) runner
        import_module(".cluster", __name__)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(_LAZY))


__version__ = "0.1.0"


__all__ = [
    "distill",
    "Word2Vec",
    "FastText",
    "GloVe",
    "PPMISVD",
    "Doc2Vec",
    "SentenceEncoder",
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
