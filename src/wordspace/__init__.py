"""wordspace: learn, query, measure and move word embeddings.

The public API: ``Word2Vec``, ``FastText``, ``GloVe``, ``PPMISVD``, ``Doc2Vec`` (training), ``Vectors`` (storage
and queries), ``load``, ``SentenceEncoder`` (sentence and document vectors), ``LineCorpus`` and the error classes. Heavy extras (torch, plotting, the web app) live in
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
from .pretrained import load
from .models import Doc2Vec
from .sentences import SentenceEncoder
from . import cluster  # noqa: F401,E402  (installs fit(cluster=...); imports nothing of Dask until used)

__version__ = "0.1.0"


__all__ = [
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
