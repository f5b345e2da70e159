"""Static sentence models distilled from a transformer (``wordspace.distillation``), on a tiny randomly
initialised BERT built here (no download): stage one against a NumPy transcription, whole words
added to the tokenizer, stage two on real text (the bundled King James Bible), the model2vec
round trip both ways, and the command line's refusals."""

import gzip
import json
import os
import shutil

import numpy as np
import pytest

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")
tokenizers = pytest.importorskip("tokenizers")
pytest.importorskip("safetensors")

from wordspace import SentenceEncoder, Vectors, load  # noqa: E402
from wordspace.cli import main  # noqa: E402
from wordspace import distill  # noqa: E402
from wordspace.errors import FormatError  # noqa: E402

WORDS = ("the of and to in he she river bank money water flood a is was on at by it his her un ##aff ##ord "
         "##able ##s ##ing ##ed rich poor king lord god land house city man men day night said unto shall "
         "for with be not they them all that this").split()
KJV = os.path.join(os.path.dirname(__file__), "..", "src", "wordspace", "data", "kjv.txt.gz")


def _kjv_words():
    with gzip.open(KJV, "rt", encoding="utf-8") as fh:
        return fh.read().split()


@pytest.fixture(scope="module")
def teacher(tmp_path_factory):
    """A 2-layer BERT of width 32 with random weights and a WordPiece tokenizer of the words above
    plus the 300 most frequent words of the King James Bible, saved as transformers saves it."""
    from collections import Counter

    from tests.fuzz.params import make_teacher

    frequent = [w for w, _ in Counter(w.lower() for w in _kjv_words()).most_common(400) if w.isalpha()][:300]
    return make_teacher(str(tmp_path_factory.mktemp("teacher")), WORDS + frequent)


def _reference_rows(teacher, seqs):
    """The teacher's mean-pooled output of each id sequence, one at a time (no batching, no padding)."""
    model = transformers.BertModel.from_pretrained(teacher).eval()
    out = []
    with torch.no_grad():
        for s in seqs:
            ids = torch.tensor([s])
            h = model(input_ids=ids, attention_mask=torch.ones_like(ids), token_type_ids=torch.zeros_like(ids))
            out.append(h.last_hidden_state[0].mean(0).numpy())
    return np.array(out, dtype=np.float64)


def _numpy_pca(x, dim):
    xc = x - x.mean(0)
    _, _, vt = np.linalg.svd(xc, full_matrices=False)
    scores = xc @ vt[:dim].T
    signs = np.sign(scores[np.abs(scores).argmax(0), np.arange(dim)])
    return scores * signs


def test_stage_one_is_the_published_recipe_in_numpy(teacher):
    model = distill(teacher, dim=8, progress=False)
    tok = tokenizers.Tokenizer.from_file(os.path.join(teacher, "tokenizer.json"))
    vocab = tok.get_vocab()
    ids = sorted(i for t, i in vocab.items() if not t.startswith("[unused"))
    inv = {i: t for t, i in vocab.items()}
    assert list(model.keys) == [inv[i] for i in ids]  # every token but the reserved ones, in id order
    cls, sep = vocab["[CLS]"], vocab["[SEP]"]
    raw = _reference_rows(teacher, [[cls, i, sep] for i in ids])
    rank = np.arange(2, len(ids) + 2, dtype=np.float64)
    p = (1 / rank) / (1 / rank).sum()
    want = _numpy_pca(raw, 8) * (1e-4 / (1e-4 + p))[:, None]
    np.testing.assert_allclose(model.matrix, want, atol=2e-4 * np.abs(want).max())
    meta = model.metadata["static_sentence_model"]
    assert meta["stage"] == 1 and meta["teacher_pooling"] == "mean" and meta["dim"] == 8


def test_sentences_are_the_unit_mean_of_their_tokens(teacher, tmp_path):
    model = distill(teacher, dim=8, progress=False)
    texts = ["The river bank", "money, money!", "", "zzzz qqqq"]
    got = SentenceEncoder(model).encode(texts)
    tok = tokenizers.Tokenizer.from_file(os.path.join(teacher, "tokenizer.json"))
    row = {k: i for i, k in enumerate(model.keys)}
    unk = tok.token_to_id("[UNK]")
    for t, g in zip(texts, got):
        ids = [i for i in tok.encode(t, add_special_tokens=False).ids if i != unk]
        if not ids:
            assert not g.any()
            continue
        m = model.matrix[[row[tok.id_to_token(i)] for i in ids]].mean(0)
        np.testing.assert_allclose(g, m / np.linalg.norm(m), atol=1e-5)
    # saved and read back: the tokenizer travels in the native folder
    model.save(str(tmp_path / "m"))
    again = load(str(tmp_path / "m"))
    assert sorted(os.listdir(tmp_path / "m")) == ["tokenizer.json", "vectors.npy", "vocab.tsv", "wordspace.json"]
    np.testing.assert_array_equal(SentenceEncoder(again).encode(texts), got)
    assert again.most_similar("river", k=3)  # queryable like any vectors


def test_sum_rows_kernel_against_numpy():
    from wordspace._kernels.pooling import sum_rows

    rng = np.random.default_rng(3)
    m = rng.standard_normal((50, 7)).astype(np.float32)
    weight = rng.integers(0, 4, size=50)  # rows of weight 0 are left out
    lookup = rng.integers(-1, 50, size=60)
    ids = rng.integers(-3, 70, size=400)
    offsets = np.sort(np.r_[0, rng.integers(0, 400, size=30), 400, 400])
    sums = np.full((len(offsets) - 1, 7), 9.0, dtype=np.float32)
    counts = np.full(len(offsets) - 1, -1, dtype=np.int64)
    sum_rows(m, lookup, weight, ids, offsets, sums, counts)
    for i in range(len(offsets) - 1):
        rows = [lookup[t] for t in ids[offsets[i]:offsets[i + 1]] if 0 <= t < 60 and lookup[t] >= 0
                and weight[lookup[t]] > 0]
        np.testing.assert_allclose(sums[i], m[rows].sum(0) if rows else np.zeros(7), rtol=1e-5, atol=1e-5)
        assert counts[i] == sum(weight[r] for r in rows)


def test_whole_words_join_the_tokenizer(teacher, tmp_path):
    vocab_file = tmp_path / "words.txt"
    vocab_file.write_text("unaffordable\nriver\nUnaffordables\nnew-york\n")
    model = distill(teacher, dim=8, vocabulary=str(vocab_file), progress=False)
    # 'river' is a token already, 'new-york' is never one pre-token: only the split words join
    added = list(model.keys)[-2:]
    assert added == ["unaffordable", "unaffordables"]
    assert model.metadata["static_sentence_model"]["added_words"] == 2
    tok = model.sentence_tokenizer.tokenizer
    assert tok.encode("an unaffordable house", add_special_tokens=False).tokens == ["an", "unaffordable", "house"]
    assert "unaffordable" not in tok.encode("unaffordablex", add_special_tokens=False).tokens
    # the word's row comes from the teacher's pass over its pieces between [CLS] and [SEP]
    base = tokenizers.Tokenizer.from_file(os.path.join(teacher, "tokenizer.json"))
    vocab = base.get_vocab()
    ids = sorted(i for t, i in vocab.items() if not t.startswith("[unused"))
    seqs = [[vocab["[CLS]"], i, vocab["[SEP]"]] for i in ids]
    seqs += [[vocab["[CLS]"], *base.encode(w, add_special_tokens=False).ids, vocab["[SEP]"]] for w in added]
    raw = _reference_rows(teacher, seqs)
    rank = np.arange(2, len(seqs) + 2, dtype=np.float64)
    p = (1 / rank) / (1 / rank).sum()
    want = _numpy_pca(raw, 8) * (1e-4 / (1e-4 + p))[:, None]
    np.testing.assert_allclose(model.matrix, want, atol=2e-4 * np.abs(want).max())
    # --vocabulary-from: the most frequent split words of a real corpus
    m2 = distill(teacher, dim=8, vocabulary_from=KJV, vocab_size=5, progress=False)
    assert m2.metadata["static_sentence_model"]["added_words"] == 5
    assert all(len(base.encode(w, add_special_tokens=False).ids) > 1 for w in list(m2.keys)[-5:])


def test_stage_two_fits_the_teacher_on_real_text(teacher, tmp_path):
    lines = [" ".join(_kjv_words()[i:i + 24]) for i in range(0, 24 * 1500, 24)]
    corpus = tmp_path / "kjv.txt"
    corpus.write_text("\n".join(lines) + "\n")
    cache = tmp_path / "cache"
    model = distill(teacher, dim=8, fit_corpus=str(corpus), epochs=3, cache=str(cache), progress=False)
    meta = model.metadata["static_sentence_model"]
    assert meta["stage"] == 2 and meta["fit_pieces"] == 1500 and meta["held_out_pieces"] == 100
    assert meta["held_out_cosine_after"] > meta["held_out_cosine_before"] + 0.05
    # the teacher's vectors were cached: a second run reads them and gives the same model
    (folder,) = os.listdir(cache)
    done = json.loads((cache / folder / "done.json").read_text())
    assert done == {"rows": 1500, "of": 1500}
    again = distill(teacher, dim=8, fit_corpus=str(corpus), epochs=3, cache=str(cache), progress=False)
    np.testing.assert_array_equal(again.matrix, model.matrix)
    # a run stopped half way resumes: the rows after the recorded count are computed again
    arr = np.load(cache / folder / "teacher.npy", mmap_mode="r+")
    want = np.array(arr)
    arr[700:] = 0
    arr.flush()
    (cache / folder / "done.json").write_text(json.dumps({"rows": 700, "of": 1500}))
    distill(teacher, dim=8, fit_corpus=str(corpus), epochs=1, cache=str(cache), progress=False)
    np.testing.assert_allclose(np.load(cache / folder / "teacher.npy"), want, atol=1e-5)


def test_model2vec_round_trip_both_ways(teacher, tmp_path):
    model2vec = pytest.importorskip("model2vec")
    model = distill(teacher, dim=8, vocabulary=["unaffordable"], progress=False)
    model.save(str(tmp_path / "native"))
    assert main(["export", str(tmp_path / "native"), "--to", "model2vec", str(tmp_path / "m2v")]) == 0
    texts = ["the river bank flooded", "an unaffordable house in the city", "zzz", "Money, money."]
    ours = SentenceEncoder(str(tmp_path / "native")).encode(texts)
    theirs = model2vec.StaticModel.from_pretrained(str(tmp_path / "m2v")).encode(texts)
    np.testing.assert_allclose(theirs, ours, atol=1e-5)
    st = pytest.importorskip("sentence_transformers")
    got = st.SentenceTransformer(str(tmp_path / "m2v"), device="cpu").encode(texts)  # StaticEmbedding, Normalize
    np.testing.assert_allclose(got, ours, atol=1e-5)
    # the other way: a model2vec folder (with per-token weights, as its distill can write) read by wordspace
    rng = np.random.default_rng(0)
    tok = tokenizers.Tokenizer.from_file(os.path.join(teacher, "tokenizer.json"))
    n = tok.get_vocab_size()
    m = model2vec.StaticModel(vectors=rng.standard_normal((n, 6)).astype(np.float32), tokenizer=tok,
                              weights=rng.uniform(0.1, 1, n).astype(np.float32), normalize=True)
    m.save_pretrained(str(tmp_path / "theirs"))
    mine = SentenceEncoder(str(tmp_path / "theirs")).encode(texts)
    np.testing.assert_allclose(mine, m.encode(texts), atol=1e-4)
    out = tmp_path / "rows.npy"
    lines = tmp_path / "lines.txt"
    lines.write_text("\n".join(texts) + "\n")
    assert main(["embed", str(tmp_path / "theirs"), str(lines), "--out", str(out)]) == 0
    np.testing.assert_allclose(np.load(out), m.encode(texts), atol=1e-4)


def test_a_damaged_model2vec_folder_is_one_error(teacher, tmp_path):
    from safetensors.numpy import save_file

    tok = tokenizers.Tokenizer.from_file(os.path.join(teacher, "tokenizer.json"))
    n = tok.get_vocab_size()
    for name, tensors in (("nan", {"embeddings": np.full((n, 4), np.nan, np.float32)}),
                          ("short", {"embeddings": np.zeros((3, 4), np.float32)}),
                          ("mapping", {"embeddings": np.zeros((5, 4), np.float32),
                                       "mapping": np.full(n, 7, np.int64)}),
                          ("nokey", {"other": np.zeros((n, 4), np.float32)})):
        d = tmp_path / name
        d.mkdir()
        save_file(tensors, str(d / "model.safetensors"))
        tok.save(str(d / "tokenizer.json"))
        with pytest.raises(FormatError, match=name if name == "mapping" else "model.safetensors|embeddings"):
            Vectors.load(str(d))
    bad = tmp_path / "badtok"
    bad.mkdir()
    save_file({"embeddings": np.zeros((n, 4), np.float32)}, str(bad / "model.safetensors"))
    (bad / "tokenizer.json").write_text('{"model": 3}')
    with pytest.raises(FormatError, match="tokenizer"):
        Vectors.load(str(bad))
    (bad / "tokenizer.json").write_text(json.dumps({  # written by hand: tokenizers' own save walks every id
        "version": "1.0", "truncation": None, "padding": None, "added_tokens": [], "normalizer": None,
        "pre_tokenizer": None, "post_processor": None, "decoder": None,
        "model": {"type": "WordLevel", "vocab": {"a": 0, "[UNK]": 1, "b": 4_000_000_000}, "unk_token": "[UNK]"}}))
    with pytest.raises(FormatError, match="ids go up to 4,000,000,000 for 3 tokens"):
        Vectors.load(str(bad))


def test_plain_vectors_cannot_be_exported_or_pooled_by_tokens(tmp_path, capsys):
    v = Vectors(["a", "b"], np.eye(2, dtype=np.float32))
    v.save(str(tmp_path / "plain"))
    assert main(["export", str(tmp_path / "plain"), "--to", "model2vec", str(tmp_path / "out")]) == 1
    assert "tokenizer" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()
    from wordspace.errors import InvalidParameterError

    with pytest.raises(InvalidParameterError, match="static sentence model"):
        SentenceEncoder(v, method="tokens").encode(["a b"])


def test_cli_refusals_are_one_line(teacher, tmp_path, capsys):
    out = str(tmp_path / "m")
    assert main(["distill", str(tmp_path / "missing"), "--out", out]) == 1
    err = capsys.readouterr().err.strip()
    assert "does not exist" in err and len(err.splitlines()) == 1
    no_tok = tmp_path / "notok"
    no_tok.mkdir()
    for name in os.listdir(teacher):
        if name != "tokenizer.json":
            shutil.copy(os.path.join(teacher, name), no_tok / name)
    assert main(["distill", str(no_tok), "--out", out]) == 1
    err = capsys.readouterr().err.strip()
    assert "tokenizer.json" in err and len(err.splitlines()) == 1
    assert main(["distill", teacher, "--out", out, "--dim", "33", "--quiet"]) == 1
    err = capsys.readouterr().err.strip()
    assert "dim=33" in err and "32" in err and len(err.splitlines()) == 1
    assert not os.path.exists(out)
    assert main(["distill", teacher, "--out", out, "--dim", "8", "--quiet", "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["dim"] == 8 and summary["stage"] == 1 and summary["tokens"] == len(load(out))


def test_word_by_word_tokenization_is_whole_text_tokenization(teacher):
    """The fast path (each distinct word tokenized once) gives what tokenizing each text whole
    gives, on text with punctuation, accents, other whitespace, control characters and added
    whole words; a tokenizer that is not split at whitespace first takes the whole-text path."""
    from wordspace.tokenized import encode_texts

    model = distill(teacher, dim=8, vocabulary=["unaffordable"], progress=False)
    spec = model.sentence_tokenizer
    assert spec.by_words
    rng = np.random.default_rng(5)
    pieces = WORDS + ["Unaffordable,", "rivér", "bank.", "(money)", "x\u00a0y", "a\u3000b", "tab\tsep", "n\x1cm",
                      "\x1f", "ctl\x07x", "[CLS]", "unaffordablex", "UNAFFORDABLE!", "naïve", "'s", "--", "3.14"]
    texts = [" ".join(rng.choice(pieces, size=rng.integers(0, 12))) for _ in range(400)] + ["", "   ", "\x1c"]
    fast, empty_fast = encode_texts(model.matrix, spec, model.keys, texts)
    spec._by_words = False
    whole, empty_whole = encode_texts(model.matrix, spec, model.keys, texts)
    np.testing.assert_allclose(fast, whole, atol=1e-6)
    assert empty_fast == empty_whole > 0
    from wordspace.tokenized import splits_at_whitespace

    doc = json.loads(spec.tokenizer.to_str())
    assert not splits_at_whitespace({**doc, "pre_tokenizer": {"type": "Metaspace", "replacement": "\u2581"}})
    assert not splits_at_whitespace({**doc, "normalizer": {"type": "NFKC"}})
    assert not splits_at_whitespace({**doc, "added_tokens": [{"content": "new york"}]})


def test_the_teacher_is_pooled_as_its_sentence_transformers_config_says(teacher, tmp_path):
    """A sentence-transformers folder whose Pooling module takes [CLS]: each token's row is the
    first position's output; --pooling mean overrides it."""
    folder = tmp_path / "st"
    shutil.copytree(teacher, folder)
    (folder / "modules.json").write_text(json.dumps([
        {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
        {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"}]))
    (folder / "1_Pooling").mkdir()
    (folder / "1_Pooling" / "config.json").write_text(json.dumps({"pooling_mode_cls_token": True,
                                                                  "pooling_mode_mean_tokens": False}))
    model = distill(str(folder), dim=8, progress=False)
    assert model.metadata["static_sentence_model"]["teacher_pooling"] == "cls"
    tok = tokenizers.Tokenizer.from_file(os.path.join(teacher, "tokenizer.json"))
    vocab = tok.get_vocab()
    ids = sorted(i for t, i in vocab.items() if not t.startswith("[unused"))
    bert = transformers.BertModel.from_pretrained(teacher).eval()
    with torch.no_grad():
        x = torch.tensor([[vocab["[CLS]"], i, vocab["[SEP]"]] for i in ids])
        raw = bert(input_ids=x, attention_mask=torch.ones_like(x)).last_hidden_state[:, 0].double().numpy()
    rank = np.arange(2, len(ids) + 2, dtype=np.float64)
    p = (1 / rank) / (1 / rank).sum()
    want = _numpy_pca(raw, 8) * (1e-4 / (1e-4 + p))[:, None]
    np.testing.assert_allclose(model.matrix, want, atol=2e-4 * np.abs(want).max())
    forced = distill(str(folder), dim=8, pooling="mean", progress=False)
    assert forced.metadata["static_sentence_model"]["teacher_pooling"] == "mean"
    np.testing.assert_allclose(forced.matrix, distill(teacher, dim=8, progress=False).matrix, atol=1e-5)


def test_a_model2vec_repository_by_hf_name_offline(teacher, tmp_path, capsys):
    """hf:OWNER/REPO of a model2vec repository, from a Hugging Face cache laid out as
    huggingface_hub lays it (offline, in a fresh process): converted once to a native static
    sentence model that embeds as model2vec does; the catalogue lists the potion models."""
    import subprocess
    import sys

    model2vec = pytest.importorskip("model2vec")
    pytest.importorskip("huggingface_hub")
    tok = tokenizers.Tokenizer.from_file(os.path.join(teacher, "tokenizer.json"))
    vecs = np.random.default_rng(1).standard_normal((tok.get_vocab_size(), 6)).astype(np.float32)
    commit = "0" * 40
    snap = tmp_path / "hf" / "models--someone--potion" / "snapshots" / commit
    model2vec.StaticModel(vectors=vecs, tokenizer=tok, normalize=True).save_pretrained(str(snap))
    (tmp_path / "hf" / "models--someone--potion" / "refs").mkdir()
    (tmp_path / "hf" / "models--someone--potion" / "refs" / "main").write_text(commit)
    env = {**os.environ, "HF_HUB_CACHE": str(tmp_path / "hf"), "HF_HUB_OFFLINE": "1",
           "WORDSPACE_HOME": str(tmp_path / "home")}
    code = ("import sys, numpy as np, wordspace\n"
            "v = wordspace.load('hf:someone/potion')\n"
            "np.save(sys.argv[1], wordspace.SentenceEncoder(v).encode(['the river bank', 'money, money']))\n")
    out = subprocess.run([sys.executable, "-c", code, str(tmp_path / "rows.npy")], env=env, capture_output=True,
                         text=True)
    assert out.returncode == 0, out.stderr
    want = model2vec.StaticModel.from_pretrained(str(snap)).encode(["the river bank", "money, money"])
    np.testing.assert_allclose(np.load(tmp_path / "rows.npy"), want, atol=1e-5)
    assert main(["models", "--search", "potion", "--json"]) == 0
    names = [r["name"] for r in json.loads(capsys.readouterr().out)]
    assert "hf:minishlab/potion-base-8M" in names
