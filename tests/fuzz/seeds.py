"""Small valid files, one per reader, from which the fuzzer mutates its cases. Each writer here
follows the format's published layout (or wordspace's own writer), so a mutation of a seed is a
file the reader could plausibly meet."""

from __future__ import annotations

import json
import os
import warnings
import struct

import numpy as np

KEYS = ["the", "king", "queen", "man", "woman", "Köln", "東京", "rex"]


def _matrix(n: int, dim: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).normal(size=(n, dim)).astype(np.float32)


def _text_vectors(path: str, m: np.ndarray, *, header: bool, digits: int) -> str:
    """Rows 'key x1 x2 ...' written by hand (not by wordspace), with the word2vec 'n dim' line or without."""
    with open(path, "w", encoding="utf-8") as fh:
        if header:
            fh.write(f"{m.shape[0]} {m.shape[1]}\n")
        for k, row in zip(KEYS, m):
            fh.write(k + " " + " ".join(f"{x:.{digits}f}" for x in row) + "\n")
    return path


def word2vec_text(d: str) -> str:
    return _text_vectors(os.path.join(d, "vectors.txt"), _matrix(len(KEYS), 4), header=True, digits=6)


def glove_text(d: str) -> str:
    return _text_vectors(os.path.join(d, "glove.txt"), _matrix(len(KEYS), 3, 1), header=False, digits=5)


def word2vec_binary(d: str) -> str:
    m = _matrix(len(KEYS), 4, 2)
    p = os.path.join(d, "vectors.bin")
    with open(p, "wb") as fh:
        fh.write(f"{len(KEYS)} 4\n".encode())
        for k, row in zip(KEYS, m):
            fh.write(k.encode() + b" " + row.astype("<f4").tobytes() + b"\n")
    return p


def _fasttext_words(d: str, name: str, versioned: bool, seed: int) -> str:
    """A Facebook fastText word-vector model (skip-gram, 3 words, 6 buckets, n-grams 2..3), laid
    out as fastText's FastText::saveModel writes it; ``versioned`` False: as fastText before 0.9
    wrote it, without the magic number, version, pruneidx_size and "quantized" bytes."""
    words, dim, bucket = ["</s>", "the", "king"], 4, 6
    p = os.path.join(d, name)
    rng = np.random.default_rng(seed)
    flag = b"\0" if versioned else b""  # "not quantized", before each matrix
    with open(p, "wb") as fh:
        if versioned:
            fh.write(struct.pack("<2i", 793712314, 12))
        fh.write(struct.pack("<12id", dim, 5, 1, 1, 5, 1, 2, 2, bucket, 2, 3, 100, 1e-4))
        fh.write(struct.pack("<3i2q", len(words), len(words), 0, 100, -1) if versioned
                 else struct.pack("<3iq", len(words), len(words), 0, 100))
        for w in words:
            fh.write(w.encode() + b"\0" + struct.pack("<qb", 10, 0))
        fh.write(flag + struct.pack("<2q", len(words) + bucket, dim))
        fh.write(rng.normal(size=(len(words) + bucket, dim)).astype("<f4").tobytes())
        fh.write(flag + struct.pack("<2q", len(words), dim))
        fh.write(rng.normal(size=(len(words), dim)).astype("<f4").tobytes())
    return p


def fasttext_bin(d: str) -> str:
    """A fastText .bin of file version 12."""
    return _fasttext_words(d, "model.bin", True, 3)


def fasttext_old(d: str) -> str:
    """A fastText .bin from before version 0.9 (as gensim's lee_fasttext.bin)."""
    return _fasttext_words(d, "old.bin", False, 4)


def fasttext_ftz(d: str) -> str:
    """A quantized supervised fastText model (.ftz): 3 words and 2 labels, word bigrams, 2 of 6
    n-gram buckets kept (pruneidx), the input rows product-quantised (2 sub-spaces of 2) with
    quantised norms, a dense output matrix; laid out as fastText 0.9's saveModel writes it."""
    words, labels, dim, bucket = ["</s>", "the", "king"], ["__label__a", "__label__b"], 4, 6
    p = os.path.join(d, "model.ftz")
    rng = np.random.default_rng(5)
    rows = len(words) + 2
    with open(p, "wb") as fh:
        fh.write(struct.pack("<2i", 793712314, 12))
        fh.write(struct.pack("<12id", dim, 5, 1, 1, 5, 2, 3, 3, bucket, 0, 0, 100, 1e-4))
        fh.write(struct.pack("<3i2q", len(words) + len(labels), len(words), len(labels), 100, 2))
        for i, w in enumerate(words + labels):
            fh.write(w.encode() + b"\0" + struct.pack("<qb", 10 - i, 1 if w in labels else 0))
        fh.write(struct.pack("<4i", 1, 0, 4, 1))  # buckets 1 and 4 kept, as rows 0 and 1
        fh.write(b"\1" + b"\1" + struct.pack("<2qi", rows, dim, rows * 2))  # quantized, qnorm
        fh.write(rng.integers(0, 256, size=rows * 2).astype(np.uint8).tobytes())
        fh.write(struct.pack("<4i", dim, 2, 2, 2) + rng.normal(size=dim * 256).astype("<f4").tobytes())
        fh.write(rng.integers(0, 256, size=rows).astype(np.uint8).tobytes())
        fh.write(struct.pack("<4i", 1, 1, 1, 1) + rng.random(256).astype("<f4").tobytes())
        fh.write(b"\0" + struct.pack("<2q", len(labels), dim))  # a dense output matrix
        fh.write(rng.normal(size=(len(labels), dim)).astype("<f4").tobytes())
    return p


def compressed_text(d: str) -> str:
    """word2vec text vectors, gzip-compressed (``vectors.txt.gz``)."""
    import gzip

    plain = word2vec_text(d)
    p = plain + ".gz"
    with open(plain, "rb") as src, gzip.open(p, "wb") as dst:
        dst.write(src.read())
    os.remove(plain)
    return p


def native(d: str) -> str:
    import wordspace
    from wordspace.subwords import Subwords

    p = os.path.join(d, "native")
    wordspace.Vectors(KEYS, _matrix(len(KEYS), 4, 4), counts=np.arange(len(KEYS), 0, -1), metadata={"algorithm": "seed"},
                      subwords=Subwords(_matrix(5, 4, 5), 3, 4)).save(p)
    return p


def native_compact(d: str) -> str:
    """Version 3: a compact n-gram table (buckets 0, 2, 3 of 5 held)."""
    import wordspace
    from wordspace.subwords import Subwords

    p = os.path.join(d, "native")
    grams = Subwords(_matrix(3, 4, 6), 3, 4, ids=np.array([0, 2, 3]), buckets=5)
    wordspace.Vectors(KEYS, _matrix(len(KEYS), 4, 4), counts=np.arange(len(KEYS), 0, -1), metadata={"algorithm": "seed"},
                      subwords=grams).save(p)
    return p


def native_quantized(d: str) -> str:
    """Version 4: product-quantised vectors and n-gram rows."""
    import wordspace
    from wordspace.quantize import quantize
    from wordspace.subwords import Subwords

    p = os.path.join(d, "native")
    grams = Subwords(_matrix(3, 4, 6), 3, 4, ids=np.array([0, 2, 3]), buckets=5)
    v = wordspace.Vectors(KEYS, _matrix(len(KEYS), 4, 4), counts=np.arange(len(KEYS), 0, -1),
                          metadata={"algorithm": "seed"}, subwords=grams)
    quantize(v, dsub=2, centroids=4).save(p)
    return p


def bpe(d: str) -> str:
    from wordspace.bpe import BPE

    p = os.path.join(d, "bpe.json")
    with warnings.catch_warnings():  # the tiny text runs out of pairs before 280 tokens: as intended
        warnings.simplefilter("ignore")
        BPE.train(["the king and the queen", "the man and the woman"] * 20, 280, special_tokens=["<s>"]).save(p)
    return p


def lm_checkpoint(d: str) -> str:
    import torch

    from wordspace.nn.lm import BiLMConfig, BiLSTMLanguageModel
    from wordspace.nn.lm_train import _save

    torch.manual_seed(0)
    p = os.path.join(d, "lm")
    vocab = ["<pad>", "<unk>", "<s>", "</s>"] + KEYS
    _save(p, BiLSTMLanguageModel(BiLMConfig(vocab_size=len(vocab), dim=4, hidden=6, layers=1)), vocab, [], {})
    return p


def analogies(d: str) -> str:
    p = os.path.join(d, "questions.txt")
    with open(p, "w", encoding="utf-8") as fh:
        fh.write(": capital\nman king woman queen\nking man queen woman\n: gram\nman woman king queen\n")
    return p


def similarity(d: str) -> str:
    p = os.path.join(d, "pairs.tsv")
    with open(p, "w", encoding="utf-8") as fh:
        fh.write("word1\tword2\tscore\nking\tqueen\t8.5\nman\twoman\t8.3\nthe\trex\t1.0\nking\tman\t5.0\n")
    return p


def phrases(d: str) -> str:
    from wordspace.phrases import PhraseModel

    p = os.path.join(d, "phrases.json")
    PhraseModel(passes=[{("new", "york"): 12.5, ("the", "king"): 11.0}]).save(p)
    return p


def classifier(d: str) -> str:
    from wordspace.supervised import SupervisedClassifier

    p = os.path.join(d, "clf")
    texts = ["the king rules", "the queen rules", "a man walks", "a woman walks"] * 3
    SupervisedClassifier(dim=4, epochs=1, workers=1, word_ngrams=2, buckets=50).fit(texts, ["a", "b"] * 6).save(p)
    return p


def catalogue(d: str) -> str:
    p = os.path.join(d, "catalogue.json")
    entry = {"url": "http://127.0.0.1:9/v.txt", "format": "word2vec-text", "compression": "none",
             "md5": "0" * 32, "sha256": None, "size": 100, "dim": 4, "vocab": 8, "licence": "test",
             "description": "a test entry", "source": "here"}
    with open(p, "w", encoding="utf-8") as fh:
        json.dump({"schema": 1, "models": {"tiny": entry, "other": dict(entry, format="glove-text")}}, fh)
    return p


def labels(d: str) -> str:
    p = os.path.join(d, "labels.tsv")
    with open(p, "w", encoding="utf-8") as fh:
        fh.write("# word<TAB>label\nking\tNOUN\nqueen\tNOUN\nrex\tNOUN\nthe\tDET\nman\tNOUN\n")
    return p


def dictionary(d: str) -> str:
    p = os.path.join(d, "dict.txt")
    with open(p, "w", encoding="utf-8") as fh:
        fh.write("king rex\nqueen queen\nman man\nthe the\n")
    return p


def weat(d: str) -> str:
    p = os.path.join(d, "weat.json")
    with open(p, "w", encoding="utf-8") as fh:
        json.dump({"name": "tiny", "targets": [{"name": "X", "words": ["king", "man"]}, {"name": "Y", "words":
                   ["queen", "woman"]}], "attributes": [{"name": "A", "words": ["the", "rex"]}, {"name": "B", "words":
                   ["Köln", "東京"]}]}, fh, ensure_ascii=False)
    return p


SEEDS = {"word2vec-text": word2vec_text, "glove-text": glove_text, "word2vec-binary": word2vec_binary,
         "fasttext-bin": fasttext_bin, "fasttext-old": fasttext_old, "fasttext-ftz": fasttext_ftz,
         "compressed-text": compressed_text, "native": native, "native-compact": native_compact,
         "native-quantized": native_quantized, "bpe": bpe, "lm": lm_checkpoint,
         "analogies": analogies, "similarity": similarity, "phrases": phrases, "classifier": classifier,
         "catalogue": catalogue, "labels": labels, "dictionary": dictionary, "weat": weat}


def make_all(d: str, kinds=None) -> dict:
    """``kind -> path`` of a fresh seed of each kind under ``d``."""
    out = {}
    for kind, fn in SEEDS.items():
        if kinds is None or kind in kinds:
            sub = os.path.join(d, kind)
            os.makedirs(sub, exist_ok=True)
            out[kind] = fn(sub)
    return out


if __name__ == "__main__":  # pragma: no cover
    import sys

    print(json.dumps(make_all(sys.argv[1]), indent=1))
