"""One machine against a 2-worker Dask cluster on the same machine, on the first 10M words of
../shared/data/corpus/wiki.txt.gz (3 epochs, defaults otherwise, as the scaling issue asks):

    python benchmarks/bench_cluster.py [--words 10000000] [--configs sg,cbow] [--sync 500000,2000000] [--defaults]

Each run is `wordspace train` in a fresh process (the cluster one with `--cluster local:2`:
two worker processes of one thread each, on a machine of two cores, against one process of two
threads): wall time including the cluster's start, reading and the vocabulary; words/s; bytes
exchanged per synchronisation (from the model's metadata); quality by the same judge as
bench_train.py. Printed as a markdown table.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile

from _common import QUALITY_HEAD, judge, prepare_corpus, quality_cells, timed, wordspace_cmd

CONFIGS = {"sg": ["--architecture", "skipgram"], "cbow": ["--architecture", "cbow"]}
COMMON = ["--dim", "100", "--window", "5", "--negative", "5", "--sample", "1e-4", "--min-count", "5", "--epochs", "3",
          "--quiet"]


def cluster_stats(path: str) -> dict:
    code = ("import json, sys; from wordspace import load; "
            "m = load(sys.argv[1]).metadata; print(json.dumps(m['corpus']))")
    out = subprocess.run([sys.executable, "-c", code, path], capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--words", type=int, default=10_000_000)
    ap.add_argument("--configs", default="sg,cbow")
    ap.add_argument("--sync", default="500000,2000000")
    ap.add_argument("--defaults", action="store_true",
                    help="train with the trainers' defaults (only --epochs 3) instead of the settings above")
    ap.add_argument("--json", default=None)
    args = ap.parse_args()
    common = ["--epochs", "3", "--quiet"] if args.defaults else COMMON
    tmp = tempfile.mkdtemp(prefix="ws-bench-cluster-")
    corpus = os.path.join(tmp, "corpus.txt")
    n = prepare_corpus(args.words, corpus)
    rows = []
    for cfg in args.configs.split(","):
        runs = [("one machine, 2 threads", ["--workers", "2"], None)]
        runs += [(f"local:2, sync every {int(s):,} words", ["--cluster", "local:2", "--sync-words", s], s)
                 for s in args.sync.split(",")]
        for label, extra, sync in runs:
            out = os.path.join(tmp, f"{cfg}-{sync or 'one'}")
            wall, rss = timed(wordspace_cmd("train", corpus, "--out", out, *CONFIGS[cfg], *common, *extra))
            stats = cluster_stats(out)
            row = {"config": cfg, "run": label, "seconds": wall, "words_per_second": 3 * stats["tokens"] / wall,
                   "cluster": stats.get("cluster"), "quality": judge(out), "peak_rss_mb": rss}
            rows.append(row)
            print(json.dumps(row), file=sys.stderr, flush=True)
    settings = "defaults otherwise" if args.defaults else "dim 100, window 5, negative 5, sample 1e-4, min-count 5"
    print(f"\n### {n:,} words, 3 epochs, {settings}\n")
    print(f"| config | run | wall s | words/s | MB per sync | syncs | {QUALITY_HEAD} |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        c = r["cluster"] or {}
        mb = f"{c['bytes_per_sync'] / 1e6:.1f}" if c else "-"
        print(f"| {r['config']} | {r['run']} | {r['seconds']:.1f} | {r['words_per_second'] / 1e6:.2f}M | {mb} | "
              f"{c.get('syncs', '-')} | {quality_cells(r['quality'])} |")
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(rows, fh, indent=1)


if __name__ == "__main__":
    main()
