"""Past one machine: counting and training on a Dask cluster (extra ``[cluster]``).

``Trainer.fit(corpus, cluster=...)`` (the command line's ``--cluster``) runs here:

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
   Every ``sync_words`` words (cluster-wide) the driver adds up the replicas' changes (the rows
   each touched, as deltas), so the global model moves as if the workers' updates had been
   applied to one matrix (what the threads of one machine do, Hogwild), and sends every replica
   the new values of every row anyone touched. The learning rate follows one linear schedule
   over the words of the whole cluster, owned by the driver; random streams are numbered by
   global block, as on one machine.
4. **Co-occurrences** (GloVe, PPMI): each worker counts its shard in float64, the partial
   matrices are summed by row partition on the workers, and the driver receives the total,
   equal to the single-machine matrix.
5. **Failures.** A replica whose worker dies is rebuilt from its pieces on a live worker (a
   nanny usually restarts the dead one), every replica is reset to the last synchronised model,
   and the round is run again; after ``retries`` failures the job stops with
   :class:`~wordspace.errors.ClusterError` and nothing is written.

Bytes exchanged per synchronisation are recorded in ``corpus_stats_["cluster"]``.
"""

from __future__ import annotations

import math
import os
import time
from dataclasses import dataclass
from types import SimpleNamespace

import numpy as np

from .errors import ClusterError, CorpusError, InvalidParameterError

__all__ = ["Piece", "connect", "plan_pieces", "count_vocabulary", "fit_on_cluster", "SYNC_WORDS"]

#: Cluster-wide words trained between two synchronisations of the replicas: skip-gram, and CBOW
#: (whose default learning rate is three times higher, so staleness costs more: on the 10M
#: slice with defaults, CBOW lost 3.0 analogy points at 500k and none at 250k).
SYNC_WORDS = 500_000
SYNC_WORDS_CBOW = 250_000
#: Plain files are cut into pieces of about this many bytes (and at least one per worker).
PIECE_BYTES = 32 << 20
#: How the replicas' changes are combined at a synchronisation: "sum" (every update applied, as
#: the threads of one machine apply theirs) or "mean" (each row: the mean change of the replicas
#: that touched it). On the 10M-word slice, 2 workers: skip-gram 21.8 analogy with "sum" against
#: 12.2 with "mean" (22.2 on one machine); docs/design.md.
MERGE = "sum"
#: No piece is cut smaller than this.
MIN_PIECE_BYTES = 64 << 10
#: Times a job rebuilds lost replicas before it gives up.
RETRIES = 3


@dataclass(frozen=True)
class Piece:
    """A part of a corpus file: bytes ``[start, end)`` of a plain file (lines starting there),
    the whole file (``end == -1``, ``parts == 1``), or the ``part``-th of every ``parts`` runs
    of whole lines of a compressed one."""

    path: str
    start: int = 0
    end: int = -1
    part: int = 0
    parts: int = 1
    weight: int = 0  # bytes, for balancing the shards

    def blocks(self):
        from .textfiles import iter_blocks, iter_range_blocks

        if self.end >= 0:
            return iter_range_blocks(self.path, self.start, self.end)
        if self.parts == 1:
            return iter_blocks(self.path)
        return _strided(iter_blocks(self.path), self.part, self.parts)


def _strided(blocks, part: int, parts: int):
    run = 0
    for data, ends in blocks:
        if run % parts == part:
            yield data, ends
        if ends:
            run += 1


def plan_pieces(files, n_parts: int, piece_bytes: int = PIECE_BYTES) -> list[Piece]:
    """Cut ``files`` into pieces: at least ``n_parts`` per file when the file is large enough
    (64 kB a piece), otherwise pieces of about ``piece_bytes``."""
    from .textfiles import file_size, is_compressed

    pieces = []
    for f in files:
        size = file_size(f)
        if is_compressed(f):
            n = n_parts if size >= MIN_PIECE_BYTES else 1
            pieces.extend(Piece(f, part=k, parts=n, weight=max(1, 3 * size // n)) for k in range(n))  # ~3x as text
            continue
        n = max(math.ceil(size / piece_bytes), n_parts if size >= n_parts * MIN_PIECE_BYTES else 1)
        bounds = [size * i // n for i in range(n + 1)]
        pieces.extend(Piece(f, a, b, weight=b - a) for a, b in zip(bounds, bounds[1:]))
    return pieces


def _shards(pieces: list, n: int) -> list[list]:
    """Pieces dealt to ``n`` shards, largest first to the lightest shard, each in corpus order."""
    load = [0] * n
    shards: list = [[] for _ in range(n)]
    for i in sorted(range(len(pieces)), key=lambda i: -pieces[i].weight):
        k = min(range(n), key=load.__getitem__)
        shards[k].append(i)
        load[k] += pieces[i].weight
    return [[pieces[i] for i in sorted(s)] for s in shards]


# -- the cluster -----------------------------------------------------------------------------
def connect(cluster):
    """``(client, owned)`` for ``cluster``: a ``distributed.Client``, ``"tcp://HOST:PORT"`` of a
    running scheduler, or ``"local:N"`` (a local cluster of N worker processes, closed with the
    client when ``owned`` is true)."""
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise ImportError("training on a cluster needs Dask: pip install 'wordspace[cluster]'") from None
    if isinstance(cluster, Client):
        return cluster, False
    if not isinstance(cluster, str):
        raise InvalidParameterError(f"cluster must be 'local:N', a scheduler address such as tcp://HOST:PORT, or a "
                                    f"distributed.Client; got {type(cluster).__name__}", param="cluster")
    if cluster.startswith("local:"):
        try:
            n = int(cluster[6:])
        except ValueError:
            n = 0
        if n < 1:
            raise InvalidParameterError(f"cluster 'local:N' needs N >= 1 worker processes; got {cluster!r}",
                                        param="cluster")
        import logging

        threads = max(1, (os.cpu_count() or 1) // n)
        lc = LocalCluster(n_workers=n, threads_per_worker=threads, processes=True, dashboard_address=":0",
                          silence_logs=logging.CRITICAL)
        return Client(lc), True
    if "://" not in cluster:
        raise InvalidParameterError(f"cluster must be 'local:N' or a scheduler address such as tcp://HOST:PORT; got "
                                    f"{cluster!r}", param="cluster")
    if cluster.startswith("tcp://"):
        _probe_scheduler(cluster)
    try:
        return Client(cluster, timeout="20s"), True
    except (OSError, TimeoutError) as exc:
        raise ClusterError(f"cannot reach the Dask scheduler at {cluster}: {exc}; start one with 'dask scheduler' "
                           "and workers with 'dask worker ADDRESS'") from None


#: Seconds a scheduler has to greet a new connection (Dask's handshake comes at once).
PROBE_SECONDS = 5.0


def _probe_scheduler(address: str) -> None:
    """Refuse, in one line and within seconds, a ``tcp://`` address where no Dask scheduler
    listens. A Dask server greets every connection with its handshake (msgpack naming its
    ``pickle-protocol``) before anything is asked; an HTTP server waits silently for a request
    (Dask's client would then wait for minutes), and other services greet with their own bytes
    (which Dask's client reads as a frame length: an allocation of exabytes)."""
    import socket
    import time

    hostport = address[len("tcp://"):].rstrip("/")
    host, sep, port = hostport.rpartition(":")
    host = host.strip("[]")
    if not sep or not host or not port.isdigit() or not 1 <= int(port) <= 65535:
        raise InvalidParameterError(f"cluster address {address!r} is not tcp://HOST:PORT (a port in 1..65535)",
                                    param="cluster")
    try:
        sock = socket.create_connection((host, int(port)), timeout=PROBE_SECONDS)
    except OSError as exc:
        raise ClusterError(f"cannot reach the Dask scheduler at {address}: {exc.strerror or exc}; start one with 'dask "
                           "scheduler' and workers with 'dask worker ADDRESS'") from None
    data = b""
    try:
        deadline = time.monotonic() + PROBE_SECONDS
        while b"pickle-protocol" not in data and len(data) < 4096 and time.monotonic() < deadline:
            sock.settimeout(max(0.05, deadline - time.monotonic()))
            try:
                chunk = sock.recv(4096)
            except socket.timeout:
                break
            if not chunk:
                break
            data += chunk
    except OSError:
        pass
    finally:
        sock.close()
    if b"pickle-protocol" not in data:
        seen = f"it sent {data[:40]!r}" if data else f"it sent nothing within {PROBE_SECONDS:.0f} s (an HTTP server?)"
        raise ClusterError(f"{address} is not a Dask scheduler: {seen}; give the address 'dask scheduler' prints "
                           "(tcp://HOST:8786 by default)")


def _workers(client) -> dict:
    """Live workers: address -> threads."""
    info = client.scheduler_info(n_workers=-1)["workers"] if _takes_n_workers(client) else client.scheduler_info()["workers"]
    return {addr: int(w.get("nthreads", 1)) for addr, w in sorted(info.items())}


def _takes_n_workers(client) -> bool:
    import inspect

    return "n_workers" in inspect.signature(client.scheduler_info).parameters


def _wait_for_workers(client, timeout: float = 60.0) -> dict:
    t0 = time.perf_counter()
    while True:
        ws = _workers(client)
        if ws:
            return ws
        if time.perf_counter() - t0 > timeout:
            raise ClusterError(f"the Dask cluster at {client.scheduler.address} has no workers (waited {timeout:.0f} s); "
                               "start some with 'dask worker ADDRESS'")
        time.sleep(0.2)


# -- counting --------------------------------------------------------------------------------
def _count_piece(piece: Piece, max_sentence_length: int, preparation, options: dict):
    from .corpus import count_pieces
    from .textfiles import storage_options

    with storage_options(options):
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
    from .textfiles import get_storage_options
    from .vocab import select_vocab

    options = get_storage_options()
    futures = [client.submit(_count_piece, p, max_sentence_length, preparation, options, pure=False) for p in pieces]
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


# -- training replicas -----------------------------------------------------------------------
class Replica:
    """One worker's copy of a word2vec/fastText model and its shard of the corpus (a Dask
    actor: its methods run on the worker that holds it)."""

    def __init__(self, pieces, words, counts, max_sentence_length, preparation, options, threads):
        from .corpus import encode_pieces
        from .models.word2vec import sentence_blocks
        from .textfiles import storage_options

        with storage_options(options):
            self.enc = encode_pieces([p.blocks() for p in pieces], words, counts,
                                     max_sentence_length=max_sentence_length, preparation=preparation)
        self.threads = max(1, int(threads))
        self.blocks = sentence_blocks(self.enc.offsets, self.enc.n_tokens)

    def info(self) -> dict:
        enc = self.enc
        return {"tokens": enc.n_tokens, "raw_tokens": enc.raw_tokens, "sentences": enc.n_sentences,
                "invalid_bytes": enc.invalid_bytes, "block_offsets": enc.offsets[self.blocks]}

    def setup(self, w_in, w_out, keep, tables, kernel, cbow) -> int:
        self.w_in, self.w_out = np.array(w_in), np.array(w_out)
        self.keep, self.tables, self.kernel, self.cbow = keep, tables, kernel, cbow
        return int(self.w_in.nbytes + self.w_out.nbytes)

    def _run(self, lo: int, hi: int, params):
        from .models._base import numba_threads

        loss = np.zeros(hi - lo, dtype=np.float64)
        count = np.zeros(hi - lo, dtype=np.int64)
        with numba_threads(self.threads):
            self.kernel(self.w_in, self.w_out, self.enc.tokens, self.enc.offsets, self.blocks[lo : hi + 1], self.keep,
                        *self.tables, params, loss, count, self.cbow)
        return float(loss.sum()), int(count.sum())

    def train(self, lo: int, hi: int, params) -> dict:
        """Train blocks ``lo:hi`` of the shard; return the loss and the rows that changed, as
        deltas."""
        t0 = time.perf_counter()
        before_in, before_out = self.w_in.copy(), self.w_out.copy()
        loss, count = self._run(lo, hi, params)
        out = {"loss": loss, "count": count, "seconds": time.perf_counter() - t0}
        for name, now, before in (("in", self.w_in, before_in), ("out", self.w_out, before_out)):
            delta = now - before
            rows = np.flatnonzero(np.any(delta != 0, axis=1))
            out[f"rows_{name}"] = rows.astype(np.int32)
            out[f"delta_{name}"] = delta[rows]
        return out

    def apply(self, rows_in, vals_in, rows_out, vals_out) -> None:
        self.w_in[rows_in] = vals_in
        self.w_out[rows_out] = vals_out

    def reset(self, w_in, w_out) -> None:
        self.w_in[...] = w_in
        self.w_out[...] = w_out

    def evaluate(self, blocks, params) -> tuple:
        total, n = 0.0, 0
        for b in blocks:
            loss, count = self._run(int(b), int(b) + 1, params)
            total, n = total + loss, n + count
        return total, n


@dataclass
class _Slot:
    pieces: list
    worker: str
    actor: object = None
    info: dict | None = None


class _Job:
    """The replicas of one training job and what it costs to keep them in step."""

    def __init__(self, client, trainer, vocab, shards, workers: dict):
        self.client, self.trainer, self.vocab = client, trainer, vocab
        self.slots = [_Slot(s, w) for s, w in zip(shards, workers)]
        self.bytes_sent = 0
        self.bytes_received = 0
        self.syncs = 0
        self.retries = 0
        self.recovered: list = []

    def _submit(self, slot: _Slot, threads: int):
        """A replica of ``slot``'s pieces on ``slot.worker`` (a future of the actor)."""
        t = self.trainer
        return self.client.submit(Replica, slot.pieces, self.vocab["words"], self.vocab["counts"],
                                  t.max_sentence_length, t.text_preparation(), _options(), threads,
                                  actor=True, workers=[slot.worker], allow_other_workers=False, pure=False)

    def _make(self, slot: _Slot, threads: int) -> None:
        slot.actor = self._submit(slot, threads).result()
        slot.info = slot.actor.info().result()

    def start(self, workers: dict) -> None:
        futs = [self._submit(slot, workers[slot.worker]) for slot in self.slots]  # encoded in parallel
        for slot, f in zip(self.slots, futs):
            slot.actor = f.result()
        infos = [s.actor.info() for s in self.slots]
        for slot, f in zip(self.slots, infos):
            slot.info = f.result()

    def setup(self, w_in, w_out, keep, tables, kernel, cbow, slots=None) -> None:
        futs = [s.actor.setup(w_in, w_out, keep, tables, kernel, cbow) for s in (slots or self.slots)]
        for f in futs:
            self.bytes_sent += f.result()

    def rebuild(self, dead: list, w_in, w_out, setup_args) -> None:
        """Replace the replicas in ``dead`` on live workers, reset the others to ``w_in``/``w_out``."""
        self.retries += 1
        if self.retries > RETRIES:
            raise ClusterError(f"workers died {self.retries} times during training (last: "
                               f"{', '.join(self.slots[k].worker for k in dead)}); nothing was written. Check the "
                               "workers' memory and logs, then run again")
        live = _wait_for_workers(self.client)
        used = {s.worker for k, s in enumerate(self.slots) if k not in dead}
        for k in dead:
            slot = self.slots[k]
            free = [w for w in live if w not in used] or list(live)
            self.recovered.append({"lost": slot.worker, "replaced_by": free[0]})
            slot.worker = free[0]
            used.add(free[0])
            self._make(slot, live[free[0]])
            self.setup(w_in, w_out, *setup_args, slots=[slot])
        for k, slot in enumerate(self.slots):
            if k not in dead:
                slot.actor.reset(w_in, w_out).result()
                self.bytes_sent += w_in.nbytes + w_out.nbytes


def _options() -> dict:
    from .textfiles import get_storage_options

    return get_storage_options()


def _gather(futures: list) -> tuple[list, list]:
    """Results of actor calls, and the positions of the ones that failed (their worker died)."""
    out, dead = [], []
    for k, f in enumerate(futures):
        try:
            out.append(f.result())
        except Exception:  # noqa: BLE001 (a lost worker surfaces as one of several comm errors)
            out.append(None)
            dead.append(k)
    return out, dead


def fit_on_cluster(trainer, corpus, cluster, sync_words: int | None = None) -> None:
    """What ``trainer.fit(corpus, cluster=cluster)`` does (see the module docstring)."""
    if sync_words is None:
        sync_words = SYNC_WORDS_CBOW if getattr(trainer, "architecture", "") == "cbow" else SYNC_WORDS
    from .textfiles import expand_paths

    if isinstance(corpus, (str, os.PathLike)):
        corpus = [corpus]
    if not isinstance(corpus, (list, tuple)) or not all(isinstance(p, (str, os.PathLike)) for p in corpus):
        raise InvalidParameterError("training on a cluster reads files or URLs that every worker can reach; pass paths, "
                                    "not sentences in memory", param="corpus")
    if getattr(trainer, "phrases", None) is not None:
        raise InvalidParameterError("phrases are not joined on a cluster yet; join them first with "
                                    "'wordspace phrases CORPUS --out JOINED' and train on JOINED", param="phrases")
    client, owned = connect(cluster)
    try:
        workers = _wait_for_workers(client)
        files = expand_paths(list(map(os.fspath, corpus)))
        t0 = time.perf_counter()
        pieces = plan_pieces(files, len(workers))
        vocab = count_vocabulary(client, pieces, min_count=trainer.min_count, max_vocab=trainer.max_vocab,
                                 max_sentence_length=trainer.max_sentence_length,
                                 preparation=trainer.text_preparation())
        from .vocab import Vocab

        trainer.vocab_ = Vocab(vocab["words"], vocab["counts"])
        trainer.corpus_stats_ = {"raw_tokens": vocab["raw_tokens"], "vocab": len(vocab["words"]),
                                 "invalid_utf8_bytes": vocab["invalid_bytes"], "vocab_prunes": 0,
                                 "counting_seconds": time.perf_counter() - t0}
        if hasattr(trainer, "_fit_cooccurrences"):
            _fit_cooccurrence(trainer, client, pieces, vocab, workers)
        else:
            _train(trainer, client, pieces, vocab, workers, sync_words)
        trainer.corpus_stats_["seconds"] = time.perf_counter() - t0
    finally:
        if owned:
            cl = client.cluster
            client.close()
            if cl is not None:
                cl.close()


def _train(trainer, client, pieces, vocab, workers: dict, sync_words: int) -> None:
    from .models.word2vec import EVAL_EPOCH, eval_sample, keep_table

    addrs = list(workers)
    shards = [s for s in _shards(pieces, len(addrs)) if s]
    job = _Job(client, trainer, vocab, shards, addrs[: len(shards)])
    job.start(workers)
    t = trainer
    words, counts = vocab["words"], vocab["counts"]
    v = len(words)
    if t.loss == "softmax" and v > 10_000:
        raise InvalidParameterError(f"loss='softmax' is limited to 10,000 words; the vocabulary has {v:,}", param="loss")

    enc = SimpleNamespace(words=words, counts=counts)  # what the trainers' table hooks read
    keep = keep_table(counts, t.sample)
    w_in, w_out = t._init_matrices(v)
    t.input_matrix_, t.output_matrix_ = w_in, w_out
    tables = tuple(t._kernel_tables(enc))  # (fastText's also zeroes the rows no word's n-grams use)
    kernel = t._kernel(parallel=True)
    cbow = t.architecture == "cbow"
    setup_args = (keep, tables, kernel, cbow)
    job.setup(w_in, w_out, *setup_args)
    initial_bytes = job.bytes_sent
    tokens = [s.info["tokens"] for s in job.slots]
    n = int(sum(tokens))
    if n == 0:
        raise CorpusError("no token of the corpus is in the vocabulary")
    t.corpus_stats_.update({"tokens": n, "sentences": int(sum(s.info["sentences"] for s in job.slots))})
    epochs, alpha, min_alpha = t.epochs, t.alpha_, t.min_alpha
    total = float(epochs) * n
    rounds = max(1, math.ceil(n / sync_words))
    # each shard's blocks cut into `rounds` consecutive ranges of about equal tokens
    ranges, block0 = [], []
    first = 0
    for s in job.slots:
        bo = s.info["block_offsets"]
        cuts = np.searchsorted(bo, np.linspace(0, bo[-1], rounds + 1), side="left")
        cuts[0], cuts[-1] = 0, len(bo) - 1
        ranges.append(np.maximum.accumulate(cuts))
        block0.append(first)
        first += len(bo) - 1
    t.epochs_trained_ = 0
    sync_log: list = []
    per_worker = np.zeros(len(job.slots))
    done = [0.0]

    def epoch_fn(epoch, bar):
        loss_sum, count_sum = 0.0, 0
        for r in range(rounds):
            spans = [(int(ranges[k][r]), int(ranges[k][r + 1])) for k in range(len(job.slots))]
            words_k = [float(s.info["block_offsets"][hi] - s.info["block_offsets"][lo])
                       for s, (lo, hi) in zip(job.slots, spans)]
            round_words = sum(words_k)
            if round_words == 0:
                continue
            while True:
                calls = []
                for k, (slot, (lo, hi)) in enumerate(zip(job.slots, spans)):
                    if hi <= lo:
                        calls.append(None)
                        continue
                    scale = round_words / words_k[k]
                    p0 = float(slot.info["block_offsets"][lo])
                    params = np.array([alpha, min_alpha, done[0] / scale - p0, total / scale, t.window,
                                       t.negative, t.seed, epoch, t.max_sentence_length, block0[k] + lo], dtype=np.float64)
                    calls.append(slot.actor.train(lo, hi, params))
                results, dead = _gather([c for c in calls if c is not None])
                live_k = [k for k, c in enumerate(calls) if c is not None]
                dead = [live_k[i] for i in dead]
                if not dead:
                    break
                job.rebuild(dead, w_in, w_out, setup_args)
            rows_in, rows_out = [], []
            received = 0
            _combine(w_in, [res["rows_in"] for res in results], [res["delta_in"] for res in results], MERGE)
            _combine(w_out, [res["rows_out"] for res in results], [res["delta_out"] for res in results], MERGE)
            for k, res in zip(live_k, results):
                rows_in.append(res["rows_in"])
                rows_out.append(res["rows_out"])
                loss_sum += res["loss"]
                count_sum += res["count"]
                per_worker[k] = words_k[k] / max(res["seconds"], 1e-9)
                received += sum(res[x].nbytes for x in ("rows_in", "delta_in", "rows_out", "delta_out"))
            u_in = np.unique(np.concatenate(rows_in))
            u_out = np.unique(np.concatenate(rows_out))
            v_in, v_out = w_in[u_in], w_out[u_out]
            acks = [s.actor.apply(u_in, v_in, u_out, v_out) for s in job.slots]
            _, dead = _gather(acks)
            if dead:
                job.rebuild(dead, w_in, w_out, setup_args)
            sent = len(job.slots) * (u_in.nbytes + v_in.nbytes + u_out.nbytes + v_out.nbytes)
            job.bytes_received += received
            job.bytes_sent += sent
            job.syncs += 1
            sync_log.append({"words": round_words, "received": received, "sent": sent,
                             "rows": int(u_in.size + u_out.size)})
            done[0] += round_words
            lr = lr_now()
            rates = " ".join(f"w{k}={x / 1e3:.0f}k" for k, x in enumerate(per_worker))
            bar.set_postfix_str(f"epoch={epoch + 1}/{epochs} lr={lr:.5f} online_loss={loss_sum / max(count_sum, 1):.4f} "
                                f"words/s per worker: {rates}", refresh=False)
            bar.update(int(round_words))
        online = loss_sum / max(count_sum, 1)
        # the model's loss on a fixed sample of the largest shard, as one machine measures it
        slot = max(job.slots, key=lambda s: len(s.info["block_offsets"]))
        eval_blocks = eval_sample(len(slot.info["block_offsets"]) - 1)
        ep = np.array([0.0, 0.0, 0.0, total, t.window, t.negative, t.seed, EVAL_EPOCH, t.max_sentence_length, 0.0])
        ev, cnt = slot.actor.evaluate(eval_blocks.tolist(), ep).result()
        return ev / max(cnt, 1), {"alpha": float(lr_now()), "online_loss": online}

    def lr_now():
        return max(min_alpha, alpha - (alpha - min_alpha) * done[0] / total)

    t._run_epochs(epochs, n, f"{t._desc()} on {len(job.slots)} workers", epoch_fn)
    t.epochs_trained_ = epochs
    t.input_matrix_, t.output_matrix_ = w_in, w_out
    per_sync = [s["received"] + s["sent"] for s in sync_log]
    t.corpus_stats_["cluster"] = {
        "workers": len(job.slots), "syncs": job.syncs, "sync_words": sync_words,
        "bytes_initial": int(initial_bytes), "bytes_received": int(job.bytes_received),
        "bytes_sent": int(job.bytes_sent - initial_bytes),
        "bytes_per_sync": float(np.mean(per_sync)) if per_sync else 0.0,
        "rows_per_sync": float(np.mean([s["rows"] for s in sync_log])) if sync_log else 0.0,
        "words_per_worker": [int(x) for x in tokens], "recovered": job.recovered,
    }


def _combine(matrix, rows: list, deltas: list, how: str) -> None:
    """Add the replicas' changes to ``matrix``: their sum ("sum"), or for each row the mean
    over the replicas that changed it ("mean")."""
    if how == "sum" or len(rows) == 1:
        for r, d in zip(rows, deltas):
            matrix[r] += d
        return
    acc = np.zeros((matrix.shape[0],), dtype=np.int32)
    for r in rows:
        acc[r] += 1
    for r, d in zip(rows, deltas):
        matrix[r] += d / acc[r][:, None]


def _shard_cooccurrences(pieces, words, counts, max_sentence_length, preparation, options, window, weighting,
                         memory, threads, n_parts):
    """One shard's co-occurrences in float64, cut into ``n_parts`` row ranges."""
    from .cooccur import count_cooccurrences
    from .corpus import encode_pieces
    from .models._base import numba_threads
    from .textfiles import storage_options

    with storage_options(options):
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
    from .cooccur import Cooccurrence

    addrs = list(workers)
    shards = [s for s in _shards(pieces, len(addrs)) if s]
    n_parts = len(addrs)
    words, counts = vocab["words"], vocab["counts"]
    futs = [client.submit(_shard_cooccurrences, shard, words, counts, max_sentence_length, preparation, _options(),
                          window, weighting, memory, workers[addr], n_parts, workers=[addr], pure=False)
            for shard, addr in zip(shards, addrs)]
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
    co = Cooccurrence(rows, cols, vals, len(words), runs=len(shards))
    return co, {"tokens": int(sum(i["tokens"] for i in infos)), "sentences": int(sum(i["sentences"] for i in infos)),
                "bytes_gathered": int(rows.nbytes + cols.nbytes + vals.nbytes)}


def _fit_cooccurrence(trainer, client, pieces, vocab, workers) -> None:
    t = trainer
    t._check_corpus(SimpleNamespace(words=vocab["words"], counts=vocab["counts"]))  # what the checks read
    t0 = time.perf_counter()
    co, stats = cooccurrences_on_cluster(client, pieces, vocab, workers, window=t.window, weighting=t.weighting,
                                         memory=t.memory, max_sentence_length=t.max_sentence_length,
                                         preparation=t.text_preparation())
    t.corpus_stats_.update({"tokens": stats["tokens"], "sentences": stats["sentences"], "cooccurrences": co.nnz,
                            "cooccurrence_seconds": time.perf_counter() - t0,
                            "cluster": {"workers": len(workers), "bytes_gathered": stats["bytes_gathered"]}})
    t.cooccurrence_ = co
    if co.nnz == 0:
        raise InvalidParameterError("no two vocabulary words occur within the window of each other; use a larger "
                                    "corpus, a larger window or a lower min_count", param="window")
    t._fit_cooccurrences(co, t._resolve_workers())


# -- neighbours over a sharded matrix ----------------------------------------------------------
class _Shard:
    """Rows ``start:stop`` of a native model, held in a worker's memory (a Dask actor)."""

    def __init__(self, path: str, start: int, stop: int, threads: int):
        from .index import ExactIndex
        from .io.native import load_native

        v = load_native(path, mmap=True)
        block = np.array(v.matrix[start:stop], dtype=np.float32)
        norms = np.linalg.norm(block, axis=1)
        norms[norms == 0] = 1.0
        self.start, self.threads = start, max(1, int(threads))
        self.index = ExactIndex().build_raw(block, norms)

    def query(self, queries, k: int, exclude: list):
        from threadpoolctl import threadpool_limits

        local = [[i - self.start for i in ex if self.start <= i < self.start + self.index.matrix.shape[0]]
                 for ex in exclude]
        with threadpool_limits(self.threads):
            ids, scores = self.index.query(queries, k, exclude=local)
        return np.where(ids >= 0, ids + self.start, -1), scores


class ShardedIndex:
    """Exact batch neighbour search over a native model whose rows are spread over the workers
    of a cluster (each holds ``1/n`` of the matrix in memory): every shard returns its top ``k``
    for all queries, and the driver keeps the best ``k`` (ties by row, as one machine does).

    ``path`` is a native model directory every worker can read (shared storage); the driver
    reads only the query rows from it.

    >>> with ShardedIndex("big_model", "tcp://scheduler:8786") as index:   # doctest: +SKIP
    ...     answers = index.most_similar_batch(["king", "queen"], k=10)
    """

    def __init__(self, path, cluster):
        from .io.native import is_native, load_native

        path = os.path.abspath(os.fspath(path))
        if not is_native(path):
            raise InvalidParameterError(f"'{path}' is not a native model directory; a sharded search reads the native "
                                        "format (convert with 'wordspace convert IN OUT_DIR')", param="path")
        self.vectors = load_native(path, mmap=True)
        self.client, self._owned = connect(cluster)
        workers = _wait_for_workers(self.client)
        n = len(self.vectors)
        bounds = np.linspace(0, n, len(workers) + 1).round().astype(np.int64)
        futs = [self.client.submit(_Shard, path, int(a), int(b), threads, actor=True, workers=[addr],
                                   allow_other_workers=False, pure=False)
                for (addr, threads), a, b in zip(workers.items(), bounds[:-1], bounds[1:]) if b > a]
        self.shards = [f.result() for f in futs]
        self.bounds = bounds

    def most_similar_batch(self, queries, k: int = 10) -> list:
        """Like :meth:`wordspace.Vectors.most_similar_batch` for keys: a key is never its own
        answer."""
        from .index import _merge
        from .vectors import Neighbor, _check_k

        _check_k(k)
        v = self.vectors
        rows = [v.index_of(q) for q in queries]
        q = np.stack([v._unit_row(r) for r in rows]).astype(np.float32)
        exclude = [[r] for r in rows]
        calls = [s.query(q, k, exclude) for s in self.shards]
        best = None
        for c in calls:
            part = c.result()
            best = part if best is None else _merge(best, part, k)
        keys = v.keys
        return [[Neighbor(keys[i], float(s)) for i, s in zip(r_ids, r_sc) if i >= 0]
                for r_ids, r_sc in zip(best[0].tolist(), best[1].tolist())]

    def close(self) -> None:
        self.shards = []
        if self._owned:
            cl = self.client.cluster
            self.client.close()
            if cl is not None:
                cl.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
