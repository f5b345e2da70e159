"""One machine against local Dask clusters of 2, 3 and 4 worker processes on the same machine,
on the first 10M words of ../shared/data/corpus/wiki.txt.gz (3 epochs), and the scaling model
on paper redone from the bytes measured:

    python benchmarks/bench_cluster.py [--words 10000000] [--configs sg,cbow,sg-hs,fasttext] [--workers 2,3,4]
        [--sync N,...] [--overlap] [--seeds 1,2,3] [--defaults] [--json OUT]

Each run is `wordspace train` in a fresh process (the cluster ones with `--cluster local:K`:
K worker processes of one thread each, sharing this machine's cores, so the wall time is not the
point here): wall time including the cluster's start, reading and the vocabulary; the rounds;
what crossed the driver per round (the calls and their answers, pickled) and what each worker
sent and received per round (the deltas to the rows' owners, the owners' new values back); the
seconds a replica trained per round; quality by the same judge as bench_train.py. One machine
runs once per seed (its own spread is the yardstick). `--sync` adds runs at those intervals on
the largest K; `--overlap` adds one with `--overlap` there. Printed as markdown tables.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile

from _common import QUALITY_HEAD, judge, prepare_corpus, quality_cells, timed, wordspace_cmd

CONFIGS = {"sg": ["--architecture", "skipgram"], "cbow": ["--architecture", "cbow"],
           "sg-hs": ["--architecture", "skipgram", "--loss", "hs"],
           "fasttext": ["--algorithm", "fasttext", "--architecture", "skipgram"]}
COMMON = ["--dim", "100", "--window", "5", "--negative", "5", "--sample", "1e-4", "--min-count", "5", "--epochs", "3",
          "--quiet"]
#: Rows a replica changes in W words of this corpus (skip-gram, subsampling, 5 negatives per
#: window; counted from the token stream in the previous round's docs/scaling.md), in MB at 408
#: bytes a row (a row id, 100 float32 deltas, the row's count).
CHANGED_MB = {4_000: 3.4, 16_000: 8.5, 62_500: 17.0, 250_000: 26.5, 1_000_000: 33.7}
MODEL_MB = 2 * 51_686 * 408 / 1e6  # every row of both matrices
LINK = 1.25e9  # 10 Gbit/s, bytes per second, each direction
NODE_WORDS = 24e6  # a 16-core worker at 1.5M words/s per core, scaled linearly (an upper bound)


def cluster_stats(path: str) -> dict:
    code = ("import json, sys; from wordspace import load; "
            "m = load(sys.argv[1]).metadata; print(json.dumps(m['corpus']))")
    out = subprocess.run([sys.executable, "-c", code, path], capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def changed_mb(words: float) -> float:
    """``CHANGED_MB`` interpolated in log-log, capped at the whole model."""
    import math

    xs = sorted(CHANGED_MB)
    if words <= xs[0]:
        return CHANGED_MB[xs[0]] * words / xs[0]
    for a, b in zip(xs, xs[1:]):
        if words <= b:
            t = (math.log(words) - math.log(a)) / (math.log(b) - math.log(a))
            return math.exp(math.log(CHANGED_MB[a]) + t * (math.log(CHANGED_MB[b]) - math.log(CHANGED_MB[a])))
    return min(MODEL_MB, CHANGED_MB[xs[-1]] * (words / xs[-1]) ** 0.15)


def model_row(k: int, per_worker: float, overlap: bool) -> dict:
    """One round of the hub-less exchange on K workers of 16 cores: each worker sends its
    changed rows' deltas (B(W)) and its shard's new values to the other replicas (about
    B(K W) in all), and receives as much; in and out travel at once on a full-duplex link."""
    b_out = changed_mb(per_worker) + changed_mb(k * per_worker)
    network = b_out * 1e6 / LINK
    compute = per_worker / NODE_WORDS
    seconds = max(compute, network) if overlap else compute + network
    rate = k * per_worker / seconds
    return {"workers": k, "per_worker": per_worker, "mb": b_out, "compute": compute, "network": network,
            "rate": rate, "share": rate / (k * NODE_WORDS)}


def print_model() -> None:
    print("\n### The model on paper: K workers of 16 cores, 10 Gbit/s, no hub\n")
    print("| interval rule | workers | words per worker per round | MB out (= in) per worker | compute s | "
          "network s | words/s, in turn | share of linear | words/s, overlapped | share |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for label, per_worker_of in (("quality-preserving: 1M/K cluster words", lambda k: 1e6 / k / k),
                                 ("250k words per worker", lambda k: 250e3), ("1M words per worker", lambda k: 1e6),
                                 ("4M words per worker", lambda k: 4e6)):
        for k in (1, 4, 8, 32, 128):
            if k == 1:
                continue
            a, b = model_row(k, per_worker_of(k), False), model_row(k, per_worker_of(k), True)
            print(f"| {label} | {k} | {a['per_worker']:,.0f} | {a['mb']:.1f} | {a['compute'] * 1e3:.1f} ms | "
                  f"{a['network'] * 1e3:.1f} ms | {a['rate'] / 1e6:.1f}M | {a['share']:.0%} | {b['rate'] / 1e6:.1f}M | "
                  f"{b['share']:.0%} |")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--words", type=int, default=10_000_000)
    ap.add_argument("--configs", default="sg")
    ap.add_argument("--workers", default="2,3,4")
    ap.add_argument("--sync", default="", help="extra intervals, run on the largest K")
    ap.add_argument("--overlap", action="store_true", help="also run the largest K with --overlap")
    ap.add_argument("--seeds", default="1,2,3", help="one machine's seeds")
    ap.add_argument("--defaults", action="store_true",
                    help="train with the trainers' defaults (only --epochs 3) instead of the settings above")
    ap.add_argument("--model-only", action="store_true", help="print the model on paper and stop")
    ap.add_argument("--json", default=None)
    args = ap.parse_args()
    if args.model_only:
        print_model()
        return
    common = ["--epochs", "3", "--quiet"] if args.defaults else COMMON
    tmp = tempfile.mkdtemp(prefix="ws-bench-cluster-")
    corpus = os.path.join(tmp, "corpus.txt")
    n = prepare_corpus(args.words, corpus)
    ks = [int(k) for k in args.workers.split(",")]
    rows = []
    for cfg in args.configs.split(","):
        runs = [(f"one machine, 2 threads, seed {s}", ["--workers", "2", "--seed", s]) for s in args.seeds.split(",")]
        runs += [(f"local:{k}", ["--cluster", f"local:{k}"]) for k in ks]
        runs += [(f"local:{ks[-1]}, sync every {int(s):,} words", ["--cluster", f"local:{ks[-1]}", "--sync-words", s])
                 for s in args.sync.split(",") if s]
        if args.overlap:
            runs.append((f"local:{ks[-1]}, --overlap", ["--cluster", f"local:{ks[-1]}", "--overlap"]))
        for i, (label, extra) in enumerate(runs):
            out = os.path.join(tmp, f"{cfg}-{i}")
            wall, rss = timed(wordspace_cmd("train", corpus, "--out", out, *CONFIGS[cfg], *common, *extra))
            stats = cluster_stats(out)
            row = {"config": cfg, "run": label, "seconds": wall, "words_per_second": 3 * stats["tokens"] / wall,
                   "cluster": stats.get("cluster"), "quality": judge(out), "peak_rss_mb": rss}
            rows.append(row)
            print(json.dumps(row), file=sys.stderr, flush=True)
    settings = "defaults otherwise" if args.defaults else "dim 100, window 5, negative 5, sample 1e-4, min-count 5"
    print(f"\n### {n:,} words, 3 epochs, {settings}\n")
    print(f"| config | run | wall s | interval | rounds | driver bytes per round | worker MB out / in per round | "
          f"train s per round | {QUALITY_HEAD} |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        c = r["cluster"] or {}
        if c:
            sent, recv = c["worker_bytes_sent_per_sync"], c["worker_bytes_received_per_sync"]
            cells = (f"{c['sync_words']:,} | {c['syncs']} | {c['driver_bytes_per_sync']:,.0f} | "
                     f"{sum(sent) / len(sent) / 1e6:.1f} / {sum(recv) / len(recv) / 1e6:.1f} | "
                     f"{c['train_seconds_per_sync']:.2f}")
        else:
            cells = "- | - | - | - | -"
        print(f"| {r['config']} | {r['run']} | {r['seconds']:.1f} | {cells} | {quality_cells(r['quality'])} |")
    print_model()
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(rows, fh, indent=1)


if __name__ == "__main__":
    main()
