"""Training word2vec-family models on a cluster: one replica per worker (a Dask actor that
encodes its shard where it runs and trains it with the compiled kernels of the trainer's epoch
plan on its own copy of the matrices). Every ``sync_words`` words (cluster-wide) the driver adds
up the replicas' changes (the rows each touched, as deltas), so the global model moves as if the
workers' updates had been applied to one matrix (what the threads of one machine do, Hogwild),
and sends every replica the new values of every row anyone touched. The learning rate follows
one linear schedule over the words of the whole cluster, owned by the driver; random streams are
numbered by global block, as on one machine.

A replica whose worker dies is rebuilt from its pieces on a live worker (a nanny usually
restarts the dead one), every replica is reset to the last synchronised model, and the round is
run again; after ``RETRIES`` failures the job stops with :class:`ClusterError`.

The trainer is driven through its public methods for this (``init_matrices``, ``epoch_plan``,
``check_vocabulary``, ``run_epochs``, ``description``); nothing here reaches into a trainer.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np

from ..errors import ClusterError, CorpusError
from .connection import gather, wait_for_workers
from .pieces import shards

__all__ = ["Replica", "train_window_model", "SYNC_WORDS", "SYNC_WORDS_CBOW", "RETRIES"]

#: Cluster-wide words trained between two synchronisations of the replicas: skip-gram, and CBOW
#: (whose default learning rate is three times higher, so staleness costs more: on the 10M
#: slice with defaults, CBOW lost 3.0 analogy points at 500k and none at 250k).
SYNC_WORDS = 500_000
SYNC_WORDS_CBOW = 250_000
#: How the replicas' changes are combined at a synchronisation: "sum" (every update applied, as
#: the threads of one machine apply theirs) or "mean" (each row: the mean change of the replicas
#: that touched it). On the 10M-word slice, 2 workers: skip-gram 21.8 analogy with "sum" against
#: 12.2 with "mean" (22.2 on one machine); docs/design.md.
MERGE = "sum"
#: Times a job rebuilds lost replicas before it gives up.
RETRIES = 3


class Replica:
    """One worker's copy of a word2vec-family model and its shard of the corpus (a Dask actor:
    its methods run on the worker that holds it)."""

    def __init__(self, pieces, words, counts, max_sentence_length, preparation, threads):
        from ..corpus import encode_pieces
        from ..models import sentence_blocks

        self.enc = encode_pieces([p.blocks() for p in pieces], words, counts, max_sentence_length=max_sentence_length,
                                 preparation=preparation)
        self.threads = max(1, int(threads))
        self.blocks = sentence_blocks(self.enc.offsets, self.enc.n_tokens)

    def info(self) -> dict:
        enc = self.enc
        return {"tokens": enc.n_tokens, "raw_tokens": enc.raw_tokens, "sentences": enc.n_sentences,
                "invalid_bytes": enc.invalid_bytes, "block_offsets": enc.offsets[self.blocks]}

    def setup(self, w_in, w_out, plan) -> int:
        """Take the model and the epoch plan (kernel, tables, schedule); returns bytes received."""
        self.w_in, self.w_out = np.array(w_in), np.array(w_out)
        self.plan = plan
        return int(self.w_in.nbytes + self.w_out.nbytes)

    def train(self, lo: int, hi: int, params) -> dict:
        """Train blocks ``lo:hi`` of the shard; return the loss and the rows that changed, as
        deltas."""
        from ..models import numba_threads

        t0 = time.perf_counter()
        before_in, before_out = self.w_in.copy(), self.w_out.copy()
        with numba_threads(self.threads):
            loss, count = self.plan.run(self.w_in, self.w_out, self.enc, self.blocks, lo, hi, params)
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

    def evaluate(self) -> float:
        """The model's loss on the fixed sample of this shard, as one machine measures it."""
        from ..models import numba_threads

        with numba_threads(self.threads):
            return self.plan.evaluate(self.w_in, self.w_out, self.enc, self.blocks)


@dataclass
class _Slot:
    pieces: list
    worker: str
    actor: object = None
    info: dict | None = None


class _Job:
    """The replicas of one training job and what it costs to keep them in step."""

    def __init__(self, client, trainer, vocab, shard_list, workers: list):
        self.client, self.trainer, self.vocab = client, trainer, vocab
        self.slots = [_Slot(s, w) for s, w in zip(shard_list, workers)]
        self.bytes_sent = 0
        self.bytes_received = 0
        self.syncs = 0
        self.retries = 0
        self.recovered: list = []
        self.plan = None

    def _submit(self, slot: _Slot, threads: int):
        """A replica of ``slot``'s pieces on ``slot.worker`` (a future of the actor)."""
        t = self.trainer
        return self.client.submit(Replica, slot.pieces, self.vocab["words"], self.vocab["counts"],
                                  t.max_sentence_length, t.text_preparation(), threads,
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

    def setup(self, w_in, w_out, slots=None) -> None:
        futs = [s.actor.setup(w_in, w_out, self.plan) for s in (slots or self.slots)]
        for f in futs:
            self.bytes_sent += f.result()

    def rebuild(self, dead: list, w_in, w_out) -> None:
        """Replace the replicas in ``dead`` on live workers, reset the others to ``w_in``/``w_out``."""
        self.retries += 1
        if self.retries > RETRIES:
            raise ClusterError(f"workers died {self.retries} times during training (last: "
                               f"{', '.join(self.slots[k].worker for k in dead)}); nothing was written. Check the "
                               "workers' memory and logs, then run again")
        live = wait_for_workers(self.client)
        used = {s.worker for k, s in enumerate(self.slots) if k not in dead}
        for k in dead:
            slot = self.slots[k]
            free = [w for w in live if w not in used] or list(live)
            self.recovered.append({"lost": slot.worker, "replaced_by": free[0]})
            slot.worker = free[0]
            used.add(free[0])
            self._make(slot, live[free[0]])
            self.setup(w_in, w_out, slots=[slot])
        for k, slot in enumerate(self.slots):
            if k not in dead:
                slot.actor.reset(w_in, w_out).result()
                self.bytes_sent += w_in.nbytes + w_out.nbytes


def train_window_model(trainer, client, pieces, vocab, workers: dict, sync_words: int) -> None:
    """Train a word2vec-family trainer (``family == "window"``) on the cluster; sets its
    matrices, ``epochs_trained_`` and ``corpus_stats_["cluster"]``."""
    addrs = list(workers)
    shard_list = [s for s in shards(pieces, len(addrs)) if s]
    job = _Job(client, trainer, vocab, shard_list, addrs[: len(shard_list)])
    job.start(workers)
    t = trainer
    words, counts = vocab["words"], vocab["counts"]
    t.check_vocabulary(words, counts)
    tokens = [s.info["tokens"] for s in job.slots]
    n = int(sum(tokens))
    if n == 0:
        raise CorpusError("no token of the corpus is in the vocabulary")
    w_in, w_out = t.init_matrices(len(words))
    t.input_matrix_, t.output_matrix_ = w_in, w_out
    t.epochs_trained_ = 0
    plan = job.plan = t.epoch_plan(words, counts, corpus_words=n, epochs=t.epochs, alpha=t.alpha_,
                                   min_alpha=t.min_alpha)  # (fastText's also zeroes the rows no word's n-grams use)
    job.setup(w_in, w_out)
    initial_bytes = job.bytes_sent
    t.corpus_stats_.update({"tokens": n, "sentences": int(sum(s.info["sentences"] for s in job.slots))})
    schedule = plan.schedule
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
                    # the replica trains its share of the round as the round's stretch of the
                    # cluster's schedule: positions in its shard scaled to the cluster's words
                    scale = round_words / words_k[k]
                    p0 = float(slot.info["block_offsets"][lo])
                    params = schedule.params(epoch=epoch, words_before=done[0] / scale - p0, first_block=block0[k] + lo,
                                             total_words=schedule.total_words / scale)
                    calls.append(slot.actor.train(lo, hi, params))
                results, dead = gather([c for c in calls if c is not None])
                live_k = [k for k, c in enumerate(calls) if c is not None]
                dead = [live_k[i] for i in dead]
                if not dead:
                    break
                job.rebuild(dead, w_in, w_out)
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
            _, dead = gather(acks)
            if dead:
                job.rebuild(dead, w_in, w_out)
            sent = len(job.slots) * (u_in.nbytes + v_in.nbytes + u_out.nbytes + v_out.nbytes)
            job.bytes_received += received
            job.bytes_sent += sent
            job.syncs += 1
            sync_log.append({"words": round_words, "received": received, "sent": sent,
                             "rows": int(u_in.size + u_out.size)})
            done[0] += round_words
            rates = " ".join(f"w{k}={x / 1e3:.0f}k" for k, x in enumerate(per_worker))
            bar.set_postfix_str(f"epoch={epoch + 1}/{t.epochs} lr={schedule.rate(done[0]):.5f} "
                                f"online_loss={loss_sum / max(count_sum, 1):.4f} words/s per worker: {rates}",
                                refresh=False)
            bar.update(int(round_words))
        # the model's loss on the fixed sample of the largest shard, as one machine measures it
        slot = max(job.slots, key=lambda s: len(s.info["block_offsets"]))
        return slot.actor.evaluate().result(), {"alpha": schedule.rate(done[0]),
                                                "online_loss": loss_sum / max(count_sum, 1)}

    t.run_epochs(t.epochs, n, f"{t.description} on {len(job.slots)} workers", epoch_fn)
    t.epochs_trained_ = t.epochs
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
