"""Product quantisation: the kernels against a slow NumPy transcription, quantised fastText
models written and read back (native format version 4), damaged files refused, the command."""

import json
import os
import shutil

import numpy as np
import pytest

import wordspace
from wordspace import FastText, FormatError, InvalidParameterError
from wordspace._kernels.pq import decode, encode, kmeans_subspaces
from wordspace.quantize import quantize, train_codebooks


def _ref_kmeans(x, dsub, init, iterations):
    """Lloyd's algorithm per subspace, written plainly: nearest centre (ties: lower index),
    float64 means, an empty cluster keeps its centre."""
    m, ks = init.shape
    out = np.empty((m, ks, dsub), dtype=np.float32)
    for j in range(m):
        sub = x[:, j * dsub : (j + 1) * dsub].astype(np.float64)
        cents = x[init[j], j * dsub : (j + 1) * dsub].astype(np.float32)
        for _ in range(iterations):
            d = ((sub[:, None, :] - cents[None, :, :].astype(np.float64)) ** 2).sum(axis=2)
            near = d.argmin(axis=1)
            for k in range(ks):
                if (near == k).any():
                    cents[k] = (sub[near == k].sum(axis=0) / (near == k).sum()).astype(np.float32)
        out[j] = cents
    return out


def test_kernels_match_the_numpy_transcription():
    rng = np.random.default_rng(1)
    x = (rng.normal(size=(300, 12)) * [1, 2, 3, 1, 1, 5, 1, 1, 2, 2, 1, 1]).astype(np.float32)
    dsub, ks = 3, 7
    init = np.stack([rng.choice(300, size=ks, replace=False) for _ in range(4)]).astype(np.int64)
    got = np.empty((4, ks, dsub), dtype=np.float32)
    kmeans_subspaces(x, dsub, init, 6, got)
    want = _ref_kmeans(x, dsub, init, 6)
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
    codes = np.empty((300, 4), dtype=np.uint8)
    encode(x, dsub, got, codes)
    for j in range(4):
        d = ((x[:, None, j * dsub : (j + 1) * dsub] - got[j][None]) ** 2).sum(axis=2)
        np.testing.assert_array_equal(codes[:, j], d.argmin(axis=1))
    out = np.empty((300, 12), dtype=np.float32)
    decode(codes, got, out)
    for j in range(4):
        np.testing.assert_array_equal(out[:, j * dsub : (j + 1) * dsub], got[j][codes[:, j]])


def test_codebooks_reconstruct_closely_and_validate():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(2000, 8)).astype(np.float32)
    books = train_codebooks(x, dsub=2, centroids=64, sample=1000, seed=3)
    err = np.linalg.norm(books.decode(books.encode(x)) - x) / np.linalg.norm(x)
    coarse = train_codebooks(x, dsub=4, centroids=16, seed=3)
    assert err < 0.2 and err < np.linalg.norm(coarse.decode(coarse.encode(x)) - x) / np.linalg.norm(x)
    with pytest.raises(InvalidParameterError, match="dsub=3 must divide the dimension"):
        train_codebooks(x, dsub=3)
    with pytest.raises(InvalidParameterError, match="'centroids' parameter"):
        train_codebooks(x, centroids=300)
    with pytest.raises(InvalidParameterError, match="rows of 8 dimensions"):
        books.encode(np.zeros((2, 6), np.float32))


@pytest.fixture(scope="module")
def ft(demo_corpus):
    return FastText(dim=24, epochs=2, buckets=50_000, min_count=5, workers=2, progress=False).fit(demo_corpus)


def test_quantised_fasttext_model_round_trip(ft, tmp_path):
    v = ft.vectors_
    q = quantize(v, dsub=2, seed=1)
    assert q.metadata["quantized"]["dsub"] == 2 and q.subwords.is_compact
    q.save(tmp_path / "q")
    ft_dir = tmp_path / "full"
    v.save(ft_dir)
    header = json.loads((tmp_path / "q" / "wordspace.json").read_text())
    assert header["version"] == 4 and header["quantized"] == {"dsub": 2, "centroids": 256, "subspaces": 12}
    assert not (tmp_path / "q" / "vectors.npy").exists() and not (tmp_path / "q" / "ngrams.npy").exists()
    size = lambda d: sum(os.path.getsize(d / f) for f in os.listdir(d))  # noqa: E731
    assert size(tmp_path / "q") < size(ft_dir) / 4  # the vocabulary and bucket numbers are not quantised
    back = wordspace.load(tmp_path / "q")
    np.testing.assert_array_equal(back.matrix, q.matrix)
    for w in ("zerubbabelz", "lordship", "qq"):  # unknown words: from the quantised n-gram rows
        np.testing.assert_array_equal(back[w], q[w])
    for w in ("zerubbabelz", "lordship"):  # ("qq"'s n-grams occur in no word: a zero vector in both)
        assert np.dot(back[w], v[w]) / np.linalg.norm(back[w]) / np.linalg.norm(v[w]) > 0.9
    cos = (np.sum(back.matrix * v.matrix, axis=1) / np.linalg.norm(back.matrix, axis=1)
           / np.linalg.norm(v.matrix, axis=1))
    assert np.median(cos) > 0.97
    words = list(v.keys[:200])
    overlap = np.mean([len({a.key for a in back.most_similar(w, k=10)} & {a.key for a in v.most_similar(w, k=10)})
                       for w in words]) / 10
    assert overlap > 0.5  # (random rows of the same words: about 0.002)
    back.save(tmp_path / "again")  # a quantised model stays quantised when saved again
    assert json.loads((tmp_path / "again" / "wordspace.json").read_text())["version"] == 4
    np.testing.assert_array_equal(wordspace.load(tmp_path / "again").matrix, back.matrix)


@pytest.mark.parametrize(
    "damage,match",
    [
        (lambda p: np.save(p / "codes.npy", np.full((5, 2), 7, np.uint8)), "holds code 7 but there are 4 centroids"),
        (lambda p: np.save(p / "codes.npy", np.zeros((5, 3), np.uint8)), r"expects uint8 \(5, 2\)"),
        (lambda p: np.save(p / "centroids.npy", np.full((2, 4, 2), np.nan, np.float32)), "NaN or infinite"),
        (lambda p: (p / "codes.npy").unlink(), "codes.npy is missing"),
        (lambda p: _header(p, dsub=3), "bad quantisation settings"),
        (lambda p: _header(p, centroids=300), "bad quantisation settings"),
    ],
)
def test_damaged_quantised_models(tmp_path, damage, match):
    rng = np.random.default_rng(0)
    v = wordspace.Vectors([f"w{i}" for i in range(5)], rng.normal(size=(5, 4)).astype(np.float32))
    path = tmp_path / "q"
    quantize(v, dsub=2, centroids=4).save(path)
    assert json.loads((path / "wordspace.json").read_text())["quantized"]["centroids"] == 4
    damage(path)
    with pytest.raises(FormatError, match=match):
        wordspace.load(path)


def _header(path, **quantized):
    h = json.loads((path / "wordspace.json").read_text())
    h["quantized"].update(quantized)
    (path / "wordspace.json").write_text(json.dumps(h))


def test_cli(ft, tmp_path, run):
    src = tmp_path / "ft"
    ft.vectors_.save(src)
    code, out, err = run(["quantize", str(src), "--out", str(tmp_path / "q"), "--dsub", "4"])
    assert code == 0, err
    assert "6 bytes each" in out and "relative error" in out
    assert wordspace.load(tmp_path / "q").metadata["quantized"]["dsub"] == 4
    for argv, msg in ((["--dsub", "5"], "dsub=5 must divide the dimension"),
                      (["--centroids", "0"], "--centroids"),
                      (["--out", str(tmp_path / "q.bin")], "written as a native model directory")):
        args = ["quantize", str(src), "--out", str(tmp_path / "q2")] + argv
        code, _, err = run(args)
        assert code == 1 and msg in err and len(err.strip().splitlines()) == 1, (argv, err)
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("keep")
    code, _, err = run(["quantize", str(src), "--out", str(tmp_path / "mine")])
    assert code == 1 and (tmp_path / "mine" / "notes.txt").read_text() == "keep"
    shutil.rmtree(tmp_path / "mine")
