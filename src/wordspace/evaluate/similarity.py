"""Word-similarity benchmarks: word pairs with a human score, Spearman and Pearson correlation."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

import numpy as np

from ..errors import FormatError
from .analogy import check_oov_policy, folded_vocab, subword_unit, warn_malformed
from .datasets import dataset_path, read_lines
from .stats import pearson, spearman

__all__ = ["read_word_pairs", "similarity_benchmark", "SimilarityResult"]


@dataclass
class SimilarityResult:
    dataset: str
    spearman: float
    pearson: float
    pairs: int  # pairs in the file
    oov: int  # pairs with a word outside the vocabulary
    oov_policy: str  # "skip", "mean" or "subwords": how those pairs were scored
    malformed: list = field(default_factory=list)

    def to_dict(self) -> dict:
        return {"spearman": self.spearman, "pearson": self.pearson, "pairs": self.pairs,
                "oov": self.oov, "oov_policy": self.oov_policy,
                "malformed_lines": [n for n, _ in self.malformed]}


def _is_number(text: str) -> bool:
    try:
        float(text)
        return True
    except ValueError:
        return False


def _split(line: str):
    for sep in ("\t", ",", ";"):
        if sep in line:
            parts = next(csv.reader(io.StringIO(line), delimiter=sep)) if sep == "," else line.split(sep)
            return [p.strip() for p in parts]
    return line.split()


def read_word_pairs(path: str):
    """``(pairs, malformed)`` with pairs ``(word1, word2, score)``.

    Tab, comma, semicolon or space separated; lines starting with ``#`` or ``//`` are comments;
    a first line without any number after the two words is a header (WordSim-353
    ``combined.csv``, SimLex-999's original release). The score is the column the header names
    (``SimLex999``, ``Human (mean)``, ``score``...) or else the first numeric column after the
    two words (third in WordSim-353, MEN, RW, MTurk; fourth in SimVerb-3500, after the POS).
    """
    lines = read_lines(path)
    pairs, malformed = [], []
    score_col = None
    seen_data = False
    for n, line in enumerate(lines, 1):
        if not line.strip() or line.lstrip().startswith(("#", "//")):
            continue
        parts = _split(line)
        if len(parts) < 3:
            malformed.append((n, line))
            continue
        if score_col is None:
            numeric = [i for i in range(2, len(parts)) if _is_number(parts[i])]
            if not numeric:
                if not seen_data:  # a header: find the score column by name if we know it
                    low = [p.lower() for p in parts]
                    for name in ("simlex999", "human (mean)", "score", "similarity", "relatedness"):
                        if name in low:
                            score_col = low.index(name)
                            break
                    continue
                malformed.append((n, line))
                continue
            score_col = numeric[0]
        try:
            score = float(parts[score_col])
        except (ValueError, IndexError):
            malformed.append((n, line))
            continue
        if not np.isfinite(score):
            malformed.append((n, line))
            continue
        seen_data = True
        pairs.append((parts[0], parts[1], score))
    if not pairs:
        raise FormatError(f"'{path}' holds no word pairs (expected 'word1<sep>word2<sep>score' lines)")
    return pairs, malformed


def similarity_benchmark(vectors, dataset: str = "wordsim353", *, oov: str = "skip",
                         case_insensitive: bool = True, restrict_vocab: int | None = None) -> SimilarityResult:
    """Correlation between cosine similarities and human scores on a word-pair dataset.

    ``oov="skip"`` leaves pairs with an unknown word out (gensim's default); ``oov="mean"``
    scores them with the mean similarity of the known pairs, so every pair counts;
    ``oov="subwords"`` (fastText vectors) scores them with the unknown words' subword vectors.
    With ``case_insensitive`` a word matches its most frequent case variant.
    """
    check_oov_policy(vectors, oov, ("skip", "mean", "subwords"), "similarity_benchmark")
    name, path = dataset_path(dataset, "similarity")
    pairs, malformed = read_word_pairs(path)
    warn_malformed(path, malformed)
    _, fold, ok = folded_vocab(vectors, restrict_vocab, case_insensitive)
    unit = vectors.normalized()
    gold, model, missing = [], [], []
    for a, b, score in pairs:
        ia, ib = ok.get(fold(a)), ok.get(fold(b))
        if ia is None or ib is None:
            missing.append(score)
            if oov != "subwords":
                continue
        ua = unit[ia] if ia is not None else subword_unit(vectors, a)
        ub = unit[ib] if ib is not None else subword_unit(vectors, b)
        gold.append(score)
        model.append(float(ua @ ub))
    if oov == "mean" and missing:
        fill = float(np.mean(model)) if model else 0.0
        gold += missing
        model += [fill] * len(missing)
    return SimilarityResult(name, spearman(gold, model), pearson(gold, model), len(pairs), len(missing), oov, malformed)
