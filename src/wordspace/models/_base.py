"""The trainer life cycle shared by every model: declared keyword parameters, one ``fit``
template (validate, read and encode the corpus, train, build ``vectors_``, callbacks), one
metadata builder, and ``export(kind)`` checked against the declared ``export_kinds``.

A trainer supplies the algorithm-specific part in one hook, ``_fit(encoded, workers)``, and
the matrix of each export kind in ``_export_matrix(kind)``. Co-occurrence trainers (GloVe,
PPMI+SVD) share :class:`CooccurrenceTrainer` in ``_cooccurrence``.
"""

from __future__ import annotations

import contextlib
import math
import os
import sys
import time

import numpy as np

from .._validation import LIMITS, NONE, Callbacks, Declared, ExistingFile, Interval, Options, Param
from ..callbacks import Callback
from ..errors import InvalidParameterError, NotFittedError, TrainingError
from ..progress import phase, progress_bar

__all__ = ["Trainer", "Callback", "COMMON_PARAMS", "numba_threads", "check_memory", "install_cluster_runner"]

#: Runs ``fit(corpus, cluster=...)``: ``(trainer, corpus, cluster, sync_words, overlap=...) -> None``.
#: ``wordspace.cluster`` installs it when it is imported (``import wordspace`` imports it); the
#: trainers never import the cluster, which calls them through their public methods.
_CLUSTER_RUNNER = None


def install_cluster_runner(runner) -> None:
    """Make ``fit(corpus, cluster=...)`` run ``runner(trainer, corpus, cluster, sync_words, overlap=...)``."""
    global _CLUSTER_RUNNER
    _CLUSTER_RUNNER = runner

#: Parameters every trainer takes, declared once (a trainer may override one with its own help).
COMMON_PARAMS = {
    "dim": Param([Interval(int, 1, LIMITS["dim"])], "vector dimension"),
    "window": Param([Interval(int, 1, LIMITS["window"])], "largest distance between a word and its context words"),
    "min_count": Param([Interval(int, 1, LIMITS["count"])], "ignore words seen fewer times"),
    "max_vocab": Param([Interval(int, 1, LIMITS["size"]), NONE], "keep only this many of the most frequent words"),
    "workers": Param([Interval(int, 1, LIMITS["threads"]), NONE], "threads (default: all cores; 1 is bit-reproducible)"),
    "seed": Param([Interval(int, 0, 2**63 - 1)], "random seed"),
    "max_sentence_length": Param([Interval(int, 2, LIMITS["sentence"])],
                                 "cut longer lines into sentences of this many tokens"),
    "lowercase": Param([Options((False, True))], "lower-case the text (Unicode-aware) before tokenising"),
    "tokenizer": Param([Options(("whitespace", "words"))], "whitespace: tokens between spaces; words: runs of letters "
                       "and digits (apostrophes and hyphens inside words kept, other punctuation dropped)"),
    "normalize": Param([Options(("NFC", "NFKC")), NONE], "Unicode normalisation of the text before tokenising"),
    "numbers": Param([Options((False, True))], "replace every run of digits by 0"),
    "phrases": Param([ExistingFile(), NONE], "join the phrases of a model written by 'wordspace phrases --save-model' "
                     "while reading the corpus"),
    "progress": Param([Options((True, False))], "progress bar on stderr", cli=False),
    "callbacks": Param([Callbacks()], "objects called after each epoch", cli=False),
}


class Trainer(Declared):
    """Base of the trainers: parameters are keyword-only and stored verbatim in ``__init__``
    (:class:`~wordspace._validation.Declared`).

    Subclasses declare ``_params`` (name -> :class:`~wordspace._validation.Param`),
    ``export_kinds`` (the first is what ``vectors_`` holds) and ``algorithm`` (the name in
    :data:`wordspace.models.ALGORITHMS`), and implement ``_fit`` and ``_export_matrix``.
    """

    algorithm: str = ""
    _params: dict = {}
    export_kinds: tuple = ("input",)
    _fitted_attr = "vectors_"

    def check_export(self, kind: str) -> None:
        """Raise :class:`InvalidParameterError` unless ``export(kind)`` is possible with these
        parameters (callable before ``fit``, so that a bad choice fails before training)."""
        if kind not in self.export_kinds:
            raise InvalidParameterError(param="kind", owner=f"{type(self).__name__}.export",
                                        rule="one of " + ", ".join(map(repr, self.export_kinds)), value=kind)

    # -- the life cycle --------------------------------------------------------------------
    def fit(self, corpus, *, encoded=None, cluster=None, sync_words: int | None = None, overlap: bool = False):
        """Build the vocabulary from ``corpus`` and train.

        Parameters
        ----------
        corpus : path, list of paths, LineCorpus or list of token lists
            See :func:`wordspace.corpus.encode_corpus`. Read exactly once.
        encoded : EncodedCorpus, optional
            A corpus already encoded by :func:`wordspace.corpus.encode_corpus` (``corpus`` is
            then ignored): lets several models share one read.
        cluster : str or distributed.Client, optional
            Count and train on a Dask cluster (extra ``[cluster]``): ``"local:N"`` starts N
            local worker processes, ``"tcp://HOST:PORT"`` joins a running scheduler. ``corpus``
            must then be files or URLs every worker can read. From three workers on, the
            replicas start at 1.2 times ``alpha`` (``cluster.training.RATE_FACTOR``: combined
            and a round stale, their steps otherwise learn as one machine does at a lower
            rate; docs/scaling.md). See :mod:`wordspace.cluster`.
        sync_words : int, optional
            With ``cluster``: words trained across the cluster between two synchronisations
            of the workers' replicas (default 500,000; 250,000 for CBOW, whose learning rate
            is three times skip-gram's; times 2/K on K > 2 workers).
        overlap : bool, default False
            With ``cluster``: each replica trains the next round while the last round's
            exchange is in flight (the network time hides behind training, at one more round
            of staleness; docs/scaling.md measures what it costs).

        Returns
        -------
        self

        Raises
        ------
        InvalidParameterError
            A parameter is invalid (before anything is read).
        CorpusError
            The corpus cannot be read or holds nothing to train on.
        TrainingError
            Training diverged (the loss or the vectors became NaN or infinite).
        """
        self.validate_params()
        if cluster is not None and encoded is not None:
            raise InvalidParameterError("give either encoded (a corpus read here) or cluster, not both", param="cluster")
        if cluster is not None:
            if _CLUSTER_RUNNER is None:  # ``wordspace.Word2Vec`` and the command line install it
                raise InvalidParameterError("training on a cluster needs wordspace.cluster; import it first",
                                            param="cluster")
            return _CLUSTER_RUNNER(self, corpus, cluster, sync_words, overlap=bool(overlap))
        for name, value in (("sync_words", sync_words is not None), ("overlap", bool(overlap))):
            if value:
                raise InvalidParameterError(f"{name} applies to training on a cluster; give cluster too", param=name)
        encoded = self._read_corpus(corpus, encoded)
        return self.run_training(lambda workers: self._fit(encoded, workers), fresh=True)

    def run_training(self, body, *, fresh: bool = True, run_stats: dict | None = None):
        """The life cycle around one run of training, for ``fit``, ``partial_fit`` and drivers
        outside the trainer (:func:`wordspace.cluster.fit_on_cluster`): the histories (kept when
        training on, ``fresh=False``), callbacks, the thread count, the run's divergence checks,
        ``vectors_`` and ``run_stats_``. ``body(workers)`` trains."""
        workers = self._resolve_workers()
        if fresh or not hasattr(self, "loss_history_"):
            self.loss_history_, self.history_ = [], []
        for cb in self.callbacks:
            cb.on_train_begin(self)
        try:
            with numba_threads(workers):
                body(workers)
        except (ZeroDivisionError, FloatingPointError, OverflowError) as exc:
            raise self._diverged(f"the arithmetic failed ({exc})") from None
        vectors = self.current_vectors()
        if not _all_finite(vectors.matrix):
            raise self._diverged("the vectors hold NaN or infinity")
        self.vectors_ = vectors
        st = self.corpus_stats_
        self.run_stats_ = run_stats or {"raw_tokens": int(st.get("raw_tokens", st.get("tokens", 0))),
                                        "tokens": int(st.get("tokens", 0)), "epochs": getattr(self, "epochs", None)}
        for cb in self.callbacks:
            cb.on_train_end(self)
        return self

    def _fit(self, encoded, workers: int) -> None:
        """Train on ``encoded`` with ``workers`` threads, setting the fitted matrices."""
        raise NotImplementedError

    def _export_matrix(self, kind: str) -> np.ndarray:
        """The (n_words, dim) matrix of export ``kind``."""
        raise NotImplementedError

    def _subwords(self):
        """Subword vectors carried by the exported vectors (fastText), or None."""
        return None

    def _extra_metadata(self) -> dict:
        """Algorithm-specific entries of the metadata."""
        return {}

    def _diverged(self, what: str) -> TrainingError:
        rate = getattr(self, "alpha_", getattr(self, "alpha", None))
        hint = f"lower the learning rate (alpha={rate!r})" if rate is not None else "check the parameters"
        return TrainingError(f"{type(self).__name__} training diverged: {what}; nothing was written. Try again and "
                             f"{hint}")

    # -- results ---------------------------------------------------------------------------
    def _check_fitted(self) -> None:
        if not hasattr(self, self._fitted_attr):
            raise NotFittedError(
                f"This {type(self).__name__} instance is not fitted yet. Call fit(corpus) before using {self._fitted_attr}."
            )

    def metadata(self, **extra) -> dict:
        """What a saved model records about its training: algorithm, parameters, loss history,
        corpus statistics and the algorithm's own entries."""
        return {"algorithm": self.algorithm,
                "params": {k: v for k, v in self.get_params().items() if k != "callbacks"},
                "text": self.text_preparation().to_dict(),
                "loss_history": list(getattr(self, "loss_history_", [])),
                "corpus": getattr(self, "corpus_stats_", {}),
                **self._extra_metadata(), **extra}

    def _make_vectors(self, matrix, kind: str):
        from ..vectors import Vectors

        return Vectors(self.vocab_.words, np.ascontiguousarray(matrix, dtype=np.float32), counts=self.vocab_.counts,
                       metadata=self.metadata(exported=kind), subwords=self._subwords())

    def current_vectors(self):
        """The vectors of the first export kind as they stand now (also between epochs, for
        callbacks)."""
        kind = self.export_kinds[0]
        return self._make_vectors(self._export_matrix(kind), kind)

    def export(self, kind: str | None = None):
        """The trained vectors of ``kind`` (one of ``export_kinds``; the first by default, which
        is also ``vectors_``)."""
        self._check_fitted()
        kind = self.export_kinds[0] if kind is None else kind
        self.check_export(kind)
        if kind == self.export_kinds[0]:
            return self.vectors_
        return self._make_vectors(self._export_matrix(kind), kind)

    # -- shared machinery ------------------------------------------------------------------
    def text_preparation(self):
        """The :class:`~wordspace.textprep.TextPreparation` these parameters ask for."""
        from ..textprep import TextPreparation

        return TextPreparation(lowercase=self.lowercase, tokenizer=self.tokenizer, normalize=self.normalize,
                               numbers=self.numbers)

    def _resolve_workers(self) -> int:
        return self.workers if self.workers is not None else max(1, os.cpu_count() or 1)

    def _read_corpus(self, corpus, encoded):
        """Encode ``corpus`` once (unless ``encoded`` is given), set ``vocab_`` and
        ``corpus_stats_``, and return the encoded corpus."""
        from ..corpus import encode_corpus
        from ..vocab import Vocab

        t0 = time.perf_counter()
        if encoded is None and self.phrases is not None:  # every word is kept until the phrases are joined
            from ..corpus import restrict_vocabulary
            from ..phrases import PhraseModel

            with phase("reading the corpus and joining phrases", self.progress):
                model = PhraseModel.load(self.phrases)
                encoded = encode_corpus(corpus, min_count=1, max_sentence_length=self.max_sentence_length,
                                        preparation=self.text_preparation())
                encoded = restrict_vocabulary(model.apply(encoded), self.min_count, self.max_vocab)
        elif encoded is None:
            with phase("reading and counting the corpus", self.progress):
                encoded = encode_corpus(corpus, min_count=self.min_count, max_vocab=self.max_vocab,
                                        max_sentence_length=self.max_sentence_length,
                                        preparation=self.text_preparation())
        self.vocab_ = Vocab(encoded.words, encoded.counts)
        self.corpus_stats_ = {
            "raw_tokens": encoded.raw_tokens, "tokens": encoded.n_tokens, "sentences": encoded.n_sentences,
            "vocab": len(encoded.words), "invalid_utf8_bytes": encoded.invalid_bytes,
            "vocab_prunes": encoded.pruned, "seconds": time.perf_counter() - t0,
        }
        return encoded

    def run_epochs(self, epochs: int, units: int, desc: str, epoch_fn, unit: str = "w") -> None:
        """Drive ``epochs`` calls of ``epoch_fn(epoch, bar) -> (loss, logs)``: progress bar,
        ``loss_history_``/``history_``, ``on_epoch_end`` callbacks, and a stop as soon as the
        loss is no longer finite.

        ``units`` is the work per epoch (tokens, or co-occurrence entries) that ``epoch_fn``
        reports to ``bar.update``; ``logs`` holds extra per-epoch values (the learning rate...).
        Callbacks may add keys to an epoch's logs; those are printed under the bar.
        """
        bar = progress_bar(int(units) * epochs, self.progress, desc, unit)
        try:
            for epoch in range(epochs):
                t0 = time.perf_counter()
                loss, extra = epoch_fn(epoch, bar)
                if not math.isfinite(loss):
                    raise self._diverged(f"the loss of epoch {epoch + 1} is {loss}")
                seconds = time.perf_counter() - t0
                logs = {"epoch": epoch + 1, "loss": float(loss), "words": int(units), "seconds": seconds,
                        "words_per_sec": units / seconds if seconds > 0 else float("inf"), **extra}
                self.loss_history_.append(float(loss))
                self.history_.append(logs)
                # the bar ends each epoch on the figure loss_history_ keeps and the summaries print
                # (while an epoch runs it shows the running "online_loss", a different measure)
                lr = f" lr={extra['alpha']:.5f}" if "alpha" in extra else ""
                bar.set_postfix_str(f"epoch={epoch + 1}/{epochs}{lr} loss={loss:.4f}", refresh=True)
                for cb in self.callbacks:
                    cb.on_epoch_end(self, epoch + 1, logs)
                shown = " ".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}"
                                 for k, v in logs.items() if k not in _LOG_KEYS)
                if shown and self.progress:
                    bar.write(f"epoch {epoch + 1}: loss={loss:.4f} {shown}", file=sys.stderr)
        finally:
            bar.close()


_LOG_KEYS = ("epoch", "loss", "online_loss", "words", "seconds", "words_per_sec", "alpha")


def _all_finite(matrix, block: int = 1 << 16) -> bool:
    for s in range(0, matrix.shape[0], block):
        part = matrix[s : s + block]
        if not np.isfinite(part.sum()) and not np.isfinite(part).all():
            return False
    return True


def check_memory(nbytes: float, what: str, param: str, owner: str, value) -> None:
    """Refuse, before allocating, arrays that cannot fit in this machine's memory."""
    try:
        total = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return
    if nbytes > total:
        raise InvalidParameterError(
            f"{what} would need {nbytes / 2**30:,.1f} GiB, more than this machine's "
            f"{total / 2**30:,.1f} GiB of memory; lower {param} (now {value!r})",
            param=param,
        )


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
