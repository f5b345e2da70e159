"""Train wordspace, gensim (corpus_file mode) and the word2vec C tool side by side, in one run,
on the same text with the same settings, and print one markdown table.

    python benchmarks/bench_train.py [--words 10000000] [--configs sg-ns,cbow-ns,sg-hs] [--repeat 3]

Columns: wall seconds (vocabulary included), words/s, time relative to wordspace, peak RSS of
the training process, and quality: Google analogies (30k most frequent words, 3CosAdd; total,
semantic, syntactic), WordSim-353 and SimLex-999 Spearman, every tool's vectors scored by one
judge (wordspace.evaluate on the word2vec binary each tool wrote). With ``--repeat N`` every tool
trains N times (seeds 1..N where the tool takes one; the tools' runs interleaved, so a slow
spell of the machine falls on all of them): the table shows the median time and the mean
scores, and the analogy column the lowest and highest run too. fastText (fasttext-wheel, its
own subword model) runs in the negative-sampling configurations. Needs ../shared/data and the
[bench] extra.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile

import numpy as np

from _common import QUALITY_HEAD, c_tool, judge, prepare_corpus, quality_cells, timed, wordspace_cmd

HERE = os.path.dirname(os.path.abspath(__file__))

CONFIGS = {  # name -> (architecture, loss, alpha given to every tool: wordspace's default)
    "sg-ns": ("skipgram", "ns", 0.025),
    "cbow-ns": ("cbow", "ns", 0.075),
    "sg-hs": ("skipgram", "hs", 0.025),
    "cbow-ns-a0.05": ("cbow", "ns", 0.05),  # the C tool's CBOW default, for comparison
}


GENSIM = """
import sys
from gensim.models import Word2Vec
corpus, out, sg, hs, neg, alpha, workers, seed = sys.argv[1:]
m = Word2Vec(corpus_file=corpus, vector_size=100, window=5, sample=1e-4, min_count=5, epochs=3,
             sg=int(sg), hs=int(hs), negative=int(neg), alpha=float(alpha), workers=int(workers),
             seed=int(seed))
m.wv.save_word2vec_format(out, binary=True)
"""

FASTTEXT = """
import sys
import numpy as np
import fasttext
from wordspace import Vectors
corpus, out, model, lr, workers = sys.argv[1:]
m = fasttext.train_unsupervised(corpus, model=model, dim=100, ws=5, neg=5, t=1e-4, minCount=5, epoch=3,
                                lr=float(lr), thread=int(workers), verbose=0)
words = m.get_words()
Vectors(words, np.stack([m.get_word_vector(w) for w in words])).save(out)
"""


SEED = object()  # stands for the run's seed in a command line


def summarise(runs: list[dict], n_words: int) -> dict:
    """One row for a tool's runs: median seconds, largest RSS, mean scores, the analogy range."""
    seconds = float(np.median([r["seconds"] for r in runs]))
    row = {"config": runs[0]["config"], "tool": runs[0]["tool"], "runs": len(runs), "seconds": seconds,
           "words_per_sec": 3 * n_words / seconds, "peak_rss_mb": max(r["peak_rss_mb"] for r in runs)}
    for key in ("analogy", "semantic", "syntactic", "ws353", "simlex"):
        row[key] = float(np.mean([r[key] for r in runs]))
    row["analogy_min"] = min(r["analogy"] for r in runs)
    row["analogy_max"] = max(r["analogy"] for r in runs)
    return row


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--words", type=int, default=10_000_000)
    ap.add_argument("--configs", default="sg-ns,cbow-ns,sg-hs,cbow-ns-a0.05")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--tools", default="wordspace,gensim,c,fasttext")
    ap.add_argument("--json", default=None, help="also write the rows here")
    ap.add_argument("--repeat", type=int, default=1, help="runs per tool (median time, mean scores)")
    ap.add_argument("--baseline", default=None, metavar="SRC",
                    help="also run the wordspace whose package folder is under SRC (the src folder of a checkout "
                         "of an earlier commit, e.g. 'git worktree add /tmp/before REV' then /tmp/before/src), "
                         "as the tool 'wordspace@baseline', interleaved with the others: before/after figures "
                         "from one run")
    args = ap.parse_args()
    if args.repeat < 1:
        ap.error(f"--repeat must be at least 1, got {args.repeat}")
    tmp = tempfile.mkdtemp(prefix="ws-bench-")
    corpus = os.path.join(tmp, "corpus.txt")
    n_words = prepare_corpus(args.words, corpus)
    # warm the Numba cache so compilation is not timed (a user compiles once per install); at the
    # benchmark's width, which has kernels of its own (SPECIALISED_DIMS in _kernels.word2vec)
    kjv = os.path.join(HERE, "..", "src", "wordspace", "data", "kjv.txt.gz")
    baseline = ["env", f"PYTHONPATH={os.path.abspath(args.baseline)}"] if args.baseline else None
    for prefix in ([[]] + ([baseline] if baseline else [])):
        for loss, arch in (("ns", "skipgram"), ("hs", "skipgram"), ("ns", "cbow"), ("hs", "cbow")):
            timed(prefix + wordspace_cmd("train", kjv, "--out", os.path.join(tmp, "warm.bin"), "--epochs", "1",
                                         "--quiet", "--loss", loss, "--architecture", arch, "--dim", "100",
                                         "--workers", str(args.workers)))
    rows = []
    w = str(args.workers)
    for name in args.configs.split(","):
        arch, loss, alpha = CONFIGS[name]
        sg, hs = ("1" if arch == "skipgram" else "0"), ("1" if loss == "hs" else "0")
        neg = "5" if loss == "ns" else "0"
        runs = {
            "wordspace": [*wordspace_cmd("train", corpus, "--out"), None, "--architecture", arch,
                          "--loss", loss, "--dim", "100", "--window", "5", "--negative", "5", "--sample", "1e-4",
                          "--min-count", "5", "--epochs", "3", "--alpha", str(alpha), "--workers", w, "--quiet",
                          "--seed", SEED],
            "gensim": [sys.executable, "-c", GENSIM, corpus, None, sg, hs, neg, str(alpha), w, SEED],
            "c": [c_tool(), "-train", corpus, "-output", None, "-cbow", "0" if sg == "1" else "1", "-hs", hs,
                  "-negative", neg, "-size", "100", "-window", "5", "-sample", "1e-4", "-min-count", "5",
                  "-iter", "3", "-threads", w, "-binary", "1", "-alpha", str(alpha)],
            # fastText's own model (subword n-grams 3-6); only run for the negative-sampling configs
            "fasttext": [sys.executable, "-c", FASTTEXT, corpus, None, arch, str(alpha), w],
        }
        if baseline:
            runs["wordspace@baseline"] = baseline + runs["wordspace"]
        tools = [t for t in args.tools.split(",") + (["wordspace@baseline"] if baseline else [])
                 if not (t == "fasttext" and (loss != "ns" or name.endswith("a0.05")))]
        runs_of = {t: [] for t in tools}
        for rep in range(args.repeat):
            for tool in tools:
                out = os.path.join(tmp, f"{tool}-{name}.bin")
                cmd = [out if c is None else (str(rep + 1) if c is SEED else c) for c in runs[tool]]
                wall, rss = timed(cmd)
                run = {"config": name, "tool": tool, "run": rep + 1, "seconds": wall, "peak_rss_mb": rss,
                       **judge(out)}
                runs_of[tool].append(run)
                print(json.dumps(run), file=sys.stderr, flush=True)
        base = None
        for tool in tools:
            row = summarise(runs_of[tool], n_words)
            base = base or row["seconds"]
            row["ratio"] = row["seconds"] / base
            rows.append(row)
    v = 52_000  # about the vocabulary of 10M words at min_count 5
    budget = (2 * v * 100 * 4 + 4 * n_words) / 2**20 + 300
    print(f"\n{n_words:,} words of wiki.txt.gz, dim 100, window 5, negative 5, sample 1e-4, min_count 5, "
          f"3 epochs, {args.workers} workers. Memory budget (2 matrices + 4 B/token + 300 MB): {budget:.0f} MB\n")
    if args.repeat > 1:
        print(f"{args.repeat} runs per tool: median seconds, mean scores, analogy (lowest-highest run).\n")
    print(f"| config | tool | seconds | words/s | time vs wordspace | peak RSS MB | {QUALITY_HEAD} |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        cells = quality_cells(r)
        if r["runs"] > 1:
            cells = cells.replace(f"{r['analogy']:.1f}", f"{r['analogy']:.1f} ({r['analogy_min']:.1f}-{r['analogy_max']:.1f})", 1)
        print(f"| {r['config']} | {r['tool']} | {r['seconds']:.1f} | {r['words_per_sec'] / 1e3:.0f}k | "
              f"{r['ratio']:.2f}x | {r['peak_rss_mb']:.0f} | {cells} |")
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(rows, fh, indent=1)


if __name__ == "__main__":
    main()
