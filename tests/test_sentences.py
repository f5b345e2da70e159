"""Sentence vectors: the pooling kernel and SIF/uSIF against NumPy transcriptions of the papers'
formulas, fastText's get_sentence_vector against fastText itself, the encoder's contract
(fit/transform, save/load, Pipeline), and ``wordspace embed`` / ``evaluate --task`` at the
command line."""

from __future__ import annotations

import json

import numpy as np
import pytest

from wordspace import SentenceEncoder, Vectors
from wordspace._kernels import pooling

WORDS = ["the", "a", "cat", "dog", "sat", "on", "mat", "ran", "fast", "slow", "red", "blue", "é", "日本"]


def _toy(seed=0, dim=6):
    rng = np.random.default_rng(seed)
    m = rng.normal(size=(len(WORDS), dim)).astype(np.float32)
    counts = np.array([500, 300, 40, 35, 20, 60, 10, 15, 5, 4, 3, 2, 7, 1], dtype=np.int64)
    return Vectors(WORDS, m, counts=counts)


TEXTS = ["the cat sat on the mat", "a dog ran fast", "the red  cat\tran", "zebra unknown words", "",
         "blue é 日本 the", "slow slow slow dog", "the the a a", "cat", "mat red blue on a"]


def _known(v, text):
    return [w for w in text.split() if w in v]


def ref_weighted_mean(v, texts, weight, unit=False):
    """The transcription: per text, the mean over its known words of ``weight(w) * row(w)``
    (rows unit length first when ``unit``); a text without a known word is zero."""
    out = np.zeros((len(texts), v.dim))
    for i, t in enumerate(texts):
        ws = _known(v, t)
        if not ws:
            continue
        rows = []
        for w in ws:
            r = v[w].astype(np.float64)
            if unit:
                r = r / np.linalg.norm(r)
            rows.append(weight(w) * r)
        out[i] = np.mean(rows, axis=0)
    return out


def _p(v):
    return {w: c / v.counts.sum() for w, c in zip(v.keys, v.counts)}


def ref_sif(v, texts, a=1e-3):
    """Arora, Liang and Ma (2017), Algorithm 1: v_s = mean a/(a + p(w)) v_w; u = the first
    singular vector of the matrix of the v_s (uncentred); v_s -= u u^T v_s."""
    p = _p(v)
    x = ref_weighted_mean(v, texts, lambda w: a / (a + p[w]))
    u = np.linalg.svd(x, full_matrices=False)[2][0]
    return x - np.outer(x @ u, u)


def ref_usif(v, texts, m=5):
    """Ethayarajh (2018): alpha = share of words with p(w) > 1 - (1 - 1/|V|)^n (n the average
    sentence length), Z = |V|/2, a = (1 - alpha) / (alpha Z); sentence = mean over its words of
    a / (a/2 + p(w)) times the unit word vector; the first m singular vectors removed, each
    weighted by lambda_i = s_i^2 / sum_j s_j^2."""
    p = _p(v)
    lens = [len(t.split()) for t in texts if t.split()]
    n = sum(lens) / len(lens)
    vocab = len(v.keys)
    threshold = 1 - (1 - 1 / vocab) ** n
    alpha = sum(1 for w in v.keys if p[w] > threshold) / vocab
    a = (1 - alpha) / (alpha * vocab / 2)
    x = ref_weighted_mean(v, texts, lambda w: a / (a / 2 + p[w]), unit=True)
    _, s, vt = np.linalg.svd(x, full_matrices=False)
    lam = s[:m] ** 2 / (s[:m] ** 2).sum()
    for i in range(m):
        x = x - lam[i] * np.outer(x @ vt[i], vt[i])
    return x, a


@pytest.mark.parametrize("method", ["mean", "fasttext"])
def test_means_match_the_transcription(method):
    v = _toy()
    got = SentenceEncoder(v, method=method).fit_transform(TEXTS)
    want = ref_weighted_mean(v, TEXTS, lambda w: 1.0, unit=method == "fasttext")
    assert got.dtype == np.float32 and got.shape == (len(TEXTS), v.dim)
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
    assert not got[3].any() and not got[4].any()  # no known word: a zero row


def test_sif_matches_the_papers_algorithm():
    v = _toy()
    enc = SentenceEncoder(v, method="sif")
    got = enc.fit_transform(TEXTS)
    np.testing.assert_allclose(got, ref_sif(v, TEXTS), rtol=1e-4, atol=1e-5)
    # the fitted component is kept: texts embedded later, one at a time, come out the same
    for i, t in enumerate(TEXTS):
        np.testing.assert_allclose(enc.transform([t])[0], got[i], rtol=1e-5, atol=1e-6)
    # another a changes the weights
    assert not np.allclose(SentenceEncoder(v, method="sif", sif_a=0.1).fit_transform(TEXTS), got, atol=1e-3)


def test_usif_matches_the_papers_algorithm():
    v = _toy(seed=3)
    enc = SentenceEncoder(v, method="usif")
    got = enc.fit_transform(TEXTS)
    want, a = ref_usif(v, TEXTS)
    assert enc.usif_a_ == pytest.approx(a, rel=1e-9)
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5)


def test_kernel_gram_is_the_rows_gram_and_lookup_is_exact():
    """The pooling kernel against NumPy on a larger random vocabulary: rows, word counts, and
    the Gram matrix it accumulates while the rows are in cache."""
    rng = np.random.default_rng(7)
    keys = [f"w{i}" for i in range(3000)] + ["w1x", "x", "ü"]
    v = Vectors(keys, rng.normal(size=(len(keys), 16)).astype(np.float32))
    texts = [" ".join(rng.choice(keys + ["oov", "w", "w10000"], size=rng.integers(0, 30))) for _ in range(5000)]
    enc = SentenceEncoder(v, method="mean")
    buf = np.frombuffer(("\n".join(texts) + "\n").encode(), np.uint8)
    x, gram = enc._pool(v, "mean", buf, gram=True)
    want = ref_weighted_mean(v, texts, lambda w: 1.0)
    np.testing.assert_allclose(x, want, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(gram, x.astype(np.float64).T @ x, rtol=1e-4, atol=1e-3)
    known = sum(len(_known(v, t)) for t in texts)
    assert enc.last_stats_["known_words"] == known
    assert enc.last_stats_["unknown_words"] == sum(len(t.split()) for t in texts) - known


def test_line_bounds_match_splitlines():
    rng = np.random.default_rng(1)
    for n in (0, 1, 2, 63, 64, 65, 1000):
        data = bytes(rng.choice([10, 32, 97], size=n).astype(np.uint8))
        for tail in (b"", b"\n", b"x"):
            buf = np.frombuffer(data + tail, np.uint8)
            starts, ends = pooling.line_bounds(buf)
            got = [bytes(buf[s:e]) for s, e in zip(starts, ends)]
            assert got == (data + tail).split(b"\n")[: len(got)]
            assert len(got) == len((data + tail).splitlines()) or (data + tail).endswith(b"\n\n")


def test_fasttext_method_equals_fasttexts_get_sentence_vector(tmp_path, demo_corpus):
    """fastText users get fastText's numbers: the model trained by fastText itself, read by
    wordspace, and get_sentence_vector on texts with known and unknown (subword) words."""
    fasttext = pytest.importorskip("fasttext")
    import gzip

    corpus = tmp_path / "c.txt"
    with gzip.open(demo_corpus, "rt") as src:
        corpus.write_text("".join(line for _, line in zip(range(3000), src)))
    ft = fasttext.train_unsupervised(str(corpus), model="skipgram", dim=12, epoch=1, minCount=3, thread=1, verbose=0)
    path = str(tmp_path / "m.bin")
    ft.save_model(path)
    texts = ["in the beginning god created", "and the earth was without form", "qwzx godlike beginnings",
             "the the the"]
    got = SentenceEncoder(path, method="fasttext").fit_transform(texts)
    want = np.stack([ft.get_sentence_vector(t) for t in texts])
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5)


def test_save_and_load_embed_the_same_way(tmp_path, trained):
    texts = ["in the beginning god created the heaven", "and the earth", "unknownword", "god said"] * 5
    enc = SentenceEncoder(trained, method="mean")
    with pytest.raises(Exception, match="not fitted|fit"):
        SentenceEncoder(trained, method="sif").transform(texts)
    for method in ("sif", "usif"):
        enc = SentenceEncoder(trained, method=method, frequencies=_freq_file(tmp_path, trained))
        x = enc.fit_transform(texts)
        enc.save(tmp_path / f"enc-{method}")
        again = SentenceEncoder.load(tmp_path / f"enc-{method}")
        np.testing.assert_allclose(again.transform(texts), x, rtol=1e-5, atol=1e-6)
        assert again.metadata()["weights_source"].startswith("file")


def _freq_file(tmp_path, model):
    v = Vectors.load(model)
    p = tmp_path / "freq.txt"
    p.write_text("".join(f"{k} {1000 // (i + 1) + 1}\n" for i, k in enumerate(v.keys)))
    return str(p)


def test_pipeline_and_clone():
    sklearn = pytest.importorskip("sklearn")
    from sklearn.base import clone
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    v = _toy()
    texts = ["the cat sat", "a dog ran", "the cat ran", "a dog sat"] * 10
    y = [0, 1, 0, 1] * 10
    pipe = make_pipeline(SentenceEncoder(v, method="sif"), LogisticRegression())
    pipe.fit(texts, y)
    assert (pipe.predict(texts) == y).mean() == 1.0
    assert clone(SentenceEncoder(v, method="usif", sif_a=0.01)).get_params()["sif_a"] == 0.01
    del sklearn


def test_bad_input_is_one_clear_error(trained):
    with pytest.raises(Exception, match="one string"):
        SentenceEncoder(_toy()).fit("the cat")
    with pytest.raises(Exception, match="method"):
        SentenceEncoder(_toy(), method="nope").fit(["x"])
    with pytest.raises(Exception, match="frequencies|wordfreq"):
        v = _toy()
        SentenceEncoder(Vectors(v.keys, v.matrix), method="sif", frequencies={"zzz": 1}).fit(["the cat"])


# -- the command line ----------------------------------------------------------------------------
def test_embed_writes_rows_in_order_with_a_description(tmp_path, trained, run):
    src = tmp_path / "s.txt"
    src.write_text("in the beginning god created the heaven\n\nqqqq zzzz\nand god said\n")
    out = tmp_path / "s.npy"
    code, _, err = run(["embed", trained, str(src), "--out", str(out), "--method", "mean"])
    assert code == 0, err
    x = np.load(out)
    want = SentenceEncoder(trained, method="mean").fit_transform(src.read_text().splitlines())
    np.testing.assert_allclose(x, want, rtol=1e-6)
    assert x.shape[0] == 4 and not x[1].any() and not x[2].any()
    assert "2 of 4 lines" in err or "2 lines" in err  # one warning counts the zero rows
    desc = json.loads((tmp_path / "s.npy.json").read_text())
    assert desc["method"] == "mean" and desc["rows"] == 4
    # the same output again: ours, replaced; a user's file of that name is not
    assert run(["embed", trained, str(src), "--out", str(out), "--method", "mean"])[0] == 0
    mine = tmp_path / "mine.npy"
    np.save(mine, np.ones(3))
    before = mine.read_bytes()
    code, _, err = run(["embed", trained, str(src), "--out", str(mine)])
    assert code == 1 and len(err.strip().splitlines()) == 1 and mine.read_bytes() == before
    # a user's file where the description would go is not replaced either
    (tmp_path / "t.npy.json").write_text('{"mine": true}')
    code, _, err = run(["embed", trained, str(src), "--out", str(tmp_path / "t.npy")])
    assert code == 1 and (tmp_path / "t.npy.json").read_text() == '{"mine": true}'
    assert not (tmp_path / "t.npy").exists()


@pytest.mark.parametrize("ext", [".tsv", ".txt"])
def test_embed_text_outputs(tmp_path, trained, run, ext):
    src = tmp_path / "in.txt"
    src.write_text("in the beginning\nand god said\n")
    out = tmp_path / ("s" + ext)
    assert run(["embed", trained, str(src), "--out", str(out), "--method", "mean"])[0] == 0
    rows = [list(map(float, line.split())) for line in out.read_text().splitlines()]
    np.testing.assert_allclose(rows, SentenceEncoder(trained, method="mean").fit_transform(
        ["in the beginning", "and god said"]), rtol=1e-5, atol=1e-6)
    code, text, _ = run(["embed", trained, str(src), "--out", "-", "--method", "mean"])
    assert code == 0 and len(text.splitlines()) == 2


def test_embed_bad_input_is_one_line(tmp_path, trained, run):
    empty = tmp_path / "empty.txt"
    empty.write_text("")
    binary = tmp_path / "bin.txt"
    binary.write_bytes(bytes(range(256)) * 8)
    for argv in (["embed", trained, str(empty), "--out", str(tmp_path / "a.npy")],
                 ["embed", trained, str(binary), "--out", str(tmp_path / "b.npy")],
                 ["embed", str(tmp_path / "nope"), str(empty), "--out", str(tmp_path / "c.npy")],
                 ["evaluate", trained, "--task", str(tmp_path / "no-such-task")],
                 ["evaluate", trained, "--task", str(empty)]):
        code, _, err = run(argv)
        assert code in (1, 2), argv
        assert len(err.strip().splitlines()) == 1 and "Traceback" not in err, (argv, err)
    assert not any(p.suffix == ".npy" for p in tmp_path.iterdir())


def test_evaluate_task_file(tmp_path, trained, run):
    """A user's own labelled file: two classes told apart by their words."""
    rng = np.random.default_rng(0)
    a = ["god", "lord", "heaven", "spirit", "holy"]
    b = ["water", "earth", "land", "sea", "tree"]
    lines = []
    for i in range(120):
        words, label = (a, "x") if i % 2 else (b, "y")
        lines.append(f"__label__{label} " + " ".join(rng.choice(words, 6)))
    task = tmp_path / "task.txt"
    task.write_text("\n".join(lines) + "\n")
    code, out, err = run(["evaluate", trained, "--task", str(task), "--method", "mean", "--folds", "5", "--json"])
    assert code == 0, err
    doc = json.loads(out)
    result = doc["tasks"]["task.txt"]
    assert result["accuracy"] > 90 and result["examples"] == 120 and result["folds"] == 5


def test_bundled_tasks_have_their_published_sizes():
    from wordspace.evaluate.sentences import read_task

    for name, n, classes in (("mr", 10662, {"pos", "neg"}), ("subj", 10000, {"subj", "obj"})):
        texts, labels, _ = read_task(name)
        assert len(texts) == n and set(labels) == classes
        assert labels.count(min(classes)) == n // 2
        assert all(t.strip() for t in texts)


def test_vectors_without_counts_take_wordfreq_and_say_so(tmp_path):
    """GloVe-style vectors (no counts): p(w) from wordfreq, named in the metadata; the weights
    are SIF's formula over wordfreq's frequencies of the model's words."""
    wordfreq = pytest.importorskip("wordfreq")
    v = _toy()
    bare = Vectors(v.keys, v.matrix)
    enc = SentenceEncoder(bare, method="sif")
    got = enc.fit_transform(TEXTS)
    assert enc.metadata()["weights_source"].startswith("wordfreq")
    table = wordfreq.get_frequency_dict("en")
    freq = {w: table.get(w, 0.0) for w in v.keys}
    smallest = min(f for f in freq.values() if f > 0)  # a word the list lacks gets the rarest one's p
    total = sum(freq.values())
    p = {w: (f if f > 0 else smallest) / total for w, f in freq.items()}
    x = ref_weighted_mean(v, TEXTS, lambda w: 1e-3 / (1e-3 + p[w]))
    u = np.linalg.svd(x, full_matrices=False)[2][0]
    np.testing.assert_allclose(got, x - np.outer(x @ u, u), rtol=1e-3, atol=1e-5)
