"""Past one machine, against real components: a Dask LocalCluster of worker processes,
`dask scheduler` and `dask worker` started as commands, moto's S3 server and an HTTP server on
loopback ports, worker processes killed during training. Vocabulary and co-occurrences are
compared exactly with one machine's; training quality with a margin."""

import gzip
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time

import numpy as np
import pytest

distributed = pytest.importorskip("distributed")
pytest.importorskip("fsspec")

from wordspace import PPMISVD, FastText, GloVe, Word2Vec, load  # noqa: E402
from wordspace.callbacks import Callback  # noqa: E402
from wordspace.cluster import ShardedIndex, count_vocabulary, cooccurrences_on_cluster, plan_pieces  # noqa: E402
from wordspace.cluster.connection import workers_of  # noqa: E402
from wordspace.cooccur import count_cooccurrences  # noqa: E402
from wordspace.corpus import count_pieces, encode_corpus, encode_pieces  # noqa: E402
from wordspace.errors import ClusterError, CorpusError, InvalidParameterError  # noqa: E402
from wordspace.corpus import LineCorpus  # noqa: E402
from wordspace.models._epochs import EpochPlan  # noqa: E402


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _local_cluster(n=2):
    import logging

    lc = distributed.LocalCluster(n_workers=n, threads_per_worker=1, processes=True, dashboard_address=":0",
                                  silence_logs=logging.CRITICAL, host="127.0.0.1")
    return distributed.Client(lc)


@pytest.fixture(scope="module")
def client():
    c = _local_cluster(2)
    yield c
    cl = c.cluster
    c.close()
    cl.close()


@pytest.fixture(scope="module")
def texts(tmp_path_factory, demo_corpus):
    """The demo corpus as a plain file, a gzip file and a directory of both (with awkward bytes
    at the edges: a byte-order mark, CRLF line ends, a last line without a newline)."""
    d = tmp_path_factory.mktemp("cluster")
    with gzip.open(demo_corpus, "rt") as fh:
        lines = fh.read().splitlines()
    plain = d / "corpus" / "a.txt"
    plain.parent.mkdir()
    plain.write_bytes(b"\xef\xbb\xbf" + "\r\n".join(lines[:18000]).encode() + b"\r\nlast line without newline")
    with gzip.open(d / "corpus" / "b.txt.gz", "wt") as fh:
        fh.write("\n".join(lines[18000:]) + "\n")
    return {"dir": str(plain.parent), "plain": str(plain), "gz": str(d / "corpus" / "b.txt.gz"), "root": d}


def test_pieces_cover_every_line_exactly_once(texts):
    files = [texts["plain"], texts["gz"]]
    one = encode_corpus(files, min_count=1)
    for n_parts, piece_bytes in ((3, 997), (2, 1 << 20), (5, 40_000)):
        pieces = plan_pieces(files, n_parts, piece_bytes)
        assert len(pieces) >= n_parts
        total: dict = {}
        raw = 0
        for p in pieces:
            words, counts, r, _ = count_pieces([p.blocks()])
            raw += r
            for w, c in zip(words, counts.tolist()):
                total[w] = total.get(w, 0) + c
        assert raw == one.raw_tokens
        assert total == dict(zip(one.words, one.counts.tolist()))
    # the byte ranges of the plain file, encoded in order, are the file's token stream
    ranges = [p for p in plan_pieces([texts["plain"]], 4, 1 << 14)]
    assert all(p.end >= 0 for p in ranges) and len(ranges) > 4
    whole = encode_corpus(texts["plain"], min_count=1)
    parts = encode_pieces([p.blocks() for p in ranges], whole.words, whole.counts)
    np.testing.assert_array_equal(parts.tokens, whole.tokens)
    np.testing.assert_array_equal(parts.offsets, whole.offsets)


def test_vocabulary_counted_on_the_cluster_is_identical(client, texts):
    for min_count, max_vocab in ((1, None), (3, 2000)):
        pieces = plan_pieces([texts["plain"], texts["gz"]], 2, 1 << 18)
        got = count_vocabulary(client, pieces, min_count=min_count, max_vocab=max_vocab, max_sentence_length=10_000)
        want = encode_corpus(texts["dir"], min_count=min_count, max_vocab=max_vocab)
        assert got["words"] == want.words
        np.testing.assert_array_equal(got["counts"], want.counts)
        assert got["raw_tokens"] == want.raw_tokens


def test_cooccurrences_on_the_cluster_equal_one_machine(client, texts):
    files = [texts["plain"], texts["gz"]]
    pieces = plan_pieces(files, 2, 1 << 18)
    vocab = count_vocabulary(client, pieces, min_count=5, max_vocab=None, max_sentence_length=10_000)
    enc = encode_corpus(files, min_count=5)
    for weighting in ("uniform", "harmonic"):
        # a small budget: each worker and the single machine spill runs to disk and merge them
        co, stats = cooccurrences_on_cluster(client, pieces, vocab, workers_of(client), window=8, weighting=weighting,
                                             memory=2, max_sentence_length=10_000)
        one = count_cooccurrences(enc, window=8, weighting=weighting, memory=2, workers=2)
        assert one.spilled and stats["tokens"] == enc.n_tokens
        np.testing.assert_array_equal(co.rows, one.rows)
        np.testing.assert_array_equal(co.cols, one.cols)
        np.testing.assert_array_equal(co.values, one.values)
    g = GloVe(dim=20, epochs=3, min_count=5, window=8, progress=False).fit(files, cluster=client)
    assert g.corpus_stats_["cooccurrences"] == one.nnz and len(g.vectors_) == len(enc.words)
    # PPMI+SVD from the cluster's matrix is one machine's model (up to the signs of the singular vectors)
    a = PPMISVD(dim=10, min_count=5, progress=False).fit(files, cluster=client)
    b = PPMISVD(dim=10, min_count=5, progress=False).fit(files)
    np.testing.assert_array_equal(a.cooccurrence_.values, b.cooccurrence_.values)
    np.testing.assert_allclose(np.abs(a.vectors_.matrix), np.abs(b.vectors_.matrix), atol=1e-5)


def _agreement(a, b, words) -> float:
    """Spearman correlation of the pairwise cosines of ``words`` in two models."""
    from wordspace.evaluate import spearman

    ua = np.stack([a[w] / np.linalg.norm(a[w]) for w in words])
    ub = np.stack([b[w] / np.linalg.norm(b[w]) for w in words])
    iu = np.triu_indices(len(words), 1)
    return spearman((ua @ ua.T)[iu], (ub @ ub.T)[iu])


def test_word2vec_on_the_cluster_learns_what_one_machine_learns(client, texts):
    """Two replicas synchronised every 100k words against one machine: the final loss within
    5%, and the geometry of the 300 most frequent words agrees with one machine's about as well
    as a second single-machine run with another seed does."""
    kw = dict(dim=50, epochs=3, window=5, min_count=5, progress=False)
    one = Word2Vec(workers=2, seed=1, **kw).fit(texts["dir"])
    two = Word2Vec(workers=2, seed=2, **kw).fit(texts["dir"])
    dist = Word2Vec(seed=1, **kw).fit(texts["dir"], cluster=client, sync_words=100_000)
    assert dist.vectors_.keys == one.vectors_.keys
    assert abs(dist.loss_history_[-1] - one.loss_history_[-1]) < 0.05 * one.loss_history_[-1]
    assert dist.loss_history_[-1] < dist.loss_history_[0]
    words = list(one.vectors_.keys[20:320])
    assert _agreement(dist.vectors_, one.vectors_, words) > _agreement(two.vectors_, one.vectors_, words) - 0.08
    info = dist.corpus_stats_["cluster"]
    assert info["workers"] == 2 and info["syncs"] >= 3 * 7 and info["bytes_per_sync"] > 0
    assert sum(info["words_per_worker"]) == one.corpus_stats_["tokens"]
    # random vectors agree far less: the comparison can fail
    rnd = type(one.vectors_)(list(one.vectors_.keys), np.random.default_rng(0).normal(size=one.vectors_.matrix.shape))
    assert _agreement(rnd, one.vectors_, words) < 0.2


def test_fasttext_on_the_cluster(client, texts):
    m = FastText(dim=20, epochs=2, buckets=20_000, min_count=5, progress=False).fit(texts["plain"], cluster=client,
                                                                                  sync_words=100_000)
    assert m.loss_history_[-1] < 3.5 and m.corpus_stats_["cluster"]["workers"] == 2
    assert np.isfinite(m.vectors_["kingdomz"]).all()  # subwords of an unseen word
    sub = m.vectors_.subwords  # the rows no word's n-grams use stay zero on a cluster too
    np.testing.assert_array_equal(sub.full(), m.input_matrix_[len(m.vocab_.words):])


def test_combine_takes_the_step_of_a_sequential_pass():
    """Rows pulled towards an equilibrium (a quadratic loss, contraction ``alpha`` per update):
    K replicas each take ``n`` updates from the same start; the combined step is close to what
    one pass over all K * n updates takes, for rows touched once (the sum) and rows every
    replica saturates (the mean), where the sum overshoots K times and the mean undershoots."""
    from wordspace.cluster.training import combine

    rng = np.random.default_rng(0)
    K, dim, alpha = 4, 8, 0.01
    for n in (1, 30, 3000):
        x0 = rng.normal(size=(1, dim)).astype(np.float32)
        targets = rng.normal(size=(K, dim)) * 0.01 + 1.0
        deltas, x_seq = [], x0.astype(np.float64)[0]
        for k in range(K):
            x = x0.astype(np.float64)[0]
            for _ in range(n):
                x = x + alpha * (targets[k] - x)
            deltas.append((x - x0[0]).astype(np.float32)[None, :])
        for k in range(K):
            for _ in range(n):
                x_seq = x_seq + alpha * (targets[k] - x_seq)
        got = x0.copy()
        combine(got, [np.array([0])] * K, deltas, [np.array([n], np.float32)] * K, alpha)
        want = x_seq - x0[0]
        step = got[0] - x0[0]
        assert np.linalg.norm(step - want) < 0.05 * np.linalg.norm(want), n
        total = sum(d[0] for d in deltas)
        wrong = total if n == 3000 else total / K  # the sum for saturated rows, the mean for light ones
        assert np.linalg.norm(wrong - want) > 0.5 * np.linalg.norm(want), n
    # a row only one replica touched takes that replica's change, whatever its count
    got = np.zeros((3, 2), np.float32)
    combine(got, [np.array([0, 2]), np.array([1])], [np.ones((2, 2), np.float32), np.full((1, 2), 3, np.float32)],
            [np.array([1e6, 5], np.float32), np.array([1e6], np.float32)], 0.025)
    np.testing.assert_array_equal(got, [[1, 1], [3, 3], [1, 1]])


def test_row_updates_count_each_matrix_as_its_loss_trains_it():
    """What ``combine`` scales by: input rows count their word's kept tokens; output rows too
    with negative sampling, and with hierarchical softmax each of the n - 1 inner nodes counts
    the kept tokens of every word below it (the root all of them; each node the sum of its
    children, read from the paths). A trainer's ``negative`` is set whatever its loss: it must
    not make the tree's rows count as words (it did, and every HS job on a cluster failed)."""
    rng = np.random.default_rng(1)
    words = [f"w{i}" for i in range(40)]
    counts = np.sort(rng.integers(5, 5000, size=40))[::-1].astype(np.int64)
    occ = rng.integers(0, 50, size=40)
    for loss in ("ns", "hs"):
        model = Word2Vec(loss=loss, negative=5, sample=1e-3, progress=False)
        plan = EpochPlan(model, words, counts, corpus_words=int(counts.sum()), epochs=1, alpha=0.025,
                         min_alpha=1e-4)
        kept = occ * (plan.keep[:40] / 2.0**32)
        n_out = 39 if loss == "hs" else 40
        upd_in, upd_out = plan.row_updates(occ, 40, n_out)
        np.testing.assert_allclose(upd_in, kept)
        assert upd_out.shape == (n_out,)
        if loss == "ns":
            np.testing.assert_allclose(upd_out, kept)
            continue
        _, points, lengths = model.tree_
        below = np.zeros(n_out)  # each node: its leaf words' counts, plus its inner children's counts
        children: dict = {}
        for w in range(40):
            path = points[w, : lengths[w]]
            below[path[-1]] += kept[w]
            for parent, child in zip(path[:-1], path[1:]):
                children.setdefault(int(parent), set()).add(int(child))
        root = int(points[0, 0])
        assert upd_out[root] == pytest.approx(kept.sum())
        for node in range(n_out):
            want = below[node] + sum(upd_out[c] for c in children.get(node, ()))
            assert upd_out[node] == pytest.approx(want), node


class _FaultyPlan(EpochPlan):
    """An epoch plan whose replicas fail while training (a fault in the code or its input, not a
    lost worker); the workers unpickle it from this module."""

    def row_updates(self, occurrences, n_in, n_out):
        raise ValueError("a deliberate fault in the replica")


class _FaultyWord2Vec(Word2Vec):
    def epoch_plan(self, *args, **kwargs):
        plan = super().epoch_plan(*args, **kwargs)
        plan.__class__ = _FaultyPlan
        return plan


def test_a_fault_in_a_replica_stops_the_job_with_its_own_message(client, texts, tmp_path, monkeypatch):
    """An error raised by a replica's own code is reported as such at once, not taken for a lost
    worker and retried until the job gives up with 'workers died 4 times' (which is how a
    hierarchical-softmax job on a cluster used to end); the workers stay up for the next job."""
    from wordspace.cluster import training

    monkeypatch.setattr(training, "RETRIES", 0)  # a retry would end in "workers died", not in the fault
    with pytest.raises(ClusterError, match=r"replica \d: ValueError: a deliberate fault in the replica.*not "
                                           r"retried; nothing was written"):
        _FaultyWord2Vec(dim=20, epochs=1, min_count=5, progress=False).fit(texts["plain"], cluster=client,
                                                                          sync_words=100_000)
    assert len(workers_of(client)) == 2
    m = Word2Vec(dim=20, epochs=1, min_count=5, loss="hs", progress=False).fit(texts["plain"], cluster=client,
                                                                              sync_words=100_000)
    assert m.corpus_stats_["cluster"]["workers"] == 2 and np.isfinite(m.output_matrix_).all()


def _hub_reference(model, files, K, sync_words):
    """The synchronisation the workers now perform among themselves, done the way the hub
    design did it, in this process: K replicas of the same shards, each trained on its share of
    every round from the global matrices (one thread), their changes combined into the global
    matrices in replica order (each row scaled as ``combine``'s docstring says, at each matrix's
    contraction, transcribed here) and the result copied to every replica."""
    from wordspace.cluster.pieces import shards
    from wordspace.cluster.training import CONTRACTION, CONTRACTION_OUT, cluster_rate_factor
    from wordspace.models import numba_threads, sentence_blocks

    words, counts = model.vocab_.words, model.vocab_.counts
    shard_list = [s for s in shards(plan_pieces(files, K), K) if s]
    encs = [encode_pieces([p.blocks() for p in sh], words, counts, max_sentence_length=model.max_sentence_length,
                          preparation=model.text_preparation()) for sh in shard_list]
    blocks = [sentence_blocks(e.offsets, e.n_tokens) for e in encs]
    offsets = [e.offsets[b] for e, b in zip(encs, blocks)]
    n = sum(e.n_tokens for e in encs)
    w_in, w_out = model.init_matrices(len(words))
    plan = model.epoch_plan(words, counts, corpus_words=n, epochs=model.epochs,
                            alpha=model.alpha_ * cluster_rate_factor(K), min_alpha=model.min_alpha)
    sched = plan.schedule
    rounds = max(1, -(-n // sync_words))
    ranges, block0, first = [], [], 0
    for bo in offsets:
        cuts = np.searchsorted(bo, np.linspace(0, bo[-1], rounds + 1), side="left")
        cuts[0], cuts[-1] = 0, len(bo) - 1
        ranges.append(np.maximum.accumulate(cuts))
        block0.append(first)
        first += len(bo) - 1
    keep = plan.keep[: len(words)] / 2.0**32
    for epoch in range(model.epochs):
        done = float(epoch) * n
        for r in range(rounds):
            spans = [(int(ranges[k][r]), int(ranges[k][r + 1])) for k in range(K)]
            words_k = [float(offsets[k][hi] - offsets[k][lo]) for k, (lo, hi) in enumerate(spans)]
            total = sum(words_k)
            alpha = sched.rate(done)
            changes = []
            for k, (lo, hi) in enumerate(spans):
                scale = total / words_k[k] if words_k[k] else 1.0
                params = sched.params(epoch=epoch, words_before=done / scale - float(offsets[k][lo]),
                                      first_block=block0[k] + lo, total_words=sched.total_words / scale)
                a, b = w_in.copy(), w_out.copy()
                with numba_threads(1):
                    plan.run(a, b, encs[k], blocks[k], lo, hi, params)
                seen = np.bincount(encs[k].tokens[offsets[k][lo]:offsets[k][hi]], minlength=len(words)) * keep
                changes.append([(m1 - m0, seen) for m1, m0 in ((a, w_in), (b, w_out))])
            for i, w in enumerate((w_in, w_out)):
                moved, stay = np.zeros(w.shape[0]), np.zeros(w.shape[0])
                for ch in changes:
                    rows = np.flatnonzero(np.any(ch[i][0] != 0, axis=1))
                    lam = ((CONTRACTION, CONTRACTION_OUT)[i] * alpha) * ch[i][1][rows].astype(np.float32).astype(np.float64)
                    moved[rows] += -np.expm1(-lam)
                    stay[rows] -= lam
                scale = np.ones(w.shape[0])
                scale[moved > 1e-12] = -np.expm1(stay[moved > 1e-12]) / moved[moved > 1e-12]
                scale = scale.astype(np.float32)
                for ch in changes:
                    rows = np.flatnonzero(np.any(ch[i][0] != 0, axis=1))
                    w[rows] += ch[i][0][rows] * scale[rows][:, None]
            done += total
    return w_in, w_out


def test_three_workers_exchanging_among_themselves(texts):
    """Three replicas, one thread each, exchanging deltas worker to worker through the rows'
    owners (one cluster, closed at the end, for both halves):

    - the model equals the in-process simulation of the hub design exactly, and what crosses
      the driver per round is one call and its answer, a few hundred bytes whatever the number
      of workers (the data goes between the workers; replica 0 starts each round on the others);
    - the summed changes of 3 replicas used to diverge (norms of 1e11 on 3M words); combined as
      a sequential pass would move each row, the model's loss and geometry stay those of one
      machine (this half fails with the plain sum)."""
    c = _local_cluster(3)
    try:
        kw = dict(dim=20, epochs=2, window=4, min_count=5, seed=3, progress=False)
        m = Word2Vec(**kw).fit(texts["plain"], cluster=c, sync_words=60_000)
        info = m.corpus_stats_["cluster"]
        assert info["workers"] == 3 and info["syncs"] >= 2 * 4
        want_in, want_out = _hub_reference(m, [texts["plain"]], 3, 60_000)
        np.testing.assert_array_equal(m.input_matrix_, want_in)
        np.testing.assert_array_equal(m.output_matrix_, want_out)
        assert info["driver_bytes_per_sync"] < 400  # one call per round (three calls cost ~1,090 bytes)
        assert min(info["worker_bytes_sent_per_sync"]) > 50 * info["driver_bytes_per_sync"]

        kw = dict(dim=50, epochs=3, window=5, min_count=5, progress=False)
        one = Word2Vec(workers=2, seed=1, **kw).fit(texts["dir"])
        two = Word2Vec(workers=2, seed=2, **kw).fit(texts["dir"])
        dist = Word2Vec(seed=1, **kw).fit(texts["dir"], cluster=c, sync_words=100_000)
        assert np.abs(dist.input_matrix_).max() < 10 * np.abs(one.input_matrix_).max()
        assert abs(dist.loss_history_[-1] - one.loss_history_[-1]) < 0.05 * one.loss_history_[-1]
        words = list(one.vectors_.keys[20:320])
        assert _agreement(dist.vectors_, one.vectors_, words) > _agreement(two.vectors_, one.vectors_, words) - 0.08
    finally:
        cl = c.cluster
        c.close()
        cl.close()


def _pid_and_actors(dask_worker):
    return os.getpid(), len(dask_worker.state.actors)


class _Kill(Callback):
    """Kills a worker process that holds a replica (SIGKILL, as a crash or the out-of-memory
    killer would) at the end of the given epochs. A worker the nanny has just restarted may
    hold none (its replica was rebuilt elsewhere): killing that one would test nothing."""

    def __init__(self, client, epochs):
        self.client, self.epochs, self.killed = client, set(epochs), []

    def on_epoch_end(self, model, epoch, logs):
        if epoch in self.epochs:
            running = sorted(self.client.run(_pid_and_actors).items())
            addr, (pid, _) = next((w for w in running if w[1][1] > 0), running[0])
            os.kill(pid, signal.SIGKILL)
            self.killed.append(addr)


def test_a_worker_killed_during_training_is_replaced(texts):
    c = _local_cluster(2)
    try:
        kill = _Kill(c, [1])
        m = Word2Vec(dim=30, epochs=3, min_count=5, progress=False, callbacks=[kill]).fit(
            texts["plain"], cluster=c, sync_words=100_000)
        assert kill.killed and m.corpus_stats_["cluster"]["recovered"][0]["lost"] == kill.killed[0]
        assert len(m.loss_history_) == 3 and np.isfinite(m.vectors_.matrix).all()
        assert m.loss_history_[-1] < 3.0
    finally:
        cl = c.cluster
        c.close()
        cl.close()


def test_workers_dying_too_often_stop_the_job_and_nothing_is_written(texts, tmp_path, monkeypatch):
    from wordspace.cluster import training

    monkeypatch.setattr(training, "RETRIES", 1)
    c = _local_cluster(2)
    out = tmp_path / "never.bin"
    try:
        model = Word2Vec(dim=20, epochs=3, min_count=5, progress=False, callbacks=[_Kill(c, [1, 2])])
        with pytest.raises(ClusterError, match="workers died 2 times during training.*nothing was written"):
            model.fit(texts["plain"], cluster=c, sync_words=100_000)
        assert not out.exists()
    finally:
        cl = c.cluster
        c.close()
        cl.close()


def _script(name: str) -> str:
    """A console script of the environment running the tests (its bin folder need not be on PATH)."""
    import shutil

    here = os.path.join(os.path.dirname(sys.executable), name)
    return here if os.path.exists(here) else (shutil.which(name) or name)


def test_dask_scheduler_and_workers_as_separate_processes(texts, tmp_path):
    """`dask scheduler` and `dask worker` (two processes) on loopback; `wordspace train
    --cluster tcp://...` in a third; the vocabulary equals one machine's."""
    sched_file = tmp_path / "scheduler.json"
    env = dict(os.environ, DASK_DISTRIBUTED__LOGGING__DISTRIBUTED="error")
    procs = [subprocess.Popen([_script("dask"), "scheduler", "--host", "127.0.0.1", "--port", str(_free_port()),
                               "--no-dashboard", "--scheduler-file", str(sched_file)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)]
    try:
        for _ in range(300):
            if sched_file.exists() and sched_file.stat().st_size:
                break
            time.sleep(0.1)
        address = json.loads(sched_file.read_text())["address"]
        procs.append(subprocess.Popen([_script("dask"), "worker", "--scheduler-file", str(sched_file), "--nworkers", "2",
                                       "--nthreads", "1", "--no-dashboard", "--host", "127.0.0.1"],
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env))
        assert address.startswith("tcp://127.0.0.1:")
        with distributed.Client(address, timeout="30s") as c:
            c.wait_for_workers(2, timeout=60)
        out = tmp_path / "v.bin"
        r = subprocess.run([sys.executable, "-m", "wordspace.cli", "train", texts["dir"], "--out", str(out),
                            "--cluster", address, "--dim", "20", "--epochs", "1", "--min-count", "5", "--quiet"],
                           capture_output=True, text=True, timeout=300)
        assert r.returncode == 0, r.stderr
        v = load(str(out))
        want = encode_corpus(texts["dir"], min_count=5)
        assert list(v.keys) == want.words
    finally:
        for p in reversed(procs):
            p.terminate()
        for p in procs:
            p.wait(timeout=30)


@pytest.fixture(scope="module")
def s3(texts):
    """moto's S3 server on a loopback port, with the corpus uploaded under s3://corpus/text/."""
    pytest.importorskip("s3fs")
    pytest.importorskip("moto")
    port = _free_port()
    proc = subprocess.Popen([_script("moto_server"), "-H", "127.0.0.1", "-p", str(port)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        import s3fs

        opts = {"endpoint_url": f"http://127.0.0.1:{port}", "key": "testing", "secret": "testing"}
        fs = s3fs.S3FileSystem(**opts)
        fs.mkdir("corpus")
        fs.put(texts["plain"], "corpus/text/a.txt")
        fs.put(texts["gz"], "corpus/text/b.txt.gz")
        fs.put(texts["gz"], "corpus/text/.hidden.gz")
        yield opts
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_corpora_in_s3(s3, texts, client):
    """The storage options travel with the corpus (a LineCorpus), to the cluster's workers too."""
    want = encode_corpus(texts["dir"], min_count=2)
    got = encode_corpus(LineCorpus("s3://corpus/text/", storage_options=s3), min_count=2)  # a prefix, as a folder
    np.testing.assert_array_equal(got.tokens, want.tokens)
    assert got.words == want.words
    gz = encode_corpus(LineCorpus("s3://corpus/text/*.gz", storage_options=s3), min_count=2)  # a glob of objects
    assert gz.raw_tokens == encode_corpus(texts["gz"], min_count=2).raw_tokens
    with pytest.raises(CorpusError, match="'s3://corpus/missing.txt' does not exist"):
        LineCorpus("s3://corpus/missing.txt", storage_options=s3)
    m = Word2Vec(dim=20, epochs=1, min_count=2, progress=False).fit(LineCorpus("s3://corpus/text/", storage_options=s3),
                                                                      cluster=client)
    assert m.vectors_.keys == want.words  # the workers read S3 with the same options
    with pytest.raises(CorpusError):  # without the endpoint: real AWS is not reachable, or refuses
        encode_corpus(LineCorpus("s3://corpus/text/a.txt",
                                 storage_options={"endpoint_url": "http://127.0.0.1:9", "key": "x", "secret": "y"}))


def test_deprecated_process_wide_options_still_reach_the_workers(s3, texts, client):
    """Code written for set_storage_options keeps working until it is removed, with a warning
    (plain paths then carry those options, to the cluster's workers too)."""
    from wordspace import textfiles

    want = encode_corpus(texts["dir"], min_count=2)
    with pytest.warns(DeprecationWarning, match="storage_options is deprecated.*LineCorpus"):
        scope = textfiles.storage_options(s3)
    with scope:
        assert encode_corpus("s3://corpus/text/", min_count=2).words == want.words
        m = Word2Vec(dim=20, epochs=1, min_count=2, progress=False).fit("s3://corpus/text/", cluster=client)
        assert m.vectors_.keys == want.words
    assert textfiles.fallback_options() == {}  # the block ended (no read may reach the real AWS)


def test_cli_reads_s3_with_storage_options(s3, tmp_path, run):
    out = tmp_path / "v.txt"
    code, stdout, err = run(["train", "s3://corpus/text/a.txt", "--out", str(out), "--dim", "10", "--epochs", "1",
                             "--storage-options", json.dumps(s3), "--quiet"])
    assert code == 0, err
    assert out.read_text().split("\n", 1)[0].split()[1] == "10"
    for bad, msg in (("{oops", "--storage-options must be a JSON object"), ("[1, 2]", "must be a JSON object")):
        code, _, err = run(["train", "s3://corpus/text/a.txt", "--out", str(tmp_path / "x.bin"),
                            "--storage-options", bad])
        assert code == 1 and msg in err and len(err.strip().splitlines()) == 1


def test_corpus_over_http(texts, tmp_path):
    """An https-style URL served by a real HTTP server on loopback (fsspec's HTTP filesystem)."""
    pytest.importorskip("aiohttp")
    import functools
    import http.server

    shutil.copy(texts["gz"], tmp_path / "b.txt.gz")

    class Handler(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *a):
            pass

        def copyfile(self, src, dst):
            try:
                shutil.copyfileobj(src, dst)
            except (BrokenPipeError, ConnectionResetError):  # the client read what it needed
                self.close_connection = True

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Handler, directory=str(tmp_path)))
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/b.txt.gz"
        got = encode_corpus(url, min_count=1)
        want = encode_corpus(texts["gz"], min_count=1)
        np.testing.assert_array_equal(got.tokens, want.tokens)
        import io

        from wordspace.textfiles import open_binary

        with io.TextIOWrapper(open_binary(url), encoding="utf-8") as fh, gzip.open(texts["gz"], "rt") as local:
            assert [fh.readline() for _ in range(3)] == [local.readline() for _ in range(3)]  # what probe reads
        with pytest.raises(CorpusError, match="does not exist"):
            encode_corpus(f"http://127.0.0.1:{server.server_address[1]}/nothing.txt")
    finally:
        server.shutdown()
        server.server_close()


def test_sharded_neighbours_equal_one_machine(client, texts, tmp_path, run):
    m = Word2Vec(dim=30, epochs=1, min_count=3, progress=False, workers=2).fit(texts["plain"])
    path = tmp_path / "native"
    m.vectors_.save(path, format="native")
    words = list(m.vectors_.keys[:400:7])
    want = load(path).most_similar_batch(words, k=8)
    with ShardedIndex(path, client) as index:
        assert len(index.shards) == 2
        got = index.most_similar_batch(words, k=8)
    assert [[a.key for a in row] for row in got] == [[a.key for a in row] for row in want]
    np.testing.assert_allclose([[a.score for a in row] for row in got], [[a.score for a in row] for row in want],
                               atol=1e-5)
    code, out, err = run(["neighbors", str(path), words[3], "-k", "3", "--json", "--cluster", client.scheduler.address])
    assert code == 0, err
    assert [a["key"] for a in json.loads(out)[words[3]]] == [a.key for a in want[3][:3]]


def test_bad_cluster_input(texts, tmp_path, run):
    out = str(tmp_path / "v.bin")
    for argv, msg in ((["--cluster", "local:0"], "'local:N' needs N >= 1"),
                      (["--cluster", "somewhere"], "cluster must be 'local:N' or a scheduler address"),
                      (["--sync-words", "1000"], "--sync-words applies to training on a cluster"),
                      (["--cluster", "local:1", "--sync-words", "0"], "--sync-words")):
        code, _, err = run(["train", texts["plain"], "--out", out] + argv)
        assert code == 1 and msg in err and len(err.strip().splitlines()) == 1, (argv, err)
    assert not os.path.exists(out)
    with pytest.raises(InvalidParameterError, match="pass paths, not sentences in memory"):
        Word2Vec(progress=False).fit([["a", "b"]], cluster="local:1")


@pytest.mark.parametrize("service", ["http", "banner", "nothing"])
def test_an_address_that_is_not_a_dask_scheduler_is_one_line_in_seconds(service, tmp_path, texts):
    """An HTTP server (silent until asked: Dask's client used to wait for minutes), a service
    that greets first (its bytes were read as a 3 EiB frame, reported as "out of memory"), and a
    port where nothing listens: each is one line, exit 1, within seconds, and nothing is written."""
    import http.server
    import socketserver
    import threading

    class Banner(socketserver.BaseRequestHandler):
        def handle(self):
            self.request.sendall(b"SSH-2.0-OpenSSH_9.6\r\n" + b"\xff" * 64)
            time.sleep(2)

    server = None
    if service == "http":
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), http.server.SimpleHTTPRequestHandler)
    elif service == "banner":
        server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Banner)
    if server is not None:
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, daemon=True).start()
        port = server.server_address[1]
    else:
        port = _free_port()
    try:
        t0 = time.perf_counter()
        r = subprocess.run([sys.executable, "-m", "wordspace.cli", "train", texts["plain"], "--out", str(tmp_path / "v.bin"),
                            "--cluster", f"tcp://127.0.0.1:{port}", "--quiet"], capture_output=True, text=True,
                           timeout=120)
        assert time.perf_counter() - t0 < 30
        assert r.returncode == 1 and len(r.stderr.strip().splitlines()) == 1, r.stderr
        assert ("is not a Dask scheduler" if server else "cannot reach the Dask scheduler") in r.stderr
        assert not (tmp_path / "v.bin").exists()
    finally:
        if server is not None:
            server.shutdown()
            server.server_close()
