"""Training word2vec-family models on a cluster, without a hub.

One replica per worker (a Dask actor that encodes its shard where it runs and trains it with the
compiled kernels of the trainer's epoch plan on its own copy of the matrices). The rows of both
matrices are partitioned among the replicas (row ``r`` belongs to replica ``r mod K``), and each
replica is also the *owner* of its rows: it keeps their synchronised values. A round goes:

1. every replica trains its share of the round (``sync_words`` cluster-wide words) and sends the
   deltas of the rows it changed to their owners, actor to actor (the driver makes one call per
   round, to replica 0, which starts the round on every replica: :meth:`Replica.lead`);
2. an owner that has every replica's part of a round combines them (:func:`combine`, in replica
   order) into its rows and sends the new values of the rows that changed to every replica;
3. a replica applies round ``t``'s new values before it trains round ``t + 1`` (or, with
   ``overlap``, before round ``t + 2``: it trains while round ``t``'s exchange is in flight, its
   own unsynchronised changes kept on top of the values it receives).

What crosses the driver per round is that one call and five numbers back, whatever the number of
workers (each replica computes its share of the round and its position on the schedule from
what it was told once, :meth:`Replica.plan_rounds`, and keeps its own log of the rounds, read
once per epoch); the model itself reaches the driver once per epoch (the epoch's model, which callbacks
see and which is the checkpoint a failed epoch restarts from).

**Combining.** Summing the replicas' changes is what the threads of one machine do (Hogwild), and
is right for rows that move little in a round. A frequent row (``the``, as a word and as a
negative sample) is pulled towards its equilibrium by every replica within the round, so the sum
of K such moves overshoots K times: 2 replicas oscillate, 3 or more diverge (measured: a 4-worker
skip-gram on 3M words reached vector norms of 1e11, analogy 0.02). :func:`combine` gives each row
the step a sequential pass would take under a per-row linear contraction: a replica that saw the
row's word ``n`` times at rate ``alpha`` moved it by ``d_k = (1 - a_k)(e - x)`` with ``a_k =
exp(-CONTRACTION * alpha * n)``; one pass over every replica's text would have moved it by ``(1 -
prod a_k)(e - x)``, so the row takes ``sum d_k * (1 - prod a_k) / sum (1 - a_k)``: the sum for
rows the replicas barely touch, the mean for rows they all saturate. The output matrix uses half
that rate (``CONTRACTION_OUT``). (Two replicas' sum only oscillates, and scored better:
``SUM_REPLICAS``.)

The learning rate follows one linear schedule over the words of the whole cluster, owned by the
driver; random streams are numbered by global block, as on one machine. From three replicas on it
starts at ``RATE_FACTOR`` times the trainer's rate: combined and a round stale, the replicas'
steps learn as one machine does at a 10-15% lower rate (measured: docs/scaling.md).

A replica whose worker dies is rebuilt from its pieces on a live worker, every replica is reset to
the start of the epoch, and the epoch runs again; after ``RETRIES`` failures the job stops with
:class:`ClusterError`. An error raised by a replica's own code while every worker is alive stops
the job at once, with that error's message (training the round again would fail the same way).

The trainer is driven through its public methods (``init_matrices``, ``epoch_plan``,
``check_vocabulary``, ``run_epochs``, ``description``); nothing here reaches into a trainer.
"""

from __future__ import annotations

import asyncio
import inspect
import math
import threading
import time
from dataclasses import dataclass

import numpy as np

from ..errors import ClusterError, CorpusError
from .connection import wait_for_workers, workers_of
from .pieces import shards

__all__ = ["Replica", "train_window_model", "combine", "cluster_rate_factor", "SYNC_WORDS", "SYNC_WORDS_CBOW",
           "RETRIES", "CONTRACTION", "CONTRACTION_OUT", "SUM_REPLICAS", "RATE_FACTOR"]

#: Cluster-wide words trained between two synchronisations of the replicas: skip-gram, and CBOW
#: (whose default learning rate is three times higher, so staleness costs more: on the 10M
#: slice with defaults, CBOW lost 3.0 analogy points at 500k and none at 250k).
SYNC_WORDS = 500_000
SYNC_WORDS_CBOW = 250_000
#: Per-update contraction of a row, in units of the learning rate (see :func:`combine`); measured
#: on 3M words at 4 workers: 0.3, 1, 3 and 10 gave analogy 2.4, 4.9, 4.1 and 3.0.
CONTRACTION = 1.0
#: The same for the output matrix, chosen by measurement, not derived (why its rows want a lower
#: rate than the input rows is not known; 10M words of wiki.txt.gz, skip-gram, one run each,
#: analogy / WordSim-353 against one machine in the same run):
#: 1.0 (as the input matrix): -2.9 / -0.026 at 3 workers, -3.5 / -0.028 at 4; 0.5: -1.4 / -0.010 at
#: 3, -1.1 / -0.002 at 4; 0.25: -1.0 / +0.003 at 3, -2.5 / 0.000 at 4, and the geometry of the
#: Bible's frequent words at 3 workers fell below two single-machine seeds' agreement (the test of
#: three workers); 0.1 at 3: -1.3 / +0.023; 4 at 3: -4.4 / -0.039.
CONTRACTION_OUT = 0.5
#: Up to this many replicas, :func:`combine` adds the changes as they are: two replicas'
#: saturated rows overshoot twice, a reflection about the equilibrium that the decaying rate damps,
#: and the sum scored better there (10M words, 2 workers: analogy 21.6 summed, 20.0 combined,
#: one machine 21.6-22.1); from three on the sum diverges.
SUM_REPLICAS = 2
#: From three replicas on, the cluster trains at this multiple of the trainer's initial learning
#: rate (the decay to ``min_alpha`` unchanged): a cluster that combines its replicas' changes
#: learns as one machine does at a lower rate. Measured, not derived (10M words, 3 epochs, one run
#: each; docs/scaling.md, "The rest of the gap"): skip-gram and CBOW at 3 and 4 workers were 1.3-1.9
#: analogy points below one machine at 1.0, 0.3-1.0 at 1.14 and 0.1-0.8 at 1.2.
RATE_FACTOR = 1.2
#: Times a job rebuilds lost replicas before it gives up.
RETRIES = 3
#: Seconds a replica waits for a round's parts before it checks whether the job was aborted.
POLL_SECONDS = 0.5
#: Seconds between the driver's checks that the workers it waits on are alive.
LIVENESS_SECONDS = 1.0


class Aborted(RuntimeError):
    """A replica's wait was cut short because another replica's worker died."""


class ReplicaFailed(RuntimeError):
    """A peer replica's call raised an error of its own (a fault in the code or its input, not a
    lost worker): the job stops, since training the round again would fail the same way."""


def _nbytes(message: dict) -> int:
    return sum(x.nbytes for v in message.values() if isinstance(v, tuple) for x in v)


def combine(target: np.ndarray, rows: list, deltas: list, occurrences: list, alpha: float,
            contraction: float = CONTRACTION) -> None:
    """Add the replicas' changes (``rows[k]``, ``deltas[k]``, in replica order) to ``target`` (the
    rows indexed as in ``rows``), each row scaled as one sequential pass would move it (see the
    module docstring), or summed as they are up to ``SUM_REPLICAS`` replicas.
    ``occurrences[k]``: how often replica ``k`` trained each of its rows in the round
    (``EpochPlan.row_updates``: kept tokens of its words; 0 for rows no count reaches, which are
    then summed). ``contraction``: ``CONTRACTION`` for the input matrix, ``CONTRACTION_OUT`` for
    the output matrix."""
    if len(rows) <= SUM_REPLICAS:
        for r, d in zip(rows, deltas):
            target[r] += d
        return
    n = target.shape[0]
    moved = np.zeros(n)  # sum of (1 - a_k)
    log_stay = np.zeros(n)  # log prod a_k
    for r, o in zip(rows, occurrences):
        lam = (contraction * alpha) * o.astype(np.float64)
        moved[r] += -np.expm1(-lam)
        log_stay[r] -= lam
    scale = np.ones(n)
    some = moved > 1e-12
    scale[some] = -np.expm1(log_stay[some]) / moved[some]
    scale = scale.astype(target.dtype)
    for r, d in zip(rows, deltas):
        target[r] += d * scale[r][:, None]


class Replica:
    """One worker's copy of a word2vec-family model, its shard of the corpus, and the rows it owns
    (a Dask actor: its methods run on the worker that holds it; ``deposit`` and ``receive`` run
    on the worker's event loop, so that they are served while ``step`` trains)."""

    def __init__(self, index, n_replicas, pieces, words, counts, max_sentence_length, preparation, threads):
        from ..corpus import encode_pieces
        from ..models import sentence_blocks

        self.index, self.n_replicas = int(index), int(n_replicas)
        self.n_words = len(words)
        self.enc = encode_pieces([p.blocks() for p in pieces], words, counts, max_sentence_length=max_sentence_length,
                                 preparation=preparation)
        self.threads = max(1, int(threads))
        self.blocks = sentence_blocks(self.enc.offsets, self.enc.n_tokens)
        self.block_offsets = self.enc.offsets[self.blocks]  # the token offset of each block
        self.cond = threading.Condition()
        self.attempt = 0
        self.peers: list = []

    def info(self) -> dict:
        enc = self.enc
        return {"tokens": enc.n_tokens, "raw_tokens": enc.raw_tokens, "sentences": enc.n_sentences,
                "invalid_bytes": enc.invalid_bytes, "block_offsets": self.block_offsets}

    def setup(self, w_in, w_out, plan) -> int:
        """Take the model and the epoch plan (kernel, tables, schedule); returns bytes received."""
        self.plan = plan
        self.w_in, self.w_out = np.array(w_in), np.array(w_out)
        self.reset(self.w_in, self.w_out, self.attempt, first_round=0)
        return int(self.w_in.nbytes + self.w_out.nbytes)

    def connect(self, peers: list) -> None:
        """The replicas of the job, in order (this one included)."""
        from distributed import get_worker

        self.peers = list(peers)
        self.loop = get_worker().loop

    def plan_rounds(self, cuts, round_words, first_block: int) -> None:
        """The job's rounds, once: this shard's blocks ``cuts[r]:cuts[r + 1]`` are its share of
        round ``r`` of each epoch, ``round_words[r]`` the words the cluster trains in it, and
        ``first_block`` the global number of this shard's first block (random streams)."""
        self.cuts = np.asarray(cuts, dtype=np.int64)
        self.round_words = np.asarray(round_words, dtype=np.float64)
        self.first_block = int(first_block)
        self.log: list = []

    def step_round(self, attempt: int, epoch: int, r: int, rnd: int, wait_for: int, done: float, alpha: float,
                   overlap: bool = False) -> dict:
        """:meth:`step` on this shard's share of round ``r`` of ``epoch`` (``done``: the cluster's
        words before the round), its position on the cluster's schedule computed here."""
        lo, hi = int(self.cuts[r]), int(self.cuts[r + 1])
        bo = self.block_offsets
        mine = float(bo[hi] - bo[lo])
        # this share trains as the round's stretch of the cluster's schedule: positions in the
        # shard scaled to the cluster's words
        scale = self.round_words[r] / mine if mine else 1.0
        schedule = self.plan.schedule
        params = schedule.params(epoch=epoch, words_before=done / scale - float(bo[lo]),
                                 first_block=self.first_block + lo, total_words=schedule.total_words / scale)
        res = self.step(attempt, rnd, wait_for, lo, hi, params, alpha, overlap)
        res["words"] = mine
        self.log.append({k: res[k] for k in ("words", "sent", "seconds", "waited")})
        return res

    def lead(self, attempt: int, epoch: int, r: int, rnd: int, wait_for: int, done: float, alpha: float,
             overlap: bool = False) -> dict:
        """One round of every replica, started here (the driver makes one call per round, whatever
        the number of workers): :meth:`step_round` on each peer, this replica's own share, then
        the sums the driver needs (loss, count, the slowest and fastest words per second)."""
        args = (attempt, epoch, r, rnd, wait_for, done, alpha, overlap)
        calls = [None if j == self.index else self.peers[j].step_round(*args) for j in range(self.n_replicas)]
        results = [None] * self.n_replicas
        results[self.index] = self.step_round(*args)
        for j, f in enumerate(calls):
            if f is not None:
                results[j] = self._result(f, j)
        rates = [res["words"] / max(res["seconds"], 1e-9) for res in results]
        return {"loss": float(sum(res["loss"] for res in results)), "count": int(sum(res["count"] for res in results)),
                "words": float(sum(res["words"] for res in results)), "rate_min": min(rates), "rate_max": max(rates)}

    def _result(self, f, peer: int):
        """The result of a call to replica ``peer``, waiting as long as the job is not aborted."""
        while True:
            if self.aborted:
                raise Aborted("another replica's worker died")
            try:
                return f.result(timeout=POLL_SECONDS)
            except TimeoutError:
                continue  # (a call to a dead worker's actor can wait forever)
            except (Aborted, ReplicaFailed):
                raise
            except Exception as exc:  # noqa: BLE001 (sorted below)
                name = type(exc).__name__
                if "Aborted" in name:
                    raise Aborted(str(exc)) from None
                if "ReplicaFailed" in name:
                    raise ReplicaFailed(str(exc)) from None
                if isinstance(exc, OSError):  # the peer's worker is gone: the driver restarts the epoch
                    raise Aborted(f"a peer replica is unreachable: {exc}") from None
                raise ReplicaFailed(f"replica {peer}: {name}: {exc}") from None

    def reset(self, w_in, w_out, attempt: int, first_round: int) -> None:
        """Start again from ``w_in``/``w_out`` at round ``first_round``; messages of other
        attempts are dropped from now on."""
        with self.cond:
            self.attempt = int(attempt)
            self.aborted = False
            self.w_in[...] = w_in
            self.w_out[...] = w_out
            k, K = self.index, self.n_replicas
            self.own_in = self.w_in[k::K].copy()
            self.own_out = self.w_out[k::K].copy()
            self.parts: dict = {}  # round -> {replica: part}, deltas of this replica's rows
            self.updates: dict = {}  # round -> {owner: new values}
            self.pending: dict = {}  # round -> this replica's own changes not yet synchronised
            self.next_merge = int(first_round)
            self.applied = int(first_round) - 1
            self.sent = self.received = 0
            self.merging = False
        self.outbox: list = []
        self.log = []

    async def abort(self) -> None:
        with self.cond:
            self.aborted = True
            self.cond.notify_all()

    def _wait(self, ready) -> None:
        with self.cond:
            while not ready():
                if self.aborted:
                    raise Aborted("another replica's worker died")
                self.cond.wait(POLL_SECONDS)

    # --- the replica's side ---

    def step(self, attempt: int, rnd: int, wait_for: int, lo: int, hi: int, params, alpha: float,
             overlap: bool = False) -> dict:
        """Apply the new values of every round up to ``wait_for``, train blocks ``lo:hi`` of the
        shard as round ``rnd``, send the changed rows' deltas to their owners; return the loss,
        timings and bytes."""
        from ..models import numba_threads

        t_wait = time.perf_counter()
        self._apply_through(wait_for)
        t0 = time.perf_counter()
        before_in, before_out = self.w_in.copy(), self.w_out.copy()
        with numba_threads(self.threads):
            loss, count = self.plan.run(self.w_in, self.w_out, self.enc, self.blocks, lo, hi, params)
        seconds = time.perf_counter() - t0
        a, b = self.block_offsets[lo], self.block_offsets[hi]
        occ = np.bincount(self.enc.tokens[a:b], minlength=self.n_words)
        updates = dict(zip(("in", "out"), self.plan.row_updates(occ, self.w_in.shape[0], self.w_out.shape[0])))
        own = {}
        for name, now, before in (("in", self.w_in, before_in), ("out", self.w_out, before_out)):
            delta = now - before
            rows = np.flatnonzero(np.any(delta != 0, axis=1))
            o = updates[name][rows].astype(np.float32)
            own[name] = (rows, delta[rows], o)
        with self.cond:
            self.pending[rnd] = {name: (r, d) for name, (r, d, _) in own.items()}
        K = self.n_replicas
        sends = []
        sent = 0
        for j in range(K):
            part = {"alpha": float(alpha)}
            for name, (rows, d, o) in own.items():
                m = (rows % K) == j
                part[name] = ((rows[m] // K).astype(np.int32), d[m], o[m])
            nbytes = _nbytes(part)
            if j == self.index:
                self._take_part(attempt, rnd, j, part)
            else:
                sent += nbytes
                call = self.peers[j].deposit(attempt, rnd, self.index, part)
                if inspect.iscoroutine(call):  # a peer on this worker (after a rebuild): Dask runs it here
                    call = asyncio.run_coroutine_threadsafe(call, self.loop.asyncio_loop)
                sends.append((j, call))
        self._settle_outbox()
        self.outbox = sends
        if not overlap:
            self._settle_outbox()
        self.sent += sent
        return {"loss": loss, "count": count, "seconds": seconds, "waited": t0 - t_wait, "sent": sent,
                "bytes_sent": self.sent, "bytes_received": self.received}

    def _settle_outbox(self) -> None:
        outbox, self.outbox = self.outbox, []
        for j, f in outbox:
            self._result(f, j)

    def _apply_through(self, last: int) -> None:
        """Apply, in round order, the new values of rounds up to ``last`` (waiting for them),
        keeping this replica's own later changes on top."""
        K = self.n_replicas
        for rnd in range(self.applied + 1, last + 1):
            self._wait(lambda rnd=rnd: len(self.updates.get(rnd, ())) == K)
            with self.cond:
                got = self.updates.pop(rnd)
                self.pending.pop(rnd, None)
                later = [self.pending[p] for p in sorted(self.pending) if p > rnd]
            for name, w in (("in", self.w_in), ("out", self.w_out)):
                rows = np.concatenate([got[j][name][0] for j in range(K)])
                w[rows] = np.concatenate([got[j][name][1] for j in range(K)])
                for p in later:  # own changes of rounds still in flight stay on top
                    r, d = p[name]
                    m = np.isin(r, rows, assume_unique=True)
                    w[r[m]] += d[m]
            self.applied = rnd

    def finish(self, last: int) -> dict:
        """Apply every round up to ``last``; the replica then holds the synchronised model.
        Returns its bytes so far and its log of the epoch's rounds (words, bytes sent, seconds
        trained and waited), once per epoch instead of once per round."""
        self._settle_outbox()
        self._apply_through(last)
        log, self.log = self.log, []
        return {"bytes_sent": self.sent, "bytes_received": self.received, "log": log}

    async def receive(self, attempt: int, rnd: int, owner: int, values: dict) -> None:
        """New values of the rows of ``owner`` that changed in round ``rnd``."""
        with self.cond:
            if attempt != self.attempt:
                return
            self.received += _nbytes(values)
            self.updates.setdefault(rnd, {})[owner] = values
            self.cond.notify_all()

    # --- the owner's side ---

    async def deposit(self, attempt: int, rnd: int, sender: int, part: dict) -> None:
        """Replica ``sender``'s changes of this owner's rows in round ``rnd``."""
        with self.cond:
            if attempt != self.attempt:
                return
            self.received += _nbytes(part)
        self._take_part(attempt, rnd, sender, part, notify=False)
        await self._merge_ready(asyncio.get_running_loop())

    def _take_part(self, attempt: int, rnd: int, sender: int, part: dict, notify: bool = True) -> None:
        with self.cond:
            if attempt != self.attempt:
                return
            self.parts.setdefault(rnd, {})[sender] = part
        if notify and len(self.parts.get(rnd, ())) == self.n_replicas:
            # the last part came from this replica's own step: merge on the event loop
            self.loop.add_callback(self._merge_ready, None)

    async def _merge_ready(self, loop) -> None:
        """Combine, in round order, every round whose parts are all in, and send the new values."""
        loop = loop or asyncio.get_running_loop()
        K = self.n_replicas
        with self.cond:
            if self.merging:
                return
            self.merging = True
            attempt = self.attempt
        try:
            while True:
                with self.cond:
                    rnd = self.next_merge
                    if attempt != self.attempt or len(self.parts.get(rnd, ())) < K:
                        return
                    parts = self.parts.pop(rnd)
                    self.next_merge += 1
                values = await loop.run_in_executor(None, self._merge, parts)
                sends = []
                for i in range(K):
                    if i == self.index:
                        await self.receive(attempt, rnd, self.index, values)
                    else:
                        sends.append(self.peers[i].receive(attempt, rnd, self.index, values))
                nbytes = _nbytes(values)
                with self.cond:
                    self.sent += nbytes * len(sends)
                for f in sends:
                    await f
        finally:
            with self.cond:
                if attempt == self.attempt:  # (a reset has cleared it already otherwise)
                    self.merging = False

    def _merge(self, parts: dict) -> dict:
        K, k = self.n_replicas, self.index
        alpha = parts[0]["alpha"]
        out = {}
        for name, own in (("in", self.own_in), ("out", self.own_out)):
            rows = [parts[j][name][0] for j in range(K)]
            combine(own, rows, [parts[j][name][1] for j in range(K)], [parts[j][name][2] for j in range(K)], alpha,
                    CONTRACTION if name == "in" else CONTRACTION_OUT)
            local = np.unique(np.concatenate(rows))
            out[name] = ((local.astype(np.int64) * K + k), own[local])
        return out

    def shard(self) -> tuple:
        """The synchronised values of the rows this replica owns."""
        return self.own_in, self.own_out

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


class _Retry(Exception):
    """A replica's worker died during the epoch: run it again from its start."""

    def __init__(self, dead: list):
        super().__init__(dead)
        self.dead = dead


class _Job:
    """The replicas of one training job."""

    def __init__(self, client, trainer, vocab, shard_list, workers: list):
        self.client, self.trainer, self.vocab = client, trainer, vocab
        self.slots = [_Slot(s, w) for s, w in zip(shard_list, workers)]
        self.bytes_initial = 0
        self.driver_bytes = 0
        self.retries = 0
        self.attempt = 0
        self.recovered: list = []
        self.plan = None
        self.round_plan: list = []

    def _submit(self, k: int, slot: _Slot, threads: int):
        """A replica of ``slot``'s pieces on ``slot.worker`` (a future of the actor)."""
        t = self.trainer
        return self.client.submit(Replica, k, len(self.slots), slot.pieces, self.vocab["words"], self.vocab["counts"],
                                  t.max_sentence_length, t.text_preparation(), threads,
                                  actor=True, workers=[slot.worker], allow_other_workers=False, pure=False)

    def start(self, workers: dict) -> None:
        futs = [self._submit(k, slot, workers[slot.worker]) for k, slot in enumerate(self.slots)]  # in parallel
        for slot, f in zip(self.slots, futs):
            slot.actor = f.result()
        infos = [s.actor.info() for s in self.slots]
        for slot, f in zip(self.slots, infos):
            slot.info = f.result()

    def setup(self, w_in, w_out) -> None:
        futs = [s.actor.setup(w_in, w_out, self.plan) for s in self.slots]
        for f in futs:
            self.bytes_initial += f.result()
        self.connect()

    def connect(self) -> None:
        actors = [s.actor for s in self.slots]
        for f in [s.actor.connect(actors) for s in self.slots]:
            f.result()

    def call(self, method: str, args_of, targets=None) -> list:
        """``method`` on every replica, or on those in ``targets`` (``args_of(k)`` its arguments);
        the results, in order. Every replica's worker is watched while they run (a call to one
        replica may wait on all of them): a death aborts the others' waits and raises
        :class:`_Retry`."""
        import pickle

        targets = list(range(len(self.slots))) if targets is None else list(targets)
        calls = []
        for k in targets:
            args = args_of(k)
            self.driver_bytes += len(pickle.dumps(args, protocol=5))
            calls.append(getattr(self.slots[k].actor, method)(*args))
        out, dead, aborted, failed = [None] * len(calls), set(), False, None
        left = set(range(len(calls)))
        checked = time.perf_counter()
        while left:
            if time.perf_counter() - checked > LIVENESS_SECONDS:
                # a call to a replica whose worker died can wait forever on the actor's future
                # (Dask would recreate it on the same address only): look at the live workers
                checked = time.perf_counter()
                gone = self._dead()
                if gone:
                    dead |= gone
                    left -= {i for i, k in enumerate(targets) if k in gone}
                    if not aborted:
                        aborted = True
                        self._abort(set(range(len(self.slots))) - dead)
            for i in sorted(left):
                f = calls[i]
                if not f.done():
                    continue
                left.discard(i)
                try:
                    out[i] = f.result()
                    self.driver_bytes += len(pickle.dumps(out[i], protocol=5))
                except Exception as exc:  # noqa: BLE001 (a lost worker surfaces as one of several comm errors)
                    if isinstance(exc, OSError):
                        dead.add(targets[i])
                    elif not isinstance(exc, Aborted) and "Aborted" not in type(exc).__name__ and failed is None:
                        failed = (targets[i], exc)  # a fault, unless a worker turns out to have died
                    if not aborted:
                        aborted = True
                        self._abort(set(range(len(self.slots))) - dead)
            if left:
                time.sleep(0.005)
        if aborted:
            if not dead:  # a replica gave up on an unreachable peer: name the worker that died
                deadline = time.perf_counter() + 10 * LIVENESS_SECONDS
                while not dead and time.perf_counter() < deadline:
                    dead = self._dead()
                    time.sleep(0.1)
            if not dead and failed is not None:  # every worker is alive: the call itself failed
                k, exc = failed
                what = str(exc) if "ReplicaFailed" in type(exc).__name__ else f"replica {k}: {type(exc).__name__}: {exc}"
                raise ClusterError(f"training failed on the cluster ({what}); no worker was lost, so it was not "
                                   "retried; nothing was written")
            raise _Retry(sorted(dead))
        return out

    def _dead(self) -> set:
        """The replicas whose worker has left the scheduler's list."""
        live = workers_of(self.client)
        return {k for k, s in enumerate(self.slots) if s.worker not in live}

    def _abort(self, replicas) -> None:
        """Cut the waits of ``replicas`` short (their ``step`` raises :class:`Aborted`)."""
        for j in sorted(replicas):
            try:
                self.slots[j].actor.abort().result(timeout=30)
            except Exception:  # noqa: BLE001 (that worker may be dying too: the next check sees it)
                pass

    def rebuild(self, dead: list, w_in, w_out, first_round: int) -> None:
        """Replace the replicas in ``dead`` on live workers; reset every replica to
        ``w_in``/``w_out`` at ``first_round``."""
        self.retries += 1
        if self.retries > RETRIES:
            raise ClusterError(f"workers died {self.retries} times during training (last: "
                               f"{', '.join(self.slots[k].worker for k in dead) or 'unknown'}); nothing was written. "
                               "Check the workers' memory and logs, then run again")
        live = wait_for_workers(self.client)
        used = {s.worker for k, s in enumerate(self.slots) if k not in dead}
        for k in dead:
            slot = self.slots[k]
            free = [w for w in live if w not in used] or list(live)
            self.recovered.append({"lost": slot.worker, "replaced_by": free[0]})
            slot.worker = free[0]
            used.add(free[0])
            slot.actor = self._submit(k, slot, live[free[0]]).result()
            slot.info = slot.actor.info().result()
            self.bytes_initial += slot.actor.setup(w_in, w_out, self.plan).result()
            slot.actor.plan_rounds(*self.round_plan[k]).result()
        self.connect()
        self.attempt += 1
        for f in [s.actor.reset(w_in, w_out, self.attempt, first_round) for s in self.slots]:
            f.result()
        self.bytes_initial += len(self.slots) * (w_in.nbytes + w_out.nbytes)

    def gather_model(self, w_in, w_out) -> None:
        """The synchronised model, from the owners, into ``w_in``/``w_out``."""
        K = len(self.slots)
        for k, (own_in, own_out) in enumerate(self.call("shard", lambda k: ())):
            w_in[k::K] = own_in
            w_out[k::K] = own_out


def default_sync_words(trainer, n_workers: int) -> int:
    """Cluster-wide words between synchronisations when none is given: ``SYNC_WORDS`` (CBOW:
    ``SYNC_WORDS_CBOW``) up to 2 workers, and that times 2/K for K workers (each replica's
    share shrinks as 1/K^2: measured on the 10M slice, 4 workers scored 19.6 analogy at 500k
    words, 20.3 at 250k, 20.5 at 125k, against 21.5-23.0 on one machine; docs/scaling.md)."""
    base = SYNC_WORDS_CBOW if getattr(trainer, "architecture", "") == "cbow" else SYNC_WORDS
    return base if n_workers <= 2 else max(1, base * 2 // n_workers)


def cluster_rate_factor(n_replicas: int) -> float:
    """The multiple of the trainer's initial learning rate the replicas train at: ``RATE_FACTOR``
    where :func:`combine` scales the changes (from ``SUM_REPLICAS + 1`` replicas on), else 1."""
    return RATE_FACTOR if n_replicas > SUM_REPLICAS else 1.0


def train_window_model(trainer, client, pieces, vocab, workers: dict, sync_words: int | None,
                       overlap: bool = False) -> None:
    """Train a word2vec-family trainer (``family == "window"``) on the cluster; sets its
    matrices, ``epochs_trained_`` and ``corpus_stats_["cluster"]``."""
    addrs = list(workers)
    shard_list = [s for s in shards(pieces, len(addrs)) if s]
    if sync_words is None:
        sync_words = default_sync_words(trainer, len(shard_list))
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
    rate_factor = cluster_rate_factor(len(shard_list))
    plan = job.plan = t.epoch_plan(words, counts, corpus_words=n, epochs=t.epochs,
                                   alpha=t.alpha_ * rate_factor, min_alpha=t.min_alpha)  # (fastText's also zeroes the rows no word's n-grams use)
    job.setup(w_in, w_out)
    t.corpus_stats_.update({"tokens": n, "sentences": int(sum(s.info["sentences"] for s in job.slots))})
    schedule = plan.schedule
    rounds = max(1, math.ceil(n / sync_words))
    lag = 2 if overlap else 1
    # each shard's blocks cut into `rounds` consecutive ranges of about equal tokens; each replica
    # is told its cuts once and computes its share of every round itself
    ranges, block0 = [], []
    first = 0
    for s in job.slots:
        bo = s.info["block_offsets"]
        cuts = np.searchsorted(bo, np.linspace(0, bo[-1], rounds + 1), side="left")
        cuts[0], cuts[-1] = 0, len(bo) - 1
        ranges.append(np.maximum.accumulate(cuts))
        block0.append(first)
        first += len(bo) - 1
    round_words = sum(np.diff(s.info["block_offsets"][c]).astype(np.float64) for s, c in zip(job.slots, ranges))
    job.round_plan = [(c, round_words, b) for c, b in zip(ranges, block0)]
    for f in [s.actor.plan_rounds(*plan_k) for s, plan_k in zip(job.slots, job.round_plan)]:
        f.result()
    log: list = []
    replica_logs: list = [[] for _ in job.slots]

    def run_epoch(epoch, bar):
        done = float(epoch) * n
        loss_sum, count_sum = 0.0, 0
        last = epoch * rounds - 1
        for r in range(rounds):
            rnd = epoch * rounds + r
            alpha = schedule.rate(done)
            args = (job.attempt, epoch, r, rnd, max(rnd - lag, epoch * rounds - 1), done, alpha, overlap)
            before = job.driver_bytes
            res = job.call("lead", lambda k: args, targets=[0])[0]  # replica 0 starts the round on every replica
            loss_sum += res["loss"]
            count_sum += res["count"]
            log.append({"words": res["words"], "driver": job.driver_bytes - before})
            last = rnd
            done += res["words"]
            bar.set_postfix_str(f"epoch={epoch + 1}/{t.epochs} lr={schedule.rate(done):.5f} "
                                f"online_loss={loss_sum / max(count_sum, 1):.4f} words/s per worker: "
                                f"{res['rate_min'] / 1e3:.0f}k-{res['rate_max'] / 1e3:.0f}k", refresh=False)
            bar.update(int(res["words"]))
        totals = job.call("finish", lambda k: (last,))
        job.totals = totals
        for k, tot in enumerate(totals):
            replica_logs[k].extend(tot["log"])
        job.gather_model(w_in, w_out)
        return loss_sum, count_sum, done

    checkpoint = [w_in.copy(), w_out.copy()]

    def epoch_fn(epoch, bar):
        while True:
            try:
                loss_sum, count_sum, done = run_epoch(epoch, bar)
                break
            except _Retry as retry:
                w_in[...], w_out[...] = checkpoint
                job.rebuild(retry.dead, w_in, w_out, epoch * rounds)
        checkpoint[0][...], checkpoint[1][...] = w_in, w_out
        # the model's loss on the fixed sample of the largest shard, as one machine measures it
        slot = max(job.slots, key=lambda s: len(s.info["block_offsets"]))
        return slot.actor.evaluate().result(), {"alpha": schedule.rate(done),
                                                "online_loss": loss_sum / max(count_sum, 1)}

    t.run_epochs(t.epochs, n, f"{t.description} on {len(job.slots)} workers", epoch_fn)
    t.epochs_trained_ = t.epochs
    t.input_matrix_, t.output_matrix_ = w_in, w_out
    K = len(job.slots)
    syncs = len(log)
    worker_sent = [x["bytes_sent"] for x in job.totals]
    worker_received = [x["bytes_received"] for x in job.totals]
    rows = [entry for rl in replica_logs for entry in rl]
    t.corpus_stats_["cluster"] = {
        "workers": K, "syncs": syncs, "sync_words": sync_words, "overlap": bool(overlap),
        "bytes_initial": int(job.bytes_initial),
        "driver_bytes_per_sync": float(np.mean([x["driver"] for x in log])) if log else 0.0,
        "worker_bytes_sent_per_sync": [s / max(syncs, 1) for s in worker_sent],
        "worker_bytes_received_per_sync": [s / max(syncs, 1) for s in worker_received],
        "bytes_per_sync": float(sum(worker_sent) + sum(worker_received)) / max(syncs, 1),
        "train_seconds_per_sync": float(np.mean([x["seconds"] for x in rows])) if rows else 0.0,
        "wait_seconds_per_sync": float(np.mean([x["waited"] for x in rows])) if rows else 0.0,
        "words_per_worker": [int(x) for x in tokens], "recovered": job.recovered, "rate_factor": rate_factor,
    }
