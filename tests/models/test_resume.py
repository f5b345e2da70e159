"""Saving a trainer and training on: the saved model reloads exactly, a resumed run equals one
run of the combined epochs where the schedule allows it (a constant learning rate, one worker),
new text adds its words while old words keep their neighbourhoods, and bad resumes are refused."""

import numpy as np
import pytest

import wordspace
from wordspace import FastText, FormatError, InvalidParameterError, Word2Vec
from wordspace.models import load_trainer


@pytest.mark.parametrize("cls,kw", [(Word2Vec, {}), (Word2Vec, {"loss": "hs", "architecture": "cbow"}),
                                    (FastText, {"buckets": 20_000})])
def test_resumed_epochs_equal_one_run(cls, kw, demo_sentences, tmp_path):
    sents = demo_sentences[:4000]
    settings = dict(dim=16, alpha=0.02, min_alpha=0.02, workers=1, seed=2, progress=False, **kw)
    combined = cls(epochs=3, **settings).fit(sents)
    first = cls(epochs=1, **settings).fit(sents)
    first.save(tmp_path / "m")
    back = load_trainer(tmp_path / "m")
    assert type(back) is cls and back.epochs_trained_ == 1
    np.testing.assert_array_equal(back.vectors_.matrix, first.vectors_.matrix)
    np.testing.assert_array_equal(back.output_matrix_, first.output_matrix_)
    back.partial_fit(sents, epochs=2)
    assert back.epochs_trained_ == 3
    np.testing.assert_array_equal(back.vectors_.matrix, combined.vectors_.matrix)
    assert len(back.loss_history_) == 3


def test_new_text_adds_words_and_keeps_neighbourhoods(demo_sentences, tmp_path):
    old, new = demo_sentences[:15000], demo_sentences[15000:]
    model = Word2Vec(dim=32, epochs=3, workers=1, seed=1, progress=False).fit(old)
    frequent = [w for w in model.vocab_.words[:300] if len(w) > 3][:30]
    before = {w: {n.key for n in model.vectors_.most_similar(w, k=10)} for w in frequent}
    words_before = set(model.vocab_.words)
    model.partial_fit(new, epochs=1, alpha=0.01)
    after = {w: {n.key for n in model.vectors_.most_similar(w, k=10)} for w in frequent}
    overlap = np.mean([len(before[w] & after[w]) / 10 for w in frequent])
    added = set(model.vocab_.words) - words_before
    assert added and overlap >= 0.4, (len(added), overlap)
    assert all(model.vocab_.counts[model.vocab_.index[w]] >= 5 for w in added)


def test_bad_resumes_are_refused(tmp_path, run, demo_corpus):
    wordspace.Vectors(["a", "b"], np.eye(2, dtype=np.float32)).save(tmp_path / "v.bin")
    code, _, err = run(["train", demo_corpus, "--resume", str(tmp_path / "v.bin"), "--out", str(tmp_path / "o")])
    assert code == 1 and "vectors only" in err
    code, _, err = run(["train", demo_corpus, "--out", str(tmp_path / "m"), "--dim", "8", "--epochs", "1", "--quiet"])
    assert code == 0, err
    code, _, err = run(["train", demo_corpus, "--resume", str(tmp_path / "m"), "--out", str(tmp_path / "o"),
                        "--architecture", "cbow"])
    assert code == 1 and "does not take --architecture" in err and not (tmp_path / "o").exists()
    code, out, err = run(["train", demo_corpus, "--resume", str(tmp_path / "m"), "--out", str(tmp_path / "o"),
                          "--epochs", "1", "--alpha", "0.01", "--quiet"])
    assert code == 0, err
    assert load_trainer(tmp_path / "o").epochs_trained_ == 2
    wordspace.GloVe(dim=4, epochs=1, progress=False).fit(demo_corpus).vectors_.save(tmp_path / "g")
    with pytest.raises(FormatError, match="training can continue for"):
        load_trainer(tmp_path / "g")
    m = load_trainer(tmp_path / "m")
    with pytest.raises(InvalidParameterError, match="'epochs' parameter of Word2Vec.partial_fit"):
        m.partial_fit(demo_corpus, epochs=0)


def test_resume_reports_this_runs_tokens_and_epochs(tmp_path, run, demo_corpus, demo_sentences):
    """The summary of 'train --resume' counts what this run read and trained, not the original
    run's corpus and epochs."""
    code, out, err = run(["train", demo_corpus, "--out", str(tmp_path / "m"), "--dim", "8", "--epochs", "2", "--quiet"])
    assert code == 0 and "791,450 tokens, 2 epochs" in out, err
    more = tmp_path / "more.txt"
    lines = [" ".join(s) for s in demo_sentences[:3000]]
    more.write_text("\n".join(lines) + "\n")
    code, out, err = run(["train", str(more), "--resume", str(tmp_path / "m"), "--out", str(tmp_path / "o"),
                          "--epochs", "1", "--quiet"])
    assert code == 0, err
    assert f"{sum(len(x.split()) for x in lines):,} tokens, 1 epoch in" in out
