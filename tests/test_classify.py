"""Text classification on word vectors: pooled document vectors against a NumPy reference,
the transformer inside a scikit-learn Pipeline, and the attention classifier on a task it can
only solve by attending to the right words."""

import math

import numpy as np
import pytest

pytest.importorskip("sklearn")

from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.model_selection import cross_val_score  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402

from wordspace import InvalidParameterError, NotFittedError, Vectors  # noqa: E402
from wordspace.classify import AttentionClassifier, EmbeddingVectorizer  # noqa: E402


@pytest.fixture
def toy():
    rng = np.random.default_rng(0)
    keys = ["good", "bad", "movie", "the", "plot", "great", "awful", "a"]
    return Vectors(keys, rng.standard_normal((8, 5)).astype(np.float32),
                   counts=np.array([50, 40, 100, 1000, 30, 20, 10, 800]))


DOCS = ["The movie was good, good!", "a bad plot", "unknown words only", "the great movie"]


def test_mean_and_tfidf_pooling_against_reference(toy):
    mean = EmbeddingVectorizer(toy).fit(DOCS).transform(DOCS)
    np.testing.assert_allclose(mean[0], np.mean([toy["the"], toy["movie"], toy["good"], toy["good"]], axis=0),
                               rtol=1e-5)
    assert not mean[2].any()  # no known word: a zero vector
    tf = EmbeddingVectorizer(toy, pooling="tfidf").fit(DOCS)
    n = len(DOCS)
    idf = {w: math.log((1 + n) / (1 + df)) + 1 for w, df in (("the", 2), ("movie", 2), ("good", 1))}
    w = np.array([idf["the"], idf["movie"], 2 * idf["good"]])
    expected = w @ np.stack([toy["the"], toy["movie"], toy["good"]]) / w.sum()
    np.testing.assert_allclose(tf.transform(DOCS)[0], expected, rtol=1e-5)


def test_sif_pooling_against_reference(toy):
    docs = DOCS + ["a good plot", "the awful movie", "great great plot"]
    sif = EmbeddingVectorizer(toy, pooling="sif", sif_a=1e-2).fit(docs)
    total = toy.counts.sum()

    def raw(doc_words):
        ws = [w for w in doc_words if w in toy]
        a = np.array([1e-2 / (1e-2 + toy.counts[toy.index_of(w)] / total) for w in ws])
        return a @ np.stack([toy[w] for w in ws]) / a.sum() if ws else np.zeros(5)

    tokens = [[t for t in d.lower().replace(",", " ").replace("!", " ").split()] for d in docs]
    m = np.stack([raw(t) for t in tokens])
    u = np.linalg.svd(m[np.abs(m).sum(axis=1) > 0], full_matrices=False)[2][0]
    expected = m - np.outer(m @ u, u)
    np.testing.assert_allclose(sif.transform(docs), expected, rtol=1e-4, atol=1e-6)


def test_errors(toy):
    with pytest.raises(NotFittedError, match="not fitted yet"):
        EmbeddingVectorizer(toy).transform(DOCS)
    with pytest.raises(InvalidParameterError, match="'pooling' parameter of EmbeddingVectorizer"):
        EmbeddingVectorizer(toy, pooling="max").fit(DOCS)
    with pytest.raises(InvalidParameterError, match="must be a wordspace.Vectors"):
        EmbeddingVectorizer(np.zeros((2, 2))).fit(DOCS)


def _topic_task(n=240, seed=1, signal=1):
    """Two classes of documents that differ only in which of two word groups they draw from,
    among shared filler words; word vectors in which the two groups form two clusters, all
    sharing a common direction as trained embeddings do (what SIF removes)."""
    rng = np.random.default_rng(seed)
    pos, neg = [f"p{i}" for i in range(20)], [f"n{i}" for i in range(20)]
    filler = [f"f{i}" for i in range(60)]
    centers = rng.standard_normal((2, 16))
    m = np.concatenate([centers[0] + 0.5 * rng.standard_normal((20, 16)),
                        centers[1] + 0.5 * rng.standard_normal((20, 16)),
                        rng.standard_normal((60, 16))]).astype(np.float32)
    m += 3 * rng.standard_normal(16).astype(np.float32)
    vectors = Vectors(pos + neg + filler, m)
    docs, y = [], []
    for i in range(n):
        label = i % 2
        words = list(rng.choice(filler, size=12)) + list(rng.choice(pos if label else neg, size=signal))
        rng.shuffle(words)
        docs.append(" ".join(words))
        y.append(label)
    return vectors, docs, np.array(y)


@pytest.mark.parametrize("pooling", ["mean", "tfidf", "sif"])
def test_pipeline_with_cross_validation(pooling):
    """Three informative words among twelve fillers: pooled vectors separate the classes."""
    vectors, docs, y = _topic_task(signal=3)
    pipe = make_pipeline(EmbeddingVectorizer(vectors, pooling=pooling), LogisticRegression(max_iter=1000))
    scores = cross_val_score(pipe, docs, y, cv=5)
    assert scores.mean() > 0.9, scores


def test_attention_classifier_learns_and_attends():
    """One informative word among twelve fillers: mean pooling gets about 0.8 here; attention
    finds the word."""
    pytest.importorskip("torch")
    vectors, docs, y = _topic_task(n=400)
    clf = AttentionClassifier(vectors, epochs=30, lr=5e-3, seed=0, device="cpu").fit(docs[:300], y[:300])
    assert (clf.predict(docs[300:]) == y[300:]).mean() > 0.95
    assert clf.loss_history_[-1] < 0.3 * clf.loss_history_[0]
    weights = clf.attention(docs[300])
    top = max(weights, key=lambda kv: kv[1])[0]
    assert top[0] in "pn"  # the one informative word gets the most attention
    assert abs(sum(w for _, w in weights) - 1) < 1e-5
    proba = clf.predict_proba(docs[:5])
    assert proba.shape == (5, 2) and np.allclose(proba.sum(axis=1), 1)
