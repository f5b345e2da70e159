"""Doc2Vec: the kernels against a NumPy reference for a window, every document of a file
counted and trained, deterministic inference (in one process and across processes), save,
load and resume, the command line, and paragraph vectors that find their own documents."""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys

import numpy as np
import pytest

from wordspace import Doc2Vec
from wordspace._kernels import doc2vec as kd
from wordspace._kernels.epoch import N_PARAMS, P_ALPHA, P_MAXLEN, P_MIN_ALPHA, P_SEED, P_TOTAL, P_WINDOW
from wordspace.corpus import encode_corpus
from wordspace.vocab import huffman_tree

from tests.kernels.test_word2vec_kernels import ref_cbow_window, ref_sg_window


def _reference(w_in, w_out, sent, doc, tree, alpha, cbow, words):
    """One pass over ``sent`` with a window of 1 (no random shrinking) and hierarchical softmax
    (no noise draws): every update is then fixed, and written here with the window references of
    word2vec, position by position as the paper describes."""
    codes, points, lengths = tree
    w_in, w_out = w_in.astype(np.float64), w_out.astype(np.float64)
    for i, w in enumerate(sent):
        targets = points[w, : lengths[w]].astype(np.int64)
        labels = 1 - codes[w, : lengths[w]].astype(np.int64)
        ctx = [sent[j] for j in (i - 1, i + 1) if 0 <= j < len(sent)]
        if cbow:
            w_in, w_out, _ = ref_cbow_window(w_in, w_out, np.array(ctx + [doc]), targets, labels, alpha)
        else:
            w_in, w_out, _ = ref_sg_window(w_in, w_out, np.array([doc]), targets, labels, alpha)
            if words and ctx:
                w_in, w_out, _ = ref_sg_window(w_in, w_out, np.array(ctx), targets, labels, alpha)
    return w_in, w_out


@pytest.mark.parametrize("cbow,words", [(False, False), (False, True), (True, False)])
def test_kernel_window_matches_the_reference(cbow, words):
    rng = np.random.default_rng(3)
    v, dim, n_docs = 9, 8, 2
    counts = np.array([40, 30, 20, 12, 9, 6, 4, 3, 2], dtype=np.int64)
    tree = huffman_tree(counts)
    sent = rng.integers(0, v, size=17).astype(np.int32)
    w_in0 = rng.normal(scale=0.3, size=(v + n_docs, dim)).astype(np.float32)
    w_out0 = rng.normal(scale=0.3, size=(v - 1, dim)).astype(np.float32)
    doc_rows = np.array([v + 1], dtype=np.int64)  # the sentence belongs to the second document
    flags = np.array([1 if words else 0], dtype=np.int64)
    params = np.zeros(N_PARAMS)
    params[P_ALPHA] = params[P_MIN_ALPHA] = 0.05
    params[P_TOTAL], params[P_WINDOW], params[P_SEED], params[P_MAXLEN] = len(sent), 1, 7, 1000
    keep = np.full(v, 2**32, dtype=np.uint64)
    want_in, want_out = _reference(w_in0, w_out0, sent.tolist(), v + 1, tree, 0.05, cbow, words)
    assert not np.allclose(want_in[v + 1], w_in0[v + 1])  # the document row was trained
    for fn in (kd.PLAIN["hs"], kd.select("hs", parallel=False)):
        w_in, w_out = w_in0.copy(), w_out0.copy()
        fn(w_in, w_out, sent, np.array([0, len(sent)], np.int64), np.array([0, 1], np.int64), keep,
           (*tree, doc_rows, flags), params, np.zeros(1), np.zeros(1, np.int64), cbow)
        np.testing.assert_allclose(w_in, want_in, rtol=1e-4, atol=1e-5)
        np.testing.assert_allclose(w_out, want_out, rtol=1e-4, atol=1e-5)
        np.testing.assert_array_equal(w_in[v], w_in0[v])  # the other document's row is untouched


def _corpus(tmp_path, demo_corpus, lines=1500):
    with gzip.open(demo_corpus, "rt") as src:
        text = [line for _, line in zip(range(lines), src)]
    return text


def test_every_line_is_a_document_and_long_lines_are_not_cut(tmp_path):
    """Empty lines, lines past the sentence limit and a file over the reader's split size: one
    document per line, the pieces of a long line all belong to it."""
    rng = np.random.default_rng(0)
    words = [f"w{i}" for i in range(50)]
    lines = []
    for i in range(40_000):
        n = 0 if i % 97 == 0 else (130 if i % 1000 == 1 else int(rng.integers(1, 20)))
        lines.append(" ".join(rng.choice(words, n)))
    path = tmp_path / "docs.txt"
    path.write_text("\n".join(lines) + "\n")
    assert path.stat().st_size > 1 << 20  # large enough for the threaded reader's split
    enc = encode_corpus(str(path), min_count=1, max_sentence_length=50, documents=True)
    docs_of = enc.lines
    assert int(docs_of.max()) + 1 == len(lines)
    tokens_per_doc = np.zeros(len(lines), dtype=np.int64)
    np.add.at(tokens_per_doc, docs_of, np.diff(enc.offsets))
    assert tokens_per_doc.tolist() == [len(line.split()) for line in lines]
    assert (np.bincount(docs_of)[[i for i in range(len(lines)) if i % 1000 == 1]] == 3).all()  # 130 = 50+50+30


def test_training_reaches_every_document(tmp_path, demo_corpus):
    """A document's row moves between one epoch and two (same seed) unless it has no known
    word: every document with words was trained, whatever its place in the file."""
    text = _corpus(tmp_path, demo_corpus, 3000)
    text[5] = "\n"
    text[6] = "zzzq qqqz\n"  # words under min_count only
    path = tmp_path / "c.txt"
    path.write_text("".join(text))
    common = dict(dim=16, min_count=2, workers=2, progress=False, sample=0, max_sentence_length=7)
    one = Doc2Vec(epochs=1, **common).fit(str(path))
    two = Doc2Vec(epochs=2, **common).fit(str(path))
    assert len(one.tags_) == len(text) == one.document_vectors_.matrix.shape[0]
    moved = np.abs(one.document_vectors_.matrix - two.document_vectors_.matrix).max(axis=1) > 0
    assert not moved[5] and not moved[6]
    assert moved.sum() == len(text) - 2


def test_inference_is_deterministic_in_and_across_processes(tmp_path, demo_corpus):
    path = tmp_path / "c.txt"
    path.write_text("".join(_corpus(tmp_path, demo_corpus, 1500)))
    model = Doc2Vec(dim=16, epochs=3, min_count=2, workers=2, progress=False).fit(str(path))
    model.save(tmp_path / "m")
    texts = ["in the beginning god created the heaven and the earth", "and god said let there be light",
             "unknownword", "light"]
    a = model.infer(texts)
    b = model.infer(list(reversed(texts)))[::-1]
    np.testing.assert_array_equal(a, b)  # a text's vector does not depend on its neighbours
    assert not np.allclose(a[0], a[1])
    code = ("import sys, numpy as np; from wordspace import Doc2Vec; m = Doc2Vec.load(sys.argv[1]); "
            "sys.stdout.buffer.write(m.infer(sys.argv[2:]).tobytes())")
    outs = [subprocess.run([sys.executable, "-c", code, str(tmp_path / "m"), *texts], capture_output=True,
                           check=True, env={**os.environ, "PYTHONHASHSEED": str(s)}).stdout for s in (1, 2)]
    assert outs[0] == outs[1] == a.tobytes()
    np.testing.assert_array_equal(model.infer_vector(texts[0].split()), a[0])


def test_paragraph_vectors_find_their_own_documents(tmp_path, demo_corpus):
    """The inferred vector of a training document is nearest its own trained vector."""
    text = _corpus(tmp_path, demo_corpus, 2000)
    path = tmp_path / "c.txt"
    path.write_text("".join(text))
    for arch, floor in (("dbow", 0.8), ("dm", 0.5)):
        m = Doc2Vec(architecture=arch, dim=32, epochs=20, min_count=2, sample=0, workers=2, progress=False,
                    seed=3).fit(str(path))
        idx = list(range(0, 2000, 20))
        inferred = m.infer([text[i] for i in idx])
        dv = m.document_vectors_.normalized()
        sims = (inferred / np.linalg.norm(inferred, axis=1, keepdims=True)) @ dv.T
        top1 = float(np.mean(np.argmax(sims, axis=1) == np.array(idx)))
        assert top1 >= floor, (arch, top1)


@pytest.mark.parametrize("loss", ["ns", "hs"])
def test_save_load_and_resume(tmp_path, demo_corpus, loss):
    path = tmp_path / "c.txt"
    path.write_text("".join(_corpus(tmp_path, demo_corpus, 800)))
    m = Doc2Vec(dim=12, epochs=2, min_count=2, loss=loss, workers=1, progress=False).fit(str(path))
    m.save(tmp_path / "m")
    back = Doc2Vec.load(tmp_path / "m")
    np.testing.assert_array_equal(back.document_vectors_.matrix, m.document_vectors_.matrix)
    assert back.tags_ == m.tags_
    np.testing.assert_array_equal(back.infer(["god said"]), m.infer(["god said"]))
    more = tmp_path / "more.txt"
    more.write_text("and god said let there be light\nthe earth was without form\n")
    back.partial_fit(str(more))
    assert len(back.tags_) == len(m.tags_) + 2 and back.document_vectors_.matrix.shape[0] == len(back.tags_)
    np.testing.assert_array_equal(back.vectors_.keys, m.vectors_.keys)


def test_tagged_documents_and_first_column_tags(tmp_path, demo_corpus):
    text = _corpus(tmp_path, demo_corpus, 300)
    path = tmp_path / "tagged.tsv"
    path.write_text("".join(f"doc-{i}\t{line}" for i, line in enumerate(text)))
    m = Doc2Vec(dim=8, epochs=1, min_count=2, tags="first-column", workers=1, progress=False).fit(str(path))
    assert m.tags_[:3] == ["doc-0", "doc-1", "doc-2"] and "doc-0" in m.document_vectors_

    class Tagged:
        def __init__(self, words, tags):
            self.words, self.tags = words, tags

    items = [Tagged(line.split(), [f"t{i}"]) for i, line in enumerate(text)]
    m2 = Doc2Vec(dim=8, epochs=1, min_count=2, workers=1, progress=False).fit(items)
    assert m2.tags_[-1] == f"t{len(text) - 1}"
    bad = tmp_path / "bad.tsv"
    bad.write_text("a\tthe cat\nno tab here\n")
    with pytest.raises(Exception, match="line 2"):
        Doc2Vec(dim=8, epochs=1, min_count=1, tags="first-column", progress=False).fit(str(bad))


def test_command_line(tmp_path, demo_corpus, run):
    path = tmp_path / "c.tsv"
    path.write_text("".join(f"d{i}\t{line}" for i, line in enumerate(_corpus(tmp_path, demo_corpus, 600))))
    out = tmp_path / "d2v"
    code, _, err = run(["train", str(path), "--algorithm", "doc2vec", "--tags", "--out", str(out), "--dim", "12",
                        "--epochs", "2", "--min-count", "2", "--architecture", "dm", "--quiet"])
    assert code == 0, err
    m = Doc2Vec.load(out)
    assert m.tags_[0] == "d0" and m.architecture == "dm"
    assert run(["train", str(path), "--algorithm", "doc2vec", "--tags", "FIRST_COLUMN", "--out",
                str(tmp_path / "d2") , "--dim", "8", "--epochs", "1", "--quiet"])[0] == 0
    texts = tmp_path / "t.txt"
    texts.write_text("in the beginning god\nand the earth\n")
    code, _, err = run(["embed", str(out), str(texts), "--out", str(tmp_path / "x.npy")])
    assert code == 0, err
    np.testing.assert_array_equal(np.load(tmp_path / "x.npy"), m.infer(["in the beginning god", "and the earth"]))
    assert json.loads((tmp_path / "x.npy.json").read_text())["method"] == "infer"
    code, _, err = run(["embed", str(out), str(texts), "--out", str(tmp_path / "y.npy"), "--method", "usif"])
    assert code == 1 and len(err.strip().splitlines()) == 1 and "Doc2Vec" in err
    code, _, err = run(["train", str(path), "--algorithm", "doc2vec", "--resume", str(out), "--out",
                        str(tmp_path / "d3"), "--epochs", "1", "--quiet"])
    assert code == 0, err
    resumed = Doc2Vec.load(tmp_path / "d3")  # the same tags: the same documents, trained further
    assert resumed.tags_ == m.tags_
    assert not np.allclose(resumed.document_vectors_.matrix, m.document_vectors_.matrix)
