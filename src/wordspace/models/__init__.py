"""Trainers and their registry. Each follows the life cycle of ``_base.Trainer``; kernels live
in ``wordspace._kernels``.

:data:`ALGORITHMS` is the one list of trainers: ``wordspace train --algorithm`` takes its
names, and the command line builds each option from the trainers' declared parameters.
"""

from ._base import Trainer
from .fasttext import FastText
from .glove import GloVe
from .ppmi import PPMISVD
from .word2vec import Word2Vec

__all__ = ["ALGORITHMS", "Trainer", "Word2Vec", "FastText", "GloVe", "PPMISVD"]

#: algorithm name -> trainer class
ALGORITHMS = {cls.algorithm: cls for cls in (Word2Vec, FastText, GloVe, PPMISVD)}
