"""Analogy benchmarks: Google ``questions-words`` and BATS-style files, 3CosAdd and 3CosMul,
answered in batches of matrix products."""

from __future__ import annotations

import os
import warnings
from dataclasses import dataclass, field

import numpy as np

from ..analogy import best_answers, check_method
from .._validation import Interval, NONE, Options, check_param
from ..errors import FormatError, InvalidParameterError
from .datasets import dataset_path, read_lines

__all__ = ["read_analogies", "analogy_benchmark", "AnalogyResult"]



@dataclass(slots=True)
class Question:
    a: str
    b: str
    c: str
    answers: tuple  # accepted answers for d (one for Google, several for BATS)
    section: str
    line: int


@dataclass
class AnalogyResult:
    """Accuracy overall, per section and for the semantic/syntactic halves; OOV counted apart."""

    dataset: str
    method: str
    accuracy: float  # correct / answered; questions with OOV words are not answered
    correct: int
    answered: int
    oov: int  # questions skipped because a word is outside the (restricted) vocabulary
    subword_questions: int = 0  # answered with subword vectors for unknown question words (oov="subwords")
    sections: dict = field(default_factory=dict)  # name -> {"accuracy", "correct", "total", "oov"}
    semantic: dict = field(default_factory=dict)
    syntactic: dict = field(default_factory=dict)
    malformed: list = field(default_factory=list)  # (line number, text)

    def to_dict(self) -> dict:
        return {"accuracy": self.accuracy, "correct": self.correct, "total": self.answered,
                "oov": self.oov, "subword_questions": self.subword_questions, "method": self.method,
                "sections": self.sections,
                "semantic": self.semantic, "syntactic": self.syntactic,
                "malformed_lines": [n for n, _ in self.malformed]}


def warn_malformed(path: str, malformed: list) -> None:
    """One warning listing the line numbers (first ten) of lines that could not be read."""
    if malformed:
        shown = ", ".join(str(n) for n, _ in malformed[:10]) + (" ..." if len(malformed) > 10 else "")
        warnings.warn(f"{path}: skipped {len(malformed)} malformed line(s): {shown}", RuntimeWarning, stacklevel=3)


def folded_vocab(vectors, restrict_vocab: int | None, case_insensitive: bool):
    """``(limit, fold, index)``: the first ``limit`` keys indexed by their folded form, the most
    frequent case variant standing for all of them (gensim's convention)."""
    limit = len(vectors) if restrict_vocab is None else min(restrict_vocab, len(vectors))
    fold = str.upper if case_insensitive else (lambda w: w)
    keys = vectors.keys[:limit]
    index: dict = {}
    for i in range(limit - 1, -1, -1):  # later (rarer) first, so the most frequent wins
        index[fold(keys[i])] = i
    return limit, fold, index


def check_oov_policy(vectors, oov: str, allowed: tuple, owner: str) -> None:
    check_param("oov", oov, [Options(allowed)], owner)
    if oov == "subwords" and getattr(vectors, "subwords", None) is None:
        raise InvalidParameterError(f"oov='subwords' needs vectors with subword n-grams (fastText models); "
                                    f"these have none. Use oov={allowed[0]!r}")


def subword_unit(vectors, word: str) -> np.ndarray:
    """The unit-length subword vector of an unknown word (zeros when it has no n-gram row)."""
    v = vectors.subwords.vector(word)
    n = float(np.linalg.norm(v))
    return (v / n if n > 0 else v).astype(np.float32)


def _is_syntactic(section: str) -> bool:
    """Google: sections named gram*; BATS: inflectional (I..) and derivational (D..) files."""
    s = section.lower()
    return s.startswith("gram") or (len(s) > 0 and s[0] in "id" and s[1:3].isdigit())


def read_analogies(path: str):
    """Questions of a Google-format file, a BATS relation file, or a directory of BATS files.

    Returns ``(questions, malformed)``; ``malformed`` lists ``(line, text)`` of lines that
    could not be read (each is also reported in one warning).
    """
    if os.path.isdir(path):
        files = sorted(os.path.join(r, f) for r, _, fs in os.walk(path) for f in fs
                       if not f.startswith(".") and f.endswith(".txt"))
        if not files:
            raise FormatError(f"analogy directory '{path}' holds no .txt relation files")
        questions, malformed = [], []
        for f in files:
            q, m = _read_bats(f, strict=False)
            questions += q
            malformed += [(f"{os.path.basename(f)}:{n}", t) for n, t in m]
        if not questions:
            raise FormatError(f"analogy directory '{path}' holds no analogy questions: none of its {len(files)} .txt "
                              "files has two or more word pairs 'word<TAB>answer[/answer...]'")
        return questions, malformed
    lines = read_lines(path)
    first = next((ln for ln in lines if ln.strip() and not ln.startswith("#")), "")
    if first.startswith(":"):
        return _read_google(lines, path)
    return _read_bats(path, lines)


def _read_google(lines, path):
    questions, malformed = [], []
    section = None
    for n, line in enumerate(lines, 1):
        words = line.split()
        if len(words) == 4 and section is not None and not line.startswith(("#", ":")):  # (most lines)
            questions.append(Question(words[0], words[1], words[2], (words[3],), section, n))
            continue
        if not words or line.startswith("#"):
            continue
        if line.startswith(":"):
            section = line[1:].strip()
            continue
        malformed.append((n, line))
    if not questions:
        raise FormatError(f"'{path}' holds no analogy questions (expected ': section' headers and 'a b c d' lines)")
    return questions, malformed


def _read_bats(path, lines=None, strict: bool = True):
    """A BATS relation file: ``word<TAB>answer[/answer...]`` per line; every ordered pair of
    distinct lines (a, b), (c, d) is the question a : b :: c : d. ``strict``: a file giving no
    question is refused (in a directory, the directory as a whole must give some)."""
    if lines is None:
        lines = read_lines(path)
    section = os.path.splitext(os.path.basename(path))[0]
    pairs, malformed = [], []
    for n, line in enumerate(lines, 1):
        if not line.strip() or line.startswith("#"):
            continue
        parts = line.split("\t") if "\t" in line else line.split()
        answers = tuple(a.strip() for a in parts[1].split("/") if a.strip()) if len(parts) == 2 else ()
        if len(parts) != 2 or not parts[0].strip() or not answers:  # (an answer of slashes alone: none)
            malformed.append((n, line))
            continue
        pairs.append((parts[0].strip(), answers, n))
    questions = []
    for a, b_answers, _ in pairs:
        for c, d_answers, n in pairs:
            if c == a:
                continue
            questions.append(Question(a, b_answers[0], c, d_answers, section, n))
    if not questions and strict:
        what = f"none of its {len(malformed)} lines is" if malformed and not pairs else "fewer than two lines are"
        raise FormatError(f"'{path}' holds no analogy questions: {what} a word pair 'word<TAB>answer[/answer...]' "
                          "(BATS) or ': section' and 'a b c d' lines (Google)")
    return questions, malformed


def analogy_benchmark(vectors, dataset: str = "google", *, method: str = "add",
                      restrict_vocab: int | None = 30_000, case_insensitive: bool = True,
                      oov: str = "skip") -> AnalogyResult:
    """Accuracy of ``vectors`` on an analogy dataset (a bundled name or a path).

    Follows gensim's ``evaluate_word_analogies`` conventions so numbers compare: only the
    ``restrict_vocab`` most frequent keys are candidates and only questions whose words are all
    among them are answered (the others are counted in ``oov``); with ``case_insensitive``
    words are compared case-folded, a key standing for its most frequent case variant; the
    question words are never answers. ``method`` is ``"add"`` (3CosAdd) or ``"mul"`` (3CosMul,
    epsilon 1e-3).

    ``oov="subwords"`` (vectors with subword n-grams, such as fastText's) answers questions
    whose *question* words are unknown with those words' subword vectors; a question whose
    expected answer is not a candidate still cannot be scored and is counted in ``oov``.
    """
    check_method(method, "analogy_benchmark")
    check_param("restrict_vocab", restrict_vocab, [Interval(int, 1, None), NONE], "analogy_benchmark")
    check_oov_policy(vectors, oov, ("skip", "subwords"), "analogy_benchmark")
    name, path = dataset_path(dataset, "analogy")
    questions, malformed = read_analogies(path)
    warn_malformed(path, malformed)
    limit, fold, ok = folded_vocab(vectors, restrict_vocab, case_insensitive)
    folded_keys = [fold(k) for k in vectors.keys[:limit]]
    unit = np.asarray(vectors.matrix[:limit], dtype=np.float32) / vectors.norms()[:limit, None]  # candidates' unit rows
    extra: dict = {}  # unknown question word -> row of `ext` (oov="subwords")

    rows, answered_q = [], []
    oov_by_section: dict = {}
    n_subword = 0
    folded: dict = {}  # word -> folded form (a benchmark has few distinct words: fold each once)
    for q in questions:
        for w in (q.a, q.b, q.c, *q.answers):
            if w not in folded:
                folded[w] = fold(w)
    known = {w: ok.get(f) for w, f in folded.items()}  # word -> candidate id of its folded form
    for q in questions:  # (written out for speed: a benchmark has tens of thousands of questions)
        ids = [known[q.a], known[q.b], known[q.c]]
        ans = q.answers
        answerable = known[ans[0]] is not None if len(ans) == 1 else any(known[a] is not None for a in ans)
        if not answerable or (None in ids and oov != "subwords"):
            oov_by_section[q.section] = oov_by_section.get(q.section, 0) + 1
            continue
        if None in ids:
            ids = [i if i is not None else extra.setdefault(w, limit + len(extra)) for i, w in zip(ids, (q.a, q.b, q.c))]
            n_subword += 1
        rows.append(ids)
        answered_q.append(q)
    units = unit
    if extra:
        units = np.concatenate([unit, np.stack([subword_unit(vectors, w) for w in extra])])
    idx = np.asarray(rows, dtype=np.int64).reshape(-1, 3)
    # the answer is the best candidate that is neither a question word nor one of its case
    # variants (gensim looks for it among its top 5 only: the two differ when five case variants
    # of the question words outrank every other candidate)
    exclude = np.where(idx < limit, idx, -1)
    asked = {folded[w] for q in answered_q for w in (q.a, q.b, q.c)}
    variants: dict = {}
    for i, f in enumerate(folded_keys):
        if f in asked:
            variants.setdefault(f, []).append(i)
    variants = {f: ids for f, ids in variants.items() if len(ids) > 1}
    if variants:  # keys that differ only in case: each question excludes them all
        more = [[i for w in (q.a, q.b, q.c) for i in variants.get(folded[w], ())] for q in answered_q]
        wide = np.full((len(rows), max(len(x) for x in more)), -1, dtype=np.int64)
        for j, x in enumerate(more):
            wide[j, :len(x)] = x
        exclude = np.concatenate([exclude, wide], axis=1)
    best, _ = best_answers(vectors, units, idx, exclude, method, limit)
    flags = []
    for i, q in zip(best.tolist(), answered_q):
        ans = q.answers
        flags.append(i >= 0 and (folded_keys[i] == folded[ans[0]] if len(ans) == 1
                                 else any(folded_keys[i] == folded[w] for w in ans)))
    correct_flags = np.array(flags, dtype=bool)

    sections: dict = {}
    for q, ok_flag in zip(answered_q, correct_flags):
        sec = sections.setdefault(q.section, {"correct": 0, "total": 0, "oov": 0})
        sec["correct"] += int(ok_flag)
        sec["total"] += 1
    for sec_name, n_oov in oov_by_section.items():
        sections.setdefault(sec_name, {"correct": 0, "total": 0, "oov": 0})["oov"] = n_oov
    ordered = {}
    for q in questions:  # file order
        if q.section in sections and q.section not in ordered:
            sec = sections[q.section]
            sec["accuracy"] = sec["correct"] / sec["total"] if sec["total"] else 0.0
            ordered[q.section] = sec

    def total(names):
        c = sum(ordered[n]["correct"] for n in names)
        t = sum(ordered[n]["total"] for n in names)
        return {"accuracy": c / t if t else 0.0, "correct": c, "total": t,
                "oov": sum(ordered[n]["oov"] for n in names)}

    syn = [n for n in ordered if _is_syntactic(n)]
    sem = [n for n in ordered if not _is_syntactic(n)]
    correct = int(correct_flags.sum())
    return AnalogyResult(name, method, correct / len(rows) if rows else 0.0, correct, len(rows),
                         sum(oov_by_section.values()), n_subword, ordered, total(sem), total(syn), malformed)
