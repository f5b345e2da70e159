"""One-hot vectors and the co-occurrence matrix as the textbooks teach them: a worked example
computed by hand, parity with a slow Python count on real text, and the scikit-learn API."""

import collections

import numpy as np
import pytest

pytest.importorskip("sklearn")

from wordspace import KeyNotFoundError  # noqa: E402
from wordspace.sparse import CooccurrenceVectorizer, OneHotEncoder, cooccurrence_matrix, one_hot  # noqa: E402

TOY = [["I", "like", "deep", "learning", "."], ["I", "like", "NLP", "."], ["I", "enjoy", "flying", "."]]


def test_worked_example_window_1():
    """The classic toy corpus with a window of 1. By hand, each pair of neighbours counts once in
    each direction: I-like twice (lines 1 and 2), I-enjoy, like-deep, like-NLP, deep-learning,
    learning-., NLP-., enjoy-flying and flying-. once; everything else is 0."""
    m, words = cooccurrence_matrix(TOY, window=1)
    by_hand = {("I", "like"): 2, ("I", "enjoy"): 1, ("like", "deep"): 1, ("like", "NLP"): 1,
               ("deep", "learning"): 1, ("learning", "."): 1, ("NLP", "."): 1, ("enjoy", "flying"): 1,
               ("flying", "."): 1}
    dense = m.toarray()
    expected = np.zeros_like(dense)
    for (a, b), c in by_hand.items():
        expected[words.index(a), words.index(b)] = expected[words.index(b), words.index(a)] = c
    np.testing.assert_array_equal(dense, expected)
    assert words[:3] == [".", "I", "like"]  # most frequent first, ties by the word
    rows = one_hot(["I", "flying"], words).toarray()
    assert rows.shape == (2, 8) and rows.sum() == 2 and rows[0, words.index("I")] == 1
    with pytest.raises(KeyNotFoundError, match="'robots' is not in the vocabulary"):
        one_hot(["robots"], words)


@pytest.mark.parametrize("weighting,weight", [("uniform", lambda d, w: 1.0), ("harmonic", lambda d, w: 1.0 / d),
                                              ("linear", lambda d, w: (w - d + 1) / w)])
def test_matches_a_slow_count_on_real_text(demo_sentences, weighting, weight):
    sents = demo_sentences[:3000]
    m, words = cooccurrence_matrix(sents, window=3, weighting=weighting, min_count=2)
    idx = {w: i for i, w in enumerate(words)}
    ref = collections.Counter()
    for s in sents:
        ids = [idx[t] for t in s if t in idx]  # words below min_count leave the stream, as in training
        for i, a in enumerate(ids):
            for d in range(1, 4):
                if i + d < len(ids):
                    ref[(a, ids[i + d])] += weight(d, 3)
                    ref[(ids[i + d], a)] += weight(d, 3)
    coo = m.tocoo()
    got = {(int(r), int(c)): v for r, c, v in zip(coo.row, coo.col, coo.data)}
    assert set(got) == set(ref)
    for key, v in ref.items():
        assert got[key] == pytest.approx(v, rel=1e-5)


def test_scikit_learn_transformers(demo_sentences):
    from sklearn.base import clone

    vec = CooccurrenceVectorizer(window=2, min_count=5)
    full = vec.fit_transform(demo_sentences[:2000])
    rows = vec.transform(["lord", "god"]).toarray()
    np.testing.assert_array_equal(rows[0], full[vec.vocabulary_["lord"]].toarray()[0])
    assert clone(vec).get_params() == vec.get_params()
    enc = OneHotEncoder(min_count=5, handle_unknown="ignore").fit(demo_sentences[:2000])
    x = enc.transform(["lord", "unseenword"]).toarray()
    assert x.sum() == 1 and x[1].sum() == 0 and enc.get_feature_names_out()[x[0].argmax()] == "lord"
    with pytest.raises(KeyNotFoundError):
        OneHotEncoder(min_count=5).fit(demo_sentences[:2000]).transform(["unseenword"])
