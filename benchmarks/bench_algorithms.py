"""fastText, GloVe and PPMI+SVD side by side with word2vec and with Facebook's fastText, in one
run on the same text, and one markdown table.

    python benchmarks/bench_algorithms.py [--words 10000000] [--workers 2]

Rows (all --dim 100 --window 5 --min-count 5, 2 workers, vectors scored by one judge):
- word2vec skip-gram (3 epochs, sample 1e-4), for reference;
- wordspace fastText and fasttext-wheel, skip-gram, 3 epochs, fastText's defaults otherwise
  (lr 0.05, t 1e-4, 5 negatives, n-grams 3-6, 2,000,000 buckets);
- GloVe with its defaults (window 10, x_max 10, 15 epochs: the GloVe tool's settings for a
  corpus of this size), with x_max 100 (the paper's), and at window 5 with the default counting
  budget and with one smaller than the co-occurrence matrix;
- PPMI+SVD (context smoothing 0.75, eigenvalue weighting 0.5), and the same at --dim 300
  (a later --dim wins on the command line).

Unseen words: inflected forms taken from the Google analogy set (plurals, third person, past
tense, participles) are removed from a second copy of the corpus; both fastText tools are
trained on it, and for each removed word we rank its base form among the 30,000 most frequent
words by cosine with the removed word's n-gram vector (chance: rank 15,000).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile

from _common import EVAL, QUALITY_HEAD, judge, prepare_corpus, quality_cells, timed, wordspace_cmd

FASTTEXT = """
import sys
import fasttext
corpus, out, workers = sys.argv[1:]
m = fasttext.train_unsupervised(corpus, model="skipgram", dim=100, ws=5, minCount=5, epoch=3, thread=int(workers),
                                verbose=0)
m.save_model(out)
"""

OOV_SECTIONS = ("gram5-present-participle", "gram7-past-tense", "gram8-plural", "gram9-plural-verbs")

OOV_RANKS = """
import json, sys
import numpy as np
import wordspace
v = wordspace.load(sys.argv[1])
pairs = json.loads(sys.argv[2])
top = v.normalized()[:30000]
ranks = []
for removed, base in pairs:
    if removed in v or base not in v or v.index_of(base) >= 30000:
        continue
    q = v[removed]
    scores = top @ (q / np.linalg.norm(q))
    ranks.append(int((scores > scores[v.index_of(base)]).sum()) + 1)
r = np.array(ranks)
print(json.dumps({"pairs": len(r), "median_rank": float(np.median(r)), "mrr": float(np.mean(1 / r)),
                  "hits1": float(np.mean(r <= 1)), "hits10": float(np.mean(r <= 10))}))
"""


def oov_pairs() -> list[tuple[str, str]]:
    """(inflected, base) pairs of the Google set's morphological sections."""
    pairs, section = set(), None
    with open(os.path.join(EVAL, "questions-words.txt")) as fh:
        for line in fh:
            if line.startswith(":"):
                section = line[1:].strip()
                continue
            if section in OOV_SECTIONS:
                a, b, c, d = line.lower().split()
                pairs |= {(b, a), (d, c)}
    return sorted(pairs)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--words", type=int, default=10_000_000)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--small-memory", type=float, default=64, help="MB for the GloVe run with a tight budget")
    ap.add_argument("--json", default=None)
    ap.add_argument("--only", default=None, metavar="TEXT",
                    help="run only the rows whose model name contains TEXT (say 'PPMI'); unseen words are "
                         "measured when 'fastText' is among them")
    args = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="ws-bench-alg-")
    corpus = os.path.join(tmp, "corpus.txt")
    n_words = prepare_corpus(args.words, corpus)
    pairs = oov_pairs()
    removed = frozenset(r for r, _ in pairs)
    corpus_oov = os.path.join(tmp, "corpus-without-inflections.txt")
    prepare_corpus(args.words, corpus_oov, drop=removed)
    w = str(args.workers)
    common = ["--dim", "100", "--window", "5", "--min-count", "5", "--workers", w, "--quiet"]
    kjv = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src", "wordspace", "data", "kjv.txt.gz")
    for alg in ("word2vec", "fasttext", "glove", "ppmi-svd"):  # compile and cache the kernels first
        timed(wordspace_cmd("train", kjv, "--algorithm", alg, "--out", os.path.join(tmp, "warm"), "--dim", "8",
                            "--workers", w, "--quiet", *(["--epochs", "1"] if alg != "ppmi-svd" else [])))
    runs = [
        ("word2vec skip-gram", "wordspace", "w2v.bin",
         wordspace_cmd("train", corpus, "--out", None, *common, "--epochs", "3", "--sample", "1e-4")),
        ("fastText skip-gram", "wordspace", "ft",
         wordspace_cmd("train", corpus, "--algorithm", "fasttext", "--out", None, *common, "--epochs", "3")),
        ("fastText skip-gram", "fasttext-wheel", "fb.bin", [sys.executable, "-c", FASTTEXT, corpus, None, w]),
        ("GloVe, its defaults", "wordspace", "glove-defaults",
         wordspace_cmd("train", corpus, "--algorithm", "glove", "--out", None, "--workers", w, "--quiet")),
        ("GloVe, window 5 (1024 MB)", "wordspace", "glove-1024",
         wordspace_cmd("train", corpus, "--algorithm", "glove", "--out", None, *common, "--epochs", "15")),
        (f"GloVe, window 5 ({args.small_memory:g} MB)", "wordspace", "glove-small",
         wordspace_cmd("train", corpus, "--algorithm", "glove", "--out", None, *common, "--epochs", "15",
                       "--memory", str(args.small_memory))),
        ("GloVe, x_max 100", "wordspace", "glove-x100",
         wordspace_cmd("train", corpus, "--algorithm", "glove", "--out", None, "--workers", w, "--quiet",
                       "--x-max", "100")),
        ("PPMI+SVD", "wordspace", "ppmi", wordspace_cmd("train", corpus, "--algorithm", "ppmi-svd", "--out", None, *common)),
        ("PPMI+SVD, dim 300", "wordspace", "ppmi300",
         wordspace_cmd("train", corpus, "--algorithm", "ppmi-svd", "--out", None, *common, "--dim", "300")),
    ]
    if args.only:
        runs = [r for r in runs if args.only.lower() in r[0].lower()]
    rows = []
    for name, tool, out_name, cmd in runs:
        out = os.path.join(tmp, out_name)
        wall, rss = timed([out if c is None else c for c in cmd])
        row = {"model": name, "tool": tool, "seconds": wall, "peak_rss_mb": rss, **judge(out)}
        if os.path.isdir(out):
            meta = json.load(open(os.path.join(out, "wordspace.json")))["metadata"]
            co = meta.get("corpus", {})
            if "cooccurrences" in co:
                row["cooccur"] = {k: co.get(k) for k in ("cooccurrences", "cooccurrence_runs", "cooccurrence_spilled",
                                                         "cooccurrence_seconds", "cooccurrence_table_mb",
                                                         "peak_rss_mb_after_counting")}
        rows.append(row)
        print(json.dumps(row), file=sys.stderr, flush=True)
    oov = {}
    for tool, out_name, cmd in () if not any(r[0].startswith("fastText") for r in runs) else (
        ("wordspace", "ft-oov", wordspace_cmd("train", corpus_oov, "--algorithm", "fasttext", "--out", None, *common,
                                              "--epochs", "3")),
        ("fasttext-wheel", "fb-oov.bin", [sys.executable, "-c", FASTTEXT, corpus_oov, None, w]),
    ):
        out = os.path.join(tmp, out_name)
        timed([out if c is None else c for c in cmd])
        res = subprocess.run([sys.executable, "-c", OOV_RANKS, out, json.dumps(pairs)], capture_output=True,
                             text=True, check=True)
        oov[tool] = json.loads(res.stdout)
        print(json.dumps({"oov": tool, **oov[tool]}), file=sys.stderr, flush=True)

    print(f"\n{n_words:,} words of wiki.txt.gz, dim 100, window 5, min_count 5, {args.workers} workers.\n")
    print(f"| model | tool | seconds | peak RSS MB | {QUALITY_HEAD} |")
    print("|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['model']} | {r['tool']} | {r['seconds']:.1f} | {r['peak_rss_mb']:.0f} | {quality_cells(r)} |")
    for r in rows:
        if "cooccur" in r:
            c = r["cooccur"]
            print(f"\n{r['model']}: {c['cooccurrences']:,} non-zero co-occurrences ({c['cooccurrences'] * 12 / 2**20:.0f} MB "
                  f"as a matrix), counted in {c['cooccurrence_seconds']:.1f} s with {c['cooccurrence_table_mb']:.0f} MB of "
                  f"tables in {c['cooccurrence_runs']} sorted runs (spilled to disk: {c['cooccurrence_spilled']}); "
                  f"peak RSS by the end of counting {c['peak_rss_mb_after_counting']:.0f} MB")
    if not oov:
        return _save(args, rows, oov)
    print(f"\nUnseen words ({len(removed)} inflected forms removed from the corpus; rank of the base form among "
          "the 30,000 most frequent words, chance 15,000):\n")
    print("| tool | pairs | median rank | MRR | hits@1 | hits@10 |")
    print("|---|---|---|---|---|---|")
    for tool, o in oov.items():
        print(f"| {tool} | {o['pairs']} | {o['median_rank']:.0f} | {o['mrr']:.3f} | {o['hits1']:.2f} | {o['hits10']:.2f} |")
    _save(args, rows, oov)


def _save(args, rows, oov) -> None:
    if args.json:
        with open(args.json, "w") as fh:
            json.dump({"rows": rows, "oov": oov}, fh, indent=1)


if __name__ == "__main__":
    main()
