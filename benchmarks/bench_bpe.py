"""BPE at corpus scale, side by side in one run:

    python benchmarks/bench_bpe.py [--mb 0] [--vocab-size 32000] [--repeat 3] [--sample-mb 10]

Trains a byte-level BPE of ``--vocab-size`` tokens on the whole of ``../shared/data/corpus/
wiki.txt.gz`` (``--mb`` > 0: its first megabytes), decompressed once to a plain file that every
tool reads: wordspace (``BPE.train``), Hugging Face ``tokenizers`` (``BpeTrainer``, byte level, the
same pre-tokenizer and ``min_frequency``), ``sentencepiece`` in BPE mode (its own whitespace
pre-tokenization, byte fallback, 2 threads) and ``youtokentome`` when it imports. Each run is a
fresh process; the table gives the median wall time of ``--repeat`` runs and the largest peak RSS
(``ru_maxrss`` of that process). Then, on the first ``--sample-mb`` MB, whether wordspace's
merges equal ``tokenizers``' in order. Needs ../shared/data and the [bench] extra.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile

from _common import DATA
from bench_use import HF_BPE as TOKENIZERS  # tokenizers' byte-level trainer at bench_use's settings

CORPUS = os.path.join(DATA, "corpus", "wiki.txt.gz")

WORDSPACE = """
import sys
from wordspace.bpe import BPE, read_lines
BPE.train(read_lines([sys.argv[1]]), int(sys.argv[2])).save(sys.argv[3])
"""

SENTENCEPIECE = """
import sys
import sentencepiece as spm
spm.SentencePieceTrainer.train(input=sys.argv[1], model_prefix=sys.argv[3], model_type="bpe",
                               vocab_size=int(sys.argv[2]), num_threads=2, character_coverage=1.0,
                               byte_fallback=True, minloglevel=2, max_sentence_length=1 << 20)
"""

YOUTOKENTOME = """
import sys
import youtokentome as yttm
yttm.BPE.train(data=sys.argv[1], vocab_size=int(sys.argv[2]), model=sys.argv[3], n_threads=2)
"""


def run(script: str, *args: str) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB) of ``script`` in a fresh process."""
    code = ("import resource, sys, time\nt = time.perf_counter()\nsys.argv = [''] + sys.argv[1:]\n"
            f"exec(compile({script!r}, 'bench', 'exec'))\n"
            "print(time.perf_counter() - t, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)")
    out = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True)
    if out.returncode != 0:
        raise RuntimeError(out.stderr[-2000:])
    wall, rss = out.stdout.split()[-2:]
    return float(wall), float(rss)


def merges_as_strings(path: str, ours: bool) -> list:
    model = json.load(open(path))
    if not ours:
        return [tuple(m if isinstance(m, list) else m.split(" ")) for m in model["model"]["merges"]]
    from wordspace.bpe import byte_alphabet

    shown = dict(enumerate(byte_alphabet()))
    out = []
    for k, (a, b) in enumerate(model["merges"]):
        shown[256 + k] = shown[a] + shown[b]
        out.append((shown[a], shown[b]))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--mb", type=float, default=0, help="megabytes of the corpus (0: all of it)")
    ap.add_argument("--vocab-size", type=int, default=32000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--sample-mb", type=float, default=10)
    args = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="ws-bpe-")
    try:
        text = os.path.join(tmp, "corpus.txt")
        sample = os.path.join(tmp, "sample.txt")
        limit = args.mb * 2**20 if args.mb > 0 else float("inf")
        with gzip.open(CORPUS, "rt", encoding="utf-8") as src, open(text, "w") as dst, open(sample, "w") as sm:
            n = 0
            for line in src:
                if n >= limit:
                    break
                dst.write(line)
                if n < args.sample_mb * 2**20:
                    sm.write(line)
                n += len(line)
        size = os.path.getsize(text) / 2**20
        tools = [("wordspace", "wordspace", WORDSPACE, ".json"), ("tokenizers", "tokenizers", TOKENIZERS, ".json"),
                 ("sentencepiece (BPE)", "sentencepiece", SENTENCEPIECE, ""),
                 ("youtokentome", "youtokentome", YOUTOKENTOME, ".yttm")]
        rows = []
        for name, module, script, ext in tools:
            probe = subprocess.run([sys.executable, "-c", f"import {module}"], capture_output=True)
            if probe.returncode != 0:
                rows.append({"tool": name, "error": "does not import (not installable here)"})
                print(json.dumps(rows[-1]), file=sys.stderr, flush=True)
                continue
            out = os.path.join(tmp, name.split()[0] + ext)
            runs = [run(script, text, str(args.vocab_size), out) for _ in range(args.repeat)]
            rows.append({"tool": name, "seconds": statistics.median(r[0] for r in runs),
                         "runs": [round(r[0], 2) for r in runs], "peak_rss_mb": max(r[1] for r in runs)})
            print(json.dumps(rows[-1]), file=sys.stderr, flush=True)
        ours = os.path.join(tmp, "sample-ours.json")
        theirs = os.path.join(tmp, "sample-hf.json")
        run(WORDSPACE, sample, str(args.vocab_size), ours)
        run(TOKENIZERS, sample, str(args.vocab_size), theirs)
        a, b = merges_as_strings(ours, True), merges_as_strings(theirs, False)
        same = sum(x == y for x, y in zip(a, b))
        base = next(r for r in rows if r["tool"] == "tokenizers")["seconds"]
        print(f"\n### BPE: {size:.0f} MB of wiki.txt.gz, vocabulary {args.vocab_size:,}, median of {args.repeat}\n")
        print("| tool | seconds | runs | vs tokenizers | peak RSS MB |")
        print("|---|---|---|---|---|")
        for r in rows:
            if "error" in r:
                print(f"| {r['tool']} | - | - | - | {r['error']} |")
            else:
                print(f"| {r['tool']} | {r['seconds']:.2f} | {', '.join(map(str, r['runs']))} | "
                      f"{base / r['seconds']:.2f}x | {r['peak_rss_mb']:.0f} |")
        print(f"\nmerges on the first {args.sample_mb:g} MB: {same:,} of {len(b):,} equal to tokenizers' in order "
              f"(wordspace learned {len(a):,})")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
