"""Past one machine: counting and training on a Dask cluster (extra ``[cluster]``), a package:
``pieces`` (cutting a corpus), ``connection`` (reaching a cluster), ``counting`` (the
vocabulary and co-occurrences), ``training`` (replicas of word2vec-family models) and ``index``
(a sharded neighbour search).

:func:`fit_on_cluster` runs ``Trainer.fit(corpus, cluster=...)`` and the command line's
``--cluster`` (this package installs itself as the trainers' cluster runner when it is imported,
which ``wordspace.Word2Vec`` and the other trainers' first use through ``wordspace`` does, and so does
the command line's ``--cluster``; nothing of Dask is imported until a cluster is used). It calls
the trainers through their public methods; the trainers never import it:

1. **Pieces.** The corpus files (local paths every worker can read, or URLs) are cut into
   pieces: byte ranges of plain files, whose lines belong to the range their first byte lies in
   (so the pieces cover every line exactly once), and, for compressed files (which cannot be
   entered in the middle), every ``n``-th run of whole lines.
2. **Counting** is one task per piece (:func:`wordspace.corpus.count_pieces`, the compiled
   tokenizer of a single machine), reduced pairwise on the workers; the vocabulary is then
   chosen by the same rule as on one machine (count, then text), so it is identical. (One
   machine prunes rare words when more than ``prune_at`` = 10M distinct words are being counted;
   the cluster counts exactly and never needs to.)
3. **Training** (word2vec, fastText): one replica per worker, a Dask actor that encodes its
   shard where it runs and trains it with the compiled kernels on its own copy of the matrices.
   Every ``sync_words`` words (cluster-wide) each replica sends the deltas of the rows it
   changed to their owners (row ``r`` belongs to replica ``r mod K``), actor to actor; an owner
   combines the deltas of its rows (each row scaled as a sequential pass over all the replicas'
   text would move it) and sends the new values to every replica. The driver makes one call per
   round (replica 0 starts the round on the others) and receives a few numbers, whatever the
   number of workers; the model reaches it once per epoch. The learning rate
   follows one linear schedule over the words of the whole cluster, owned by the driver; random
   streams are numbered by global block, as on one machine.
4. **Co-occurrences** (GloVe, PPMI): each worker counts its shard in float64, the partial
   matrices are summed by row partition on the workers, and the driver receives the total,
   equal to the single-machine matrix.
5. **Failures.** A replica whose worker dies is rebuilt from its pieces on a live worker (a
   nanny usually restarts the dead one), every replica is reset to the model of the last
   epoch, and the epoch runs again; after ``retries`` failures the job stops with
   :class:`~wordspace.errors.ClusterError` and nothing is written.

Bytes per round (through the driver, in and out of each worker) are recorded in
``corpus_stats_["cluster"]``.
"""

from __future__ import annotations

import os
import time

from ..errors import InvalidParameterError
from ..models import install_cluster_runner
from .connection import connect, wait_for_workers
from .counting import cooccurrences_on_cluster, count_vocabulary, fit_cooccurrences
from .index import ShardedIndex
from .pieces import Piece, plan_pieces
from .training import SYNC_WORDS, train_window_model

__all__ = ["Piece", "connect", "plan_pieces", "count_vocabulary", "cooccurrences_on_cluster", "fit_on_cluster",
           "ShardedIndex", "SYNC_WORDS"]


def fit_on_cluster(trainer, corpus, cluster, sync_words: int | None = None, overlap: bool = False):
    """Fit ``trainer`` on a Dask cluster; what ``trainer.fit(corpus, cluster=cluster,
    sync_words=sync_words, overlap=overlap)`` does (see the package docstring), and what the command line's
    ``--cluster`` calls. ``corpus`` is paths every worker can read (files, globs, URLs) or a
    :class:`~wordspace.LineCorpus`, whose storage options the workers use. Returns ``trainer``."""
    from .._validation import LIMITS, Interval, validate_params
    from ..corpus import LineCorpus, corpus_files

    trainer.validate_params()
    if sync_words is not None:
        validate_params({"sync_words": sync_words}, {"sync_words": [Interval(int, 1, LIMITS["size"])]},
                        type(trainer).__name__)
    if isinstance(corpus, (str, os.PathLike)):
        corpus = [corpus]
    if not isinstance(corpus, LineCorpus) and (not isinstance(corpus, (list, tuple)) or not all(
            isinstance(p, (str, os.PathLike)) for p in corpus)):
        raise InvalidParameterError("training on a cluster reads files or URLs that every worker can reach; pass paths, "
                                    "not sentences in memory", param="corpus")
    if trainer.family not in ("window", "cooccurrence"):
        raise InvalidParameterError(f"{type(trainer).__name__} is not trained on a cluster yet; train it on one "
                                    "machine", param="cluster")
    if getattr(trainer, "phrases", None) is not None:
        raise InvalidParameterError("phrases are not joined on a cluster yet; join them first with "
                                    "'wordspace phrases CORPUS --out JOINED' and train on JOINED", param="phrases")
    files, options = corpus_files(corpus if isinstance(corpus, LineCorpus) else list(map(os.fspath, corpus)))
    return trainer.run_training(lambda workers: _fit(trainer, files, options, cluster, sync_words, overlap))


def _fit(trainer, files: list, options, cluster, sync_words: int | None, overlap: bool) -> None:
    from ..vocab import Vocab

    client, owned = connect(cluster)
    try:
        workers = wait_for_workers(client)
        t0 = time.perf_counter()
        pieces = plan_pieces(files, len(workers), storage_options=options)
        vocab = count_vocabulary(client, pieces, min_count=trainer.min_count, max_vocab=trainer.max_vocab,
                                 max_sentence_length=trainer.max_sentence_length,
                                 preparation=trainer.text_preparation())
        trainer.vocab_ = Vocab(vocab["words"], vocab["counts"])
        trainer.corpus_stats_ = {"raw_tokens": vocab["raw_tokens"], "vocab": len(vocab["words"]),
                                 "invalid_utf8_bytes": vocab["invalid_bytes"], "vocab_prunes": 0,
                                 "counting_seconds": time.perf_counter() - t0}
        if trainer.family == "cooccurrence":
            fit_cooccurrences(trainer, client, pieces, vocab, workers)
        else:
            # the replicas' handles bind to the current client: this one, not the last one made
            with client.as_current():
                train_window_model(trainer, client, pieces, vocab, workers, sync_words, overlap=overlap)
        trainer.corpus_stats_["seconds"] = time.perf_counter() - t0
    finally:
        if owned:
            cl = client.cluster
            client.close()
            if cl is not None:
                cl.close()


install_cluster_runner(fit_on_cluster)
