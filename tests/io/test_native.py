"""The native format: exact round trips, memory mapping, metadata, and refusal of damaged
directories and of versions from the future."""

import json

import numpy as np
import pytest

import wordspace
from wordspace import FormatError, Vectors


@pytest.fixture
def vecs():
    rng = np.random.default_rng(3)
    keys = ["plain", "with space", "tab\there", "new\nline", "back\\slash", "東京", ""]
    return Vectors(keys, rng.normal(size=(7, 4)).astype(np.float32), counts=np.arange(7, 0, -1),
                   metadata={"params": {"dim": 4}})


def test_round_trip_with_any_keys_and_mmap(tmp_path, vecs):
    path = tmp_path / "model"
    vecs.save(path)
    back = wordspace.load(path)
    assert back.keys == vecs.keys and back.counts.tolist() == vecs.counts.tolist()
    assert back.metadata == vecs.metadata
    assert isinstance(back.matrix, np.memmap)
    np.testing.assert_array_equal(back.matrix, vecs.matrix)
    header = json.loads((path / "wordspace.json").read_text())
    assert header["version"] == 1 and header["n_keys"] == 7
    vecs.save(path)  # overwriting an existing model directory works


def test_future_version_is_refused(tmp_path, vecs):
    path = tmp_path / "model"
    vecs.save(path)
    header = json.loads((path / "wordspace.json").read_text())
    header["version"] = 99
    (path / "wordspace.json").write_text(json.dumps(header))
    with pytest.raises(FormatError, match="version 99.*upgrade wordspace"):
        wordspace.load(path)


@pytest.mark.parametrize(
    "damage,match",
    [
        (lambda p: (p / "vocab.tsv").write_text("a\t1\n"), "holds 1 lines; the header expects 7 keys"),
        (lambda p: (p / "vocab.tsv").write_bytes((p / "vocab.tsv").read_bytes()[:-2]), "truncated"),
        (lambda p: (p / "vectors.npy").write_bytes((p / "vectors.npy").read_bytes()[:100]), "damaged or truncated"),
        (lambda p: np.save(p / "vectors.npy", np.zeros((7, 3), np.float32)), r"expects float32 \(7, 4\)"),
        (lambda p: (p / "wordspace.json").write_text("{not json"), "not valid JSON"),
        (lambda p: np.save(p / "vectors.npy", np.array([object()] * 7), allow_pickle=True), "damaged|expects"),
    ],
)
def test_damaged_directories(tmp_path, vecs, damage, match):
    path = tmp_path / "model"
    vecs.save(path)
    damage(path)
    with pytest.raises(FormatError, match=match):
        wordspace.load(path)


def test_convert_between_formats(tmp_path, vecs):
    simple = Vectors(["a", "b", "c"], vecs.matrix[:3].copy())
    simple.save(tmp_path / "m")
    wordspace.load(tmp_path / "m").save(tmp_path / "m.bin")
    wordspace.load(tmp_path / "m.bin").save(tmp_path / "m.txt")
    final = wordspace.load(tmp_path / "m.txt")
    assert final.keys == ["a", "b", "c"]
    np.testing.assert_array_equal(final.matrix, simple.matrix)


def test_written_files_get_the_usual_permissions(tmp_path, vecs):
    """Atomic writes go through private temporary files; the results must not stay private."""
    import os
    import stat

    from wordspace import Vectors

    plain = Vectors(["a", "b"], vecs.matrix[:2])
    old = os.umask(0o022)
    try:
        plain.save(tmp_path / "v.bin")
        vecs.save(tmp_path / "native")
    finally:
        os.umask(old)
    assert stat.S_IMODE(os.stat(tmp_path / "v.bin").st_mode) == 0o644
    assert stat.S_IMODE(os.stat(tmp_path / "native").st_mode) == 0o755


def test_limit_on_a_native_model(tmp_path, vecs):
    import wordspace

    vecs.save(tmp_path / "m")
    head = wordspace.load(tmp_path / "m", limit=3)
    assert list(head.keys) == list(vecs.keys[:3])
    np.testing.assert_array_equal(head.matrix, vecs.matrix[:3])
    with pytest.raises(ValueError, match="'limit' parameter must be an int in the range \\[1, inf\\)"):
        wordspace.load(tmp_path / "m", limit=0)


@pytest.mark.parametrize(
    "damage,match",
    [
        (lambda p: np.save(p / "ngram_ids.npy", np.array([0, 3, 2], "<i8")), "sorted, distinct"),
        (lambda p: np.save(p / "ngram_ids.npy", np.array([0, 2, 5], "<i8")), "sorted, distinct and in \\[0, 5\\)"),
        (lambda p: np.save(p / "ngram_ids.npy", np.array([0, 2], "<i8")), r"expects int64 \(3,\)"),
        (lambda p: np.save(p / "ngram_ids.npy", np.array([0, 2, 3], "<f8")), "expects int64"),
        (lambda p: (p / "ngram_ids.npy").write_bytes((p / "ngram_ids.npy").read_bytes()[:-8]), "truncated"),
        (lambda p: (p / "ngram_ids.npy").unlink(), "ngram_ids.npy is missing"),
        (lambda p: _header(p, rows=9), "'rows' is 9"),
        (lambda p: _header(p, rows=True), "'rows' is True"),
        (lambda p: np.save(p / "ngrams.npy", np.zeros((5, 3), np.float32)), r"expects float32 \(3, 3\)"),
    ],
)
def test_damaged_compact_ngram_tables(tmp_path, damage, match):
    import os
    import shutil

    golden = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "data", "native_v3")
    path = tmp_path / "model"
    shutil.copytree(golden, path)
    damage(path)
    with pytest.raises(FormatError, match=match):
        wordspace.load(path)


def _header(path, **subwords):
    h = json.loads((path / "wordspace.json").read_text())
    h["subwords"].update(subwords)
    (path / "wordspace.json").write_text(json.dumps(h))
