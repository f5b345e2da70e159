"""Product quantisation of a fastText model: size and quality before and after.

    python benchmarks/bench_quantize.py [--words 10000000] [--dsub 2,4]

FastText with its defaults and 3 epochs on the first --words words of
../shared/data/corpus/wiki.txt.gz, saved as vectors (a native directory); then `quantize` at each
--dsub (256 centres per subspace, k-means on 65,536 sampled rows, 15 rounds). Size on disk,
Google analogy (30k) and WordSim-353 of the model read back. Printed as a markdown table.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from _common import EVAL, prepare_corpus  # noqa: E402


def du(path: str) -> int:
    return sum(os.path.getsize(os.path.join(path, f)) for f in os.listdir(path))


def score(v) -> tuple:
    from wordspace.evaluate import analogy_benchmark, similarity_benchmark

    a = analogy_benchmark(v, os.path.join(EVAL, "questions-words.txt"), restrict_vocab=30_000)
    w = similarity_benchmark(v, os.path.join(EVAL, "wordsim353.tsv"))
    return 100 * a.accuracy, w.spearman


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--words", type=int, default=10_000_000)
    ap.add_argument("--dsub", default="2,4")
    args = ap.parse_args()
    from wordspace import FastText, load
    from wordspace.quantize import quantize

    tmp = tempfile.mkdtemp(prefix="ws-bench-pq-")
    corpus = os.path.join(tmp, "corpus.txt")
    n = prepare_corpus(args.words, corpus)
    FastText(epochs=3, progress=False).fit(corpus).vectors_.save(os.path.join(tmp, "full"))
    full = load(os.path.join(tmp, "full"))
    rows = [("float32 (compact n-gram table)", du(os.path.join(tmp, "full")), None, *score(full))]
    for dsub in map(int, args.dsub.split(",")):
        t = time.perf_counter()
        q = quantize(full, dsub=dsub)
        sec = time.perf_counter() - t
        path = os.path.join(tmp, f"q{dsub}")
        q.save(path)
        rows.append((f"quantised, dsub {dsub}", du(path), sec, *score(load(path))))
        print(json.dumps(rows[-1]), file=sys.stderr, flush=True)
    print(f"\n### FastText (defaults, 3 epochs) on {n:,} words, product quantisation\n")
    print("| vectors | size on disk | quantising s | analogy (30k) | WS353 |")
    print("|---|---|---|---|---|")
    for name, size, sec, an, ws in rows:
        print(f"| {name} | {size / 1e6:.1f} MB | {'-' if sec is None else f'{sec:.1f}'} | {an:.1f} | {ws:.3f} |")
    subprocess.run(["rm", "-rf", tmp], check=False)


if __name__ == "__main__":
    main()
