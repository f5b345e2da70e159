"""Supervised classification: each loss's update against a NumPy transcription, n-gram
hashing, accuracy on real sentences (the shared sentence-polarity set, with fastText's
published level as the bar), save/load, the sklearn-style contract, and the classify commands
with their bad inputs."""

import json
import math
import zipfile

import numpy as np
import pytest

from wordspace import FormatError, InvalidParameterError, NotFittedError
from wordspace._kernels import supervised as ks
from wordspace.cli import main
from wordspace.supervised import SupervisedClassifier, read_labeled
from wordspace.vocab import huffman_tree


def _reference_step(w_in, w_out, ids, labels, lr, kind, tree=None):
    """One document's update, in float64, as fastText's supervised model makes it."""
    w_in, w_out = w_in.astype(np.float64), w_out.astype(np.float64)
    h = w_in[ids].mean(axis=0)
    grad = np.zeros_like(h)
    sig = lambda x: 1 / (1 + math.exp(-x))  # noqa: E731
    if kind == ks.SOFTMAX:
        s = w_out @ h
        p = np.exp(s - s.max()) / np.exp(s - s.max()).sum()
        for j in range(w_out.shape[0]):
            g = lr * ((j == labels[0]) - p[j])
            grad += g * w_out[j]
            w_out[j] += g * h
    elif kind == ks.OVA:
        for j in range(w_out.shape[0]):
            g = lr * ((j in labels) - sig(w_out[j] @ h))
            grad += g * w_out[j]
            w_out[j] += g * h
    else:
        codes, points, lengths = tree
        t = labels[0]
        for q in range(lengths[t]):
            n = points[t, q]
            g = lr * (1 - codes[t, q] - sig(w_out[n] @ h))
            grad += g * w_out[n]
            w_out[n] += g * h
    for i in ids:
        w_in[i] += grad / len(ids)
    return w_in, w_out


@pytest.mark.parametrize("kind", [ks.SOFTMAX, ks.OVA, ks.HS])
def test_each_loss_matches_a_numpy_transcription(kind):
    rng = np.random.default_rng(kind)
    w_in = (rng.random((7, 5), dtype=np.float32) - 0.5)
    n_labels = 4
    tree = tuple(np.asarray(a, np.int64) for a in huffman_tree(np.array([9, 5, 3, 1])))
    w_out = (rng.random((n_labels - 1 if kind == ks.HS else n_labels, 5), dtype=np.float32) - 0.5)
    ids, labels = np.array([0, 3, 3, 6]), np.array([2, 1] if kind == ks.OVA else [2])
    exp_in, exp_out = _reference_step(w_in, w_out, ids, labels, 0.2, kind, tree)
    z = (np.zeros((1, 1), np.int64), np.zeros((1, 1), np.int64), np.zeros(1, np.int64))
    ks.train_epoch(w_in, w_out, np.array([0, 4]), ids, np.array([0, len(labels)]), labels, np.array([[0]]), 0.0, 1e12,
                   0.2, kind, *(tree if kind == ks.HS else z), 1, 0, np.zeros(1))
    np.testing.assert_allclose(w_out, exp_out, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(w_in, exp_in, rtol=1e-4, atol=1e-6)


def test_word_ngrams_are_hashed_after_the_words():
    off, ids = np.array([0, 3, 3, 5]), np.array([4, 1, 2, 0, 0])
    out_off, out = np.empty(4, np.int64), np.empty(20, np.int64)
    n = ks.add_ngrams(off, ids, 3, 10, 7, out_off, out)
    docs = [out[out_off[d]:out_off[d + 1]].tolist() for d in range(3)]
    assert docs[0][:3] == [4, 1, 2] and len(docs[0]) == 3 + 2 + 1 and docs[1] == [] and len(docs[2]) == 3
    assert all(10 <= b < 17 for b in docs[0][3:] + docs[2][2:]) and n == out_off[3]
    assert docs[2][2] == docs[2][2]  # (0, 0) hashes the same every time
    again = np.empty(20, np.int64)
    ks.add_ngrams(off, ids, 3, 10, 7, out_off, again)
    assert (again[:n] == out[:n]).all()


@pytest.fixture(scope="module")
def polarity(shared_data):
    docs, labels = [], []
    with zipfile.ZipFile(f"{shared_data}/sentiment/sentence_polarity.zip") as z:
        for lab, member in (("pos", "sentence_polarity/rt-polarity.pos"), ("neg", "sentence_polarity/rt-polarity.neg")):
            for line in z.read(member).decode("cp1252").splitlines():
                if line.strip():
                    docs.append(line.lower())
                    labels.append(lab)
    order = np.random.default_rng(0).permutation(len(docs))
    return [docs[i] for i in order], [labels[i] for i in order]


@pytest.mark.shared_data
@pytest.mark.parametrize("loss", ["softmax", "hs", "ova"])
def test_real_sentences_reach_fasttexts_level(polarity, loss):
    """fastText's supervised mode scores about .76 on this split of sentence polarity (the issue);
    each loss must come within a few points on a held-out tenth, and the loss must fall."""
    docs, labels = polarity
    cut = len(docs) * 9 // 10
    clf = SupervisedClassifier(loss=loss, epochs=5 if loss != "hs" else 10, workers=2).fit(docs[:cut], labels[:cut])
    assert clf.loss_history_[-1] < clf.loss_history_[0]
    assert clf.score(docs[cut:], labels[cut:]) > 0.72
    p = clf.predict_proba(docs[cut:cut + 5])
    assert p.shape == (5, 2) and (p >= 0).all() and (p <= 1).all()
    if loss != "ova":
        np.testing.assert_allclose(p.sum(axis=1), 1, rtol=1e-6)


def test_save_load_contract_and_errors(tmp_path):
    texts = ["good fine film", "bad dull film", "good fun", "bad boring plot", "great good", "awful bad"] * 20
    labels = ["pos", "neg", "pos", "neg", "pos", "neg"] * 20
    for loss in ("softmax", "hs", "ova"):
        clf = SupervisedClassifier(loss=loss, word_ngrams=2, buckets=1000, epochs=20, workers=1, seed=3).fit(texts, labels)
        clf.save(tmp_path / loss)
        back = SupervisedClassifier.load(tmp_path / loss)
        np.testing.assert_allclose(back.predict_proba(["good film", "bad plot", "unknown words"]),
                                   clf.predict_proba(["good film", "bad plot", "unknown words"]))
        assert list(clf.predict(["good good good", "bad bad bad"])) == ["pos", "neg"]
    # only the buckets the texts hit have rows (plus one zero row for unseen ones), not all 1000
    assert clf.input_matrix_.shape[0] == len(clf.words_) + len(clf.ngram_buckets_) + 1 < 1000
    assert not clf.input_matrix_[-1].any()
    np.save(tmp_path / "hs" / "ngram_buckets.npy", np.array([5, 3], np.int64))
    with pytest.raises(FormatError, match="distinct buckets"):
        SupervisedClassifier.load(tmp_path / "hs")
    (tmp_path / "hs" / "ngram_buckets.npy").write_bytes(b"\x93NUMPY garbage")
    with pytest.raises(FormatError, match="damaged"):
        SupervisedClassifier.load(tmp_path / "hs")
    again = SupervisedClassifier(loss="softmax", word_ngrams=2, buckets=1000, epochs=20, workers=1, seed=3).fit(texts, labels)
    np.testing.assert_array_equal(again.input_matrix_, SupervisedClassifier.load(tmp_path / "softmax").input_matrix_)
    assert clf.get_params()["loss"] == "ova" and clf.set_params(epochs=2).epochs == 2
    with pytest.raises(NotFittedError):
        SupervisedClassifier().predict(["x"])
    with pytest.raises(InvalidParameterError, match="one label"):
        SupervisedClassifier().fit(["a", "b"], ["x", "x"])
    with pytest.raises(InvalidParameterError, match="'loss'"):
        SupervisedClassifier(loss="hinge").fit(texts, labels)
    with pytest.raises(InvalidParameterError, match="no text has a label"):
        SupervisedClassifier().fit(["a", "b"], [[], []])
    doc = json.loads((tmp_path / "hs" / "classifier.json").read_text())
    doc["label_counts"] = [1, 5]
    (tmp_path / "hs" / "classifier.json").write_text(json.dumps(doc))
    with pytest.raises(FormatError, match="label_counts"):
        SupervisedClassifier.load(tmp_path / "hs")
    np.save(tmp_path / "ova" / "output.npy", np.zeros((9, 100), np.float32))
    with pytest.raises(FormatError):
        SupervisedClassifier.load(tmp_path / "ova")


def test_classify_commands_and_bad_files(tmp_path, capsys):
    rows = ["__label__pos good fine film", "__label__neg bad dull film", "__label__pos __label__fun good fun",
            "__label__neg bad boring plot"] * 30
    (tmp_path / "train.txt").write_text("\n".join(rows) + "\n")
    (tmp_path / "test.txt").write_text("__label__pos good film\n__label__new bad plot\n")
    model = str(tmp_path / "m")
    assert main(["classify", "train", str(tmp_path / "train.txt"), "--out", model, "--epochs", "20", "--loss", "ova",
                 "--workers", "1"]) == 0
    assert "3 labels" in capsys.readouterr().out
    assert main(["classify", "test", model, str(tmp_path / "test.txt"), "-k", "1", "--json"]) == 0
    out, err = capsys.readouterr()
    res = json.loads(out)
    assert res["n"] == 2 and 0 <= res["precision"] <= 1 and "never saw" in err and "'new'" in err
    assert main(["classify", "predict", model, str(tmp_path / "test.txt"), "-k", "2", "--json"]) == 0
    preds = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert len(preds) == 2 and preds[0][0][0] == "pos" and all(len(p) <= 2 for p in preds)
    (tmp_path / "empty.txt").write_text("\n \n")
    assert main(["classify", "train", str(tmp_path / "empty.txt"), "--out", str(tmp_path / "m2")]) == 1
    assert "holds no document" in capsys.readouterr().err
    (tmp_path / "plain.txt").write_text("just words\nno labels here\n")
    assert main(["classify", "train", str(tmp_path / "plain.txt"), "--out", str(tmp_path / "m2")]) == 1
    assert "has no label" in capsys.readouterr().err and not (tmp_path / "m2").exists()
    assert main(["classify", "test", str(tmp_path / "plain.txt"), str(tmp_path / "test.txt")]) == 1
    assert "not a wordspace classifier" in capsys.readouterr().err
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "mine.txt").write_text("keep")
    assert main(["classify", "train", str(tmp_path / "train.txt"), "--out", str(tmp_path / "notes")]) == 1
    assert (tmp_path / "notes" / "mine.txt").read_text() == "keep"
    docs, labels = read_labeled(tmp_path / "train.txt")
    assert labels[2] == ["pos", "fun"] and docs[2] == ["good", "fun"]
    # the compiled file reader gives the model that fit() gives on the same lines
    (tmp_path / "mixed.txt").write_text("\n".join(rows + ["no label on this line", "good __label__pos mid-line label",
                                                          "__label__neg", "rare words once"]) + "\n")
    docs, labels = read_labeled(tmp_path / "mixed.txt")
    for loss, ng in (("softmax", 1), ("ova", 2), ("hs", 2)):
        kw = dict(loss=loss, word_ngrams=ng, buckets=500, epochs=3, workers=1, seed=5, min_count=2)
        a = SupervisedClassifier(**kw).fit(docs, labels)
        b = SupervisedClassifier(**kw).fit_file(tmp_path / "mixed.txt")
        assert a.words_ == b.words_ and a.classes_ == b.classes_ and a.label_counts_ == b.label_counts_
        np.testing.assert_array_equal(a.input_matrix_, b.input_matrix_)
        np.testing.assert_array_equal(a.output_matrix_, b.output_matrix_)
