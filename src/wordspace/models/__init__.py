"""Trainers. Each follows the estimator contract of ``_base``; kernels live in ``_kernels``."""

from .fasttext import FastText
from .glove import GloVe
from .ppmi import PPMISVD
from .word2vec import Word2Vec

__all__ = ["Word2Vec", "FastText", "GloVe", "PPMISVD"]
