"""Counting on a cluster: the vocabulary (one task per piece with the single machine's
compiled tokenizer, reduced pairwise on the workers, then chosen by the same rule as on one
machine, so it is identical), and the co-occurrence matrix of GloVe and PPMI+SVD (each worker
counts its shard in float64 within its memory budget, row ranges are summed on the workers, and
the driver receives the total: one machine's matrix, value for value).
"""

from __future__ import annotations

import time

import numpy as np

from ..errors import CorpusError
from .pieces import shards

__all__ = ["count_vocabulary", "cooccurrences_on_cluster", "fit_cooccurrences"]


def _count_piece(piece, max_sentence_length: int, preparation):
    from ..corpus import count_pieces

    words, counts, raw, invalid = count_pieces([piece.blocks()], max_sentence_length=max_sentence_length,
                                               preparation=preparation)
    return {"counts": dict(zip(words, counts.tolist())), "raw": raw, "invalid": invalid}


def _merge_counts(a: dict, b: dict) -> dict:
    big, small = (a, b) if len(a["counts"]) >= len(b["counts"]) else (b, a)
    counts = dict(big["counts"])  # a task never changes its inputs (Dask may hold them for a retry)
    for w, c in small["counts"].items():
        counts[w] = counts.get(w, 0) + c
    return {"counts": counts, "raw": a["raw"] + b["raw"], "invalid": a["invalid"] + b["invalid"]}


def count_vocabulary(client, pieces: list, *, min_count: int, max_vocab: int | None, max_sentence_length: int,
                     preparation=None) -> dict:
    """The vocabulary of ``pieces`` counted on the cluster: ``{"words", "counts", "raw_tokens",
    "invalid_bytes"}``, chosen as :func:`wordspace.corpus.encode_corpus` chooses it."""
    from ..vocab import select_vocab

    futures = [client.submit(_count_piece, p, max_sentence_length, preparation, pure=False) for p in pieces]
    while len(futures) > 1:  # pairwise, on the workers
        nxt = [client.submit(_merge_counts, a, b, pure=False) for a, b in zip(futures[::2], futures[1::2])]
        if len(futures) % 2:
            nxt.append(futures[-1])
        futures = nxt
    total = futures[0].result()
    words = list(total["counts"])
    counts = np.fromiter(total["counts"].values(), dtype=np.int64, count=len(words))
    if total["raw"] == 0:
        raise CorpusError("the corpus is empty: it holds no tokens")
    chosen, chosen_counts, _ = select_vocab(words.__getitem__, counts, min_count, max_vocab,
                                            words_of=lambda ids: [words[i] for i in ids.tolist()])
    if not chosen:
        raise CorpusError(f"no word of the corpus occurs at least min_count={min_count} times (the most frequent "
                          f"occurs {int(counts.max())} times); lower --min-count or use a larger corpus")
    return {"words": chosen, "counts": chosen_counts, "raw_tokens": int(total["raw"]),
            "invalid_bytes": int(total["invalid"])}


def _shard_cooccurrences(pieces, words, counts, max_sentence_length, preparation, window, weighting, memory,
                         threads, n_parts):
    """One shard's co-occurrences in float64, cut into ``n_parts`` row ranges."""
    from ..cooccur import count_cooccurrences
    from ..corpus import encode_pieces
    from ..models import numba_threads

    enc = encode_pieces([p.blocks() for p in pieces], words, counts, max_sentence_length=max_sentence_length,
                        preparation=preparation)
    with numba_threads(threads):
        co = count_cooccurrences(enc, window=window, weighting=weighting, memory=memory, workers=threads,
                                 dtype=np.float64)
    bounds = np.searchsorted(co.rows, _row_bounds(len(words), n_parts), side="left")
    parts = [(np.array(co.rows[a:b]), np.array(co.cols[a:b]), np.array(co.values[a:b]))
             for a, b in zip(bounds[:-1], bounds[1:])]
    return {"parts": parts, "tokens": enc.n_tokens, "sentences": enc.n_sentences}


def _row_bounds(n_words: int, n_parts: int) -> np.ndarray:
    return np.linspace(0, n_words, n_parts + 1).round().astype(np.int64)


def _part(result: dict, p: int):
    return result["parts"][p]


def _reduce_partition(n_words: int, *slices):
    """Sum the shards' entries of one row range: sorted by (row, column), float64 sums cast to
    float32 once, as one machine does."""
    rows = np.concatenate([s[0] for s in slices]).astype(np.int64)
    cols = np.concatenate([s[1] for s in slices]).astype(np.int64)
    vals = np.concatenate([s[2] for s in slices])
    keys = rows * n_words + cols
    uniq, inv = np.unique(keys, return_inverse=True)
    sums = np.bincount(inv.ravel(), weights=vals, minlength=uniq.shape[0])
    return (uniq // n_words).astype(np.int32), (uniq % n_words).astype(np.int32), sums.astype(np.float32)


def cooccurrences_on_cluster(client, pieces, vocab, workers: dict, *, window: int, weighting: str, memory: float,
                             max_sentence_length: int, preparation=None):
    """The co-occurrence matrix of ``pieces`` counted on the cluster: each worker counts its
    shard (spilling within ``memory`` MB), each row range is summed on a worker, the driver
    receives the ranges in order. Returns ``(Cooccurrence, stats)``."""
    from ..cooccur import Cooccurrence

    addrs = list(workers)
    shard_list = [s for s in shards(pieces, len(addrs)) if s]
    n_parts = len(addrs)
    words, counts = vocab["words"], vocab["counts"]
    futs = [client.submit(_shard_cooccurrences, shard, words, counts, max_sentence_length, preparation, window,
                          weighting, memory, workers[addr], n_parts, workers=[addr], pure=False)
            for shard, addr in zip(shard_list, addrs)]
    reduced = []
    for p in range(n_parts):
        slices = [client.submit(_part, f, p, pure=False) for f in futs]
        reduced.append(client.submit(_reduce_partition, len(words), *slices, workers=[addrs[p]], pure=False))
    parts = client.gather(reduced)
    infos = client.gather([client.submit(lambda r: {"tokens": r["tokens"], "sentences": r["sentences"]}, f,
                                         pure=False) for f in futs])
    rows = np.concatenate([p[0] for p in parts])
    cols = np.concatenate([p[1] for p in parts])
    vals = np.concatenate([p[2] for p in parts])
    co = Cooccurrence(rows, cols, vals, len(words), runs=len(shard_list))
    return co, {"tokens": int(sum(i["tokens"] for i in infos)), "sentences": int(sum(i["sentences"] for i in infos)),
                "bytes_gathered": int(rows.nbytes + cols.nbytes + vals.nbytes)}


def fit_cooccurrences(trainer, client, pieces, vocab, workers) -> None:
    """Train a co-occurrence trainer (``family == "cooccurrence"``) from the cluster's matrix,
    through its public ``check_vocabulary`` and ``fit_cooccurrences``."""
    t = trainer
    t.check_vocabulary(vocab["words"], vocab["counts"])
    t0 = time.perf_counter()
    co, stats = cooccurrences_on_cluster(client, pieces, vocab, workers, window=t.window, weighting=t.weighting,
                                         memory=t.memory, max_sentence_length=t.max_sentence_length,
                                         preparation=t.text_preparation())
    t.corpus_stats_.update({"tokens": stats["tokens"], "sentences": stats["sentences"], "cooccurrences": co.nnz,
                            "cooccurrence_seconds": time.perf_counter() - t0,
                            "cluster": {"workers": len(workers), "bytes_gathered": stats["bytes_gathered"]}})
    t.fit_cooccurrences(co)
