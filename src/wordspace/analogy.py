"""Analogy scoring, ``a : b :: c : ?``, for one question or thousands: the one implementation
behind ``Vectors.analogy``, the analogy benchmarks and the web explorer. Candidates are scored
through the vectors' neighbour index (``wordspace.index``).

Scores are comparable with gensim's: 3CosAdd reports the cosine between a candidate and the
normalised ``b - a + c`` of the unit vectors (what ``most_similar(positive=[b, c],
negative=[a])`` reports for the same answer); 3CosMul reports Levy and Goldberg's
:math:`s_b s_c / (s_a + \\epsilon)` with cosines shifted to [0, 1], as gensim's
``most_similar_cosmul``. Dataset reading and accuracy live in ``wordspace.evaluate``.
"""

from __future__ import annotations

import numpy as np

from .errors import InvalidParameterError

__all__ = ["METHODS", "solve_analogies", "check_method"]

#: "add": 3CosAdd; "mul": 3CosMul (epsilon 1e-3)
METHODS = ("add", "mul")
EPSILON = 1e-3


def check_method(method: str, owner: str) -> None:
    if method not in METHODS:
        raise InvalidParameterError(param="method", owner=owner, rule="one of 'add', 'mul'", value=method)


def _dense_scores(vectors, index, queries: np.ndarray, limit: int) -> np.ndarray:
    """Cosines of unit ``queries`` with the first ``limit`` keys: from the index when it can
    score every row, else from the normalised matrix."""
    if hasattr(index, "scores"):
        return index.scores(queries, limit)
    return queries @ vectors.normalized()[:limit].T


def solve_analogies(vectors, units: np.ndarray, rows: np.ndarray, exclude: np.ndarray, k: int,
                    method: str = "add", limit: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Top ``k`` answers of many questions: ``(ids, scores)``, each (n_questions, k), best first.

    Parameters
    ----------
    vectors : Vectors
        The candidates are its first ``limit`` keys (all by default).
    units : ndarray of shape (n_words, dim)
        Unit vectors of the questions' distinct words (a word outside the vocabulary may be here
        with its subword vector).
    rows : ndarray of shape (n_questions, 3)
        For each question, the rows of ``units`` holding ``a``, ``b`` and ``c``.
    exclude : ndarray of shape (n_questions, 3)
        Candidate ids each question never answers (its own words), -1 for none.
    k : int
    method : {"add", "mul"}
    limit : int or None

    Notes
    -----
    Questions are answered in groups whose distinct words' cosines with every candidate fit in
    about 256 MB: one product per distinct word instead of one per question, then a compiled
    pass combines three rows per question.
    """
    from ._kernels.topk import analogy_topk
    from .index import BLOCK_SCORES

    check_method(method, "solve_analogies")
    n = len(vectors) if limit is None else min(int(limit), len(vectors))
    k = min(k, n)
    index = vectors.index()
    rows = np.asarray(rows, dtype=np.int64).reshape(-1, 3)
    exclude = np.asarray(exclude, dtype=np.int64).reshape(-1, 3)
    n_q = rows.shape[0]
    ids_out = np.full((n_q, k), -1, dtype=np.int64)
    sc_out = np.full((n_q, k), -np.inf, dtype=np.float32)
    combo = units[rows[:, 1]] - units[rows[:, 0]] + units[rows[:, 2]]  # (n_q, dim)
    norms = np.linalg.norm(combo, axis=1)
    norms[norms == 0] = 1.0
    if method == "add" and (not hasattr(index, "scores") or n_q == 1):
        # 3CosAdd is a plain neighbour query of the normalised combination: any index answers it
        q = (combo / norms[:, None]).astype(np.float32)
        return index.query(q, k, limit=n, exclude=[[i for i in ex if 0 <= i < n] for ex in exclude.tolist()])
    max_words = max(3, BLOCK_SCORES // max(n, 1))
    s = 0
    while s < n_q:
        words: dict = {}  # row of `units` -> row of `sims`
        e = s
        while e < n_q:
            new = {i for i in rows[e].tolist() if i not in words}
            if len(words) + len(new) > max_words and e > s:
                break
            for i in rows[e].tolist():
                words.setdefault(i, len(words))
            e += 1
        ids = np.fromiter(words, dtype=np.int64)
        sims = np.ascontiguousarray(_dense_scores(vectors, index, np.ascontiguousarray(units[ids], dtype=np.float32), n),
                                    dtype=np.float32)
        local = np.vectorize(words.__getitem__, otypes=[np.int64])(rows[s:e])
        ex = np.where((exclude[s:e] >= 0) & (exclude[s:e] < n), exclude[s:e], -1)
        analogy_topk(sims, np.ascontiguousarray(local), np.ascontiguousarray(ex), method == "mul", k,
                     ids_out[s:e], sc_out[s:e])
        s = e
    if method == "add":  # the kernel scores b - a + c; the cosine divides by its length
        sc_out /= norms[:, None].astype(np.float32)
    return ids_out, sc_out
