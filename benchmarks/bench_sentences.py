"""Sentence and document vectors, side by side in one run, and one markdown table per part.

    python benchmarks/bench_sentences.py [--words 10000000] [--parts pooling,doc2vec] [--json FILE]

Part ``pooling``: one skip-gram model (wordspace, dim 100, 5 epochs) on the first ``--words``
words of the shared Wikipedia corpus; mean, SIF, uSIF and fastText-style pooling over it: MR and
SUBJ accuracy (SentEval's protocol, ``wordspace evaluate --task``) and the speed of ``wordspace
embed`` over 1,000,000 corpus sentences of 20 words written to ``.npy`` (wall time of the whole
command, start-up included).

Part ``doc2vec``: PV-DBOW in wordspace and in gensim (``Doc2Vec(corpus_file=..., dm=0)``) at
equal settings (dim 100, window 5, negative 5, sample 1e-4, min count 5, 5 epochs, 2 workers) on
the slice plus the MR and SUBJ lines (one document per line); wordspace's PV-DM and PV-DBOW with
word training beside. Each tool's *inferred* vectors of the MR and SUBJ sentences are scored by
one judge (``wordspace.evaluate.sentences.classify_vectors``); training time is the wall time
of the training process (vocabulary included). The published SentEval references (GloVe
bag-of-words, 840B tokens) are printed beside, not claimed.

Needs ../shared/data and the [bench] extra (gensim, scikit-learn).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile

import numpy as np

from _common import prepare_corpus, timed, wordspace_cmd

from wordspace.evaluate.sentences import REFERENCE, classify_vectors, read_task

TASKS = ("mr", "subj")
METHODS = ("mean", "sif", "usif", "fasttext")
SETTINGS = ["--dim", "100", "--window", "5", "--negative", "5", "--sample", "1e-4", "--min-count", "5",
            "--epochs", "5"]

GENSIM_TRAIN = """
import sys
from gensim.models.doc2vec import Doc2Vec
corpus, out, workers = sys.argv[1:]
m = Doc2Vec(corpus_file=corpus, dm=0, vector_size=100, window=5, negative=5, hs=0, sample=1e-4, min_count=5,
            epochs=5, workers=int(workers), seed=1)
m.save(out)
"""

GENSIM_INFER = """
import sys
import numpy as np
from gensim.models.doc2vec import Doc2Vec
model, texts, out, epochs = sys.argv[1:]
m = Doc2Vec.load(model)
with open(texts, encoding="utf-8") as fh:
    rows = [m.infer_vector(line.split(), epochs=int(epochs) or None) for line in fh.read().splitlines()]
np.save(out, np.asarray(rows, dtype=np.float32))
"""

WORDSPACE_INFER = """
import sys
import numpy as np
from wordspace import Doc2Vec
model, texts, out, epochs = sys.argv[1:]
with open(texts, encoding="utf-8") as fh:
    rows = Doc2Vec.load(model).infer(fh.read().splitlines(), epochs=int(epochs))
np.save(out, rows)
"""


def sentences_file(corpus: str, path: str, n: int = 1_000_000, width: int = 20) -> int:
    """``n`` lines of ``width`` consecutive corpus words (the corpus read again if it is short)."""
    written = 0
    with open(path, "w") as dst:
        while written < n:
            with open(corpus) as src:
                for line in src:
                    toks = line.split()
                    for i in range(0, len(toks) - width + 1, width):
                        dst.write(" ".join(toks[i:i + width]) + "\n")
                        written += 1
                        if written == n:
                            return written
    return written


def task_texts(tmp: str) -> dict:
    """``task -> (texts file, labels)`` of the bundled tasks."""
    out = {}
    for task in TASKS:
        texts, labels, _ = read_task(task)
        path = os.path.join(tmp, f"{task}.txt")
        with open(path, "w", encoding="utf-8") as fh:
            fh.write("\n".join(texts) + "\n")
        out[task] = (path, labels)
    return out


def score(vectors: dict, tasks: dict) -> dict:
    cells = {}
    for task, (_, labels) in tasks.items():
        r = classify_vectors(np.load(vectors[task]), labels)
        cells[task] = r.accuracy
        cells[task + "_std"] = r.accuracy_std
    return cells


def pooling(args, tmp: str, corpus: str, n_words: int, tasks: dict) -> list[dict]:
    model = os.path.join(tmp, "sg")
    wall, _ = timed(wordspace_cmd("train", corpus, "--out", model, "--architecture", "skipgram", *SETTINGS,
                                  "--workers", str(args.workers), "--quiet"))
    print(f"skip-gram model: {wall:.1f} s", file=sys.stderr, flush=True)
    sents = os.path.join(tmp, "sentences.txt")
    n = sentences_file(corpus, sents)
    rows = []
    timed(wordspace_cmd("embed", model, tasks["mr"][0], "--out", os.path.join(tmp, "warm.npy")))  # compile once
    for method in METHODS:
        out = os.path.join(tmp, f"pool-{method}.npy")
        walls = []
        for _ in range(args.repeat):
            if os.path.exists(out):
                os.remove(out)
                os.remove(out + ".json")
            walls.append(timed(wordspace_cmd("embed", model, sents, "--out", out, "--method", method))[0])
        wall = float(np.median(walls))
        vecs = {}
        for task, (path, _) in tasks.items():
            vecs[task] = os.path.join(tmp, f"{task}-{method}.npy")
            timed(wordspace_cmd("embed", model, path, "--out", vecs[task], "--method", method))
        row = {"part": "pooling", "method": method, "sentences": n, "seconds": wall,
               "sentences_per_sec": n / wall, **score(vecs, tasks)}
        rows.append(row)
        print(json.dumps(row), file=sys.stderr, flush=True)
    return rows


def doc2vec(args, tmp: str, corpus: str, n_words: int, tasks: dict) -> list[dict]:
    docs = os.path.join(tmp, "documents.txt")
    with open(docs, "w", encoding="utf-8") as dst, open(corpus) as src:
        dst.write(src.read())
        for path, _ in tasks.values():
            with open(path, encoding="utf-8") as fh:
                dst.write(fh.read())
    with open(docs, encoding="utf-8") as fh:
        n_words = sum(len(line.split()) for line in fh)
    w = str(args.workers)
    runs = {
        "wordspace dbow": (wordspace_cmd("train", docs, "--algorithm", "doc2vec", "--architecture", "dbow",
                                         *SETTINGS, "--workers", w, "--quiet", "--out"), "ws"),
        "gensim dbow": ([sys.executable, "-c", GENSIM_TRAIN, docs, None, w], "gensim"),
        "wordspace dbow+words": (wordspace_cmd("train", docs, "--algorithm", "doc2vec", "--architecture", "dbow",
                                               "--dbow-words", *SETTINGS, "--workers", w, "--quiet", "--out"), "ws"),
        "wordspace dm": (wordspace_cmd("train", docs, "--algorithm", "doc2vec", "--architecture", "dm",
                                       *SETTINGS, "--workers", w, "--quiet", "--out"), "ws"),
    }
    # warm the compile cache (a user compiles once per install)
    kjv = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src", "wordspace", "data", "kjv.txt.gz")
    for arch in ("dbow", "dm"):
        timed(wordspace_cmd("train", kjv, "--algorithm", "doc2vec", "--architecture", arch, "--epochs", "1",
                            "--dim", "100", "--quiet", "--out", os.path.join(tmp, f"warm-{arch}")))
    chosen = {name: v for name, v in runs.items() if not args.tools or name in args.tools.split(",")}
    runs_of = {name: [] for name in chosen}
    for rep in range(args.repeat):  # the tools' runs interleaved: a slow spell falls on all of them
        for name, (cmd, kind) in chosen.items():
            model = os.path.join(tmp, name.replace(" ", "-").replace("+", "-") + f"-{rep}")
            wall = timed(cmd + [model] if kind == "ws" else [model if c is None else c for c in cmd])[0]
            print(f"{name}: {wall:.1f} s", file=sys.stderr, flush=True)
            vecs = {}
            for task, (path, _) in tasks.items():  # each run's model is scored: the accuracy is a mean
                vecs[task] = model + f"-{task}.npy"
                if kind == "ws":
                    timed(wordspace_cmd("embed", model, path, "--out", vecs[task]))
                else:
                    timed([sys.executable, "-c", GENSIM_INFER, model, path, vecs[task], "0"])
            run = {"seconds": wall, **score(vecs, tasks)}
            if args.infer_epochs and name in ("wordspace dbow", "gensim dbow"):  # both at more inference passes
                for task, (path, _) in tasks.items():
                    vecs[task] = model + f"-{task}-e{args.infer_epochs}.npy"
                    timed([sys.executable, "-c", WORDSPACE_INFER if kind == "ws" else GENSIM_INFER, model, path,
                           vecs[task], str(args.infer_epochs)])
                sc = score(vecs, tasks)
                run.update({f"{t}_e{args.infer_epochs}": sc[t] for t in tasks})
                run.update({f"{t}_e{args.infer_epochs}_std": sc[t + "_std"] for t in tasks})
            runs_of[name].append(run)
    rows, base = [], None
    for name, runs_ in runs_of.items():
        wall = float(np.median([r["seconds"] for r in runs_]))
        row = {"part": "doc2vec", "tool": name, "seconds": wall, "runs": runs_, "words_per_sec": 5 * n_words / wall}
        for task in list(tasks) + ([f"{t}_e{args.infer_epochs}" for t in tasks] if "mr_e%d" % args.infer_epochs
                                   in runs_[0] else []):
            row[task] = float(np.mean([r[task] for r in runs_]))
            row[task + "_std"] = float(np.mean([r[task + "_std"] for r in runs_]))
            row[task + "_range"] = (min(r[task] for r in runs_), max(r[task] for r in runs_))
        if name == "wordspace dbow":
            base = wall
        row["vs_wordspace_dbow"] = wall / base if base else None
        rows.append(row)
        print(json.dumps(row), file=sys.stderr, flush=True)
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--words", type=int, default=10_000_000)
    ap.add_argument("--parts", default="pooling,doc2vec")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--repeat", type=int, default=1, help="timed runs per row (median; doc2vec's tools interleaved)")
    ap.add_argument("--tools", default="", help="doc2vec rows to run, comma-separated names as in the table "
                                                "(default all)")
    ap.add_argument("--infer-epochs", type=int, default=20,
                    help="doc2vec: also score the PV-DBOW models' vectors inferred with this many passes (0: no)")
    ap.add_argument("--json", default=None, help="also write the rows here")
    args = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="ws-bench-sent-")
    corpus = os.path.join(tmp, "corpus.txt")
    n_words = prepare_corpus(args.words, corpus)
    tasks = task_texts(tmp)
    rows = []
    parts = args.parts.split(",")
    if "pooling" in parts:
        rows += pooling(args, tmp, corpus, n_words, tasks)
        print(f"\nPooling over one skip-gram model ({n_words:,} words, dim 100, 5 epochs); embed speed over "
              "1,000,000 sentences of 20 words to .npy, start-up included\n")
        print("| method | MR | SUBJ | sentences/s | seconds |\n| --- | --- | --- | --- | --- |")
        for r in (r for r in rows if r["part"] == "pooling"):
            print(f"| {r['method']} | {r['mr']:.1f} ± {r['mr_std']:.1f} | {r['subj']:.1f} ± {r['subj_std']:.1f} | "
                  f"{r['sentences_per_sec']:,.0f} | {r['seconds']:.2f} |")
        print(f"| SentEval GloVe BoW (840B tokens, published) | {REFERENCE['mr']} | {REFERENCE['subj']} | | |")
    if "doc2vec" in parts:
        rows += doc2vec(args, tmp, corpus, n_words, tasks)
        print(f"\nDoc2Vec on the {n_words:,} words + the MR and SUBJ lines, dim 100, window 5, negative 5, sample 1e-4, "
              f"min count 5, 5 epochs, {args.workers} workers; inferred vectors of the task sentences\n")
        print("| tool | train s (median) | time vs wordspace dbow | MR (runs' mean; range) | SUBJ |\n"
              "| --- | --- | --- | --- | --- |")
        for r in (r for r in rows if r["part"] == "doc2vec"):
            rel = f"{r['vs_wordspace_dbow']:.2f}x" if r["vs_wordspace_dbow"] else ""
            cells = " | ".join(f"{r[t]:.1f} ({r[t + '_range'][0]:.1f}-{r[t + '_range'][1]:.1f})" for t in ("mr", "subj"))
            print(f"| {r['tool']} | {r['seconds']:.1f} | {rel} | {cells} |")
        e = args.infer_epochs
        if e:
            print(f"\nThe same models, each text inferred with {e} passes instead of the training's 5:\n")
            print("| tool | MR | SUBJ |\n| --- | --- | --- |")
            for r in (r for r in rows if r["part"] == "doc2vec" and f"mr_e{e}" in r):
                print(f"| {r['tool']} | {r[f'mr_e{e}']:.1f} | {r[f'subj_e{e}']:.1f} |")
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(rows, fh, indent=1)


if __name__ == "__main__":
    main()
