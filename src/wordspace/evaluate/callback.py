"""Evaluation during training: score a dataset after each epoch, into the training history."""

from __future__ import annotations

from ..callbacks import Callback
from .datasets import BUNDLED, dataset_path


class EvaluationCallback(Callback):
    """After each epoch, score the model's current input vectors on ``dataset``.

    The score is added to the epoch's history entry (``model.history_``) and shown in the
    progress output, under the key ``"<dataset>_accuracy"`` (analogies) or
    ``"<dataset>_spearman"`` (similarity).

    Parameters
    ----------
    dataset : str
        A bundled name (``google``, ``wordsim353``, ``simlex999``) or a path.
    kind : {"analogy", "similarity"} or None
        Needed only for paths; bundled names know their kind.
    **kwargs
        Passed to ``analogy_benchmark`` or ``similarity_benchmark``.
    """

    def __init__(self, dataset: str, kind: str | None = None, **kwargs):
        self.dataset = dataset
        self.kind = kind or (BUNDLED[dataset][0] if dataset in BUNDLED else "similarity")
        self.name = dataset_path(dataset, self.kind)[0]
        self.kwargs = kwargs

    def on_epoch_end(self, model, epoch, logs):
        from .analogy import analogy_benchmark
        from .similarity import similarity_benchmark

        vectors = model.current_vectors()
        if self.kind == "analogy":
            logs[f"{self.name}_accuracy"] = analogy_benchmark(vectors, self.dataset, **self.kwargs).accuracy
        else:
            logs[f"{self.name}_spearman"] = similarity_benchmark(vectors, self.dataset, **self.kwargs).spearman
