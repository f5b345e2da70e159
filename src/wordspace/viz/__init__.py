"""Seeing embeddings (extra ``[viz]``): 2-D/3-D projections, static plots (matplotlib) and
self-contained interactive HTML plots, and the TensorFlow Embedding Projector export.

``project`` and ``select_words`` need only NumPy (t-SNE needs scikit-learn, UMAP umap-learn);
the plotting functions import matplotlib when called. The web explorer is ``wordspace.web``.
"""

from .projector import write_projector
from .project import METHODS, project, select_words

__all__ = ["project", "select_words", "METHODS", "write_projector", "word_map", "analogy_plot", "history_plot",
           "subsampling_plot", "noise_plot", "probe_plot", "Plot"]


def __getattr__(name):  # the plots import matplotlib: only when asked for
    if name in ("word_map", "analogy_plot", "history_plot", "subsampling_plot", "noise_plot", "probe_plot", "Plot"):
        from . import plots

        return getattr(plots, name)
    raise AttributeError(f"module 'wordspace.viz' has no attribute {name!r}")
