"""wordspace.evaluate against gensim's evaluators on the same vectors, side by side:

    python benchmarks/bench_evaluate.py VECTORS.bin

Times the full Google analogy set (3CosAdd, 30,000 most frequent words; the best of three calls
for each tool) and WordSim-353 / SimLex-999 in both tools and prints the scores and the
differences.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import time

import wordspace
from wordspace.evaluate import analogy_benchmark, dataset_path, similarity_benchmark


def main() -> None:
    path = sys.argv[1]
    logging.disable(logging.WARNING)
    from gensim.models import KeyedVectors

    v = wordspace.load(path)
    kv = KeyedVectors.load_word2vec_format(path, binary=True)
    google = dataset_path("google")[1]
    kv.fill_norms()

    def best_of_3(fn):  # the same for both tools: the best of three calls (the first compiles our kernels)
        times = []
        for _ in range(3):
            t = time.perf_counter()
            result = fn()
            times.append(time.perf_counter() - t)
        return result, min(times)

    ours, t_ours = best_of_3(lambda: analogy_benchmark(v, google, restrict_vocab=30_000))
    (theirs, _), t_theirs = best_of_3(lambda: kv.evaluate_word_analogies(google, restrict_vocab=30_000))
    rows = [{"task": "Google analogies (19,544 questions, 30k)", "wordspace": ours.accuracy, "gensim": theirs,
             "wordspace_s": t_ours, "gensim_s": t_theirs}]
    for name in ("wordsim353", "simlex999"):
        p = dataset_path(name)[1]
        t = time.perf_counter()
        o = similarity_benchmark(v, p)
        t_o = time.perf_counter() - t
        t = time.perf_counter()
        g = kv.evaluate_word_pairs(p, restrict_vocab=len(kv))
        t_g = time.perf_counter() - t
        rows.append({"task": f"{name} Spearman", "wordspace": o.spearman, "gensim": float(g[1][0]),
                     "wordspace_s": t_o, "gensim_s": t_g})
        rows.append({"task": f"{name} Pearson", "wordspace": o.pearson, "gensim": float(g[0][0]),
                     "wordspace_s": None, "gensim_s": None})
    print(f"vectors: {os.path.basename(path)} ({len(v):,} x {v.dim})\n")
    print("| task | wordspace | gensim | difference | wordspace s | gensim s | speed-up |")
    print("|---|---|---|---|---|---|---|")
    for r in rows:
        sp = f"{r['gensim_s'] / r['wordspace_s']:.0f}x" if r["wordspace_s"] else "-"
        ts = (f"{r['wordspace_s']:.2f} | {r['gensim_s']:.2f}" if r["wordspace_s"] else "- | -")
        print(f"| {r['task']} | {r['wordspace']:.6f} | {r['gensim']:.6f} | {abs(r['wordspace'] - r['gensim']):.1e} | {ts} | {sp} |")
    print(json.dumps(rows), file=sys.stderr)


if __name__ == "__main__":
    main()
