"""Byte-level BPE: a hand-worked example, merges identical to a naive re-counting reference,
exact round trips on arbitrary Unicode, special tokens, the file format and its damage."""

from collections import Counter

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wordspace import FormatError, InvalidParameterError
from wordspace.bpe import BPE, byte_alphabet, pretokenize, train_merges


#: tokenizers numbers the bytes in the order of their printable characters and breaks ties
#: between pairs of equal count by the smaller pair of those ids; so does wordspace
_ID = {b: i for i, b in enumerate(sorted(range(256), key=lambda b: byte_alphabet()[b]))}


def naive_merges(word_counts: dict, n_merges: int, min_frequency: int = 2):
    """Re-count every pair of every word before each merge (the slow way)."""
    words = dict(word_counts)
    merges = []
    for _ in range(n_merges):
        pairs = Counter()
        for w, c in words.items():
            for p in zip(w, w[1:]):
                pairs[p] += c
        if not pairs:
            break
        best = min(pairs, key=lambda p: (-pairs[p], tuple(_ID.get(x, x) for x in p)))
        if pairs[best] < min_frequency:
            break
        new = 256 + len(merges)
        merges.append(best)
        out = {}
        for w, c in words.items():
            m, i = [], 0
            while i < len(w):
                if i + 1 < len(w) and (w[i], w[i + 1]) == best:
                    m.append(new)
                    i += 2
                else:
                    m.append(w[i])
                    i += 1
            out[tuple(m)] = out.get(tuple(m), 0) + c
        words = out
    return merges


def test_worked_example():
    """'aaabdaaabac' (Wikipedia's BPE example) as one pre-token: 'aa' (ids 97, 97) occurs 4
    times, overlapping; counted as pairs of adjacent tokens it is the most frequent, so the
    first merge is (97, 97) -> 256; then 'aaab' -> [256, 97, 98] twice, and (256, 97) and
    (97, 98) each occur twice: the tie goes to the smaller pair, (97, 98) -> 257."""
    text = "aaabdaaabac"
    assert pretokenize(text) == [text]
    bpe = BPE.train([text], vocab_size=258)
    assert bpe.merges == [(97, 97), (97, 98)]
    assert bpe.encode(text) == [256, 257, 100, 256, 257, 97, 99]
    assert bpe.vocab[257] == b"ab" and bpe.token(256) == "aa"
    assert bpe.decode(bpe.encode(text)) == text


def test_pretokenizer_keeps_leading_spaces_and_is_lossless():
    text = "Hello world's  2024 items_x, naïve 東京!!\n\tend "
    parts = pretokenize(text)
    assert "".join(parts) == text
    assert " world" in parts and "'s" in parts and " 2024" in parts and " naïve" in parts
    assert byte_alphabet()[32] == "Ġ" and len(set(byte_alphabet())) == 256


def test_compiled_pretokenizer_equals_the_pattern_on_ascii_text():
    """The compiled split of ASCII text follows PATTERN exactly (contractions, a space joining
    the run after it, runs of whitespace leaving their last one, Python's \\s including
    \\x1c-\\x1f), and counting mixes it with the regular expression for other text."""
    import random

    from wordspace._kernels.bpe import token_end
    from wordspace.bpe import _count_pretokens

    def compiled(text):
        buf, out, i = np.frombuffer(text.encode(), np.uint8), [], 0
        while i < len(buf):
            j = token_end(buf, i, len(buf))
            out.append(text[i:j])
            i = j
        return out

    rng = random.Random(0)
    pieces = list("ab Z09'_ .,-\t\n\x0b\x0c\r\x1c\x1f\x00\x7fsrevlmdt") + ["'s", "'re", "'ll", "  ", " '", "'S", "'ve"]
    for _ in range(5000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 30)))
        assert compiled(text) == pretokenize(text), repr(text)
    every = [chr(c) for c in range(128)]  # each ASCII byte's class, beside letters and spaces
    for _ in range(3000):
        text = "".join(rng.choice(every if rng.random() < 0.5 else pieces) for _ in range(rng.randint(1, 12)))
        assert compiled(text) == pretokenize(text), repr(text)
    texts = ["Hello world's  2024 items_x, naive\n\tend ", "naïve 東京!! don't", "", "  x", "Hello world's"]
    want = Counter()
    for t in texts:
        want.update(tok.encode() for tok in pretokenize(t))
    assert _count_pretokens(texts) == want


def test_merges_equal_naive_reference(demo_sentences):
    text = [" ".join(s) for s in demo_sentences[:1500]]
    counts = Counter()
    for t in text:
        counts.update(pretokenize(t))
    wc = Counter()
    for tok, c in counts.items():
        wc[tuple(tok.encode())] += c
    assert train_merges(wc, 300) == naive_merges(wc, 300)
    # a tiny corpus runs out of pairs above min_frequency before the requested number
    small = {tuple(b"abab"): 1, tuple(b"cd"): 1}
    assert train_merges(small, 10, min_frequency=1) == naive_merges(small, 10, min_frequency=1)


def test_merges_equal_tokenizers_in_order(demo_corpus, tmp_path):
    """The same merges as Hugging Face ``tokenizers``' byte-level BPE trainer at equal settings,
    in the same order (ties included), on real text."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

    from wordspace.bpe import read_lines

    import gzip
    import shutil

    text = tmp_path / "kjv.txt"  # tokenizers reads plain files only
    with gzip.open(demo_corpus, "rb") as src, open(text, "wb") as dst:
        shutil.copyfileobj(src, dst)
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=3000, min_frequency=2, show_progress=False,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    tok.train([str(text)], trainer)
    tok.save(str(tmp_path / "hf.json"))
    import json

    theirs = [tuple(m if isinstance(m, list) else m.split(" "))
              for m in json.loads((tmp_path / "hf.json").read_text())["model"]["merges"]]
    ours = BPE.train(read_lines([str(text)]), 3000)
    alphabet = byte_alphabet()
    shown = {b: alphabet[b] for b in range(256)}
    mine = []
    for k, (a, b) in enumerate(ours.merges):
        shown[256 + k] = shown[a] + shown[b]
        mine.append((shown[a], shown[b]))
    assert len(mine) == len(theirs) == 3000 - 256
    assert mine == theirs


def test_counting_in_threads_and_buffers_equals_one_pass(monkeypatch, demo_corpus):
    """Pre-tokens counted by two threads into tables of their own, over many small buffers (the
    tables grow and are merged; non-ASCII text goes by the regular expression), equal the
    pattern's counts."""
    from wordspace import bpe
    from wordspace.bpe import _count_pretokens, read_lines

    texts = list(read_lines([demo_corpus]))[:40] + ["naïve 東京!! don't", "Ünïcode  x"] * 3
    want = Counter()
    for t in texts:
        want.update(tok.encode() for tok in pretokenize(t))
    monkeypatch.setattr(bpe, "COUNT_BYTES", 5000)
    for threads in (1, 2, 3):
        assert _count_pretokens(texts, threads) == want


def test_threads_cut_texts_only_where_the_pre_tokens_stay_the_same():
    """Threads share a buffer by ranges cut inside texts, after a newline between two non-space
    bytes; texts full of whitespace around newlines (where a cut would change the pre-tokens)
    count as the pattern counts them, for 2 to 5 threads, and the ranges cover every byte once."""
    import random

    from wordspace.bpe import _count_pretokens, _thread_ranges

    rng = random.Random(5)
    pieces = ["a", "bc", "\n", " \n", "\n ", "\n\n", "\t", " ", "x'", "'s", "9", "\r\n", "\x1c", "."]
    texts = ["".join(rng.choice(pieces) for _ in range(rng.randint(0, 400))) for _ in range(40)]
    texts += ["line one\nline two\nline three\n" * 50, "no newline at all " * 30, ""]
    want = Counter()
    for t in texts:
        want.update(tok.encode() for tok in pretokenize(t))
    for threads in (2, 3, 4, 5):
        assert _count_pretokens(texts, threads) == want
    data = "".join(texts).encode()
    ends = np.cumsum([len(t) for t in texts], dtype=np.int64)
    for threads in (2, 3, 7):
        ranges = _thread_ranges(data, ends, threads)
        assert ranges[0][1] == 0 and ranges[-1][0][-1] == len(data)
        assert all(b[1] == a[0][-1] for a, b in zip(ranges, ranges[1:]))  # each starts where the last ended
        for e, begin in ranges:
            assert np.all(np.diff(np.concatenate(([begin], e))) >= 0)


def test_counting_table_grows_past_its_first_sizes(monkeypatch):
    """More distinct pre-tokens than the table's first slots, rows and key bytes hold (2**16,
    2**14 and 1 MB): every growth path, in each thread's table and in the merge of the tables."""
    import random

    from wordspace import bpe
    from wordspace.bpe import _count_pretokens

    rng = random.Random(1)
    words = [" " + "".join(rng.choice("abcdefghij") for _ in range(rng.randint(1, 40))) for _ in range(120_000)]
    texts = ["".join(words[i:i + 50]) for i in range(0, len(words), 50)]
    want = Counter()
    for t in texts:
        want.update(tok.encode() for tok in pretokenize(t))
    assert len(want) > 1 << 16 and sum(len(k) for k in want) > 1 << 20
    monkeypatch.setattr(bpe, "COUNT_BYTES", 1 << 20)
    for threads in (1, 2):
        assert _count_pretokens(texts, threads) == want


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=()), max_size=80))
def test_round_trip_any_unicode(trained, text):
    assert trained.decode(trained.encode(text)) == text
    assert trained.detokenize(trained.tokenize(text)) == text


@pytest.fixture(scope="module")
def trained(demo_sentences):
    return BPE.train([" ".join(s) for s in demo_sentences[:3000]] + ["naïve café 東京 ünïcödé"] * 3,
                     vocab_size=600, special_tokens=["<|endoftext|>", "<pad>"])


def test_training_reaches_the_vocabulary_size_and_compresses(trained, demo_sentences):
    assert len(trained) == 600 and len(trained.merges) == 600 - 256 - 2
    text = " ".join(demo_sentences[5000])
    assert len(trained.encode(text)) < 0.5 * len(text.encode())
    assert all(" " not in t and "\n" not in t for t in trained.tokenize(text + "\n\t x"))


def test_special_tokens(trained):
    ids = trained.encode("the end<|endoftext|>begin<pad>")
    assert trained.special_tokens == {"<|endoftext|>": 598, "<pad>": 599}
    assert 598 in ids and ids[-1] == 599
    assert trained.decode(ids) == "the end<|endoftext|>begin<pad>"
    assert "<|endoftext|>" in trained.tokenize("a<|endoftext|>b")


def test_save_load_round_trip(trained, tmp_path):
    path = trained.save(tmp_path / "bpe.json")
    back = BPE.load(path)
    assert back.merges == trained.merges and back.special_tokens == trained.special_tokens
    text = "And the LORD said unto Moses, 2024 naïve <pad>"
    assert back.encode(text) == trained.encode(text)
    import json

    doc = json.loads((tmp_path / "bpe.json").read_text(encoding="utf-8"))
    assert doc["version"] == 1 and doc["vocab"]["32"] == "Ġ"


@pytest.mark.parametrize("content,match", [
    ("not json", "not valid JSON"),
    ('{"format": "other"}', "not a wordspace BPE file"),
    ('{"format": "wordspace-bpe", "version": 9}', "version 9.*upgrade wordspace"),
    ('{"format": "wordspace-bpe", "version": 1, "pretokenizer": "x", "merges": []}', "another pre-tokenizer"),
])
def test_bad_files(tmp_path, content, match):
    p = tmp_path / "b.json"
    p.write_text(content)
    with pytest.raises(FormatError, match=match):
        BPE.load(p)


def test_bad_merges_and_parameters(tmp_path):
    with pytest.raises(FormatError, match="merge 0 joins ids 300 and 1"):
        BPE([(300, 1)])
    with pytest.raises(InvalidParameterError, match=r"'vocab_size' parameter of BPE.train must be an int in the range \[258, "):
        BPE.train(["x"], vocab_size=257, special_tokens=["a", "b"])
    with pytest.raises(InvalidParameterError, match="token id 5000 is outside"):
        BPE().decode([5000])


def test_cli_train_encode_decode_and_train_embeddings(tmp_path, demo_corpus, capsys):
    """bpe train -> bpe encode (printable tokens) -> wordspace train on the tokens -> bpe decode
    gives the original lines back."""
    import gzip

    from wordspace import load
    from wordspace.cli import main

    text = tmp_path / "part.txt"
    with gzip.open(demo_corpus, "rt") as src:
        text.write_text("".join(line for _, line in zip(range(3000), src)))
    model = tmp_path / "bpe.json"
    assert main(["bpe", "train", str(text), "--vocab-size", "800", "--out", str(model), "--quiet",
                 "--special-token", "<s>"]) == 0
    enc = tmp_path / "part.bpe.txt"
    assert main(["bpe", "encode", str(text), "--model", str(model), "--out", str(enc)]) == 0
    assert main(["train", str(enc), "--out", str(tmp_path / "tok.bin"), "--dim", "16", "--epochs", "1",
                 "--quiet"]) == 0
    v = load(tmp_path / "tok.bin")
    assert "Ġthe" in v and "Ġlord" in v  # the KJV corpus is lower-case
    back = tmp_path / "back.txt"
    assert main(["bpe", "decode", str(enc), "--model", str(model), "--out", str(back)]) == 0
    assert back.read_text() == text.read_text()
    capsys.readouterr()
    assert main(["bpe", "encode", str(text), "--model", str(model), "--ids"]) == 0
    first = capsys.readouterr().out.splitlines()[0]
    assert BPE.load(model).decode([int(x) for x in first.split()]) == text.read_text().splitlines()[0]
    assert main(["bpe", "encode", str(text), "--model", str(tmp_path / "missing.json")]) == 1


def test_cli_contract_tokenizer_first_and_standard_input(tmp_path, demo_corpus):
    """'wordspace bpe encode FILE' (the issue's form): FILE is the tokenizer, text on stdin."""
    import subprocess
    import sys

    model = tmp_path / "bpe.json"
    with pytest.warns(UserWarning, match="stopped at"):  # a one-line corpus has fewer pairs than asked for
        bpe = BPE.train(["in the beginning god created the heaven and the earth"] * 20, 300)
    bpe.save(model)
    run = lambda *a, text: subprocess.run([sys.executable, "-m", "wordspace.cli", "bpe", *a], input=text,  # noqa: E731
                                          capture_output=True, text=True, check=True).stdout
    tokens = run("encode", str(model), text="the earth\nin the beginning\n")
    assert tokens.splitlines()[0].split() == BPE.load(model).tokenize("the earth")
    assert run("decode", str(model), text=tokens) == "the earth\nin the beginning\n"
    text = tmp_path / "t.txt"
    text.write_text("god created\n")
    assert run("encode", str(model), str(text), text="") == run("encode", str(text), "--model", str(model), text="")


def test_training_says_why_it_stopped_short(demo_sentences, tmp_path, run):
    """Asked for more tokens than the text supports, training stops when no pair occurs
    min_frequency times, and says so (it used to stop silently)."""
    text = [" ".join(s) for s in demo_sentences[:200]]
    with pytest.warns(UserWarning, match=r"stopped at [\d,]+ tokens of the 32,000 asked for: no pair .* min_frequency=2"):
        bpe = BPE.train(text, 32_000)
    assert len(bpe) < 32_000
    corpus = tmp_path / "c.txt"
    corpus.write_text("\n".join(text) + "\n")
    code, out, err = run(["bpe", "train", str(corpus), "--vocab-size", "32000", "--out", str(tmp_path / "b.json"),
                          "--quiet"])
    assert code == 0 and f"wrote {tmp_path / 'b.json'}: {len(bpe):,} tokens" in out
    assert "stopped at" in err and "--min-frequency" in err
