"""Using the vectors: BPE against Hugging Face tokenizers, cross-lingual alignment, and text
classification, on ../shared/data, printed as markdown tables.

    python benchmarks/bench_use.py [--only bpe,align,classify] [--workers 2]

BPE: byte-level BPE trained by wordspace and by ``tokenizers`` (same pre-tokenization idea,
same vocabulary size, same text: the first --bpe-mb MB of wiki.txt.gz); training time (the fastest of
3 runs of each, in fresh processes), peak
memory, encode throughput on the next 5 MB and tokens per word there.

Alignment: (1) English vectors (first 10M words of wiki.txt.gz) and Korean vectors
(ko_wiki.txt.gz, 5M words), both trained by wordspace (skip-gram, dim 300, 5 epochs), aligned
with the MUSE en-ko dictionaries (train 0-5000, test 5000-6500); (2) two English models trained
on the two disjoint halves of wiki.txt.gz (dim 100), aligned on the 5,000 most frequent shared
words and tested on the next 1,500. P@1/5/10 with CSLS and with nearest neighbours, with no
refinement and with 5 refinement steps; and without any seed dictionary (``--unsupervised``:
sorted similarity distributions, 20 self-learning rounds, then the same 5 steps).

Classification: 10-fold accuracy on sentence polarity (10,662 snippets) and subjectivity
(10,000 sentences): logistic regression on mean / tf-idf / SIF pooled vectors (wordspace
skip-gram, dim 300, on the whole wiki.txt.gz), the attention classifier, and a tf-idf
(uni+bigram) + logistic regression baseline.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import subprocess
import sys
import tempfile
import time

from _common import DATA, prepare_corpus, timed, wordspace_cmd

OURS_BPE = """
import json, sys, time
from wordspace.bpe import BPE, read_lines
t = time.perf_counter()
bpe = BPE.train(read_lines([sys.argv[1]]), int(sys.argv[2]))
bpe.save(sys.argv[3])
print(json.dumps({"train_s": time.perf_counter() - t}))
"""

HF_BPE = """
import json, sys, time
from tokenizers import Tokenizer, models, pre_tokenizers, decoders, trainers
t = time.perf_counter()
tok = Tokenizer(models.BPE())
tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
tok.decoder = decoders.ByteLevel()
trainer = trainers.BpeTrainer(vocab_size=int(sys.argv[2]), min_frequency=2, show_progress=False,
                              initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
tok.train([sys.argv[1]], trainer)
tok.save(sys.argv[3])
print(json.dumps({"train_s": time.perf_counter() - t}))
"""

ENCODE = """
import json, sys, time
which, model, path = sys.argv[1:]
lines = open(path, encoding="utf-8").read().splitlines()
words = sum(len(l.split()) for l in lines)
if which == "wordspace":
    from wordspace.bpe import BPE
    bpe = BPE.load(model)
    t = time.perf_counter()
    n = sum(len(bpe.encode(l)) for l in lines)
else:
    from tokenizers import Tokenizer
    tok = Tokenizer.from_file(model)
    t = time.perf_counter()
    n = sum(len(e.ids) for e in tok.encode_batch(lines))
dt = time.perf_counter() - t
mb = sum(len(l) + 1 for l in lines) / 2**20
print(json.dumps({"encode_s": dt, "mb_per_s": mb / dt, "tokens_per_word": n / words}))
"""


def bench_bpe(tmp, args):
    text = os.path.join(tmp, "bpe-train.txt")
    held = os.path.join(tmp, "bpe-held.txt")
    size = args.bpe_mb * 2**20
    with gzip.open(os.path.join(DATA, "corpus", "wiki.txt.gz"), "rt") as src, open(text, "w") as a, open(held, "w") as b:
        n = 0
        for line in src:
            if n < size:
                a.write(line)
            elif n < size + 5 * 2**20:
                b.write(line)
            else:
                break
            n += len(line)
    rows = []
    for name, script in (("wordspace", OURS_BPE), ("tokenizers", HF_BPE)):
        model = os.path.join(tmp, f"bpe-{name}.json")
        runs = [timed([sys.executable, "-c", script, text, str(args.vocab_size), model]) for _ in range(3)]
        wall, rss = min(r[0] for r in runs), max(r[1] for r in runs)  # fastest of 3 (timings wander here)
        enc = json.loads(subprocess.run([sys.executable, "-c", ENCODE, name, model, held], capture_output=True,
                                        text=True, check=True).stdout)
        rows.append({"tool": name, "train_s": wall, "peak_rss_mb": rss, **enc})
        print(json.dumps(rows[-1]), file=sys.stderr, flush=True)
    print(f"\n### BPE: {args.bpe_mb} MB of wiki.txt.gz, vocabulary {args.vocab_size:,}; encoding the next 5 MB\n")
    print("| tool | training s | peak RSS MB | encode MB/s | tokens per word |")
    print("|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['tool']} | {r['train_s']:.1f} | {r['peak_rss_mb']:.0f} | {r['mb_per_s']:.2f} | {r['tokens_per_word']:.3f} |")
    return rows


ALIGN = """
import json, sys, time
import wordspace
from wordspace.align import align, read_dictionary
src, tgt = wordspace.load(sys.argv[1]), wordspace.load(sys.argv[2])
if sys.argv[3] == "identity":
    shared = [w for w in src.keys if w in tgt][:6500]
    train, test = [(w, w) for w in shared[:5000]], [(w, w) for w in shared[5000:6500]]
else:
    train = read_dictionary(sys.argv[3], src, tgt)[0]
    test = read_dictionary(sys.argv[4], src, tgt)[0]
out = {"train_pairs": len(train), "test_pairs": len(test)}
for retrieval in ("csls", "nn"):
    res = align(src, tgt, train, refine=5, retrieval=retrieval, test_pairs=test)
    out[retrieval] = res.history
t = time.perf_counter()
res = align(src, tgt, None, unsupervised=True, refine=5, test_pairs=test)  # no seed dictionary at all
out["unsupervised"] = res.history
out["unsupervised_s"] = time.perf_counter() - t
print(json.dumps(out))
"""


def bench_align(tmp, args):
    w = str(args.workers)
    en = os.path.join(tmp, "en10m.txt")
    prepare_corpus(10_000_000, en)
    ko = os.path.join(DATA, "crosslingual", "ko_wiki.txt.gz")
    common = ["--dim", "300", "--epochs", "5", "--sample", "1e-4", "--workers", w, "--quiet"]
    for corpus, out in ((en, "en.bin"), (ko, "ko.bin")):
        timed(wordspace_cmd("train", corpus, "--out", os.path.join(tmp, out), *common))
    muse = os.path.join(DATA, "crosslingual", "muse")
    results = {}
    res = subprocess.run([sys.executable, "-c", ALIGN, os.path.join(tmp, "en.bin"), os.path.join(tmp, "ko.bin"),
                          os.path.join(muse, "en-ko.0-5000.derived.txt"), os.path.join(muse, "en-ko.5000-6500.derived.txt")],
                         capture_output=True, text=True, check=True)
    results["English -> Korean (MUSE dictionaries)"] = json.loads(res.stdout)
    # two halves of the English corpus
    halves = [os.path.join(tmp, "half1.txt"), os.path.join(tmp, "half2.txt")]
    with gzip.open(os.path.join(DATA, "corpus", "wiki.txt.gz"), "rt") as src, open(halves[0], "w") as a, \
            open(halves[1], "w") as b:
        n = 0
        for line in src:
            (a if n < 20_000_000 else b).write(line)
            n += len(line.split())
    for h, out in zip(halves, ("h1.bin", "h2.bin")):
        timed(wordspace_cmd("train", h, "--out", os.path.join(tmp, out), "--dim", "100", "--epochs", "3",
                            "--sample", "1e-4", "--workers", w, "--quiet"))
    res = subprocess.run([sys.executable, "-c", ALIGN, os.path.join(tmp, "h1.bin"), os.path.join(tmp, "h2.bin"),
                          "identity"], capture_output=True, text=True, check=True)
    results["English half 1 -> half 2 (identical words)"] = json.loads(res.stdout)
    print("\n### Alignment (P@1 / P@5 / P@10, %)\n")
    print("| pair | train / test pairs | retrieval | no refinement | after 5 refinement steps |")
    print("|---|---|---|---|---|")
    for name, r in results.items():
        for retrieval in ("csls", "nn", "unsupervised"):
            h = r[retrieval]
            cell = lambda e: f"{100 * e['p@1']:.1f} / {100 * e['p@5']:.1f} / {100 * e['p@10']:.1f}"
            label = retrieval if retrieval != "unsupervised" else f"csls, no seed dictionary ({r['unsupervised_s']:.0f} s)"
            pairs = f"{r['train_pairs']:,}" if retrieval != "unsupervised" else "none"
            print(f"| {name} | {pairs} / {r['test_pairs']:,} | {label} | {cell(h[0])} | {cell(h[-1])} |")
    return results


CLASSIFY = """
import json, sys, zipfile
import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_score
from sklearn.pipeline import make_pipeline
import wordspace
from wordspace.classify import AttentionClassifier, EmbeddingVectorizer

def read(zip_path, members):
    docs, y = [], []
    with zipfile.ZipFile(zip_path) as z:
        for label, m in members:
            text = z.read(m).decode("cp1252")
            for line in text.splitlines():
                if line.strip():
                    docs.append(line)
                    y.append(label)
    return docs, np.array(y)

v = wordspace.load(sys.argv[1])
data = sys.argv[2]
sets = {
    "sentence polarity": read(f"{data}/sentence_polarity.zip", [(1, "sentence_polarity/rt-polarity.pos"),
                                                                (0, "sentence_polarity/rt-polarity.neg")]),
    "subjectivity": read(f"{data}/subjectivity.zip", [(1, "subjectivity/quote.tok.gt9.5000"),
                                                      (0, "subjectivity/plot.tok.gt9.5000")]),
}
cv = StratifiedKFold(10, shuffle=True, random_state=0)
out = {}
for name, (docs, y) in sets.items():
    row = {"documents": len(docs)}
    row["tf-idf + LR"] = cross_val_score(make_pipeline(TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True),
                                                       LogisticRegression(max_iter=2000, C=4.0)), docs, y, cv=cv).mean()
    for pooling in ("mean", "tfidf", "sif"):
        pipe = make_pipeline(EmbeddingVectorizer(v, pooling=pooling), LogisticRegression(max_iter=2000, C=4.0))
        row[f"{pooling} + LR"] = cross_val_score(pipe, docs, y, cv=cv).mean()
    row["attention"] = cross_val_score(AttentionClassifier(v, epochs=8, seed=0, device="cpu"), docs, y, cv=cv).mean()
    out[name] = row
    print(json.dumps({name: row}), file=sys.stderr, flush=True)
print(json.dumps(out))
"""


def bench_classify(tmp, args):
    vec = os.path.join(tmp, "wiki300.bin")
    wall, _ = timed(wordspace_cmd("train", os.path.join(DATA, "corpus", "wiki.txt.gz"), "--out", vec, "--dim", "300",
                                  "--epochs", "3", "--sample", "1e-4", "--workers", str(args.workers), "--quiet"))
    t = time.perf_counter()
    res = subprocess.run([sys.executable, "-c", CLASSIFY, vec, os.path.join(DATA, "sentiment")], capture_output=True,
                         text=True, check=True)
    results = json.loads(res.stdout)
    print(f"\n### Classification: 10-fold accuracy (vectors: {wall:.0f} s to train; evaluation {time.perf_counter() - t:.0f} s)\n")
    methods = ["tf-idf + LR", "mean + LR", "tfidf + LR", "sif + LR", "attention"]
    print("| dataset | documents | " + " | ".join(methods) + " |")
    print("|---|---|" + "---|" * len(methods))
    for name, r in results.items():
        print(f"| {name} | {r['documents']:,} | " + " | ".join(f"{100 * r[m]:.1f}" for m in methods) + " |")
    return results


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--only", default="bpe,align,classify")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--bpe-mb", type=int, default=20)
    ap.add_argument("--vocab-size", type=int, default=32_000)
    ap.add_argument("--json", default=None)
    args = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="ws-bench-use-")
    out = {}
    for part, fn in (("bpe", bench_bpe), ("align", bench_align), ("classify", bench_classify)):
        if part in args.only.split(","):
            out[part] = fn(tmp, args)
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(out, fh, indent=1)


if __name__ == "__main__":
    main()
