"""Trainers. Each follows the estimator contract of ``_base``; kernels live in ``_kernels``."""

from .word2vec import Word2Vec

__all__ = ["Word2Vec"]
