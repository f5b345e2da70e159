"""gensim users switch without surprises: gensim's own expectations (``test_keyedvectors.py``,
on its test file ``euclidean_vectors.bin``: the same inputs, the same expected values), every
gensim-named method against gensim itself on the same vectors, and gensim's keyword and
attribute habits refused with wordspace's names."""

from __future__ import annotations


import numpy as np
import pytest

import wordspace

gensim = pytest.importorskip("gensim")
from gensim.models import KeyedVectors  # noqa: E402
from gensim.test.utils import datapath  # noqa: E402


@pytest.fixture(scope="module")
def pair():
    path = datapath("euclidean_vectors.bin")
    return wordspace.load(path), KeyedVectors.load_word2vec_format(path, binary=True)


# -- gensim's test_keyedvectors.py, ported -------------------------------------------------------
def test_most_similar_as_gensim_expects(pair):
    v, _ = pair
    expected = ["conflict", "administration", "terrorism", "call", "israel"]
    assert [k for k, _ in v.most_similar("war", k=5)] == expected
    assert [k for k, _ in v.similar_by_word("war", topn=5)] == expected
    assert [k for k, _ in v.similar_by_vector(v["war"], topn=5)] == ["war"] + expected[:4]
    assert [k for k, _ in v.most_similar(positive=[v["war"]], k=5)] == ["war"] + expected[:4]
    assert v.most_similar(positive=v.matrix[0:5]) is not None


def test_a_string_is_one_key_not_its_letters(pair):
    """The silent wrong answer of issue 28: positive="war" meant the letters w, a, r."""
    v, _ = pair
    one = v.most_similar(positive="war", negative="peace", k=5)
    assert one == v.most_similar(positive=["war"], negative=["peace"], k=5)
    assert all(len(k) > 1 for k, _ in one)
    assert v.most_similar("war", k=5, exclude="conflict")[0].key == "administration"
    assert (v.most_similar_cosmul("war", "peace", topn=5) == v.most_similar_cosmul(["war"], ["peace"], topn=5)
            == v.most_similar_cosmul(positive="war", negative="peace", topn=5))


def test_topn_and_restrict_vocab_as_gensim_expects(pair):
    v, _ = pair
    assert len(v.similar_by_word("war", topn=5)) == 5 and len(v.similar_by_word("war", topn=10)) == 10
    assert len(v.similar_by_word("war", topn=None)) == len(v)
    assert v.similar_by_word("war", topn=0) == [] and v.similar_by_word("war", topn=np.uint8(0)) == []
    assert {k for k, _ in v.similar_by_word("war", topn=5, restrict_vocab=5)} == set(v.keys[:5])
    with pytest.raises(KeyError):
        v.most_similar("not_in_vocab")


def test_scalars_as_gensim_expects(pair):
    v, _ = pair
    assert np.allclose(v.distance("war", "conflict"), 0.06694602) and v.distance("war", "war") == pytest.approx(0)
    assert np.allclose(v.similarity("war", "conflict"), 0.93305397)
    assert v.closer_than("war", "war") == [] and set(v.closer_than("war", "terrorism")) == {"conflict",
                                                                                            "administration"}
    assert v.rank("war", "war") == 1 and v.rank("war", "terrorism") == 3
    assert v.most_similar_to_given("war", ["terrorism", "call", "waging"]) == "terrorism"
    assert v.relative_cosine_similarity("good", "worst", 10) < 0.10


def test_get_mean_vector_as_gensim_expects(pair):
    v, _ = pair
    keys = ["conflict", "administration", "terrorism", "call", "an out-of-vocabulary word"]
    weights = [1, 2, 3, 1, 2]
    want1 = [0.02000151, -0.12685453, 0.09196121, 0.25514853, 0.25740655, -0.11134843, -0.0502661, -0.19278568,
             -0.83346179, -0.12068878]
    want2 = [-0.0145228, -0.11530358, 0.1169825, 0.22537769, 0.29353586, -0.10458107, -0.05272481, -0.17547795,
             -0.84245106, -0.10356515]
    want3 = [0.01343237, -0.47651053, 0.45645328, 0.98304356, 1.1840123, -0.51647933, -0.25308795, -0.77931081,
             -3.55954733, -0.55429711]
    assert np.allclose(v.get_mean_vector(keys), want1)
    assert np.allclose(v.get_mean_vector(keys, weights), want2)
    assert np.allclose(v.get_mean_vector(keys, pre_normalize=False), want3)
    with pytest.raises(KeyError):
        v.get_mean_vector(keys, ignore_missing=False)


# -- every gensim name against gensim on the same vectors ----------------------------------------
def test_every_gensim_method_agrees_with_gensim(pair):
    v, kv = pair
    assert list(v) == list(kv.index_to_key) == list(v.index_to_key)
    assert v.vector_size == kv.vector_size and v.get_index("war") == kv.get_index("war")
    np.testing.assert_allclose(v.get_vector("war", norm=True), kv.get_vector("war", norm=True), rtol=1e-6)
    words = ["war", "peace", "good", "call", "israel", "terrorism"]
    assert v.n_similarity(words[:3], words[3:]) == pytest.approx(float(kv.n_similarity(words[:3], words[3:])),
                                                                 rel=1e-5)
    np.testing.assert_allclose(v.distances("war"), kv.distances("war"), atol=1e-6)
    np.testing.assert_allclose(v.distances("war", words), kv.distances("war", words), atol=1e-6)
    for a, b in (("war", "peace"), ("good", "israel"), ("call", "war")):
        assert v.rank(a, b) == kv.rank(a, b)
        assert v.closer_than(a, b) == kv.closer_than(a, b)
        assert v.relative_cosine_similarity(a, b) == pytest.approx(kv.relative_cosine_similarity(a, b), rel=1e-5)
    for pos, neg in ((["war", "good"], ["peace"]), ("war", None), (["israel"], ["call", "war"])):
        got = v.most_similar_cosmul(pos, neg, topn=7)
        want = kv.most_similar_cosmul(pos, neg, topn=7)
        assert [k for k, _ in got] == [k for k, _ in want]
        np.testing.assert_allclose([s for _, s in got], [s for _, s in want], rtol=1e-5)
        got = v.most_similar(positive=pos, negative=neg or (), k=7)
        want = kv.most_similar(positive=pos, negative=neg, topn=7)
        assert [k for k, _ in got] == [k for k, _ in want]
        np.testing.assert_allclose([s for _, s in got], [s for _, s in want], rtol=1e-5)
    weighted = v.most_similar(positive=[("war", 2.0), "good"], k=5)
    assert [k for k, _ in weighted] == [k for k, _ in kv.most_similar(positive=[("war", 2.0), "good"], topn=5)]
    np.testing.assert_allclose(v.similar_by_word("war", topn=None), kv.similar_by_word("war", topn=None), atol=1e-6)
    assert [(round(d, 5), w) for d, w in v.rank_by_centrality(words)] == \
        [(round(float(d), 5), w) for d, w in kv.rank_by_centrality(words)]


def test_doesnt_match_leaves_out_unknown_keys_as_gensim_does(pair):
    v, kv = pair
    words = ["war", "conflict", "terrorism", "good", "zzznotaword"]
    with pytest.warns(UserWarning, match="zzznotaword"):
        got = v.doesnt_match(words)
    assert got == kv.doesnt_match(words)
    with pytest.raises(ValueError), pytest.warns(UserWarning):
        v.doesnt_match(["war", "zzznotaword"])


# -- habits refused with wordspace's names -------------------------------------------------------
@pytest.mark.parametrize("call,names", [
    (lambda: wordspace.Word2Vec(vector_size=100), ("vector_size", "dim")),
    (lambda: wordspace.Word2Vec(sg=1), ("sg", "architecture")),
    (lambda: wordspace.FastText(bucket=10), ("bucket", "buckets")),
    (lambda: wordspace.Doc2Vec(dm=1), ("dm", "architecture")),
    (lambda: wordspace.Word2Vec(sentences=[["a"]]), ("sentences", "fit")),
])
def test_gensim_keywords_name_ours(call, names):
    with pytest.raises(TypeError) as err:
        call()
    assert all(n in str(err.value) for n in names) and "docs/gensim.md" in str(err.value)


def test_gensim_attributes_and_query_keywords_name_ours(pair):
    v, _ = pair
    with pytest.raises(TypeError, match="'topn'.*k "):
        v.most_similar("war", topn=3)
    with pytest.raises(TypeError, match="restrict"):
        v.most_similar("war", restrict_vocab=3)
    with pytest.raises(TypeError, match="unexpected keyword argument 'nonsense'"):
        v.most_similar("war", nonsense=3)
    with pytest.raises(AttributeError, match="vectors_"):
        wordspace.Word2Vec().wv
    with pytest.raises(AttributeError, match="document_vectors_"):
        wordspace.Doc2Vec().dv
    assert not hasattr(wordspace.Word2Vec(), "vectors_")  # still an AttributeError for hasattr



# -- files gensim reads ----------------------------------------------------------------------------
@pytest.mark.parametrize("compress", ["gzip", "bz2", "lzma"])
def test_compressed_text_vectors_load(tmp_path, compress):
    import importlib

    v = wordspace.load(datapath("euclidean_vectors.bin"))
    plain = tmp_path / "v.txt"
    v.save(str(plain))
    packed = tmp_path / ("v.txt." + {"gzip": "gz", "bz2": "bz2", "lzma": "xz"}[compress])
    with importlib.import_module(compress).open(packed, "wb") as fh:
        fh.write(plain.read_bytes())
    back = wordspace.load(str(packed))
    assert list(back.keys) == list(v.keys)
    np.testing.assert_array_equal(back.matrix, v.matrix)
    assert len(wordspace.load(str(packed), limit=7)) == 7
    kv = KeyedVectors.load_word2vec_format(str(packed) if compress != "lzma" else str(plain))
    np.testing.assert_allclose(back["war"], kv["war"])


def test_fasttext_files_from_before_version_0_9_load_as_gensim_expects():
    """gensim's test_fasttext.py: lee_fasttext.bin (no magic number) gives the vector of
    'hundred' that fastText's print-word-vectors gave."""
    want = [-0.57144, -0.0085561, 0.15748, -0.67855, -0.25459, -0.58077, -0.09913, 1.1447, 0.23418, 0.060007]
    v = wordspace.load(datapath("lee_fasttext.bin"))
    assert len(v) == 1762 and v.dim == 10 and v.metadata["file_version"] == 0
    assert np.allclose(v["hundred"], want, atol=1e-4)
    assert v.metadata["params"]["window"] == 5 and v.metadata["params"]["min_count"] == 5
    kv = gensim.models.fasttext.load_facebook_vectors(datapath("non_ascii_fasttext.bin"))
    ours = wordspace.load(datapath("non_ascii_fasttext.bin"))
    assert list(ours.keys) == list(kv.index_to_key)
    np.testing.assert_allclose(ours.matrix, kv.vectors, atol=1e-5)


def test_fasttext_dictionary_that_is_not_utf8_loads_hashing_its_own_bytes(tmp_path):
    """cp852_fasttext.bin holds cp852 bytes: loaded by default (keys with \\xNN escapes, one
    warning), each word's vector the mean of its row and the n-gram rows of the file's bytes;
    with encoding="cp852" the keys read properly and the vectors are the same."""
    with pytest.warns(UserWarning, match="not valid utf-8"):
        v = wordspace.load(datapath("cp852_fasttext.bin"))
    right = wordspace.load(datapath("cp852_fasttext.bin"), encoding="cp852")
    np.testing.assert_array_equal(v.matrix, right.matrix)
    assert "kter\\xec" in v and "který" in right
    with pytest.raises(wordspace.errors.FormatError, match="not valid utf-8"):
        wordspace.load(datapath("cp852_fasttext.bin"), unicode_errors="strict")
    # the reference: fastText's n-grams of the raw bytes, hashed with FNV-1a, averaged with the row
    word = "který".encode("cp852")
    i = list(right.keys).index("který")
    params = right.metadata["params"]  # this model: n-grams of 2 to 4 characters, 1,000 buckets
    rows = [i] + [len(right) + h % params["buckets"]
                  for h in _fasttext_ngram_hashes(word, params["min_n"], params["max_n"])]
    full = _fasttext_input_matrix(datapath("cp852_fasttext.bin"), len(right), params["buckets"], right.dim)
    np.testing.assert_allclose(v.matrix[i], full[rows].mean(axis=0), rtol=1e-5, atol=1e-6)


def _fasttext_ngram_hashes(word: bytes, minn: int, maxn: int) -> list:
    """fastText's Dictionary::computeSubwords on the bytes of ``<word>``: n-grams of n
    characters (a byte 10xxxxxx continues a character), each hashed by FNV-1a over its bytes
    taken as signed chars."""
    w = b"<" + word + b">"
    out = []
    for i in range(len(w)):
        if w[i] & 0xC0 == 0x80:
            continue
        gram, j, n = b"", i, 1
        while j < len(w) and n <= maxn:
            gram += w[j : j + 1]
            j += 1
            while j < len(w) and w[j] & 0xC0 == 0x80:
                gram += w[j : j + 1]
                j += 1
            if n >= minn and not (n == 1 and (i == 0 or j == len(w))):
                h = 2166136261
                for c in gram:
                    h = ((h ^ (c - 256 if c > 127 else c)) & 0xFFFFFFFF) * 16777619 & 0xFFFFFFFF
                out.append(h)
            n += 1
    return out


def _fasttext_input_matrix(path, nwords, buckets, dim):
    """The input matrix of an old (unversioned) fastText file, parsed here on its own: 12 int32
    and a float64 of arguments, the dictionary (3 int32, an int64, entries of a NUL-ended word,
    an int64 and an int8), then int64 rows, int64 cols and the float32 rows."""
    import struct

    with open(path, "rb") as fh:
        data = fh.read()
    size = struct.unpack_from("<3iq", data, 56)[0]
    pos = 56 + 20
    for _ in range(size):
        pos = data.index(b"\0", pos) + 10
    rows, cols = struct.unpack_from("<2q", data, pos)
    assert (rows, cols) == (nwords + buckets, dim)
    return np.frombuffer(data, dtype="<f4", count=rows * cols, offset=pos + 16).reshape(rows, cols)


def test_wrong_keywords_to_load_blame_the_call_not_the_file():
    with pytest.raises(TypeError, match="binary.*detected"):
        wordspace.load(datapath("euclidean_vectors.bin"), binary=True)
    with pytest.raises(TypeError, match="unexpected keyword argument 'nonsense'"):
        wordspace.load(datapath("euclidean_vectors.bin"), nonsense=1)


def test_a_key_emptied_by_decoding_is_named_as_such(tmp_path):
    p = tmp_path / "v.txt"
    p.write_bytes(b"2 2\n\xff\xfe 0.1 0.2\nok 0.3 0.4\n")
    with pytest.raises(wordspace.errors.FormatError, match="empty once decoded"):
        wordspace.load(str(p), unicode_errors="ignore")


def test_cli_takes_encoding_and_unicode_errors(tmp_path, run):
    code, out, err = run(["neighbors", datapath("cp852_fasttext.bin"), "který", "-k", "2", "--encoding", "cp852"])
    assert code == 0, err
    code, _, err = run(["neighbors", datapath("cp852_fasttext.bin"), "ji", "-k", "2", "--unicode-errors", "strict"])
    assert code == 1 and "not valid" in err and len(err.strip().splitlines()) == 1
    code, _, err = run(["neighbors", datapath("cp852_fasttext.bin"), "ji", "--encoding", "nonsense-codec"])
    assert code == 1 and "encoding" in err and len(err.strip().splitlines()) == 1
    out_path = tmp_path / "c.txt"
    assert run(["convert", datapath("cp852_fasttext.bin"), str(out_path), "--encoding", "cp852"])[0] == 0
    assert "který" in out_path.read_text(encoding="utf-8")


def test_binary_file_without_newlines_whose_keys_begin_with_a_newline(tmp_path):
    """Records written as "\\nkey vector" (the separator before the key, none after the vector)
    are binary, whatever the extension; gensim reads them so."""
    rng = np.random.default_rng(0)
    m = rng.normal(size=(3, 4)).astype(np.float32)
    body = b"".join(b"\n" + k.encode() + b" " + row.tobytes() for k, row in zip(["alpha", "beta", "gamma"], m))
    for name in ("v.vec", "v"):
        p = tmp_path / name
        p.write_bytes(b"3 4" + body)
        v = wordspace.load(str(p))
        assert list(v.keys) == ["alpha", "beta", "gamma"]
        np.testing.assert_array_equal(v.matrix, m)
        kv = KeyedVectors.load_word2vec_format(str(p), binary=True)
        np.testing.assert_array_equal(kv.vectors, m)
