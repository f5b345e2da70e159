"""Facebook fastText supervised models read by wordspace: the labels and probabilities of
fastText itself (its C++ binding: the Python wrapper's predict breaks on NumPy 2), for every
loss, with word n-grams and character n-grams, through Python and the command line."""

from __future__ import annotations

import gzip

import numpy as np
import pytest

from wordspace.io.fasttext_supervised import FastTextClassifier, _huffman_paths, is_fasttext_classifier

fasttext = pytest.importorskip("fasttext")


@pytest.fixture(scope="module")
def labelled(tmp_path_factory):
    from importlib import resources

    data = resources.files("wordspace").joinpath("data", "sentences", "mr.txt.gz").read_bytes()
    lines = gzip.decompress(data).decode("utf-8").splitlines()
    rng = np.random.default_rng(0)
    order = rng.permutation(len(lines))
    d = tmp_path_factory.mktemp("sup")
    train, test = d / "train.txt", d / "test.txt"
    train.write_text("\n".join(lines[i] for i in order[:2500]) + "\n")
    test.write_text("\n".join(lines[i] for i in order[2500:2700]) + "\n")
    return train, test


def _fasttext_top(model, text, k):
    return [(label[len("__label__"):], p) for p, label in model.f.predict(text + "\n", k, 0.0, "strict")]


@pytest.mark.parametrize("loss", ["softmax", "hs", "ova", "ns"])
@pytest.mark.parametrize("extra", [{}, {"wordNgrams": 3, "minn": 2, "maxn": 4, "bucket": 5000}])
def test_predictions_are_fasttexts(tmp_path, labelled, loss, extra):
    train, test = labelled
    m = fasttext.train_supervised(str(train), loss=loss, epoch=3, verbose=0, thread=1, **({"bucket": 20000} | extra))
    path = tmp_path / "m.bin"
    m.save_model(str(path))
    assert is_fasttext_classifier(path)
    clf = FastTextClassifier.load(path)
    texts = [line.split(" ", 1)[1] for line in test.read_text().splitlines()] + ["qqqzz unknownword", "the"]
    ours = clf.predict_top(texts, k=2)
    for text, got in zip(texts, ours):
        want = _fasttext_top(m, text, 2)
        np.testing.assert_allclose([p for _, p in got], [p for _, p in want], atol=1e-6)
        if len(want) == 2 and abs(want[0][1] - want[1][1]) < 1e-6:
            assert {lab for lab, _ in got} == {lab for lab, _ in want}  # a tie: fastText's order is its heap's
        else:
            assert [lab for lab, _ in got] == [lab for lab, _ in want], text


def test_test_matches_fasttexts_and_the_cli(tmp_path, labelled, run):
    train, test = labelled
    m = fasttext.train_supervised(str(train), epoch=5, verbose=0, thread=1, wordNgrams=2)
    path = tmp_path / "m.bin"
    m.save_model(str(path))
    n, precision, recall = m.test(str(test))
    from wordspace.supervised import read_labeled

    docs, labels = read_labeled(test)
    res = FastTextClassifier.load(path).test(docs, labels, k=1)
    assert res["n"] == n and res["precision"] == pytest.approx(precision) and res["recall"] == pytest.approx(recall)
    code, out, err = run(["classify", "test", str(path), str(test)])
    assert code == 0, err
    assert f"N\t{n}" in out and f"P@1\t{precision:.3f}" in out
    code, out, err = run(["classify", "predict", str(path), str(test), "-k", "2"])
    assert code == 0, err
    first = out.splitlines()[0].split()
    want = _fasttext_top(m, docs[0] and " ".join(docs[0]), 2)
    assert first[0] == "__label__" + want[0][0] and float(first[1]) == pytest.approx(want[0][1], abs=1e-4)


def test_huffman_tree_of_three_labels():
    """fastText's buildTree on counts 5, 3, 2: leaves 2 and 1 join first (node 3, output row 0;
    the second taken, leaf 1, is the right child), then node 3 and leaf 0 (the root, row 1; leaf
    0 the right child, as its count 5 is not below node 3's 5)."""
    paths = _huffman_paths(np.array([5, 3, 2]))
    assert paths[0] == ([1], [True])
    assert paths[1] == ([0, 1], [True, False])
    assert paths[2] == ([0, 1], [False, False])


@pytest.mark.parametrize("qargs", [{"qnorm": True, "cutoff": 2000, "retrain": False},
                                   {"qnorm": False},
                                   {"qnorm": True, "cutoff": 500, "retrain": False, "dsub": 4}])
def test_quantized_models_predict_as_fasttext(tmp_path, labelled, qargs):
    """Quantized .ftz files: product-quantised input rows (with and without quantised norms), the dictionary
    and n-grams pruned by -cutoff; fastText's labels and probabilities from the same file."""
    train, test = labelled
    m = fasttext.train_supervised(str(train), epoch=3, verbose=0, thread=1, wordNgrams=2, bucket=20000)
    m.quantize(input=str(train), thread=1, verbose=0, **qargs)
    path = tmp_path / "m.ftz"
    m.save_model(str(path))
    clf = FastTextClassifier.load(path)
    texts = [line.split(" ", 1)[1] for line in test.read_text().splitlines()][:100] + ["qqqzz unknownword"]
    for text, got in zip(texts, clf.predict_top(texts, k=2)):
        want = _fasttext_top(m, text, 2)
        np.testing.assert_allclose([p for _, p in got], [p for _, p in want], atol=1e-5)
        if len(want) == 2 and abs(want[0][1] - want[1][1]) > 1e-5:
            assert [lab for lab, _ in got] == [lab for lab, _ in want], text
    import wordspace

    v = wordspace.load(path)  # the word vectors of the quantized model
    words = list(v.keys)[:50]
    np.testing.assert_allclose(v.matrix[:50], np.stack([m.get_word_vector(w) for w in words]), rtol=1e-4,
                               atol=1e-5)


def test_quantized_word_vector_models_load(tmp_path, labelled):
    """An unsupervised model cannot be quantized by fastText, but a supervised one with character
    n-grams, pruned, gives fastText's vectors for known and unknown words."""
    import wordspace

    train, _ = labelled
    m = fasttext.train_supervised(str(train), epoch=2, verbose=0, thread=1, minn=2, maxn=4, bucket=5000)
    m.quantize(input=str(train), thread=1, verbose=0, qnorm=True, cutoff=3000, retrain=False)
    path = tmp_path / "m.ftz"
    m.save_model(str(path))
    v = wordspace.load(path)
    for w in list(v.keys)[:30] + ["zzunknownword", "films"]:
        np.testing.assert_allclose(v[w], m.get_word_vector(w), rtol=1e-4, atol=1e-5)


def test_a_word_vector_model_given_to_classify_is_named_as_such(run):
    from gensim.test.utils import datapath

    code, _, err = run(["classify", "test", datapath("lee_fasttext.bin"), datapath("lee_fasttext.bin")])
    assert code == 1 and "word-vector model, not a classifier" in err and len(err.strip().splitlines()) == 1
