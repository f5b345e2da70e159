"""``wordspace.analogy.best_answers``, the NumPy path of the analogy benchmarks: against a slow
NumPy reference (one full row per question), against the compiled top-k kernel, ties, exclusions
of any width, and questions split into several blocks of words."""

import numpy as np
import pytest

from wordspace import Vectors
from wordspace.analogy import best_answers, solve_analogies


def _setup(seed=0, n_keys=700, dim=12, n_words=60, n_q=500):
    rng = np.random.default_rng(seed)
    v = Vectors([f"w{i}" for i in range(n_keys)], rng.normal(size=(n_keys, dim)).astype(np.float32))
    unit = (v.matrix / np.linalg.norm(v.matrix, axis=1, keepdims=True)).astype(np.float32)
    words = rng.choice(n_keys, n_words, replace=False)
    # pairs of pairs, as benchmarks ask them, plus some questions of no pattern
    pairs = words.reshape(-1, 2)
    rows = [(a, b, c) for a, b in pairs[:12] for c, _ in pairs[:12] if c != a]
    rows += rng.choice(words, size=(n_q - len(rows), 3)).tolist()
    return v, unit, np.array(rows, dtype=np.int64), rng


def _reference(unit, rows, exclude, limit, mul):
    """Each question's whole row of scores in float32: 3CosAdd as the kernel rounds it, (b - a) + c."""
    cand = unit[:limit]
    ids, scores = [], []
    for (a, b, c), ex in zip(rows, exclude):
        sa, sb, sc = (cand @ unit[w] for w in (a, b, c))
        if mul:
            sa, sb, sc = ((s + np.float32(1)) * np.float32(0.5) for s in (sa, sb, sc))
            row = sc * (sb / (sa + np.float32(1e-3)))
        else:
            row = (sb - sa) + sc
        row = row.astype(np.float32)
        row[[i for i in ex if 0 <= i < limit]] = -np.inf
        best = int(np.argmax(row))
        ids.append(best if row[best] > -np.inf else -1)
        scores.append(row[best])
    return np.array(ids), np.array(scores, dtype=np.float32)


@pytest.mark.parametrize("mul", [False, True])
@pytest.mark.parametrize("limit", [None, 450])
def test_matches_reference_with_exclusions_of_any_width(mul, limit):
    v, unit, rows, rng = _setup()
    n = len(v) if limit is None else limit
    exclude = np.concatenate([rows, rng.integers(-1, len(v), size=(len(rows), 4))], axis=1)
    ids, scores = best_answers(v, unit, rows, exclude, "mul" if mul else "add", limit)
    ref_ids, ref_scores = _reference(unit, rows, exclude, n, mul)
    np.testing.assert_array_equal(ids, ref_ids)
    assert ((ids >= 0) & (ids < n)).all()
    assert all(i not in ex for i, ex in zip(ids.tolist(), exclude.tolist()))
    if mul:
        np.testing.assert_allclose(scores, ref_scores, rtol=1e-5)
    else:  # reported as the cosine with the normalised b - a + c
        norms = np.linalg.norm(unit[rows[:, 1]] - unit[rows[:, 0]] + unit[rows[:, 2]], axis=1)
        np.testing.assert_allclose(scores, ref_scores / norms, rtol=1e-5)


@pytest.mark.parametrize("method", ["add", "mul"])
def test_same_answers_as_the_compiled_kernel(method):
    v, unit, rows, _ = _setup(seed=1)
    ids, scores = best_answers(v, unit, rows, rows, method)
    k_ids, k_scores = solve_analogies(v, unit, rows, rows, 1, method)
    np.testing.assert_array_equal(ids, k_ids[:, 0])
    np.testing.assert_allclose(scores, k_scores[:, 0], rtol=1e-5)


def test_questions_split_into_blocks_of_words(monkeypatch):
    """With room for a few words' cosines at a time the questions run in several blocks, with the
    same answers as one block."""
    import wordspace.index

    v, unit, rows, _ = _setup(seed=2)
    whole = best_answers(v, unit, rows, rows)
    monkeypatch.setattr(wordspace.index, "BLOCK_SCORES", 7 * len(v))
    split = best_answers(v, unit, rows, rows)
    np.testing.assert_array_equal(whole[0], split[0])
    np.testing.assert_array_equal(whole[1], split[1])


def test_ties_go_to_the_lower_id_and_a_fully_excluded_question_gets_none():
    # candidates 3 and 5 are the same vector: equal scores for every question
    m = np.eye(6, 4, dtype=np.float32)
    m[4] = [0, 0, 0, 1]
    m[5] = m[3] = [0.6, 0.8, 0.3, 0.0]
    v = Vectors([f"w{i}" for i in range(6)], m)
    unit = m / np.linalg.norm(m, axis=1, keepdims=True)
    rows = np.array([[2, 0, 1], [2, 0, 1], [0, 1, 2]])
    exclude = np.array([[2, 0, 1, -1, -1, -1], [2, 0, 1, 3, -1, -1], [0, 1, 2, 3, 4, 5]])
    ids, scores = best_answers(v, unit, rows, exclude)
    ref, _ = _reference(unit, rows, exclude, 6, False)
    assert ids.tolist() == ref.tolist() and ids[0] == 3 and ids[1] == 5  # 3 excluded: its twin
    assert ids[2] == -1 and scores[2] == -np.inf


def test_no_questions():
    v, unit, _, _ = _setup()
    ids, scores = best_answers(v, unit, np.zeros((0, 3), np.int64), np.zeros((0, 3), np.int64))
    assert ids.shape == (0,) and scores.shape == (0,)
