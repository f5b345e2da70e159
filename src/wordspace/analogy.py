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

__all__ = ["METHODS", "solve_analogies", "best_answers", "check_method"]

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
    for s, e, ids, local in _word_blocks(rows, max(3, BLOCK_SCORES // max(n, 1))):
        sims = np.ascontiguousarray(_dense_scores(vectors, index, np.ascontiguousarray(units[ids], dtype=np.float32), n),
                                    dtype=np.float32)
        ex = np.where((exclude[s:e] >= 0) & (exclude[s:e] < n), exclude[s:e], -1)
        analogy_topk(sims, np.ascontiguousarray(local), np.ascontiguousarray(ex), method == "mul", k,
                     ids_out[s:e], sc_out[s:e])
    if method == "add":  # the kernel scores b - a + c; the cosine divides by its length
        sc_out /= norms[:, None].astype(np.float32)
    return ids_out, sc_out


#: Questions of one pair scored together by :func:`best_answers` (their rows stay in cache).
CHUNK = 8


def _word_blocks(rows: np.ndarray, max_words: int):
    """Runs ``(start, end, words, local)`` of consecutive questions whose distinct word rows
    (``words``) number at most ``max_words``; ``local`` gives each question's ``a, b, c`` as
    indices into ``words``. One run when every distinct word fits (the usual benchmark)."""
    n_q = rows.shape[0]
    words, local = np.unique(rows, return_inverse=True)
    if len(words) <= max_words:
        yield 0, n_q, words, local.reshape(-1, 3)
        return
    s = 0
    while s < n_q:
        seen: dict = {}
        e = s
        while e < n_q:
            new = {i for i in rows[e].tolist() if i not in seen}
            if len(seen) + len(new) > max_words and e > s:
                break
            for i in rows[e].tolist():
                seen.setdefault(i, len(seen))
            e += 1
        yield s, e, np.fromiter(seen, dtype=np.int64), np.vectorize(seen.__getitem__, otypes=[np.int64])(rows[s:e])
        s = e


def best_answers(vectors, units: np.ndarray, rows: np.ndarray, exclude: np.ndarray, method: str = "add",
                 limit: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The best answer of each of many questions and its score: ``(ids, scores)``, each
    (n_questions,); id -1 where every candidate is excluded.

    The answers of ``solve_analogies(..., k=1)`` (scores in the same units, ties to the lower id)
    by NumPy alone, so that a benchmark pays for no compiled code. ``exclude`` (n_questions, m),
    -1 padded, may list any number of ids per question (an analogy benchmark excludes every case
    variant of the question words).

    Notes
    -----
    Questions are grouped by their pair ``(a, b)``, in order of first appearance. A group computes
    ``cos(x, b) - cos(x, a)`` once (3CosMul: the ratio of the shifted cosines, ``s_b / (s_a +
    0.001)``); each question adds ``cos(x, c)`` to it (multiplies by ``s_c``) in one pass into a
    small buffer that stays in cache, and one ``argmax`` per few questions keeps the first of equal
    scores, the lowest id. The 3CosAdd sum is rounded as the compiled kernel rounds it, ``(b - a)
    + c`` in float32, so the answers are the kernel's; 3CosMul's float32 product can differ from
    the kernel's float64 formula in the last bit, so an exact near-tie may go the other way. A
    benchmark's questions are pairs of pairs of one relation: the rows a group reads were read by
    the group before it.
    """
    from .index import BLOCK_SCORES

    check_method(method, "best_answers")
    n = len(vectors) if limit is None else min(int(limit), len(vectors))
    index = vectors.index()
    rows = np.asarray(rows, dtype=np.int64).reshape(-1, 3)
    n_q = rows.shape[0]
    exclude = np.asarray(exclude, dtype=np.int64)
    exclude = exclude.reshape(n_q, -1) if n_q else exclude.reshape(0, 0)
    ids_out = np.full(n_q, -1, dtype=np.int64)
    sc_out = np.full(n_q, -np.inf, dtype=np.float32)
    if n_q == 0 or n == 0:
        return ids_out, sc_out
    mul = method == "mul"
    combine = np.multiply if mul else np.add
    base = np.empty(n, dtype=np.float32)
    buf = np.empty((CHUNK, n), dtype=np.float32)
    for s, e, words, local in _word_blocks(rows, max(3, BLOCK_SCORES // n)):
        sims = np.ascontiguousarray(
            _dense_scores(vectors, index, np.ascontiguousarray(units[words], dtype=np.float32), n), dtype=np.float32)
        if mul:  # cosines shifted to [0, 1]
            sims += np.float32(1.0)
            sims *= np.float32(0.5)
        pair = local[:, 0] * len(words) + local[:, 1]
        _, first, group = np.unique(pair, return_index=True, return_inverse=True)
        rank = np.empty(len(first), dtype=np.int64)
        rank[np.argsort(first)] = np.arange(len(first))
        order = np.argsort(rank[group], kind="stable")  # grouped, groups in order of first appearance
        in_order = rank[group][order]
        bounds = np.flatnonzero(np.r_[True, in_order[1:] != in_order[:-1]]).tolist() + [len(order)]
        ex = exclude[s:e][order]
        ex = np.where((ex >= 0) & (ex < n), ex, -1)
        q_local = local[order]
        for g0, g1 in zip(bounds[:-1], bounds[1:]):  # one pair (a, b) each
            a, b = q_local[g0, 0], q_local[g0, 1]
            if mul:
                np.add(sims[a], np.float32(1e-3), out=base)
                np.divide(sims[b], base, out=base)
            else:
                np.subtract(sims[b], sims[a], out=base)
            for lo in range(g0, g1, CHUNK):
                hi = min(lo + CHUNK, g1)
                m = hi - lo
                for i, c in enumerate(q_local[lo:hi, 2].tolist()):
                    combine(sims[c], base, out=buf[i])
                r_, k_ = np.nonzero(ex[lo:hi] >= 0)
                buf[r_, ex[lo:hi][r_, k_]] = -np.inf
                best = buf[:m].argmax(axis=1)
                sc_out[s + order[lo:hi]] = buf[np.arange(m), best]
                ids_out[s + order[lo:hi]] = best
    ids_out[sc_out == -np.inf] = -1
    if not mul:  # b - a + c; the cosine divides by its length
        combo = units[rows[:, 1]] - units[rows[:, 0]] + units[rows[:, 2]]
        norms = np.linalg.norm(combo, axis=1)
        norms[norms == 0] = 1.0
        sc_out /= norms.astype(np.float32)
    return ids_out, sc_out
