"""Evaluation of vectors: analogy and word-similarity benchmarks, bundled datasets, and a
training callback. Free functions over :class:`wordspace.Vectors`; nothing here trains.
"""

from .analogy import AnalogyResult, analogy_benchmark, read_analogies
from .callback import EvaluationCallback
from .datasets import BUNDLED, dataset_path
from .similarity import SimilarityResult, read_word_pairs, similarity_benchmark
from .stats import pearson, spearman

__all__ = [
    "analogy_benchmark",
    "similarity_benchmark",
    "read_analogies",
    "read_word_pairs",
    "AnalogyResult",
    "SimilarityResult",
    "EvaluationCallback",
    "BUNDLED",
    "dataset_path",
    "pearson",
    "spearman",
]
