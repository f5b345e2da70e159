"""The base of the count-based trainers (GloVe, PPMI+SVD): their ``_fit`` counts the corpus's
co-occurrences within a window, in a memory budget, then hands the matrix to
``fit_cooccurrences`` (which the cluster calls too, with the matrix its workers counted).
Counting itself lives in ``wordspace.cooccur``.
"""

from __future__ import annotations

import time

from ..errors import InvalidParameterError
from ..progress import progress_bar
from ._base import Trainer

__all__ = ["CooccurrenceTrainer"]


class CooccurrenceTrainer(Trainer):
    """A trainer that learns from the co-occurrence matrix (``window``, ``weighting`` and
    ``memory`` parameters). Sets ``cooccurrence_`` and adds the counting statistics to
    ``corpus_stats_``."""

    family = "cooccurrence"  # learns from the co-occurrence matrix (counted on the workers of a cluster)

    def _fit(self, encoded, workers: int) -> None:
        self.check_vocabulary(encoded.words, encoded.counts)
        co = self.cooccurrence_ = self._count_cooccurrences(encoded, workers)
        self.fit_cooccurrences(co, workers)

    def check_vocabulary(self, words, counts) -> None:
        """Refuse a vocabulary this trainer cannot use, before counting (a subclass adds rules)."""

    def fit_cooccurrences(self, co, workers: int | None = None) -> None:
        """Learn from the co-occurrence matrix ``co`` (``wordspace.cooccur.Cooccurrence``) with
        ``workers`` threads (default: the trainer's)."""
        if co.nnz == 0:
            raise InvalidParameterError(
                "no two vocabulary words occur within the window of each other; use a larger "
                "corpus, a larger window or a lower min_count", param="window"
            )
        self.cooccurrence_ = co
        self._learn(co, self._resolve_workers() if workers is None else workers)

    def _learn(self, co, workers: int) -> None:
        raise NotImplementedError

    def _count_cooccurrences(self, encoded, workers: int):
        """Co-occurrences of ``encoded`` with the model's window, weighting and memory budget,
        with a progress bar; their statistics are added to ``corpus_stats_``."""
        from ..cooccur import count_cooccurrences, peak_rss_mb

        t0 = time.perf_counter()
        bar = progress_bar(encoded.n_tokens, self.progress, "co-occurrences")
        try:
            co = count_cooccurrences(encoded, window=self.window, weighting=self.weighting,
                                     memory=self.memory, workers=workers, bar=bar)
        finally:
            bar.close()
        self.corpus_stats_.update({
            "cooccurrences": co.nnz, "cooccurrence_runs": co.runs, "cooccurrence_spilled": co.spilled,
            "cooccurrence_seconds": time.perf_counter() - t0, "cooccurrence_table_mb": co.table_mb,
            "peak_rss_mb_after_counting": peak_rss_mb(),
        })
        return co
