"""The trainer contract shared by every model: keyword parameters, ``fit -> self``, fitted
attributes with a trailing underscore, ``get_params``/``set_params``, callbacks and progress.
"""

from __future__ import annotations

import contextlib
import inspect
import os
import sys
import time

from .._validation import validate_params
from ..errors import InvalidParameterError, NotFittedError

__all__ = ["Trainer", "Callback", "run_epochs", "numba_threads"]


class Callback:
    """Hooks called during ``fit``. ``logs`` is the epoch's history entry; a callback may add
    keys to it (scores, say) and they are kept in ``history_`` and shown in the progress bar."""

    def on_train_begin(self, model) -> None:
        pass

    def on_epoch_end(self, model, epoch: int, logs: dict) -> None:
        pass

    def on_train_end(self, model) -> None:
        pass


class Trainer:
    """Base of the trainers: parameters are keyword-only and stored verbatim in ``__init__``."""

    _parameter_constraints: dict = {}
    _fitted_attr = "vectors_"

    @classmethod
    def _param_names(cls) -> list[str]:
        sig = inspect.signature(cls.__init__)
        return [p.name for p in sig.parameters.values() if p.name != "self"]

    def get_params(self) -> dict:
        return {name: getattr(self, name) for name in self._param_names()}

    def set_params(self, **params):
        valid = set(self._param_names())
        for name, value in params.items():
            if name not in valid:
                raise InvalidParameterError(
                    f"{name!r} is not a parameter of {type(self).__name__}; valid parameters: {', '.join(sorted(valid))}"
                )
            setattr(self, name, value)
        return self

    def _validate_params(self) -> None:
        validate_params(self.get_params(), self._parameter_constraints, type(self).__name__)

    def __repr__(self) -> str:
        defaults = {p.name: p.default for p in inspect.signature(type(self).__init__).parameters.values()}
        changed = [f"{k}={v!r}" for k, v in self.get_params().items() if defaults.get(k) != v]
        return f"{type(self).__name__}({', '.join(changed)})"

    def _check_fitted(self) -> None:
        if not hasattr(self, self._fitted_attr):
            raise NotFittedError(
                f"This {type(self).__name__} instance is not fitted yet. Call fit(corpus) before using {self._fitted_attr}."
            )

    def _resolve_workers(self) -> int:
        return self.workers if self.workers is not None else max(1, os.cpu_count() or 1)

    def _current_vectors(self):
        """The vectors as they stand now (used by callbacks between epochs)."""
        raise NotImplementedError

    def _read_corpus(self, corpus, encoded):
        """Encode ``corpus`` once (unless ``encoded`` is given), set ``vocab_`` and
        ``corpus_stats_``, and return the encoded corpus."""
        from ..corpus import encode_corpus
        from ..vocab import Vocab

        t0 = time.perf_counter()
        if encoded is None:
            encoded = encode_corpus(corpus, min_count=self.min_count, max_vocab=self.max_vocab,
                                    max_sentence_length=self.max_sentence_length)
        self.vocab_ = Vocab(encoded.words, encoded.counts)
        self.corpus_stats_ = {
            "raw_tokens": encoded.raw_tokens, "tokens": encoded.n_tokens, "sentences": encoded.n_sentences,
            "vocab": len(encoded.words), "invalid_utf8_bytes": encoded.invalid_bytes,
            "vocab_prunes": encoded.pruned, "seconds": time.perf_counter() - t0,
        }
        return encoded

    def _count_cooccurrences(self, encoded, workers: int):
        """Co-occurrences of ``encoded`` with the model's window, weighting and memory budget,
        with a progress bar; their statistics are added to ``corpus_stats_``."""
        from ..cooccur import count_cooccurrences, peak_rss_mb

        t0 = time.perf_counter()
        bar = progress_bar(encoded.n_tokens, self.progress, "co-occurrences")
        try:
            with numba_threads(workers):
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


@contextlib.contextmanager
def numba_threads(workers: int):
    """Run the enclosed kernels on ``workers`` threads, restoring the previous count after."""
    import numba

    old = numba.get_num_threads()
    numba.set_num_threads(max(1, min(workers, numba.config.NUMBA_NUM_THREADS)))
    try:
        yield
    finally:
        numba.set_num_threads(old)


_LOG_KEYS = ("epoch", "loss", "words", "seconds", "words_per_sec", "alpha")


def run_epochs(model, epochs: int, units: int, desc: str, epoch_fn, unit: str = "w") -> None:
    """Drive ``epochs`` calls of ``epoch_fn(epoch, bar) -> (loss, logs)``: progress bar,
    ``loss_history_``/``history_`` and callbacks, the same for every iterative trainer.

    ``units`` is the work per epoch (tokens, or co-occurrence entries) that ``epoch_fn``
    reports to ``bar.update``; ``logs`` holds extra per-epoch values (the learning rate...).
    Callbacks may add keys to an epoch's logs; those are printed under the bar.
    """
    model.loss_history_ = []
    model.history_ = []
    for cb in model.callbacks:
        cb.on_train_begin(model)
    bar = progress_bar(int(units) * epochs, model.progress, desc, unit)
    try:
        for epoch in range(epochs):
            t0 = time.perf_counter()
            loss, extra = epoch_fn(epoch, bar)
            seconds = time.perf_counter() - t0
            logs = {"epoch": epoch + 1, "loss": float(loss), "words": int(units), "seconds": seconds,
                    "words_per_sec": units / seconds if seconds > 0 else float("inf"), **extra}
            model.loss_history_.append(float(loss))
            model.history_.append(logs)
            for cb in model.callbacks:
                cb.on_epoch_end(model, epoch + 1, logs)
            shown = " ".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}"
                             for k, v in logs.items() if k not in _LOG_KEYS)
            if shown and model.progress:
                bar.write(f"epoch {epoch + 1}: loss={loss:.4f} {shown}", file=sys.stderr)
    finally:
        bar.close()


def progress_bar(total: int, enabled: bool, desc: str, unit: str = "w"):
    """A tqdm bar on stderr counting words (a no-op object when disabled)."""
    from tqdm.auto import tqdm

    return tqdm(total=total, unit=unit, unit_scale=True, file=sys.stderr, disable=not enabled,
                desc=desc, dynamic_ncols=True, mininterval=0.5, leave=True)
