"""Frozen native formats: versions 1 to 4 as committed golden files (tests/data/native_v*),
written by hand from the layout in wordspace.io.native. Every future wordspace must read them
with these values, and today's writer must still produce the same bytes for the same vectors."""

import json
import os

import numpy as np
import pytest

import wordspace
from tests.kernels.test_subword import ref_hash, ref_ngrams

DATA = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "data")
KEYS = ["the", "king", "tab\there", "東京"]
COUNTS = [50, 20, 7, 3]
MATRIX = (np.arange(12, dtype=np.float32).reshape(4, 3) - 5.5) / 8
GRAMS = (np.arange(15, dtype=np.float32).reshape(5, 3) + 1) / 16


@pytest.mark.parametrize("version", [1, 2, 3])
def test_golden_file_reads_with_its_values(version):
    v = wordspace.load(os.path.join(DATA, f"native_v{version}"))
    assert list(v.keys) == KEYS and v.counts.tolist() == COUNTS
    np.testing.assert_array_equal(v.matrix, MATRIX)
    assert v.metadata == {"algorithm": "golden", "note": "frozen test file"}
    assert v.most_similar("the", k=1)[0].key in KEYS
    if version == 1:
        assert v.subwords is None
        return
    grams = GRAMS.copy()
    if version == 3:  # a compact table: buckets 0, 2 and 3 are held, 1 and 4 are zero
        assert v.subwords.is_compact and v.subwords.ids.tolist() == [0, 2, 3]
        grams[[1, 4]] = 0
    np.testing.assert_array_equal(v.subwords.full(), grams)
    # an unseen word is the mean of its n-gram rows: fastText's hash of "<word>"'s 3- and 4-grams, mod 5
    for word in ("queen", "bishop", "x"):
        rows = [ref_hash(g) % 5 for g in ref_ngrams(word, 3, 4)]
        np.testing.assert_allclose(v[word], grams[rows].mean(axis=0), rtol=1e-6)


@pytest.mark.parametrize("version", [1, 2, 3])
def test_writer_still_produces_the_golden_bytes(tmp_path, version):
    golden = os.path.join(DATA, f"native_v{version}")
    v = wordspace.load(golden)
    out = tmp_path / "again"
    wordspace.Vectors(list(v.keys), np.array(v.matrix), counts=v.counts, metadata=v.metadata,
                      subwords=v.subwords).save(out)
    names = sorted(os.listdir(golden))
    assert sorted(os.listdir(out)) == names
    for name in names:
        with open(os.path.join(golden, name), "rb") as fa, open(out / name, "rb") as fb:
            a, b = fa.read(), fb.read()
        if name.endswith(".json"):
            assert json.loads(a) == json.loads(b)
        else:
            assert a == b, name


# version 4: product-quantised (3 subspaces of 1 dimension, 4 centres each), with a compact table
CENTROIDS = (np.arange(12, dtype=np.float32).reshape(3, 4, 1) - 6) / 4
CODES = np.array([[0, 1, 2], [3, 3, 0], [1, 0, 1], [2, 2, 3]])
GRAM_CODES = np.array([[3, 0, 1], [0, 0, 0], [2, 1, 3]])


def test_golden_quantised_file_reads_with_its_values():
    v = wordspace.load(os.path.join(DATA, "native_v4"))
    assert list(v.keys) == KEYS and v.counts.tolist() == COUNTS
    rebuilt = np.stack([CENTROIDS[j, CODES[:, j], 0] for j in range(3)], axis=1)
    np.testing.assert_array_equal(v.matrix, rebuilt)
    grams = np.zeros((5, 3), np.float32)
    grams[[0, 2, 3]] = np.stack([CENTROIDS[j, GRAM_CODES[:, j], 0] for j in range(3)], axis=1)
    np.testing.assert_array_equal(v.subwords.full(), grams)
    rows = [ref_hash(g) % 5 for g in ref_ngrams("queen", 3, 4)]
    np.testing.assert_allclose(v["queen"], grams[rows].mean(axis=0), rtol=1e-6)


def test_writer_still_produces_the_golden_quantised_bytes(tmp_path):
    golden = os.path.join(DATA, "native_v4")
    v = wordspace.load(golden)
    out = tmp_path / "again"
    v.save(out)
    names = sorted(os.listdir(golden))
    assert sorted(os.listdir(out)) == names
    for name in names:
        with open(os.path.join(golden, name), "rb") as fa, open(out / name, "rb") as fb:
            a, b = fa.read(), fb.read()
        assert (json.loads(a) == json.loads(b)) if name.endswith(".json") else a == b, name
