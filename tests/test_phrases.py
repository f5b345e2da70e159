"""Phrases against gensim's Phrases + Phraser on real text (the same phrases, scores and joined
sentences, one pass and two), the saved model (round trip, hostile files), the command and
training with a phrase model."""

import json

import numpy as np
import pytest

import wordspace
from wordspace import FormatError
from wordspace.phrases import PhraseModel, learn_phrases


@pytest.mark.parametrize("scoring,threshold", [("default", 10.0), ("npmi", 0.5)])
def test_same_phrases_as_gensim(demo_sentences, scoring, threshold):
    from gensim.models.phrases import Phrases

    model, enc = learn_phrases(demo_sentences, min_count=5, threshold=threshold, scoring=scoring)
    frozen = Phrases(demo_sentences, min_count=5, threshold=threshold, scoring=scoring).freeze()
    theirs = {tuple(k.split("_")): v for k, v in frozen.phrasegrams.items()}
    assert set(model.passes[0]) == set(theirs) and len(theirs) > 100
    for pair, score in theirs.items():
        assert model.passes[0][pair] == pytest.approx(score, rel=1e-9)
    ours = [[enc.words[t] for t in enc.tokens[enc.offsets[i]:enc.offsets[i + 1]]] for i in range(enc.n_sentences)]
    assert ours == [frozen[s] for s in demo_sentences]


def test_two_passes_join_phrases_of_phrases(demo_sentences):
    """The second pass equals gensim's second Phrases over the first one's output, given a
    delimiter for gensim's own count keys that cannot collide: gensim counts the pair (new, york)
    under the key "new_york", which a first pass's joined token new_york also is, and merges the
    two counts; wordspace keeps them apart (docs/design.md)."""
    from gensim.models.phrases import Phrases

    model, enc = learn_phrases(demo_sentences, min_count=5, threshold=10.0, passes=2)
    first = Phrases(demo_sentences, min_count=5, threshold=10.0).freeze()
    once = [first[s] for s in demo_sentences]
    second = Phrases(once, min_count=5, threshold=10.0, delimiter="|").freeze()
    assert len(model.passes) == 2 and {f"{a}|{b}" for a, b in model.passes[1]} == set(second.phrasegrams)
    assert any("_" in a for a, _ in model.passes[1])
    ours = [[enc.words[t] for t in enc.tokens[enc.offsets[i]:enc.offsets[i + 1]]] for i in range(enc.n_sentences)]
    assert ours == [[w.replace("|", "_") for w in second[s]] for s in once]


def test_saved_model_round_trip_and_hostile_files(tmp_path, demo_sentences):
    model, _ = learn_phrases(demo_sentences, min_count=5, threshold=10.0)
    path = model.save(tmp_path / "ph.json")
    back = PhraseModel.load(path)
    assert back.passes == model.passes and back.delimiter == "_"
    with open(path, encoding="utf-8") as fh:
        doc = json.load(fh)
    for change, match in [({"version": 99}, "upgrade"), ({"version": True}, "not a format version"),
                          ({"passes": [[["a", "b"]]]}, "not \\[word, word, score\\]"), ({"delimiter": " "}, "delimiter"),
                          ({"format": "x"}, "not a wordspace phrase model")]:
        (tmp_path / "bad.json").write_text(json.dumps({**doc, **change}))
        with pytest.raises(FormatError, match=match):
            PhraseModel.load(tmp_path / "bad.json")
    (tmp_path / "deep.json").write_text("[" * 100_000 + "]" * 100_000)
    with pytest.raises(FormatError):
        PhraseModel.load(tmp_path / "deep.json")


def test_command_and_training_with_phrases(tmp_path, run, demo_corpus):
    out, saved = tmp_path / "joined.txt", tmp_path / "ph.json"
    code, stdout, err = run(["phrases", demo_corpus, "--out", str(out), "--save-model", str(saved), "--passes", "2"])
    assert code == 0, err
    text = out.read_text()
    assert "mary_magdalene" in text and "judas_iscariot" in text
    code, _, err = run(["train", demo_corpus, "--phrases", str(saved), "--out", str(tmp_path / "m"), "--dim", "10",
                        "--epochs", "1", "--quiet"])
    assert code == 0, err
    v = wordspace.load(tmp_path / "m")
    assert "mary_magdalene" in v and "judas_iscariot" in v and np.isfinite(v.matrix).all()
    with pytest.raises(SystemExit) as exc:  # a usage error: argparse exits 2
        run(["phrases", demo_corpus, "--out", str(tmp_path / "x.txt"), "--scoring", "pmi"])
    assert exc.value.code == 2


@pytest.mark.parametrize("parts", [1, 2, 7])
def test_join_kernel_matches_a_reference(parts):
    """Joining pairs greedily from the left, sentence by sentence, with the work cut into
    ``parts`` runs of sentences, against a plain loop (empty sentences included)."""
    from wordspace._kernels.phrases import join_bigrams

    rng = np.random.default_rng(parts)
    for _ in range(30):
        n = 6
        lens = rng.integers(0, 9, rng.integers(1, 40))
        offsets = np.concatenate(([0], np.cumsum(lens))).astype(np.int64)
        toks = rng.integers(0, n, offsets[-1]).astype(np.int32)
        pairs = sorted({int(a) * n + int(b) for a, b in rng.integers(0, n, (5, 2))})
        out, out_off = np.empty(toks.shape[0], np.int32), np.empty_like(offsets)
        used = join_bigrams(toks, offsets, n, np.array(pairs, np.int64), n + np.arange(len(pairs), dtype=np.int32),
                            out, out_off, parts)
        ref, ref_off = [], [0]
        for s in range(lens.shape[0]):
            i, e = offsets[s], offsets[s + 1]
            while i < e:
                if i + 1 < e and toks[i] * n + toks[i + 1] in pairs:
                    ref.append(n + pairs.index(toks[i] * n + toks[i + 1]))
                    i += 2
                else:
                    ref.append(int(toks[i]))
                    i += 1
            ref_off.append(len(ref))
        assert out[:used].tolist() == ref and out_off.tolist() == ref_off


def test_counting_runs_in_place_matches_numpy_unique():
    """The pair counter writes the distinct keys over the sorted keys themselves; against
    ``np.unique`` on a copy (empty, one run, all distinct, large keys)."""
    from wordspace._kernels.phrases import count_runs

    rng = np.random.default_rng(3)
    cases = [np.zeros(0, np.int64), np.full(7, 5, np.int64), np.arange(9, dtype=np.int64) * (1 << 40)]
    cases += [np.sort(rng.integers(0, hi, size)) for hi, size in [(3, 50), (1000, 2000), (1 << 50, 300)]]
    for keys in cases:
        want, want_counts = np.unique(keys, return_counts=True)
        counts = np.empty(keys.shape[0], np.int64)
        d = count_runs(keys, keys, counts)
        assert keys[:d].tolist() == want.tolist() and counts[:d].tolist() == want_counts.tolist()


def test_written_corpus_is_the_joined_sentences(tmp_path, demo_corpus):
    """write_corpus (threads writing their sentences at computed offsets) against joining the
    words in Python; an in-memory corpus whose token holds a newline takes the slow path."""
    from wordspace.phrases import write_corpus

    _, joined = learn_phrases(demo_corpus, passes=2)
    write_corpus(joined, tmp_path / "a.txt")
    expect = "".join(" ".join(joined.words[t] for t in joined.tokens[joined.offsets[i]:joined.offsets[i + 1]]) + "\n"
                     for i in range(joined.n_sentences))
    assert (tmp_path / "a.txt").read_text(encoding="utf-8") == expect
    with pytest.warns(UserWarning, match="no phrase found"):
        _, odd = learn_phrases([["a\nb", "c", "é"], ["c", "a\nb"]], min_count=1)
    write_corpus(odd, tmp_path / "b.txt")
    assert (tmp_path / "b.txt").read_text(encoding="utf-8") == "a\nb c é\nc a\nb\n"


def test_each_scoring_has_a_default_threshold_that_fits_it(demo_sentences, tmp_path, run, demo_corpus):
    """npmi's default finds phrases (the old default 10 lies outside its range [-1, 1] and found
    none); a threshold outside the scoring's range is refused as gensim refuses it, in one line
    from the command line; finding nothing is said."""
    model, _ = learn_phrases(demo_sentences, scoring="npmi")
    assert model.threshold == 0.5 and len(model) > 100
    assert learn_phrases(demo_sentences)[0].threshold == 10.0
    for scoring, bad in (("npmi", 10.0), ("npmi", -1.5), ("default", 0.0), ("default", -3.0), ("default", float("nan"))):
        with pytest.raises(wordspace.InvalidParameterError, match="'threshold' parameter of learn_phrases"):
            learn_phrases(demo_sentences, scoring=scoring, threshold=bad)
    code, out, err = run(["phrases", demo_corpus, "--out", str(tmp_path / "j.txt"), "--scoring", "npmi"])
    assert code == 0 and "phrases in 1 pass" in out and ": 0 phrases" not in out and "no phrase" not in err, out
    code, out, err = run(["phrases", demo_corpus, "--out", str(tmp_path / "k.txt"), "--scoring", "npmi",
                          "--threshold", "10"])
    assert code == 1 and err.strip() == ("wordspace: error: --threshold must be a float in the range [-1, 1] when "
                                         "--scoring npmi. Got 10.0 instead.") and not (tmp_path / "k.txt").exists()
    with pytest.warns(UserWarning, match="no phrase found.*lower the threshold"):
        learn_phrases(demo_sentences, threshold=1e9)
