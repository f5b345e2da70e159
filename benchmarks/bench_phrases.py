"""Phrases side by side with gensim's Phrases + Phraser, in one run:

    python benchmarks/bench_phrases.py [--words 10000000]

On the first ``--words`` words of the shared corpus: ``wordspace phrases CORPUS --out FILE``
(count, score, join, write the joined corpus) against gensim learning ``Phrases`` from a
``LineSentence``, freezing it (``Phraser``) and writing the same corpus joined; each in a fresh
process, wall time including reading and writing, the fastest of ``--repeat`` runs (3) of
each, as this machine's timings wander. Reports both times and whether the phrases found and the
joined corpora are identical. Needs ../shared/data and the [bench] extra.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

from _common import prepare_corpus

GENSIM = """
import sys, json
from gensim.models.phrases import Phrases
from gensim.models.word2vec import LineSentence
corpus, out, phrases_out = sys.argv[1:]
frozen = Phrases(LineSentence(corpus), min_count=5, threshold=10.0).freeze()
with open(out, "w") as fh:
    for s in LineSentence(corpus):
        fh.write(" ".join(frozen[s]) + "\\n")
json.dump(sorted(frozen.phrasegrams), open(phrases_out, "w"))
"""


def best_of(repeat: int, cmd: list, outputs: tuple = ()) -> float:
    """The fastest of ``repeat`` runs of ``cmd``, each a fresh process (wall time), removing this
    benchmark's own ``outputs`` before each (wordspace never replaces a text file it cannot tell
    from a user's)."""
    times = []
    for _ in range(repeat):
        for path in outputs:
            if os.path.exists(path):
                os.remove(path)
        t = time.perf_counter()
        subprocess.run(cmd, check=True, capture_output=True)
        times.append(time.perf_counter() - t)
    return min(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--words", type=int, default=10_000_000)
    ap.add_argument("--repeat", type=int, default=3, help="runs of each tool; the fastest is reported")
    args = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="ws-phrases-")
    corpus = os.path.join(tmp, "corpus.txt")
    n = prepare_corpus(args.words, corpus)
    ours, theirs = os.path.join(tmp, "ours.txt"), os.path.join(tmp, "gensim.txt")
    model = os.path.join(tmp, "ours.json")
    ws = best_of(args.repeat, [sys.executable, "-m", "wordspace.cli", "phrases", corpus, "--out", ours,
                               "--save-model", model], outputs=(ours, model))
    gs = best_of(args.repeat, [sys.executable, "-c", GENSIM, corpus, theirs, os.path.join(tmp, "gensim.json")])
    with open(model) as fh:
        ours_set = {f"{a}_{b}" for a, b, _ in json.load(fh)["passes"][0]}
    with open(os.path.join(tmp, "gensim.json")) as fh:
        theirs_set = set(json.load(fh))
    with open(ours, "rb") as a, open(theirs, "rb") as b:
        same_text = a.read() == b.read()
    print(f"{n:,} words of wiki.txt.gz, min_count 5, threshold 10, one pass")
    print()
    print("| tool | seconds | speed-up | phrases |")
    print("|---|---|---|---|")
    print(f"| wordspace phrases | {ws:.2f} | {gs / ws:.1f}x | {len(ours_set):,} |")
    print(f"| gensim Phrases + Phraser | {gs:.2f} | 1.0x | {len(theirs_set):,} |")
    print()
    print(f"same phrases: {ours_set == theirs_set}; identical joined corpus: {same_text}")


if __name__ == "__main__":
    main()
