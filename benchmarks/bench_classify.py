"""Supervised classification side by side with fastText's supervised mode (fasttext-wheel), in
one run: 10-fold cross-validated accuracy and training time on the shared sentence-polarity
(10,662 snippets) and subjectivity (10,000 sentences) sets, at equal settings (dim 100, 5
epochs, lr 0.1, softmax, min_count 1, word n-grams 1 and 2, 2 threads):

    python benchmarks/bench_classify.py [--folds 10] [--workers 2]

Both tools see the same folds (the same lines, lower-cased, in fastText's file format) and are
timed on training alone, in this process. Then speed on a large labelled file made from the
corpus (``--large-lines``, one million lines of 20 words), each tool training from the file.
Needs ../shared/data and the [bench] extra.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
import zipfile

import numpy as np

from _common import DATA


def read(zip_path, members):
    docs, y = [], []
    with zipfile.ZipFile(zip_path) as z:
        for label, m in members:
            for line in z.read(m).decode("cp1252").splitlines():
                if line.strip():
                    docs.append(" ".join(line.lower().split()))
                    y.append(label)
    return docs, np.array(y)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--folds", type=int, default=10)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--large-lines", type=int, default=1_000_000, help="lines of the large file (0: skip it)")
    args = ap.parse_args()
    import fasttext

    from wordspace.supervised import SupervisedClassifier

    data = os.path.join(DATA, "sentiment")
    sets = {
        "sentence polarity": read(f"{data}/sentence_polarity.zip", [("pos", "sentence_polarity/rt-polarity.pos"),
                                                                    ("neg", "sentence_polarity/rt-polarity.neg")]),
        "subjectivity": read(f"{data}/subjectivity.zip", [("subj", "subjectivity/quote.tok.gt9.5000"),
                                                          ("obj", "subjectivity/plot.tok.gt9.5000")]),
    }
    tmp = tempfile.mkdtemp(prefix="ws-classify-")
    rows = []
    SupervisedClassifier(epochs=1).fit(["a b", "c d"], ["x", "y"])  # compile the kernels once
    for name, (docs, y) in sets.items():
        folds = np.random.default_rng(0).permutation(len(docs)) % args.folds
        for ngrams in (1, 2):
            res = {"wordspace": ([], []), "fasttext": ([], [])}
            for f in range(args.folds):
                tr, te = np.flatnonzero(folds != f), np.flatnonzero(folds == f)
                train_file = os.path.join(tmp, "train.txt")
                with open(train_file, "w") as fh:
                    fh.writelines(f"__label__{y[i]} {docs[i]}\n" for i in tr)
                t = time.perf_counter()
                m = fasttext.train_supervised(train_file, dim=100, epoch=5, lr=0.1, wordNgrams=ngrams, minCount=1,
                                              loss="softmax", thread=args.workers, verbose=0, seed=0)
                res["fasttext"][1].append(time.perf_counter() - t)
                pred = [p[0][len("__label__"):] for p in m.predict([docs[i] for i in te])[0]]
                res["fasttext"][0].append(np.mean([p == y[i] for p, i in zip(pred, te)]))
                t = time.perf_counter()
                c = SupervisedClassifier(dim=100, epochs=5, alpha=0.1, word_ngrams=ngrams, min_count=1, loss="softmax",
                                         workers=args.workers, seed=f).fit([docs[i] for i in tr], [y[i] for i in tr])
                res["wordspace"][1].append(time.perf_counter() - t)
                res["wordspace"][0].append(c.score([docs[i] for i in te], [y[i] for i in te]))
            for tool, (acc, secs) in res.items():
                row = {"set": name, "word_ngrams": ngrams, "tool": tool, "accuracy": float(np.mean(acc)),
                       "accuracy_sd": float(np.std(acc)), "train_s": float(np.mean(secs))}
                rows.append(row)
                print(json.dumps(row), file=sys.stderr, flush=True)
    large = []
    if args.large_lines:
        # speed on a large labelled file made from the corpus: lines of 20 words, labelled by
        # the quarter of the corpus they come from; trained from the file by both tools
        import gzip

        path = os.path.join(tmp, "large.txt")
        with gzip.open(os.path.join(DATA, "corpus", "wiki.txt.gz"), "rt") as src, open(path, "w") as out:
            words, n = [], 0
            for line in src:
                words.extend(line.split())
                while len(words) >= 20 and n < args.large_lines:
                    out.write(f"__label__q{4 * n // args.large_lines} {' '.join(words[:20])}\n")
                    del words[:20]
                    n += 1
                if n >= args.large_lines:
                    break
        for ngrams in (1, 2):
            t = time.perf_counter()
            fasttext.train_supervised(path, dim=100, epoch=5, lr=0.1, wordNgrams=ngrams, minCount=1, loss="softmax",
                                      thread=args.workers, verbose=0, seed=0)
            ft = time.perf_counter() - t
            t = time.perf_counter()
            c = SupervisedClassifier(dim=100, epochs=5, alpha=0.1, word_ngrams=ngrams, min_count=1,
                                     workers=args.workers).fit_file(path)
            ws = time.perf_counter() - t
            large.append({"lines": n, "word_ngrams": ngrams, "wordspace_s": ws, "fasttext_s": ft,
                          "loss": c.loss_history_[-1]})
            print(json.dumps(large[-1]), file=sys.stderr, flush=True)
    print(f"\n{args.folds}-fold cross-validation, dim 100, 5 epochs, lr 0.1, softmax, {args.workers} threads\n")
    print("| set | word n-grams | tool | accuracy | sd | training s per fold |")
    print("|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['set']} | {r['word_ngrams']} | {r['tool']} | {r['accuracy']:.3f} | {r['accuracy_sd']:.3f} | "
              f"{r['train_s']:.2f} |")
    if large:
        print(f"\nTraining from a file of {large[0]['lines']:,} labelled lines of 20 words (4 labels), 5 epochs:\n")
        print("| word n-grams | wordspace s | fastText s | speed-up |")
        print("|---|---|---|---|")
        for r in large:
            print(f"| {r['word_ngrams']} | {r['wordspace_s']:.1f} | {r['fasttext_s']:.1f} | "
                  f"{r['fasttext_s'] / r['wordspace_s']:.2f}x |")


if __name__ == "__main__":
    main()
