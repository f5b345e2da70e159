"""The command line, run in-process: exit codes and one-line messages for every bad input,
and the train -> query -> convert path with files that gensim reads."""

import json
import os
import stat

import numpy as np
import pytest

from wordspace.cli import main


def test_train_writes_every_format_and_gensim_reads_them(tmp_path, corpus, run):
    from gensim.models import KeyedVectors

    for name, binary in (("v.bin", True), ("v.txt", False), ("v.vec", False)):
        code, out, err = run(["train", corpus, "--out", str(tmp_path / name), "--dim", "16", "--epochs", "1",
                              "--architecture", "cbow", "--loss", "hs", "--quiet"])
        assert code == 0 and "wrote" in out
        kv = KeyedVectors.load_word2vec_format(str(tmp_path / name), binary=binary)
        assert kv.vectors.shape[1] == 16 and "lord" in kv.key_to_index
    code, out, _ = run(["train", corpus, "--out", str(tmp_path / "native"), "--dim", "8", "--epochs", "1",
                        "--export", "average", "--quiet"])
    assert code == 0 and os.path.isfile(tmp_path / "native" / "vectors.npy")
    meta = json.loads((tmp_path / "native" / "wordspace.json").read_text())["metadata"]
    assert meta["params"]["dim"] == 8 and meta["exported"] == "average" and len(meta["loss_history"]) == 1


def test_progress_bar_goes_to_stderr(tmp_path, corpus, run):
    code, out, err = run(["train", corpus, "--out", str(tmp_path / "p.bin"), "--dim", "8", "--epochs", "1"])
    assert code == 0 and "w/s" in err and "lr=" in err and "loss=" in err and "w/s" not in out


@pytest.mark.parametrize(
    "extra,match",
    [
        (["--dim", "0"], r"--dim must be an int in the range \[1, 65536\]\. Got 0"),
        (["--window", "0"], r"--window must be an int in the range \[1, 10000\]"),
        (["--sample", "-1"], r"--sample must be a float in the range \[0, inf\)\. Got -1.0"),
        (["--negative", "0"], r"--negative must be an int in the range \[1, 1000\] when --loss ns\. Got 0"),
        (["--epochs", "0"], r"--epochs must be"),
        (["--min-count", "100000"], r"no word of .* occurs at least min_count=100000"),
        (["--loss", "hs", "--export", "output"], r"output vectors need one output row per word"),
    ],
)
def test_bad_parameters_exit_1_with_one_line(tmp_path, corpus, extra, match, run):
    code, out, err = run(["train", corpus, "--out", str(tmp_path / "x.bin"), "--quiet", *extra])
    assert code == 1 and err.count("\n") == 1 and "Traceback" not in err
    assert err.startswith("wordspace: error: ")
    import re

    assert re.search(match, err), err
    assert not os.path.exists(tmp_path / "x.bin")


def test_bad_corpora_exit_1(tmp_path, run):
    empty = tmp_path / "empty.txt"
    empty.write_text("")
    (tmp_path / "nodir").mkdir()
    (tmp_path / "bindir").mkdir()
    (tmp_path / "bindir" / "x.bin").write_bytes(b"\x00\x01")
    for corpus, match in ((tmp_path / "missing.txt", "does not exist"), (empty, "is empty"),
                          (tmp_path / "nodir", "contains no text files"), (tmp_path / "bindir", "contains no text files")):
        code, out, err = run(["train", str(corpus), "--out", str(tmp_path / "o.bin"), "--quiet"])
        assert code == 1 and match in err and err.count("\n") == 1, err


def test_unwritable_out_fails_before_training(tmp_path, corpus, run):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(stat.S_IRUSR | stat.S_IXUSR)
    try:
        if os.access(locked, os.W_OK):
            pytest.skip("running as a user that ignores directory permissions")
        code, out, err = run(["train", corpus, "--out", str(locked / "v.bin"), "--quiet"])
        assert code == 1 and "is not writable" in err
    finally:
        locked.chmod(stat.S_IRWXU)
    code, out, err = run(["train", corpus, "--out", str(tmp_path / "no" / "such" / "v.bin"), "--quiet"])
    assert code == 1 and "does not exist" in err


def test_root_also_gets_an_error_for_an_unwritable_out(tmp_path, corpus, run):
    """Root ignores permission bits; a path under a regular file is unwritable for anyone."""
    f = tmp_path / "file"
    f.write_text("x")
    code, out, err = run(["train", corpus, "--out", str(f / "v.bin"), "--quiet"])
    assert code == 1 and "does not exist" in err


def test_usage_errors_exit_2(capsys, corpus):
    for argv in (["train", corpus], ["train", corpus, "--out", "x", "--bogus"], ["trian"], [],
                 ["train", corpus, "--out", "x", "--dim", "ten"]):
        with pytest.raises(SystemExit) as exc:
            main(argv)
        assert exc.value.code == 2
    assert "Did you mean 'train'" in capsys.readouterr().err


def test_interrupted_save_leaves_no_model(tmp_path, corpus, monkeypatch, run):
    from wordspace.io import word2vec_format

    def boom(*a, **k):
        raise KeyboardInterrupt

    monkeypatch.setattr(word2vec_format, "format_rows", boom)
    out = tmp_path / "v.txt"
    out.write_text("1 2\nprevious 0.5 1\n")  # an earlier model, which the new one would replace
    code, _, err = run(["train", corpus, "--out", str(out), "--dim", "4", "--epochs", "1", "--quiet"])
    assert code == 130 and "interrupted" in err
    assert out.read_text() == "1 2\nprevious 0.5 1\n" and os.listdir(tmp_path) == ["v.txt"]


def test_queries_table_and_json(trained, run):
    code, out, _ = run(["neighbors", trained, "gold", "king", "-k", "3"])
    assert code == 0 and "neighbours of 'gold'" in out and len(out.strip().splitlines()) == 8
    code, out, _ = run(["neighbors", trained, "gold", "-k", "3", "--json"])
    data = json.loads(out)
    assert list(data) == ["gold"] and len(data["gold"]) == 3 and {"key", "score"} == set(data["gold"][0])
    code, out, _ = run(["analogy", trained, "man", "king", "woman", "--json", "--method", "mul"])
    data = json.loads(out)
    assert data["method"] == "mul" and len(data["answers"]) == 10
    assert not {"man", "king", "woman"} & {a["key"] for a in data["answers"]}
    code, out, _ = run(["similarity", trained, "gold", "silver"])
    assert code == 0 and -1 <= float(out) <= 1
    code, out, _ = run(["similarity", trained, "gold", "silver", "--json"])
    assert json.loads(out)["similarity"] == pytest.approx(float(np.round(json.loads(out)["similarity"], 6)), abs=1e-6)


def test_unknown_word_suggests(trained, run):
    code, out, err = run(["neighbors", trained, "kinng"])
    assert code == 1 and "'kinng' is not in the vocabulary" in err and "Did you mean 'king'" in err
    code, out, err = run(["neighbors", trained, "king", "-k", "0"])
    assert code == 1 and "-k must be an int in the range [1, inf)" in err, err


def test_convert_with_limit(trained, tmp_path, run):
    import wordspace

    code, out, _ = run(["convert", trained, str(tmp_path / "small.txt"), "--limit", "50"])
    assert code == 0
    small = wordspace.load(tmp_path / "small.txt")
    full = wordspace.load(trained)
    assert small.keys == full.keys[:50]
    np.testing.assert_array_equal(small.matrix, full.matrix[:50])
    code, out, err = run(["convert", str(tmp_path / "nope.bin"), str(tmp_path / "x.txt")])
    assert code == 1 and "does not exist" in err


def test_demo_runs(run):
    code, out, _ = run(["demo", "--epochs", "1", "--quiet", "--workers", "2"])
    assert code == 0 and "man : king :: woman" in out and "nearest neighbours of 'gold'" in out


def test_damaged_vector_files_exit_1_without_traceback(tmp_path, run):
    bad = tmp_path / "bad.bin"
    bad.write_bytes(b"2 3\nab " + b"\x00" * 5)
    code, out, err = run(["neighbors", str(bad), "ab"])
    assert code == 1 and "truncated" in err and "Traceback" not in err and err.count("\n") == 1
    native = tmp_path / "m"
    native.mkdir()
    (native / "wordspace.json").write_text('{"format": "wordspace-vectors", "version": 7}')
    code, out, err = run(["similarity", str(native), "a", "b"])
    assert code == 1 and "version 7" in err


@pytest.mark.parametrize("algorithm,extra", [
    ("fasttext", ["--buckets", "20000", "--min-n", "3", "--max-n", "5"]),
    ("glove", ["--x-max", "50", "--memory", "64"]),
    ("ppmi-svd", ["--shift", "2", "--eigenvalue-power", "0"]),
])
def test_train_other_algorithms(tmp_path, corpus, algorithm, extra, run):
    out_dir = tmp_path / algorithm
    code, out, err = run(["train", corpus, "--algorithm", algorithm, "--out", str(out_dir), "--dim", "12",
                          "--workers", "1", "--quiet", *extra])
    assert code == 0, err
    meta = json.loads((out_dir / "wordspace.json").read_text())
    assert meta["metadata"]["algorithm"] == algorithm and meta["dim"] == 12
    assert ("subwords" in meta) == (algorithm == "fasttext")
    code, out, _ = run(["neighbors", str(out_dir), "lord", "-k", "3", "--json"])
    assert code == 0 and len(json.loads(out)["lord"]) == 3
    if algorithm == "fasttext":  # an unseen word is answered from its n-grams
        code, out, _ = run(["similarity", str(out_dir), "lordz", "lord"])
        assert code == 0 and float(out) > 0


def test_glove_export_kinds(tmp_path, corpus, run):
    code, _, err = run(["train", corpus, "--algorithm", "glove", "--out", str(tmp_path / "g.txt"), "--dim", "8",
                        "--epochs", "1", "--export", "input", "--quiet"])
    assert code == 0, err
    code, _, err = run(["train", corpus, "--out", str(tmp_path / "w.txt"), "--export", "sum", "--quiet"])
    assert code == 1 and "--export must be one of 'input', 'output', 'average'. Got 'sum'" in err


@pytest.mark.parametrize("argv,match", [
    (["--algorithm", "fasttext", "--min-n", "5", "--max-n", "3"], "--min-n must be at most --max-n 3. Got 5"),
    (["--algorithm", "fasttext", "--buckets", "0"], r"--buckets must be an int in the range \[1, 2147483648\]\. Got 0"),
    (["--algorithm", "fasttext", "--loss", "hs"], "--loss must be one of 'ns'"),
    (["--algorithm", "glove", "--x-max", "0"], r"--x-max must be a float in the range \(0, 1099511627776\]"),
    (["--algorithm", "glove", "--memory", "0.001"], "'memory' parameter \\(0.001 MB\\) is too small"),
    (["--algorithm", "glove", "--negative", "5"], "--algorithm glove does not take --negative"),
    (["--algorithm", "ppmi-svd", "--epochs", "3"], "--algorithm ppmi-svd does not take --epochs"),
    (["--algorithm", "word2vec", "--buckets", "10"], "--algorithm word2vec does not take --buckets"),
    (["--algorithm", "ppmi-svd", "--shift", "0"], r"--shift must be a float in the range \(0, 1099511627776\]"),
])
def test_bad_options_of_other_algorithms(tmp_path, corpus, argv, match, run):
    import re

    code, out, err = run(["train", corpus, "--out", str(tmp_path / "x.bin"), "--quiet", *argv])
    assert code == 1 and re.search(match, err), err
    assert "Traceback" not in err and not (tmp_path / "x.bin").exists()
