"""Analogy and similarity benchmarks: hand-worked tiny datasets (ties, OOV, mixed case,
malformed lines), agreement with gensim's evaluators, the JSON schema of `wordspace evaluate`,
and the training callback."""

import json
import warnings

import numpy as np
import pytest

from wordspace import Vectors, Word2Vec
from wordspace.cli import main
from wordspace.evaluate import (EvaluationCallback, analogy_benchmark, pearson, read_analogies,
                                read_word_pairs, similarity_benchmark, spearman)


@pytest.fixture
def toy():
    """2-D vectors; unit versions: man (1, 0), woman (0, 1), king (.640, .768),
    queen (.132, .991), boy (.995, .100), girl (.447, .894), Apple/apple near (-.7, -.7)."""
    keys = ["man", "woman", "king", "queen", "Apple", "apple", "boy", "girl"]
    m = np.array([[1, 0], [0, 1], [1, 1.2], [0.2, 1.5], [-1, -1], [-1, -0.9], [1, 0.1], [0.5, 1]], np.float32)
    return Vectors(keys, m)


def _write(tmp_path, name, text):
    p = tmp_path / name
    p.write_text(text)
    return str(p)


def test_google_format_hand_worked(tmp_path, toy):
    """Questions and outcomes, worked out with the unit vectors of ``toy`` (3CosAdd):
    man:king::woman:?  target (-.36, 1.77): queen 1.705 > girl 1.42 > ... -> queen, correct;
    man:woman::king:?  the same target -> queen, correct;
    MAN:KING::BOY:?    (mixed case, folded) target (.635, .868): girl 1.06 > queen .944 >
                       woman .868 -> girl, so the expected 'woman' is incorrect;
    man:king::woman:zebra -> OOV (not answered); 'bad line' (line 7) is malformed."""
    path = _write(tmp_path, "q.txt", ": family\nman king woman queen\nman woman king queen\n"
                  ": gram-test\nMAN KING BOY woman\nman king woman zebra\nbad line\n")
    with pytest.warns(RuntimeWarning, match=r"skipped 1 malformed line\(s\): 7"):
        r = analogy_benchmark(toy, path, restrict_vocab=None)
    assert (r.correct, r.answered, r.oov) == (2, 3, 1)
    assert r.sections["family"] == {"correct": 2, "total": 2, "oov": 0, "accuracy": 1.0}
    assert r.sections["gram-test"]["oov"] == 1 and r.sections["gram-test"]["accuracy"] == 0.0
    assert r.semantic["accuracy"] == 1.0 and r.syntactic["total"] == 1
    assert r.malformed == [(7, "bad line")]


def test_case_variants_and_restriction(tmp_path, toy):
    """'Apple' (row 4) and 'apple' (row 5): folded, the more frequent row stands for both, and
    a case variant of a query word is never the answer."""
    path = _write(tmp_path, "q.txt", ": s\nking man queen woman\nman king woman queen\n")
    r = analogy_benchmark(toy, path, restrict_vocab=3)  # queen is outside the 3 most frequent
    assert r.answered == 0 and r.oov == 2 and r.accuracy == 0.0
    r = analogy_benchmark(toy, path, restrict_vocab=None, case_insensitive=False)
    assert r.answered == 2


def test_analogy_equals_vectors_analogy_for_both_methods(tmp_path, toy):
    lines = [": s"] + [f"{a} {b} {c} {d}" for a, b, c, d in
                       [("man", "king", "woman", "queen"), ("boy", "girl", "man", "woman"), ("king", "queen", "boy", "girl")]]
    path = _write(tmp_path, "q.txt", "\n".join(lines) + "\n")
    for method in ("add", "mul"):
        r = analogy_benchmark(toy, path, method=method, restrict_vocab=None, case_insensitive=False)
        expected = sum(toy.analogy(a, b, c, k=1, method=method)[0].key == d
                       for a, b, c, d in (ln.split() for ln in lines[1:]))
        assert r.correct == expected


def test_bats_relation_files(tmp_path, toy):
    d = tmp_path / "bats"
    d.mkdir()
    (d / "E01 [gender].txt").write_text("man\twoman\nking\tqueen/princess\nboy\tgirl\n")
    (d / "I01 [broken].txt").write_text("just-one-column\nboy\t/ /\n")  # (slashes alone: no answer)
    questions, malformed = read_analogies(str(d))
    assert len(questions) == 6
    assert malformed == [("I01 [broken].txt:1", "just-one-column"), ("I01 [broken].txt:2", "boy\t/ /")]
    q = next(q for q in questions if q.a == "man" and q.c == "king")
    assert q.b == "woman" and q.answers == ("queen", "princess")
    with pytest.warns(RuntimeWarning, match="malformed"):
        r = analogy_benchmark(toy, str(d), restrict_vocab=None)
    assert r.answered == 6 and "E01 [gender]" in r.sections and r.semantic["total"] == 6


def test_similarity_formats_ties_oov_and_malformed(tmp_path, toy):
    u = toy.normalized()
    cos = lambda a, b: float(u[toy.index_of(a)] @ u[toy.index_of(b)])  # noqa: E731
    tsv = _write(tmp_path, "p.tsv", "# comment\nWord 1\tWord 2\tHuman (mean)\nman\twoman\t1.0\n"
                 "king\tqueen\t8.0\nKING\tMan\t5.0\nboy\tgirl\t5.0\nman\tzebra\t3\nbroken line\n")
    with pytest.warns(RuntimeWarning, match="skipped 1 malformed line"):
        r = similarity_benchmark(toy, tsv)
    gold = [1.0, 8.0, 5.0, 5.0]  # a tie in the human scores
    model = [cos("man", "woman"), cos("king", "queen"), cos("king", "man"), cos("boy", "girl")]
    assert r.spearman == pytest.approx(spearman(gold, model)) and r.pearson == pytest.approx(pearson(gold, model))
    assert (r.pairs, r.oov) == (5, 1)
    with pytest.warns(RuntimeWarning):
        m = similarity_benchmark(toy, tsv, oov="mean")
    assert m.spearman == pytest.approx(spearman(gold + [3], model + [float(np.mean(model))]))
    csv_path = _write(tmp_path, "p.csv", "Word 1,Word 2,Human (mean)\nman,woman,1\nking,queen,8\n")
    assert read_word_pairs(csv_path)[0] == [("man", "woman", 1.0), ("king", "queen", 8.0)]
    simlex = _write(tmp_path, "SimLex-999.txt", "word1\tword2\tPOS\tSimLex999\tconc(w1)\nold\tnew\tA\t1.58\t2.72\n")
    assert read_word_pairs(simlex)[0] == [("old", "new", 1.58)]
    space = _write(tmp_path, "men.txt", "sun sunlight 50.0\nautomobile car 50\n")
    assert len(read_word_pairs(space)[0]) == 2
    simverb = _write(tmp_path, "SimVerb-3500.txt", "take\tremove\tV\t6.81\tSYNONYMS\nwalk\trun\tV\t5.2\tNONE\n")
    assert read_word_pairs(simverb)[0] == [("take", "remove", 6.81), ("walk", "run", 5.2)]
    rw = _write(tmp_path, "rw.txt", "squishing\tsquirt\t5.88\t7\t7\t6\n")
    assert read_word_pairs(rw)[0] == [("squishing", "squirt", 5.88)]


def test_correlations_against_scipy():
    stats = pytest.importorskip("scipy.stats")
    rng = np.random.default_rng(0)
    x = rng.integers(0, 5, 50).astype(float)  # many ties
    y = x + rng.normal(size=50)
    assert spearman(x, y) == pytest.approx(stats.spearmanr(x, y)[0], abs=1e-12)
    assert pearson(x, y) == pytest.approx(stats.pearsonr(x, y)[0], abs=1e-12)


@pytest.fixture(scope="module")
def kjv_model(demo_corpus):
    return Word2Vec(dim=40, epochs=3, workers=2, progress=False).fit(demo_corpus)


def test_agreement_with_gensim(kjv_model, tmp_path):
    import logging

    from gensim.models import KeyedVectors

    from wordspace.evaluate import dataset_path

    logging.disable(logging.WARNING)
    path = tmp_path / "v.bin"
    kjv_model.vectors_.save(path)
    kv = KeyedVectors.load_word2vec_format(str(path), binary=True)
    v = kjv_model.vectors_
    questions = tmp_path / "kjv_questions.txt"
    # real questions on KJV vocabulary, plus the Google set (mostly OOV here)
    questions.write_text(": family\nman woman king queen\nfather mother son daughter\nbrother sister son daughter\n"
                         "king queen man woman\nhusband wife father mother\n: gram-plural\nking kings man men\n"
                         "son sons daughter daughters\nbrother brethren son sons\n")
    for qpath in (str(questions), dataset_path("google")[1]):  # gensim reads .gz too
        ours = analogy_benchmark(v, qpath, restrict_vocab=3000)
        acc, _ = kv.evaluate_word_analogies(qpath, restrict_vocab=3000)
        assert ours.accuracy == pytest.approx(acc, abs=1e-4)
    ws = dataset_path("wordsim353")[1]
    theirs = kv.evaluate_word_pairs(ws, restrict_vocab=len(kv))
    ours = similarity_benchmark(v, ws)
    assert ours.spearman == pytest.approx(theirs[1][0], abs=1e-3) and ours.pearson == pytest.approx(theirs[0][0], abs=1e-3)
    assert ours.oov / ours.pairs * 100 == pytest.approx(theirs[2])


def test_cli_json_schema(kjv_model, tmp_path, capsys):
    path = tmp_path / "v.bin"
    kjv_model.vectors_.save(path)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert main(["evaluate", str(path), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert set(data) == {"analogy", "similarity"}
    assert set(data["analogy"]) == {"google"} and set(data["similarity"]) == {"wordsim353", "simlex999"}
    g = data["analogy"]["google"]
    assert {"accuracy", "sections", "oov"} <= set(g) and g["oov"] + g["total"] == 19544
    assert all({"accuracy", "correct", "total", "oov"} <= set(s) for s in g["sections"].values())
    for s in data["similarity"].values():
        assert {"spearman", "pearson", "oov"} <= set(s) and -1 <= s["spearman"] <= 1
    assert main(["evaluate", str(path), "--analogies", "nope"]) == 1
    assert "neither a bundled dataset" in capsys.readouterr().err


def test_callback_records_scores_each_epoch(demo_corpus):
    cb = EvaluationCallback("wordsim353")
    m = Word2Vec(dim=20, epochs=2, workers=1, progress=False, callbacks=[cb]).fit(demo_corpus)
    assert all("wordsim353_spearman" in h and -1 <= h["wordsim353_spearman"] <= 1 for h in m.history_)


def test_subword_vectors_answer_unknown_question_words(tmp_path, toy):
    """Every n-gram row is (1, 1.2), so any unknown word's subword vector points where 'king'
    does: 'man kingz woman queen' is then answered (queen, as for 'king'); a question whose
    expected answer is unknown ('zebra') still cannot be scored."""
    from wordspace.subwords import Subwords

    sub = Vectors(toy.keys, toy.matrix, subwords=Subwords(np.tile(np.float32([1, 1.2]), (50, 1)), 2, 3))
    path = _write(tmp_path, "q.txt", ": s\nman kingz woman queen\nman king woman zebra\nman king woman queen\n")
    skip = analogy_benchmark(sub, path, restrict_vocab=None)
    assert (skip.answered, skip.oov, skip.correct) == (1, 2, 1)
    r = analogy_benchmark(sub, path, restrict_vocab=None, oov="subwords")
    assert (r.answered, r.oov, r.correct, r.subword_questions) == (2, 1, 2, 1)
    pairs = _write(tmp_path, "p.txt", "kingz\tking\t10\nman\tboy\t9\nman\tgirl\t3\nkingz\tapple\t1\n")
    s = similarity_benchmark(sub, pairs, oov="subwords")
    assert s.oov == 2 and s.oov_policy == "subwords" and s.spearman == pytest.approx(1.0)
    assert similarity_benchmark(sub, pairs).spearman == pytest.approx(1.0)  # the 2 known pairs only
    with pytest.raises(ValueError, match="oov='subwords' needs vectors with subword n-grams"):
        similarity_benchmark(toy, pairs, oov="subwords")
    with pytest.raises(ValueError, match="The 'oov' parameter of analogy_benchmark must be one of 'skip', 'subwords'"):
        analogy_benchmark(sub, path, oov="mean")
