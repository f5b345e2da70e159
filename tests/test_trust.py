"""Files other people made, and outputs a user owns: what the reliability promises of
docs/files.md say, case by case (data loss, hostile headers, format detection, non-finite
values, links, training that diverges, and the explorer under hostile requests)."""

import json
import os
import stat

import numpy as np
import pytest

import wordspace
from wordspace import FormatError, InvalidParameterError, WordspaceError
from wordspace.cli import main


def run(argv, capsys):
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def small(tmp_path):
    v = wordspace.Vectors(["a", "b", "c"], np.eye(3, dtype=np.float32), counts=[3, 2, 1])
    path = tmp_path / "small.bin"
    v.save(path)
    return str(path)


# -- nothing a user owns is lost ---------------------------------------------------------------
def test_convert_into_a_users_directory_touches_nothing(tmp_path, small, capsys):
    thesis = tmp_path / "thesis"
    thesis.mkdir()
    (thesis / "chapter1.tex").write_text("years of work")
    code, _, err = run(["convert", small, str(thesis)], capsys)
    assert code == 1 and "not a wordspace model" in err and err.count("\n") == 1
    assert os.listdir(thesis) == ["chapter1.tex"] and (thesis / "chapter1.tex").read_text() == "years of work"


def test_train_into_a_users_directory_is_refused_before_training(tmp_path, capsys, demo_corpus):
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "notes.txt").write_text("keep me")
    code, _, err = run(["train", demo_corpus, "--out", str(folder), "--quiet"], capsys)
    assert code == 1 and "not a wordspace model" in err and (folder / "notes.txt").read_text() == "keep me"


def test_a_users_text_file_is_not_overwritten_by_vectors(tmp_path, small, capsys):
    doc = tmp_path / "letter.txt"
    doc.write_text("Dear reader,\nthis is not a vectors file.\n")
    code, _, err = run(["convert", small, str(doc)], capsys)
    assert code == 1 and "not a file of the format" in err
    assert doc.read_text().startswith("Dear reader")


def test_a_model_is_replaced_and_a_directory_where_a_file_goes_is_refused(tmp_path, small, capsys):
    model = tmp_path / "model"
    assert main(["convert", small, str(model)]) == 0
    assert main(["convert", small, str(model), "--limit", "2"]) == 0  # a model may be replaced
    assert len(wordspace.load(model)) == 2
    capsys.readouterr()
    code, _, err = run(["convert", small, str(model / "..")], capsys)
    assert code == 1
    d = tmp_path / "vectors.bin"
    d.mkdir()
    code, _, err = run(["convert", small, str(d)], capsys)
    assert code == 1 and "a directory is there" in err


def test_replacement_survives_a_crash_between_renames(tmp_path, small, monkeypatch):
    """Without an atomic exchange the old model is renamed aside first; a crash right then
    leaves no model under the name, and the next write (or recover) puts it back."""
    from wordspace import atomic

    model = tmp_path / "model"
    wordspace.load(small).save(model)
    monkeypatch.setattr(atomic, "_exchange", lambda a, b: False)
    real_rename = os.rename
    calls = []

    def crash_on_second(src, dst):
        calls.append((src, dst))
        if len(calls) == 2:
            raise KeyboardInterrupt  # the process dies between the two renames
        return real_rename(src, dst)

    monkeypatch.setattr(os, "rename", crash_on_second)
    with pytest.raises(KeyboardInterrupt):
        wordspace.load(small, limit=2).save(model)
    monkeypatch.setattr(os, "rename", real_rename)
    assert not model.exists()  # the crash window
    leftovers = [n for n in os.listdir(tmp_path) if ".wsold-" in n]
    assert leftovers
    # a dead writer left it: pretend its process is gone, then recover
    monkeypatch.setattr(atomic, "_pid_alive", lambda pid: False)
    atomic.recover(model)
    assert len(wordspace.load(model)) == 3 and not [n for n in os.listdir(tmp_path) if ".ws" in n]


def test_leftovers_of_killed_writers_are_removed(tmp_path, small, monkeypatch):
    from wordspace import atomic

    stale = tmp_path / ".out.bin.wstmp-999999-abc"
    stale.write_bytes(b"half a file")
    monkeypatch.setattr(atomic, "_pid_alive", lambda pid: pid != 999999)
    wordspace.load(small).save(tmp_path / "out.bin")
    assert sorted(os.listdir(tmp_path)) == ["out.bin", "small.bin"]


# -- training that cannot succeed --------------------------------------------------------------
@pytest.mark.parametrize("extra,match", [
    (["--alpha", "inf"], r"--alpha must be a float in the range \(0, 10\] or None. Got inf"),
    (["--min-alpha", "0.05"], r"--min-alpha must be at most --alpha 0.025"),
    (["--min-alpha", "1e30"], r"--min-alpha must be a float in the range \[0, 10\]"),
    (["--max-sentence-length", "1"], r"--max-sentence-length must be an int in the range \[2, 1000000\]"),
    (["--algorithm", "glove", "--x-max", "inf"], r"--x-max must be a float in the range \(0, 1099511627776\]"),
    (["--algorithm", "ppmi-svd", "--eigenvalue-power", "inf"], r"--eigenvalue-power must be a float"),
    (["--dim", "99999999999999999999"], r"--dim must be an int in the range \[1, 65536\]"),
    (["--algorithm", "fasttext", "--buckets", "2147483648", "--dim", "1000"], r"lower dim"),
])
def test_parameters_that_cannot_train_are_refused(tmp_path, capsys, demo_corpus, extra, match):
    import re

    code, _, err = run(["train", demo_corpus, "--out", str(tmp_path / "x.bin"), "--quiet", *extra], capsys)
    assert code == 1 and re.search(match, err), err
    assert not os.path.exists(tmp_path / "x.bin") and err.count("\n") == 1


@pytest.mark.parametrize("extra", [["--alpha", "10"], ["--algorithm", "fasttext", "--alpha", "10", "--epochs", "2"]])
def test_training_that_diverges_stops_with_an_error_and_writes_nothing(tmp_path, capsys, extra):
    corpus = tmp_path / "c.txt"
    corpus.write_text(("the king and the queen rule the land while the man and the woman work " * 40 + "\n") * 20)
    code, _, err = run(["train", str(corpus), "--out", str(tmp_path / "x.bin"), "--quiet", "--min-count", "1",
                        "--dim", "10", "--workers", "1", *extra], capsys)
    assert code == 1 and "diverged" in err and "Traceback" not in err
    assert not os.path.exists(tmp_path / "x.bin")


# -- native directories ------------------------------------------------------------------------
@pytest.fixture
def model(tmp_path, small):
    path = tmp_path / "m"
    wordspace.load(small).save(path)
    return path


def _header(model, **changes):
    h = json.loads((model / "wordspace.json").read_text())
    h.update(changes)
    (model / "wordspace.json").write_text(json.dumps(h))


@pytest.mark.parametrize("version,match", [(0, "not a format version"), (-1, "not a format version"),
                                           (True, "not a format version"), ("2", "not a format version"),
                                           (7, "upgrade wordspace")])
def test_native_versions(model, version, match):
    _header(model, version=version)
    with pytest.raises(FormatError, match=match):
        wordspace.load(model)


@pytest.mark.parametrize("meta", [[1, 2], "text", 3])
def test_native_metadata_must_be_an_object(model, meta):
    _header(model, metadata=meta)
    with pytest.raises(FormatError, match="'metadata'"):
        wordspace.load(model)


def test_native_deep_json_and_links_out_of_the_directory(model, tmp_path):
    (model / "wordspace.json").write_text("[" * 100_000 + "]" * 100_000)
    with pytest.raises(FormatError, match="nested too deeply|not a wordspace vectors header"):
        wordspace.load(model)
    wordspace.load(tmp_path / "small.bin").save(tmp_path / "m2")
    secret = tmp_path / "secret.txt"
    secret.write_text("a\t\nb\t\nc\t\n")
    os.unlink(tmp_path / "m2" / "vocab.tsv")
    os.symlink(secret, tmp_path / "m2" / "vocab.tsv")
    with pytest.raises(FormatError, match="symbolic link"):
        wordspace.load(tmp_path / "m2")


def test_native_nan_and_duplicates_are_refused_when_used_and_never_converted(model, tmp_path, capsys):
    m = np.load(model / "vectors.npy")
    m[1, 1] = np.nan
    np.save(model / "vectors.npy", m)
    v = wordspace.load(model)  # opening stays instant: nothing is scanned yet
    with pytest.raises(FormatError, match="'b' .*NaN or infinity"):
        v.most_similar("a")
    code, _, err = run(["convert", str(model), str(tmp_path / "out.bin")], capsys)
    assert code == 1 and "NaN or infinity" in err and not os.path.exists(tmp_path / "out.bin")
    (model / "vocab.tsv").write_text("a\t3\na\t2\nc\t1\n")
    np.save(model / "vectors.npy", np.eye(3, dtype=np.float32))
    code, _, err = run(["convert", str(model), str(tmp_path / "out.bin")], capsys)
    assert code == 1 and "duplicate key 'a'" in err and not os.path.exists(tmp_path / "out.bin")


# -- word2vec files and detection --------------------------------------------------------------
def test_a_text_file_whose_first_key_is_long_is_read_as_text(tmp_path):
    key = "k" * 100_000
    p = tmp_path / "long.txt"
    p.write_text(f"2 3\n{key} 1 2 3\nb 4 5 6\n")
    v = wordspace.load(p)
    assert v.keys[0] == key
    np.testing.assert_array_equal(v.matrix, [[1, 2, 3], [4, 5, 6]])


def test_a_latin1_key_makes_a_text_error_not_binary_garbage(tmp_path):
    p = tmp_path / "latin.vec"
    p.write_bytes(b"2 2\ncaf\xe9 1 2\nb 3 4\n")
    with pytest.raises(FormatError, match="line 2 is not valid utf-8"):
        wordspace.load(p)
    v = wordspace.load(p, unicode_errors="replace")
    np.testing.assert_array_equal(v.matrix, [[1, 2], [3, 4]])


@pytest.mark.parametrize("body,match", [(b"0 20\n", "at least one"), (b"2 0\n", "dimension 0"),
                                        (b"\xef\xbb\xbf1 2\na 1 2\n", None)])
def test_headers(tmp_path, body, match):
    p = tmp_path / "h.txt"
    p.write_bytes(body)
    if match is None:  # a byte-order mark is not part of the header
        assert list(wordspace.load(p).keys) == ["a"]
    else:
        with pytest.raises(FormatError, match=match):
            wordspace.load(p)


def test_fewer_rows_in_the_header_than_in_the_file(tmp_path):
    p = tmp_path / "more.txt"
    p.write_text("1 2\na 1 2\nb 3 4\n")
    with pytest.raises(FormatError, match="header says 1 vectors but more lines follow"):
        wordspace.load(p)
    assert len(wordspace.load(p, limit=1)) == 1


def test_a_binary_key_cut_by_the_c_tool(tmp_path):
    key = ("é" * 30).encode()[:49]  # 49 bytes: the last character cut in half
    p = tmp_path / "cut.bin"
    p.write_bytes(b"1 2\n" + key + b" " + np.ones(2, "<f4").tobytes() + b"\n")
    with pytest.raises(FormatError, match="cuts keys at 50 bytes"):
        wordspace.load(p)
    assert wordspace.load(p, unicode_errors="replace").keys[0].endswith("\ufffd")


def test_readers_raise_only_wordspace_errors(tmp_path):
    d = tmp_path / "dir.bin"
    d.mkdir()
    for path in (d, tmp_path / "missing.bin"):
        with pytest.raises(WordspaceError):
            wordspace.load(path)


# -- the explorer --------------------------------------------------------------------------------
def test_explorer_refuses_other_hosts_bounds_errors_and_documents_itself(small):
    pytest.importorskip("fastapi")
    from fastapi.testclient import TestClient

    from wordspace.web import create_app

    client = TestClient(create_app(wordspace.load(small)), base_url="http://127.0.0.1:8000")
    assert client.get("/api/info").status_code == 200
    r = client.get("/api/info", headers={"host": "evil.example:8000"})
    assert r.status_code == 400 and "host" in r.json()["error"]
    r = client.get("/api/neighbors", params={"word": "x" * 60_000})
    assert r.status_code == 422 and len(r.content) < 2000 and "xxxxxxxxxx" * 20 not in r.text
    r = client.get("/docs")
    assert r.status_code == 200 and "<script" not in r.text and "/api/neighbors" in r.text
    allowed = TestClient(create_app(wordspace.load(small), allowed_hosts=["words.lan"]), base_url="http://words.lan")
    assert allowed.get("/api/info").status_code == 200


def test_explorer_refuses_a_model_holding_nan(small):
    pytest.importorskip("fastapi")
    from wordspace.web import create_app

    v = wordspace.load(small)
    bad = wordspace.Vectors(list(v.keys), np.array([[1, 0, 0], [np.nan, 1, 0], [0, 0, 1]], np.float32))
    with pytest.raises(InvalidParameterError, match="NaN or infinity"):
        create_app(bad)


# -- corpora ---------------------------------------------------------------------------------------
def test_a_corpus_of_nul_bytes_is_not_text(tmp_path, capsys):
    nul = tmp_path / "zeros.txt"
    nul.write_bytes(b"\x00" * 100_000)
    code, _, err = run(["train", str(nul), "--out", str(tmp_path / "x.bin"), "--quiet"], capsys)
    assert code == 1 and "not text" in err and not os.path.exists(tmp_path / "x.bin")


def test_a_giant_token_is_cut_with_a_warning_and_a_bom_is_not_a_word(tmp_path, monkeypatch):
    from wordspace import textfiles
    from wordspace.corpus import encode_corpus

    monkeypatch.setattr(textfiles, "BLOCK_BYTES", 1000)
    p = tmp_path / "big.txt"
    p.write_bytes(b"\xef\xbb\xbfhello world\n" + b"x" * 10_000 + b"\nhello\n")
    with pytest.warns(RuntimeWarning, match="was cut into pieces"):
        enc = encode_corpus(str(p), min_count=1)
    assert "hello" in enc.words and "\ufeffhello" not in enc.words


def test_binary_data_is_named_as_such_and_latin1_text_as_text(tmp_path):
    exe = tmp_path / "program.bin"
    exe.write_bytes(b"\x7fELF\x02\x01\x01\x00" + bytes(range(256)) * 8)
    with pytest.raises(FormatError, match="binary data .* no word2vec header"):
        wordspace.load(exe)
    latin = tmp_path / "glove.txt"
    latin.write_bytes(b"caf\xe9 1 2\nb 3 4\n")  # headerless GloVe text with a Latin-1 key
    with pytest.raises(FormatError, match="line 1 is not valid utf-8"):
        wordspace.load(latin)
    assert wordspace.load(latin, encoding="latin-1").keys[0] == "café"


def test_contextual_refuses_pickled_weights_in_one_line(tmp_path, capsys):
    pytest.importorskip("transformers")
    model = tmp_path / "model"
    model.mkdir()
    (model / "config.json").write_text('{"model_type": "bert"}')
    (model / "pytorch_model.bin").write_bytes(b"\x80\x04not really a pickle")
    code, _, err = run(["contextual", str(model), "--sentence", "the bank", "--word", "bank"], capsys)
    assert code == 1 and "pickles" in err and err.count("\n") == 1 and "Traceback" not in err


# -- the one rule for writers (the matrix of user files is tests/fuzz/writers.py) -----------------
def test_a_replaced_file_keeps_its_mode(tmp_path, small):
    out = tmp_path / "v.bin"
    wordspace.load(small).save(out)
    os.chmod(out, 0o600)
    wordspace.load(small).save(out)  # ours and of the same format: replaced...
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o600  # ...keeping the owner's choice of mode


def test_an_output_that_is_also_an_input_is_refused(tmp_path, capsys, demo_corpus):
    """convert MODEL MODEL used to write vectors only over the trainer (the output matrix and
    counts that --resume needs were gone); the same path under another name is caught too."""
    code, _, err = run(["train", demo_corpus, "--out", str(tmp_path / "m"), "--dim", "8", "--epochs", "1", "--quiet"],
                       capsys)
    assert code == 0, err
    before = {n: (tmp_path / "m" / n).read_bytes() for n in os.listdir(tmp_path / "m")}
    for out in (tmp_path / "m", tmp_path / "." / "m"):
        code, _, err = run(["convert", str(tmp_path / "m"), str(out)], capsys)
        assert code == 1 and "is also an input" in err and err.count("\n") == 1, err
    os.symlink(tmp_path / "m", tmp_path / "alias")
    code, _, err = run(["train", demo_corpus, "--resume", str(tmp_path / "alias"), "--out", str(tmp_path / "m"),
                        "--epochs", "1", "--quiet"], capsys)
    assert code == 1 and "is also an input" in err
    assert {n: (tmp_path / "m" / n).read_bytes() for n in os.listdir(tmp_path / "m")} == before
    v = wordspace.load(str(tmp_path / "m"))
    with pytest.raises(wordspace.WordspaceError, match="is also an input"):
        v.save(tmp_path / "m")


def _tiny_tmpfs(tmp_path):
    import shutil
    import subprocess

    if not shutil.which("unshare") or subprocess.run(["unshare", "-rm", "true"], capture_output=True).returncode:
        pytest.skip("cannot make a mount namespace here (unshare -rm) for a small file system")
    full = tmp_path / "full"
    full.mkdir()
    return full


@pytest.mark.parametrize("command", [["convert", "SMALL", "FULL/v.txt"], ["projector", "SMALL", "--out", "FULL/proj"]])
def test_a_full_disk_is_one_line_that_names_the_path_and_leaves_nothing(tmp_path, small, command):
    """A real ENOSPC: a 64 kB tmpfs mounted in a private mount namespace (unshare), filled
    first, then written to by wordspace."""
    import subprocess
    import sys

    full = _tiny_tmpfs(tmp_path)
    argv = [a.replace("SMALL", str(small)).replace("FULL", str(full)) for a in command]
    script = (f"mount -t tmpfs -o size=64k tmpfs {full} && dd if=/dev/zero of={full}/filler bs=1k count=100 2>/dev/null;"
              f" {sys.executable} -m wordspace.cli {' '.join(argv)}; echo rc=$?; ls -A {full}")
    r = subprocess.run(["unshare", "-rm", "sh", "-c", script], capture_output=True, text=True, timeout=120)
    assert "rc=1" in r.stdout, (r.stdout, r.stderr)
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and "disk is full" in lines[0] and str(full) in lines[0], r.stderr
    assert r.stdout.split("rc=1")[1].split() == ["filler"]  # no half-written file, no empty folder


def test_a_language_model_that_diverges_writes_nothing_over_a_good_one(tmp_path, capsys):
    pytest.importorskip("torch")
    corpus = tmp_path / "c.txt"
    corpus.write_text("the quick brown fox jumps over the lazy dog by the river bank\n" * 30)
    base = ["train-lm", str(corpus), "--out", str(tmp_path / "lm"), "--dim", "8", "--hidden", "8", "--layers", "1",
            "--epochs", "1", "--min-count", "1", "--batch-tokens", "256", "--quiet"]
    code, _, err = run(base, capsys)
    assert code == 0, err
    before = {n: (tmp_path / "lm" / n).read_bytes() for n in os.listdir(tmp_path / "lm")}
    for lr in ("inf", "1e20", "nan"):
        code, _, err = run(base + ["--lr", lr], capsys)
        assert code == 1 and "--lr must be a float in the range (0, 10]" in err, err
    assert {n: (tmp_path / "lm" / n).read_bytes() for n in os.listdir(tmp_path / "lm")} == before


# -- readers: what the second audit found ----------------------------------------------------------
@pytest.mark.parametrize("small_keys", [200_000, 0])  # found by a set of byte strings, and compiled
def test_a_native_vocabulary_listing_a_key_twice_is_refused_at_open(tmp_path, monkeypatch, small_keys):
    """The first 32 lookups of an opened model search its key bytes instead of building the key
    index, so a duplicate once went unnoticed ('king' was its own nearest neighbour)."""
    from wordspace.io import native

    monkeypatch.setattr(native, "SMALL_KEYS", small_keys)
    v = wordspace.Vectors(["king", "queen", "man"], np.eye(3, dtype=np.float32) + 0.1)
    v.save(tmp_path / "m")
    (tmp_path / "m" / "vocab.tsv").write_text("king\t\nqueen\t\nking\t\n")
    with pytest.raises(FormatError, match=r"vocab.tsv' line 3: the key 'king' is listed twice"):
        wordspace.load(str(tmp_path / "m"))
    (tmp_path / "m" / "vocab.tsv").write_text("king\t\nqueen\t\nman\t\n")
    assert list(wordspace.load(str(tmp_path / "m")).keys) == ["king", "queen", "man"]


@pytest.mark.parametrize("content,match", [
    (b"3 2\n", "holds no vectors"),  # cut right after the header
    (b"3 2", "cut off"),  # cut inside the header: it used to read as one GloVe vector of dimension 1
    (b"2 2\nking 0.5 0.25\nqueen 0.5 0.2", "cut off"),  # cut inside the last number (0.25 -> 0.2)
    (b"king 0.5 0.25\nqueen 0.5 0.2", "cut off"),  # the same in a GloVe file
])
def test_text_vectors_cut_short_are_refused(tmp_path, content, match):
    p = tmp_path / "v.txt"
    p.write_bytes(content)
    with pytest.raises(FormatError, match=match):
        wordspace.load(str(p))


@pytest.mark.parametrize("body", [b"king  0.5   0.25\nqueen 0.5  0.125\n", b"king 0x1p-1 0x1p-2\nqueen 0.5 0x1p-3\n"])
def test_double_spaces_and_hex_floats_are_text(tmp_path, body):
    """Valid text with runs of spaces, or C's %a hexadecimal floats, was taken for binary data and
    called truncated."""
    p = tmp_path / "v.vectors"
    p.write_bytes(b"2 2\n" + body)
    v = wordspace.load(str(p))
    np.testing.assert_allclose(v["queen"], [0.5, 0.125])
    assert v["king"].tolist() == [0.5, 0.25]


def test_a_fifo_is_named_for_what_it_is(tmp_path, capsys, demo_corpus):
    fifo = tmp_path / "phrases.json"
    os.mkfifo(fifo)
    code, _, err = run(["train", demo_corpus, "--phrases", str(fifo), "--out", str(tmp_path / "v.bin")], capsys)
    assert code == 1 and "regular file or None (it is a FIFO (named pipe))" in err, err
    code, _, err = run(["neighbors", str(fifo), "king"], capsys)
    assert code == 1 and "is a FIFO" in err and err.count("\n") == 1, err


def test_a_quantised_model_cannot_expand_past_its_bound(tmp_path):
    """A version-4 header with one subspace as wide as the vectors (dsub = dim) would decode each
    byte of codes into 4 * dim bytes (480 kB of codes into 2 GB): dsub is bounded, so at most 256."""
    from wordspace.quantize import quantize

    v = wordspace.Vectors([f"w{i}" for i in range(300)], np.random.default_rng(0).normal(size=(300, 128)).astype("f4"))
    quantize(v, dsub=2, centroids=4, iterations=2).save(tmp_path / "q")
    header = json.loads((tmp_path / "q" / "wordspace.json").read_text())
    header["quantized"].update(dsub=128, subspaces=1)
    (tmp_path / "q" / "wordspace.json").write_text(json.dumps(header))
    np.save(tmp_path / "q" / "centroids.npy", np.zeros((1, 4, 128), "f4"))
    np.save(tmp_path / "q" / "codes.npy", np.zeros((300, 1), "u1"))
    with pytest.raises(FormatError, match=r"dsub 1\.\.64"):
        wordspace.load(str(tmp_path / "q"))


def test_a_language_model_member_is_checked_before_it_is_inflated(tmp_path):
    """A member of model.npz that declares more than the config's shape (here 80 MB of zeros in
    a few kB of deflate) is refused from its header, before anything is unpacked."""
    torch = pytest.importorskip("torch")  # noqa: F841
    import zipfile

    from tests.fuzz.seeds import lm_checkpoint
    from wordspace.nn import load_lm

    lm = lm_checkpoint(str(tmp_path))
    npz = os.path.join(lm, "model.npz")
    with zipfile.ZipFile(npz) as zf:
        names = zf.namelist()
        members = {n: zf.read(n) for n in names}
    import io

    big = io.BytesIO()
    np.save(big, np.zeros((2000, 10000), dtype="f4"))
    members[names[0]] = big.getvalue()
    with zipfile.ZipFile(npz, "w", zipfile.ZIP_DEFLATED) as zf:
        for n, data in members.items():
            zf.writestr(n, data)
    assert os.path.getsize(npz) < 1 << 20
    with pytest.raises(FormatError, match="the config expects float32"):
        load_lm(lm)


@pytest.mark.parametrize("catalogue", ["folder", "description", "dim", "bigint"])
def test_a_damaged_catalogue_is_one_line(tmp_path, capsys, monkeypatch, catalogue):
    path = tmp_path / "cat.json"
    entry = {"url": "http://127.0.0.1:9/v.txt", "format": "word2vec-text", "compression": "none", "md5": "0" * 32}
    if catalogue == "folder":
        path.mkdir()
    elif catalogue == "bigint":
        path.write_text('{"models": {"m": {"url": "http://x/v", "format": "word2vec-text", "compression": "none", '
                        '"md5": null, "size": ' + "9" * 5000 + "}}}")
    else:
        path.write_text(json.dumps({"models": {"m": {**entry, catalogue: [1, 2] if catalogue == "description" else "x"}}}))
    monkeypatch.setenv("WORDSPACE_CATALOGUE", str(path))
    code, _, err = run(["models"], capsys)
    assert code == 1 and err.count("\n") == 1 and "unexpected" not in err, err


def test_a_bpe_file_with_a_5000_digit_number_is_refused(tmp_path):
    from wordspace.bpe import BPE

    p = tmp_path / "bpe.json"
    p.write_text('{"format": "wordspace-bpe", "version": ' + "1" * 5000 + ', "merges": []}')
    with pytest.raises(FormatError, match="is not a wordspace BPE file: Exceeds the limit"):
        BPE.load(p)


@pytest.mark.parametrize("argv,match", [
    (["--cluster", "tcp://"], "is not tcp://HOST:PORT"),
    (["--storage-options", "[" * 100_000 + "]" * 100_000], "nested too deeply"),
])
def test_cluster_and_storage_settings_that_cannot_work_are_one_line(tmp_path, capsys, demo_corpus, argv, match):
    code, _, err = run(["train", demo_corpus, "--out", str(tmp_path / "v.bin"), *argv], capsys)
    assert code == 1 and match in err and "unexpected" not in err, err
