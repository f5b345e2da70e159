"""Vectors queries against brute-force NumPy references: neighbours (key, vector,
positive/negative), batches, analogies (3CosAdd, 3CosMul), restriction, exclusions, errors."""

import numpy as np
import pytest

from wordspace import InvalidParameterError, KeyNotFoundError, Vectors
from wordspace.index import ExactIndex, top_k


@pytest.fixture(scope="module")
def vecs():
    rng = np.random.default_rng(42)
    keys = [f"w{i}" for i in range(500)] + ["king", "queen", "man", "woman", "kings"]
    return Vectors(keys, rng.normal(size=(len(keys), 16)).astype(np.float32))


def _unit(m):
    m = m.astype(np.float64)
    return m / np.linalg.norm(m, axis=1, keepdims=True)


def brute_neighbors(v, query_vec, k, exclude=(), limit=None):
    u = _unit(v.matrix)[:limit]
    q = query_vec / np.linalg.norm(query_vec)
    s = u @ q
    order = [i for i in np.argsort(-s, kind="stable") if i not in set(exclude)][:k]
    return [(v.keys[i], s[i]) for i in order]


def _same(answers, expected):
    assert [a.key for a in answers] == [k for k, _ in expected]
    np.testing.assert_allclose([a.score for a in answers], [s for _, s in expected], rtol=1e-5, atol=1e-6)


def test_neighbors_of_key_vector_and_combination(vecs):
    u = _unit(vecs.matrix)
    i = vecs.index_of("w7")
    _same(vecs.most_similar("w7", k=5), brute_neighbors(vecs, vecs.matrix[i], 5, exclude=[i]))
    _same(vecs.most_similar(vecs.matrix[i], k=5), brute_neighbors(vecs, vecs.matrix[i], 5))
    ids = [vecs.index_of(w) for w in ("king", "woman", "man")]
    q = u[ids[0]] + u[ids[1]] - u[ids[2]]
    _same(vecs.most_similar(positive=["king", "woman"], negative=["man"], k=4), brute_neighbors(vecs, q, 4, exclude=ids))
    _same(vecs.most_similar("w3", k=3, restrict=100), brute_neighbors(vecs, vecs.matrix[3], 3, exclude=[3], limit=100))
    _same(vecs.most_similar("w3", k=3, exclude=["w4"]), brute_neighbors(vecs, vecs.matrix[3], 3, exclude=[3, 4]))


def test_batch_equals_single_queries(vecs, monkeypatch):
    import wordspace.index as index_mod

    monkeypatch.setattr(index_mod, "BLOCK_SCORES", 505 * 7)  # several blocks of 7 queries
    queries = [f"w{i}" for i in range(0, 60, 3)] + [vecs.matrix[10] * 3]
    batch = vecs.most_similar_batch(queries, k=6)
    for q, ans in zip(queries, batch):
        single = vecs.most_similar(q, k=6)
        assert [a.key for a in ans] == [a.key for a in single]
        np.testing.assert_allclose([a.score for a in ans], [a.score for a in single], rtol=1e-5)
    assert all(q not in [a.key for a in ans] for q, ans in zip(queries[:-1], batch))


def test_batch_on_threads_of_our_own_equals_one_pass(monkeypatch):
    """Large batches run one BLAS product and one fold per thread of ours over interleaved
    chunks of keys, then merge: the same ids and scores as one pass (duplicated rows included),
    exclusions kept, and a chunk size that splits the keys unevenly."""
    import wordspace.index as index_mod

    rng = np.random.default_rng(5)
    m = rng.normal(size=(5000, 12)).astype(np.float32)
    m[4000:4100] = m[10:110]  # exact ties across chunks
    q = _unit(m[rng.choice(5000, 40, replace=False)]).astype(np.float32)
    exclude = [[int(i)] for i in rng.integers(0, 5000, 40)]
    idx = ExactIndex().build_raw(m, np.linalg.norm(m, axis=1).astype(np.float32))
    monkeypatch.setattr(index_mod, "LANES_FROM", 1 << 60)
    one = idx.query(q, 15, exclude=exclude)
    monkeypatch.setattr(index_mod, "LANES_FROM", 0)
    monkeypatch.setattr(index_mod, "MIN_CHUNK", 333)
    monkeypatch.setattr(index_mod, "CHUNK_SCORES", 40 * 333)
    monkeypatch.setattr(index_mod, "_lanes", lambda nq, n, k: 3)
    lanes = idx.query(q, 15, exclude=exclude)
    np.testing.assert_allclose(lanes[1], one[1], rtol=1e-5)
    # the same answers; two rows with equal vectors may trade places when a one-thread product
    # rounds their scores a last bit differently, never otherwise
    differ = lanes[0] != one[0]
    assert differ.sum() <= 4 and all(m[a].tolist() == m[b].tolist() for a, b in zip(lanes[0][differ], one[0][differ]))
    assert [sorted(r) for r in lanes[0].tolist()] == [sorted(r) for r in one[0].tolist()]
    assert all(e[0] not in row for e, row in zip(exclude, lanes[0].tolist()))


def test_many_keys_of_an_opened_model_are_found_in_one_pass(vecs, tmp_path):
    """An opened native model answers a batch of many keys by one compiled pass over its key
    buffer (no dict of every key built); rows and answers equal the in-memory model's."""
    from wordspace.vectors import KeyList

    keys = [f"w{i}" for i in range(501)] + ["Ünïcode", "東京", "a b", "king"]
    v = Vectors(keys, vecs.matrix)
    v.save(tmp_path / "m")
    opened = Vectors.load(tmp_path / "m")
    assert isinstance(opened.keys, KeyList)
    asked = ["king", "東京", "w1", "nope", "w4", "w1", "a\nb", "a b", "Ünïcode", "w49", "w4 "]
    rows = opened.keys.find_many(asked).tolist()
    assert rows == [keys.index(k) if k in keys else -1 for k in asked]
    queries = [f"w{i}" for i in range(0, 400, 7)] + ["東京", "king", "a b"]  # more than SCAN_LOOKUPS
    got = opened.most_similar_batch(queries, k=5)
    assert opened._key_to_row is None  # answered without the full dict
    want = v.most_similar_batch(queries, k=5)
    assert [[a.key for a in r] for r in got] == [[a.key for a in r] for r in want]
    with pytest.raises(KeyNotFoundError):
        opened.most_similar_batch(queries + ["nope"], k=5)


def test_keylist_slices_equal_list_slices():
    """A run of keys is decoded in one call; every slice equals the list's."""
    from wordspace.keylist import KeyList

    keys = ["a", "Ünïcode", "東京", "x_y", "", "z"][:4] + ["last"]
    buf = ("\n" + "\n".join(keys) + "\n").encode()
    kl = KeyList(buf, np.flatnonzero(np.frombuffer(buf, np.uint8) == 10).astype(np.int64))
    for sl in (slice(None), slice(1, 3), slice(2, 2), slice(3, 1), slice(-2, None), slice(None, -1), slice(0, 99),
               slice(None, None, 2), slice(None, None, -1), slice(4, 5)):
        assert kl[sl] == keys[sl], sl
    assert kl.tolist() == keys and kl[-1] == "last"


@pytest.mark.parametrize("method", ["add", "mul"])
def test_analogy_against_reference(vecs, method):
    u = _unit(vecs.matrix)
    a, b, c = (vecs.index_of(w) for w in ("man", "king", "woman"))
    sa, sb, sc = u @ u[a], u @ u[b], u @ u[c]
    if method == "add":  # ranked by cos(x,b) - cos(x,a) + cos(x,c), reported as the cosine to b - a + c
        score = (sb - sa + sc) / np.linalg.norm(u[b] - u[a] + u[c])
    else:
        score = ((sb + 1) / 2) * ((sc + 1) / 2) / ((sa + 1) / 2 + 1e-3)
    order = [i for i in np.argsort(-score, kind="stable") if i not in (a, b, c)][:5]
    got = vecs.analogy("man", "king", "woman", k=5, method=method)
    assert [g.key for g in got] == [vecs.keys[i] for i in order]
    np.testing.assert_allclose([g.score for g in got], score[order], rtol=1e-5)


def test_analogy_and_most_similar_report_the_same_score(vecs):
    """3CosAdd answers score what most_similar(positive=[b, c], negative=[a]) scores, as gensim."""
    got = vecs.analogy("man", "king", "woman", k=5)
    ms = vecs.most_similar(positive=["king", "woman"], negative=["man"], k=5)
    assert [g.key for g in got] == [m.key for m in ms]
    np.testing.assert_allclose([g.score for g in got], [m.score for m in ms], rtol=1e-5)
    assert all(-1 <= g.score <= 1 for g in got)


def test_analogy_score_matches_gensim(vecs):
    from gensim.models import KeyedVectors

    kv = KeyedVectors(vecs.dim)
    kv.add_vectors(list(vecs.keys), vecs.matrix)
    theirs = kv.most_similar(positive=["king", "woman"], negative=["man"], topn=5)
    ours = vecs.analogy("man", "king", "woman", k=5)
    assert [k for k, _ in theirs] == [o.key for o in ours]
    np.testing.assert_allclose([s for _, s in theirs], [o.score for o in ours], rtol=1e-4)
    # 3CosMul: gensim's most_similar_cosmul uses epsilon 1e-6 where Levy and Goldberg (and we) use 1e-3


@pytest.mark.parametrize("compiled", [True, False])
def test_top_k_ties_small_n_and_excluded(compiled, monkeypatch):
    import wordspace.index as index_mod

    monkeypatch.setattr(index_mod, "COMPILED_MAX_K", 1000 if compiled else 0)
    scores = np.array([[0.5, 0.9, 0.5, 0.9, 0.1], [-np.inf, 0.2, np.nan, -np.inf, -np.inf]], np.float32)
    ids, sc = top_k(scores, 3)
    assert ids.tolist() == [[1, 3, 0], [1, -1, -1]] and sc.tolist()[0] == pytest.approx([0.9, 0.9, 0.5])
    ids, sc = top_k(scores, 10)
    assert ids.tolist() == [[1, 3, 0, 2, 4], [1, -1, -1, -1, -1]]


def test_top_k_matches_a_sort_on_random_scores():
    rng = np.random.default_rng(3)
    scores = rng.normal(size=(37, 5000)).astype(np.float32)
    scores[:, ::97] = scores[:, :1]  # some ties
    ids, sc = top_k(scores, 25)
    ref = np.lexsort((np.broadcast_to(np.arange(5000), scores.shape), -scores), axis=1)[:, :25]
    np.testing.assert_array_equal(ids, ref)


def test_similarity_doesnt_match_and_container(vecs):
    u = _unit(vecs.matrix)
    assert vecs.similarity("king", "queen") == pytest.approx(float(u[500] @ u[501]), rel=1e-5)
    words = ["w1", "w2", "w3", "w4"]
    m = u[[1, 2, 3, 4]]
    assert vecs.doesnt_match(words) == words[int(np.argmin(m @ m.mean(axis=0)))]
    assert len(vecs) == 505 and "king" in vecs and "nope" not in vecs
    row = vecs["king"]
    with pytest.raises(ValueError):
        row[0] = 1.0  # read-only view
    np.testing.assert_array_equal(row, vecs.matrix[500])


def test_unknown_keys_suggest_close_ones(vecs):
    with pytest.raises(KeyNotFoundError, match=r"'kinng' is not in the vocabulary \(505 keys\)\. Did you mean 'king'"):
        vecs.most_similar("kinng")
    with pytest.raises(KeyError):
        vecs["Queen"]
    with pytest.raises(KeyNotFoundError, match="Did you mean 'queen'"):
        vecs.similarity("Queen", "king")


def test_bad_arguments(vecs):
    for k in (0, -1, 1.5, True):
        with pytest.raises(InvalidParameterError, match="'k' parameter"):
            vecs.most_similar("king", k=k)
    with pytest.raises(InvalidParameterError, match="empty query"):
        vecs.most_similar()
    with pytest.raises(InvalidParameterError, match="shape"):
        vecs.most_similar(np.ones(3))
    with pytest.raises(InvalidParameterError, match="'method' parameter"):
        vecs.analogy("a", "b", "c", method="sub")
    with pytest.raises(InvalidParameterError, match="duplicate key 'x'"):
        Vectors(["x", "x"], np.ones((2, 2)))
    with pytest.raises(InvalidParameterError, match="must match"):
        Vectors(["x"], np.ones((2, 2)))


def test_custom_index_is_used(vecs):
    calls = []

    class Spy(ExactIndex):
        def query(self, queries, k, limit=None, exclude=None):
            calls.append(queries.shape)
            return super().query(queries, k, limit, exclude)

    v = Vectors(vecs.keys, vecs.matrix, index=Spy())
    assert v.most_similar("king", k=3) == vecs.most_similar("king", k=3)
    v.most_similar_batch(["w1", "w2"], k=2)
    assert calls == [(1, 16), (2, 16)]


def test_hnsw_index_agrees_on_easy_data(vecs):
    pytest.importorskip("hnswlib")
    from wordspace.index import HnswIndex

    v = Vectors(vecs.keys, vecs.matrix, index=HnswIndex(ef=400))
    exact = [a.key for a in vecs.most_similar("w9", k=5)]
    approx = [a.key for a in v.most_similar("w9", k=5)]
    assert len(set(exact) & set(approx)) >= 4


def test_quantized_index_agrees_with_exact_search():
    from wordspace.index import QuantizedIndex

    rng = np.random.default_rng(5)
    keys = [f"k{i}" for i in range(20_000)]
    m = rng.standard_normal((20_000, 64)).astype(np.float32)
    exact = Vectors(keys, m)
    quant = Vectors(keys, m).set_index(QuantizedIndex())
    same = 0
    for w in keys[:100]:
        a, b = exact.most_similar(w, k=10), quant.most_similar(w, k=10)
        same += [x.key for x in a] == [x.key for x in b]
        np.testing.assert_allclose([x.score for x in b], [exact.similarity(w, x.key) for x in b], atol=1e-5)  # exact re-rank
    assert same >= 98
    assert [x.key for x in quant.most_similar("k3", k=5, restrict=1000)] == [x.key for x in exact.most_similar("k3", k=5, restrict=1000)]
    add_q, add_e = quant.analogy("k1", "k2", "k3", k=5), exact.analogy("k1", "k2", "k3", k=5)
    assert [x.key for x in add_q] == [x.key for x in add_e] and not {"k1", "k2", "k3"} & {x.key for x in add_q}
    quant.similarity("k1", "k2"), quant.doesnt_match(["k1", "k2", "k3"])
    assert quant._unit is None  # no normalised float32 copy of the matrix was made


def test_scores_are_cosines_within_minus_one_and_one():
    """A row queried as a vector scores itself at 1 however the float32 rounding of its length
    falls (before clipping, 771 of these 2,000 rows scored above 1, up to 1.0000007)."""
    rng = np.random.default_rng(0)
    m = (rng.normal(size=(2000, 300)) * rng.lognormal(0, 3, size=(2000, 1))).astype(np.float32)
    v = Vectors([f"w{i}" for i in range(2000)], m)
    tops = [v.most_similar(m[i], k=1)[0].score for i in range(0, 2000, 7)]
    assert max(tops) <= 1.0 and min(tops) > 0.9999
    batch = v.most_similar_batch([m[i] for i in range(0, 2000, 7)], k=2)
    assert all(-1.0 <= n.score <= 1.0 for row in batch for n in row)
    assert all(-1.0 <= v.similarity(f"w{i}", f"w{i}") <= 1.0 for i in range(50))
    assert all(-1.0 <= n.score <= 1.0 for n in v.analogy("w1", "w2", "w3", k=20))
