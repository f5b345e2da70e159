"""Train wordspace, gensim (corpus_file mode) and the word2vec C tool side by side, in one run,
on the same text with the same settings, and print one markdown table.

    python benchmarks/bench_train.py [--words 10000000] [--configs sg-ns,cbow-ns,sg-hs]

Columns: wall seconds (vocabulary included), words/s, time relative to wordspace, peak RSS of
the training process, and quality: Google analogies (30k most frequent words, 3CosAdd; total,
semantic, syntactic), WordSim-353 and SimLex-999 Spearman, every tool's vectors scored by one
judge (wordspace.evaluate on the word2vec binary each tool wrote). fastText (fasttext-wheel, its
own subword model) runs in the negative-sampling configurations. Needs ../shared/data and the
[bench] extra.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import subprocess
import sys
import sysconfig
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(os.path.dirname(os.path.dirname(HERE)), "shared", "data")

CONFIGS = {  # name -> (architecture, loss, alpha given to every tool: wordspace's default)
    "sg-ns": ("skipgram", "ns", 0.025),
    "cbow-ns": ("cbow", "ns", 0.075),
    "sg-hs": ("skipgram", "hs", 0.025),
    "cbow-ns-a0.05": ("cbow", "ns", 0.05),  # the C tool's CBOW default, for comparison
}


def prepare_corpus(words: int, path: str) -> int:
    n = 0
    with gzip.open(os.path.join(DATA, "corpus", "wiki.txt.gz"), "rt") as src, open(path, "w") as dst:
        for line in src:
            dst.write(line)
            n += len(line.split())
            if n >= words:
                break
    return n


def timed(cmd: list[str]) -> tuple[float, float]:
    """Run ``cmd``; return (wall seconds, peak RSS in MB of that process)."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    err = proc.stderr.read().decode(errors="replace")
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise RuntimeError(f"{cmd[0]} failed ({proc.returncode}): {err[-2000:]}")
    return wall, usage.ru_maxrss / 1024


GENSIM = """
import sys
from gensim.models import Word2Vec
corpus, out, sg, hs, neg, alpha, workers = sys.argv[1:]
m = Word2Vec(corpus_file=corpus, vector_size=100, window=5, sample=1e-4, min_count=5, epochs=3,
             sg=int(sg), hs=int(hs), negative=int(neg), alpha=float(alpha), workers=int(workers))
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


def judge(path: str) -> dict:
    """Every tool's vectors scored by wordspace.evaluate (which reproduces gensim's evaluators:
    docs/benchmarks.md), on the shared copies of the datasets."""
    from wordspace import load
    from wordspace.evaluate import analogy_benchmark, similarity_benchmark

    v = load(path)
    an = analogy_benchmark(v, os.path.join(DATA, "eval", "questions-words.txt"), restrict_vocab=30_000)
    ws = similarity_benchmark(v, os.path.join(DATA, "eval", "wordsim353.tsv"))
    sl = similarity_benchmark(v, os.path.join(DATA, "eval", "simlex999.txt"))
    return {"analogy": 100 * an.accuracy, "semantic": 100 * an.semantic["accuracy"],
            "syntactic": 100 * an.syntactic["accuracy"], "ws353": ws.spearman, "simlex": sl.spearman}


def c_tool() -> str:
    path = os.path.join(sysconfig.get_path("scripts"), "word2vec")
    return path if os.path.exists(path) else "word2vec"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--words", type=int, default=10_000_000)
    ap.add_argument("--configs", default="sg-ns,cbow-ns,sg-hs,cbow-ns-a0.05")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--tools", default="wordspace,gensim,c,fasttext")
    ap.add_argument("--json", default=None, help="also write the rows here")
    args = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="ws-bench-")
    corpus = os.path.join(tmp, "corpus.txt")
    n_words = prepare_corpus(args.words, corpus)
    # warm the Numba cache so compilation is not timed (a user compiles once per install)
    subprocess.run([sys.executable, "-m", "wordspace.cli", "train", corpus, "--out", os.path.join(tmp, "warm.bin"),
                    "--epochs", "1", "--max-vocab", "2000", "--quiet", "--loss", "ns", "--dim", "8"], check=True,
                   capture_output=True)
    for loss, arch in (("hs", "skipgram"), ("ns", "cbow"), ("hs", "cbow")):
        subprocess.run([sys.executable, "-m", "wordspace.cli", "train", os.path.join(HERE, "..", "src", "wordspace", "data", "kjv.txt.gz"),
                        "--out", os.path.join(tmp, "warm.bin"), "--epochs", "1", "--quiet", "--loss", loss,
                        "--architecture", arch, "--dim", "8", "--workers", str(args.workers)], check=True, capture_output=True)
    rows = []
    w = str(args.workers)
    for name in args.configs.split(","):
        arch, loss, alpha = CONFIGS[name]
        sg, hs = ("1" if arch == "skipgram" else "0"), ("1" if loss == "hs" else "0")
        neg = "5" if loss == "ns" else "0"
        runs = {
            "wordspace": [sys.executable, "-m", "wordspace.cli", "train", corpus, "--out", None, "--architecture", arch,
                          "--loss", loss, "--dim", "100", "--window", "5", "--negative", "5", "--sample", "1e-4",
                          "--min-count", "5", "--epochs", "3", "--alpha", str(alpha), "--workers", w, "--quiet"],
            "gensim": [sys.executable, "-c", GENSIM, corpus, None, sg, hs, neg, str(alpha), w],
            "c": [c_tool(), "-train", corpus, "-output", None, "-cbow", "0" if sg == "1" else "1", "-hs", hs,
                  "-negative", neg, "-size", "100", "-window", "5", "-sample", "1e-4", "-min-count", "5",
                  "-iter", "3", "-threads", w, "-binary", "1", "-alpha", str(alpha)],
            # fastText's own model (subword n-grams 3-6); only run for the negative-sampling configs
            "fasttext": [sys.executable, "-c", FASTTEXT, corpus, None, arch, str(alpha), w],
        }
        base = None
        for tool in args.tools.split(","):
            if tool == "fasttext" and (loss != "ns" or name.endswith("a0.05")):
                continue
            out = os.path.join(tmp, f"{tool}-{name}.bin")
            cmd = [out if c is None else c for c in runs[tool]]
            wall, rss = timed(cmd)
            scores = judge(out)
            base = base or wall
            row = {"config": name, "tool": tool, "seconds": wall, "words_per_sec": 3 * n_words / wall,
                   "ratio": wall / base, "peak_rss_mb": rss, **scores}
            rows.append(row)
            print(json.dumps(row), file=sys.stderr, flush=True)
    v = 52_000  # about the vocabulary of 10M words at min_count 5
    budget = (2 * v * 100 * 4 + 4 * n_words) / 2**20 + 300
    print(f"\n{n_words:,} words of wiki.txt.gz, dim 100, window 5, negative 5, sample 1e-4, min_count 5, "
          f"3 epochs, {args.workers} workers. Memory budget (2 matrices + 4 B/token + 300 MB): {budget:.0f} MB\n")
    print("| config | tool | seconds | words/s | time vs wordspace | peak RSS MB | analogy (30k) | semantic | syntactic | WS353 | SimLex-999 |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['config']} | {r['tool']} | {r['seconds']:.1f} | {r['words_per_sec'] / 1e3:.0f}k | "
              f"{r['ratio']:.2f}x | {r['peak_rss_mb']:.0f} | {r['analogy']:.1f} | {r['semantic']:.1f} | "
              f"{r['syntactic']:.1f} | {r['ws353']:.3f} | {r['simlex']:.3f} |")
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(rows, fh, indent=1)


if __name__ == "__main__":
    main()
