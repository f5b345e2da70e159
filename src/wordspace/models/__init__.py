"""Trainers and their registry. Each follows the life cycle of ``_base.Trainer``; kernels live
in ``wordspace._kernels``.

:data:`ALGORITHMS` is the one list of trainers: ``wordspace train --algorithm`` takes its
names, and the command line builds each option from the trainers' declared parameters.
"""

from ._base import Trainer, install_cluster_runner, numba_threads
from ._epochs import EpochPlan, Schedule, sentence_blocks
from .fasttext import FastText
from .glove import GloVe
from .ppmi import PPMISVD
from .word2vec import Word2Vec

__all__ = ["ALGORITHMS", "Trainer", "Word2Vec", "FastText", "GloVe", "PPMISVD", "load_trainer", "EpochPlan", "Schedule",
           "sentence_blocks", "numba_threads", "install_cluster_runner"]

#: algorithm name -> trainer class
ALGORITHMS = {cls.algorithm: cls for cls in (Word2Vec, FastText, GloVe, PPMISVD)}


def load_trainer(path):
    """The trainer saved at ``path`` (a native model written by ``wordspace train`` or
    ``model.save``), of whichever algorithm it records, ready for ``partial_fit``."""
    import os

    from ..errors import FormatError
    from ..io.native import is_native
    from ..vectors import Vectors

    path = os.fspath(path)
    if not is_native(path):
        raise FormatError(f"'{path}' is not a wordspace model directory: training can continue only from a native "
                          "model written by 'wordspace train' or model.save() (word2vec and fastText files keep "
                          "vectors only, without the output matrix)")
    algorithm = Vectors.load(path, format="native").metadata.get("algorithm")
    cls = ALGORITHMS.get(algorithm)
    if cls is None or not hasattr(cls, "partial_fit"):
        known = ", ".join(a for a, c in ALGORITHMS.items() if hasattr(c, "partial_fit"))
        raise FormatError(f"'{path}' is a {algorithm!r} model; training can continue for {known} models")
    return cls.load(path)
