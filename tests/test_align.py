"""Cross-lingual alignment: Procrustes recovers a known rotation exactly, CSLS equals a dense
NumPy computation, refinement and identical-string seeds recover a noisy rotation, precision@k
is hand-checked, and the CLI reads MUSE-style dictionaries."""

import json
import os

import numpy as np
import pytest

from wordspace import FormatError, InvalidParameterError, Vectors
from wordspace.align import (align, csls_scores, identical_pairs, normalize_embeddings, procrustes,
                             read_dictionary, translation_precision)
from wordspace.cli import main


def _rotation(dim, seed):
    q, r = np.linalg.qr(np.random.default_rng(seed).standard_normal((dim, dim)))
    return (q * np.sign(np.diag(r))).astype(np.float32)


def test_procrustes_recovers_a_rotation_exactly():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((200, 30)).astype(np.float32)
    R = _rotation(30, 1)
    W = procrustes(x, x @ R)
    np.testing.assert_allclose(W, R, atol=1e-5)
    np.testing.assert_allclose(W @ W.T, np.eye(30), atol=1e-5)


def test_csls_matches_dense_reference():
    rng = np.random.default_rng(3)
    s = normalize_embeddings(rng.standard_normal((70, 8)))
    t = normalize_embeddings(rng.standard_normal((90, 8)))
    cos = s @ t.T
    r_t = np.sort(cos, axis=1)[:, -5:].mean(axis=1)  # each source row's 5 nearest targets
    r_s = np.sort(cos, axis=0)[-5:, :].mean(axis=0)  # each target row's 5 nearest sources
    ref = 2 * cos - r_t[:, None] - r_s[None, :]
    got = np.concatenate([b for _, b in csls_scores(s, t, k=5)])
    np.testing.assert_allclose(got, ref, atol=1e-5)


def _two_languages(n=3000, dim=40, noise=0.05, seed=0):
    """A "target language" of random vectors with a frequency-like norm decay, and a source
    language that is a rotated, noisy copy whose words are spelled differently except for a
    few shared strings (numbers)."""
    rng = np.random.default_rng(seed)
    tgt = rng.standard_normal((n, dim)).astype(np.float32)
    src = (tgt @ _rotation(dim, seed + 1) + noise * rng.standard_normal((n, dim))).astype(np.float32)
    tgt_keys = [f"t{i}" for i in range(n)]
    src_keys = [f"s{i}" for i in range(n)]
    for i in range(0, min(300, n), 3):  # shared strings every third word among the frequent ones
        tgt_keys[i] = src_keys[i] = f"{i}"
    return Vectors(src_keys, src), Vectors(tgt_keys, tgt)


def test_refinement_from_identical_strings_recovers_the_map():
    src, tgt = _two_languages()
    test = [(src.keys[i], tgt.keys[i]) for i in range(1000, 1500)]
    seeds = identical_pairs(src, tgt)
    assert len(seeds) == 100 and seeds[0] == ("0", "0")
    few = seeds[:12]  # too few pairs for a good map (P@1 about 0.1); refinement fixes that
    res = align(src, tgt, few, refine=5, test_pairs=test, refine_vocab=2000)
    p1 = [h["p@1"] for h in res.history if "p@1" in h]
    assert len(p1) == 2 and len(res.history) == 6  # scored at the seed and at the end
    assert p1[0] < 0.3 and p1[-1] >= 0.99 and res.history[-1]["pairs"] > 1500
    nn = align(src, tgt, None, test_pairs=test, retrieval="nn")
    assert nn.seed_pairs == 100 and nn.history[0]["p@1"] > 0.95


def test_precision_at_k_hand_worked():
    """Source rows 0 and 1 map onto target rows 0 and 1; row 2 is closest to target 3, whose
    gold is 2 -> P@1 = 2/3; target 2 is second for it -> P@5 = 1."""
    tgt = np.eye(4, dtype=np.float32)
    mapped = np.array([[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 0.6, 0.8]], np.float32)
    pairs = [("a", "A"), ("b", "B"), ("c", "C")]
    si, ti = {"a": 0, "b": 1, "c": 2}, {"A": 0, "B": 1, "C": 2}
    p = translation_precision(mapped, tgt, si, ti, pairs, ks=(1, 5), retrieval="nn")
    assert p == {"words": 3, "p@1": pytest.approx(2 / 3), "p@5": 1.0}


def test_dictionary_reading_and_errors(tmp_path):
    src, tgt = _two_languages(n=50)
    d = tmp_path / "d.txt"
    d.write_text("s4 t4\ns5 t5\nzzz t7\n\n")
    pairs, n, dropped = read_dictionary(str(d), src, tgt)
    assert pairs == [("s4", "t4"), ("s5", "t5")] and n == 3 and dropped == 1
    bad = tmp_path / "bad.txt"
    bad.write_text("one two three\n")
    with pytest.raises(FormatError, match="line 1: expected 'source target'"):
        read_dictionary(str(bad))
    with pytest.raises(InvalidParameterError, match="seed dictionary has 0 usable pair"):
        align(src, tgt, [("nope", "none")])
    with pytest.raises(InvalidParameterError, match="'retrieval' parameter of align"):
        align(src, tgt, pairs, retrieval="cosine")


def test_cli(tmp_path, capsys):
    src, tgt = _two_languages(n=1500)
    src.save(tmp_path / "src.vec")
    tgt.save(tmp_path / "tgt.vec")
    (tmp_path / "train.txt").write_text("".join(f"s{i} t{i}\n" for i in range(301, 700)))
    (tmp_path / "test.txt").write_text("".join(f"s{i} t{i}\n" for i in range(1000, 1400)))
    code = main(["align", str(tmp_path / "src.vec"), str(tmp_path / "tgt.vec"), "--train-dict",
                 str(tmp_path / "train.txt"), "--test-dict", str(tmp_path / "test.txt"), "--refine", "1",
                 "--out", str(tmp_path / "aligned.vec"), "--json"])
    out = json.loads(capsys.readouterr().out)
    assert code == 0 and out["steps"][0]["p@1"] > 0.95 and len(out["steps"]) == 2
    assert Vectors.load(tmp_path / "aligned.vec").dim == 40
    code = main(["align", str(tmp_path / "src.vec"), str(tmp_path / "tgt.vec"), "--test-dict",
                 str(tmp_path / "missing.txt"), "--out", str(tmp_path / "x.vec")])
    assert code == 1 and "missing.txt' does not exist" in capsys.readouterr().err


@pytest.mark.shared_data
def test_gensim_en_it_vectors(shared_data):
    """gensim's translation-matrix test data: numbers one..ten in English and Italian word2vec
    vectors, with their 20-pair dictionary; Procrustes on it translates the training words."""
    d = os.path.join(shared_data, "crosslingual")
    en = Vectors.load(os.path.join(d, "EN.1-10.cbow1_wind5_hs0_neg10_size300_smpl1e-05.txt"))
    it = Vectors.load(os.path.join(d, "IT.1-10.cbow1_wind5_hs0_neg10_size300_smpl1e-05.txt"))
    pairs, n, _ = read_dictionary(os.path.join(d, "OPUS_en_it_europarl_train_one2ten.txt"), en, it)
    assert n == 20 and len(pairs) >= 10  # 20 pairs; the last line has no newline
    res = align(en, it, pairs, test_pairs=pairs, retrieval="nn")
    assert res.history[0]["p@1"] >= 0.8


def test_unsupervised_alignment_of_two_real_models(tmp_path, demo_corpus, capsys):
    """Two skip-gram models of the demo corpus trained from different seeds are two spaces with
    no known correspondence: the seed from sorted similarity distributions alone is far above
    chance, and after self-learning the map translates held-out words as well as Procrustes on
    5,000 identical pairs (within 5 points, as the issue asks of MUSE-style unsupervised
    alignment). A seed dictionary with --unsupervised, and spaces of different dimension, are
    refused in one line naming what to change."""
    from wordspace import Word2Vec
    from wordspace.align import unsupervised_seed

    a = Word2Vec(dim=40, epochs=3, seed=1, workers=2, progress=False).fit(demo_corpus).vectors_
    b = Word2Vec(dim=40, epochs=3, seed=7, workers=2, progress=False).fit(demo_corpus).vectors_
    shared = [w for w in a.keys if w in b]
    test = [(w, w) for w in shared[600:1000]]
    sup = align(a, b, [(w, w) for w in shared[:600]], test_pairs=test).history[-1]["p@1"]
    si, ti = unsupervised_seed(normalize_embeddings(a.matrix), normalize_embeddings(b.matrix), vocab=800)
    seed_hits = np.mean([a.keys[i] == b.keys[j] for i, j in zip(si.tolist(), ti.tolist())])
    assert seed_hits > 0.1  # chance: 1 in 800
    res = align(a, b, None, unsupervised=True, unsupervised_vocab=800, refine_vocab=1500, self_learning=5,
                test_pairs=test)
    assert res.history[-1]["p@1"] >= sup - 0.05 and res.mapped.metadata["alignment"]["unsupervised"]
    with pytest.raises(InvalidParameterError, match="takes no seed dictionary"):
        align(a, b, [("god", "god")], unsupervised=True)
    a.save(tmp_path / "a.bin")
    Vectors(list(b.keys), b.matrix[:, :30].copy()).save(tmp_path / "b30.bin")
    code = main(["align", str(tmp_path / "a.bin"), str(tmp_path / "b30.bin"), "--unsupervised", "--out",
                 str(tmp_path / "m.bin"), "--quiet"])
    err = capsys.readouterr().err
    assert code == 1 and "a.bin' has 40 dimensions and" in err and "same --dim" in err
    assert not (tmp_path / "m.bin").exists()
