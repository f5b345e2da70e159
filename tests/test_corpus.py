"""Corpus reading and encoding: compression, directories, long lines, invalid UTF-8,
pruning, spilling to disk, and the errors for unusable corpora."""

import bz2
import gzip
import lzma

import numpy as np
import pytest

from wordspace import textfiles as textfiles_mod
from wordspace.corpus import LineCorpus, encode_corpus, expand_paths
from wordspace.errors import CorpusError

from tests.conftest import TINY_LINES


def _reference_encode(lines, min_count, max_len=10_000):
    """Slow reference: split on ASCII whitespace, count, sort by (-count, word), drop rare."""
    sents = []
    for line in lines:
        toks = [t.decode("utf-8", "replace") for t in line.encode().split()]
        for i in range(0, len(toks), max_len):
            if toks[i : i + max_len]:
                sents.append(toks[i : i + max_len])
    counts = {}
    for s in sents:
        for t in s:
            counts[t] = counts.get(t, 0) + 1
    vocab = sorted((w for w, c in counts.items() if c >= min_count), key=lambda w: (-counts[w], w))
    index = {w: i for i, w in enumerate(vocab)}
    enc = [[index[t] for t in s if t in index] for s in sents]
    enc = [s for s in enc if s]
    return vocab, [counts[w] for w in vocab], enc


def _sentences(e):
    return [e.tokens[e.offsets[i] : e.offsets[i + 1]].tolist() for i in range(e.n_sentences)]


@pytest.mark.parametrize("opener,suffix", [(open, ".txt"), (gzip.open, ".gz"), (bz2.open, ".bz2"), (lzma.open, ".xz")])
def test_encode_matches_reference_for_every_compression(tmp_path, opener, suffix):
    path = tmp_path / f"c{suffix}"
    with opener(path, "wt", encoding="utf-8") as fh:
        fh.write("\n".join(TINY_LINES) + "\n")
    e = encode_corpus(str(path), min_count=2)
    vocab, counts, sents = _reference_encode(TINY_LINES, 2)
    assert e.words == vocab and e.counts.tolist() == counts
    assert _sentences(e) == sents
    assert e.raw_tokens == sum(len(line.split()) for line in TINY_LINES)


def test_random_text_with_unicode_and_odd_whitespace(tmp_path):
    rng = np.random.default_rng(0)
    alphabet = ["a", "b", "é", "東", "ß", "\u00a0", "x"]  # NBSP is not a separator (ASCII only)
    lines = []
    for _ in range(300):
        words = ["".join(rng.choice(alphabet, size=rng.integers(1, 4))) for _ in range(rng.integers(0, 12))]
        seps = rng.choice([" ", "  ", "\t", " \r", "\x0c"], size=max(len(words) - 1, 0))
        line = "".join(w + s for w, s in zip(words, list(seps) + [""]))
        lines.append(line)
    path = tmp_path / "r.txt"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    e = encode_corpus(str(path), min_count=1)
    vocab, counts, sents = _reference_encode(lines, 1)
    assert e.words == vocab and e.counts.tolist() == counts and _sentences(e) == sents


@pytest.mark.parametrize("split_bytes", [200, 5_000])
def test_two_thread_reading_equals_one_thread(tmp_path, monkeypatch, demo_corpus, split_bytes):
    """Blocks read in two halves (the second half's words added after the first's) give the
    same ids, counts, sentences and tokens as one pass, on real text with sentence cuts."""
    import wordspace.corpus as corpus_mod

    monkeypatch.setattr(textfiles_mod, "BLOCK_BYTES", 20_000)  # many blocks, each split in two
    monkeypatch.setattr(corpus_mod, "_threads", lambda: 2)
    runs = []
    for split in (1 << 40, split_bytes):
        monkeypatch.setattr(corpus_mod, "SPLIT_BYTES", split)
        runs.append(encode_corpus(demo_corpus, min_count=2, max_sentence_length=23))
    one, two = runs
    assert two.words == one.words and np.array_equal(two.counts, one.counts)
    assert np.array_equal(two.offsets, one.offsets) and np.array_equal(two.tokens, one.tokens)
    assert one.n_tokens > 100_000  # the demo corpus: hundreds of blocks


def test_growth_of_tables_with_many_distinct_words(tmp_path):
    words = [f"w{i}" for i in range(300_000)]  # forces id-table and arena growth
    path = tmp_path / "many.txt"
    path.write_text(" ".join(words) + "\n" + " ".join(words[:10]) + "\n")
    e = encode_corpus(str(path), min_count=2)
    assert sorted(e.words) == sorted(words[:10]) and set(e.counts.tolist()) == {2}


def test_long_line_is_streamed_and_cut(tmp_path, monkeypatch):
    monkeypatch.setattr(textfiles_mod, "BLOCK_BYTES", 1000)  # many blocks inside one line
    words = [f"t{i % 50}" for i in range(25_000)]
    path = tmp_path / "long.txt"
    path.write_text(" ".join(words))  # one line, no final newline
    e = encode_corpus(str(path), min_count=1, max_sentence_length=1000)
    lens = np.diff(e.offsets)
    assert lens.tolist() == [1000] * 25 and e.n_tokens == 25_000
    assert [e.words[i] for i in e.tokens[:5]] == words[:5]
    sents = list(LineCorpus(str(path), max_sentence_length=1000))
    assert [len(s) for s in sents] == [1000] * 25 and sum(sents, []) == words


def test_text8_style_100mb_line_in_bounded_memory(tmp_path):
    """A single 100 MB line: encoded without holding the text (RSS grows by far less)."""
    import resource

    path = tmp_path / "text8"
    chunk = (" ".join(f"word{i % 1000}" for i in range(100_000)) + " ").encode()
    with open(path, "wb") as fh:
        for _ in range(100_000_000 // len(chunk) + 1):
            fh.write(chunk)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    e = encode_corpus(str(path), min_count=1)
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    assert e.n_tokens == e.raw_tokens > 10_000_000
    assert np.diff(e.offsets).max() == 10_000  # cut at max_sentence_length, nothing dropped
    assert grown_mb < 4 * e.n_tokens / 2**20 + 100  # tokens (4 B each, twice at most) + slack


def test_invalid_utf8_is_replaced_and_counted_once(tmp_path):
    path = tmp_path / "bad.txt"
    path.write_bytes(b"good \xff\xfe word\nmore good\xc3 text\n" * 3)
    with pytest.warns(RuntimeWarning, match=r"replaced 9 invalid UTF-8 byte") as rec:
        e = encode_corpus(str(path), min_count=1)
    assert len(rec) == 1 and e.invalid_bytes == 9
    assert "\ufffd\ufffd" in e.words and "good\ufffd" in e.words


def test_directory_and_several_paths(tmp_path):
    d = tmp_path / "dir"
    (d / "sub").mkdir(parents=True)
    (d / "a.txt").write_text("alpha beta\n")
    with gzip.open(d / "sub" / "b.txt.gz", "wt") as fh:
        fh.write("beta gamma\n")
    (d / ".hidden").write_text("hidden words\n")
    (d / "blob.bin").write_bytes(b"\x00\x01\x02")
    extra = tmp_path / "c.txt"
    extra.write_text("gamma delta")
    assert [p.split("/")[-1] for p in expand_paths([str(d), str(extra)])] == ["a.txt", "b.txt.gz", "c.txt"]
    e = encode_corpus([str(d), str(extra)], min_count=1)
    assert e.words == ["beta", "gamma", "alpha", "delta"] and e.n_sentences == 3


def test_spill_to_disk_equals_in_memory(tmp_path, demo_corpus):
    a = encode_corpus(demo_corpus, min_count=3)
    b = encode_corpus(demo_corpus, min_count=3, spill_bytes=1 << 16, tmp_dir=str(tmp_path))
    assert b.spilled and not a.spilled
    assert isinstance(b.tokens, np.memmap)
    assert list(tmp_path.iterdir()) == []  # the temporary file is already unlinked
    np.testing.assert_array_equal(a.tokens, b.tokens)
    np.testing.assert_array_equal(a.offsets, b.offsets)
    assert a.words == b.words


def test_pruning_bounds_the_vocabulary_and_warns(tmp_path):
    rng = np.random.default_rng(1)
    common = [f"c{i}" for i in range(20)]
    lines = []
    for i in range(400):
        lines.append(" ".join(list(rng.choice(common, 50)) + [f"rare{i}_{j}" for j in range(300)]))
    path = tmp_path / "p.txt"
    path.write_text("\n".join(lines) + "\n")
    full = encode_corpus(str(path), min_count=5)
    with pytest.warns(RuntimeWarning, match="pruned words seen at most"):
        e = encode_corpus(str(path), min_count=5, prune_at=1000)
    assert e.pruned >= 1 and e.words == full.words
    np.testing.assert_array_equal(e.counts, full.counts)  # frequent words are never pruned
    np.testing.assert_array_equal(e.tokens, full.tokens)


def test_token_lists_are_accepted(demo_sentences, demo_corpus):
    a = encode_corpus(demo_sentences[:2000], min_count=2)
    vocab, counts, sents = _reference_encode([" ".join(s) for s in demo_sentences[:2000]], 2)
    assert a.words == vocab and a.counts.tolist() == counts and _sentences(a) == sents


@pytest.mark.parametrize(
    "make,match",
    [
        (lambda p: str(p / "missing.txt"), "does not exist"),
        (lambda p: (p / "empty.txt").write_text("") and None or str(p / "empty.txt"), "is empty"),
        (lambda p: (p / "ws.txt").write_text("  \n\n\t\n") and None or str(p / "ws.txt"), "is empty"),
        (lambda p: (p / "d").mkdir() or str(p / "d"), "contains no text files"),
        (lambda p: (p / "once.txt").write_text("a b c d") and None or str(p / "once.txt"), "min_count=5"),
    ],
)
def test_unusable_corpora_raise_clear_errors(tmp_path, make, match):
    with pytest.raises(CorpusError, match=match):
        encode_corpus(make(tmp_path), min_count=5)


def test_iterator_and_strings_are_refused():
    with pytest.raises(CorpusError, match="iterator"):
        encode_corpus(iter([["a"]]))
    with pytest.raises(CorpusError, match="lists of tokens"):
        encode_corpus(["a b c", ["d"]])


def test_damaged_gzip_is_reported(tmp_path):
    path = tmp_path / "cut.gz"
    data = gzip.compress(b"word " * 100_000)
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(CorpusError, match="damaged or truncated"):
        encode_corpus(str(path), min_count=1)
