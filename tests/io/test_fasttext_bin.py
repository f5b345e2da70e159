"""Facebook fastText .bin models written by fasttext-wheel: the same word vectors and vectors
for unseen words as fastText gives, and clear errors for damaged or unsupported files."""

import struct

import numpy as np
import pytest

import wordspace
import wordspace.cli
from wordspace import FormatError
from wordspace.io import detect_format

fasttext = pytest.importorskip("fasttext")


@pytest.fixture(scope="module")
def ft_model(tmp_path_factory, demo_sentences):
    d = tmp_path_factory.mktemp("ft")
    corpus = d / "corpus.txt"
    corpus.write_text("\n".join(" ".join(s) for s in demo_sentences[:3000]) + "\nzürich café naïve 東京\n" * 5,
                      encoding="utf-8")
    m = fasttext.train_unsupervised(str(corpus), model="skipgram", dim=16, epoch=1, minCount=3, bucket=20000,
                                    minn=2, maxn=5, thread=1, verbose=0)
    path = d / "model.bin"
    m.save_model(str(path))
    return m, path


def test_words_and_vectors_match_fasttext(ft_model):
    m, path = ft_model
    assert detect_format(str(path)) == "fasttext-bin"
    v = wordspace.load(path)
    assert list(v.keys) == m.get_words()
    for w in ["</s>", "the", "lord", "café", "東京"]:
        np.testing.assert_allclose(v[w], m.get_word_vector(w), rtol=1e-5, atol=1e-6)
    assert v.subwords.min_n == 2 and v.subwords.max_n == 5 and v.subwords.buckets == 20000
    assert v.metadata["params"]["architecture"] == "skipgram"


def test_unseen_words_match_fasttext(ft_model):
    m, path = ft_model
    v = wordspace.load(path)
    for w in ["lordship", "cafés", "zürichsee", "東京都"]:
        assert w not in v
        np.testing.assert_allclose(v[w], m.get_word_vector(w), rtol=1e-5, atol=1e-6)


def test_convert_to_native_keeps_subwords(ft_model, tmp_path):
    m, path = ft_model
    for extra in ([], ["--limit", "100"]):
        out = tmp_path / f"native{len(extra)}"
        assert wordspace.cli.main(["convert", str(path), str(out), *extra]) == 0
        v = wordspace.load(out)
        assert len(v) == (100 if extra else len(m.get_words()))
        np.testing.assert_allclose(v["lordship"], m.get_word_vector("lordship"), rtol=1e-5, atol=1e-6)


def test_truncated_and_damaged_files(ft_model, tmp_path):
    _, path = ft_model
    data = path.read_bytes()
    for cut, match in ((30, "truncated: it ends inside the arguments"), (200, "truncated"),
                       (len(data) - 1000, "truncated: the output matrix"), (len(data) - 200_000, "truncated: the input matrix needs")):
        bad = tmp_path / f"cut{cut}.bin"
        bad.write_bytes(data[:cut])
        with pytest.raises(FormatError, match=match):
            wordspace.load(bad)
    future = tmp_path / "v99.bin"
    future.write_bytes(data[:4] + struct.pack("<i", 99) + data[8:])
    with pytest.raises(FormatError, match="file version 99"):
        wordspace.load(future)


def test_supervised_models_give_their_word_vectors(tmp_path):
    train = tmp_path / "sup.txt"
    train.write_text("__label__a good fine\n__label__b bad awful\n" * 20)
    m = fasttext.train_supervised(str(train), epoch=1, verbose=0, wordNgrams=2, minn=2, maxn=3, bucket=1000)
    path = tmp_path / "sup.bin"
    m.save_model(str(path))
    v = wordspace.load(path)
    assert set(v.keys) == set(m.get_words()) and v.metadata["params"]["architecture"] == "supervised"
    np.testing.assert_allclose(v.matrix, np.stack([m.get_word_vector(w) for w in v.keys]), rtol=1e-5, atol=1e-6)
