"""Character n-grams and their hash buckets: a hand-worked example, a slow pure-Python
reference of fastText's algorithm (non-ASCII included), and Facebook's fastText itself."""

import numpy as np
import pytest

from wordspace.errors import InvalidParameterError
from wordspace.subwords import Subwords, ngram_buckets, ngrams, subword_table


def ref_hash(data: bytes) -> int:
    """fastText's Dictionary::hash: FNV-1a 32 with each byte sign-extended (int8 -> uint32)."""
    h = 2166136261
    for b in data:
        h ^= (b - 256 if b >= 128 else b) & 0xFFFFFFFF
        h = (h * 16777619) & 0xFFFFFFFF
    return h


def ref_ngrams(word: str, min_n: int, max_n: int) -> list[bytes]:
    """fastText's computeSubwords over the bytes of <word>, written from its description."""
    raw = ("<" + word + ">").encode()
    chars = []  # byte spans of UTF-8 characters
    i = 0
    while i < len(raw):
        j = i + 1
        while j < len(raw) and raw[j] & 0xC0 == 0x80:
            j += 1
        chars.append((i, j))
        i = j
    out = []
    for a in range(len(chars)):
        for n in range(1, max_n + 1):
            if a + n > len(chars):
                break
            if n >= min_n and not (n == 1 and (a == 0 or a + n == len(chars))):
                out.append(raw[chars[a][0] : chars[a + n - 1][1]])
    return out


def test_worked_example():
    """'where' with n = 3: <wh, whe, her, ere, re>. FNV-1a of '<wh': start 2166136261,
    xor 0x3C, times 16777619, ... mod 2**32 = 1048167652, bucket 167652 of 2,000,000."""
    assert ngrams("where", 3, 3) == ["<wh", "whe", "her", "ere", "re>"]
    assert ref_hash(b"<wh") == 1048167652
    assert ngram_buckets("where", 3, 3, 2_000_000)[0] == 167652
    # a non-ASCII byte is sign-extended: 'é>' hashes differently from the unsigned FNV-1a
    assert ref_hash("é>".encode()) == 4247996781
    assert ngram_buckets("café", 2, 2, 2_000_000)[-1] == 4247996781 % 2_000_000


@pytest.mark.parametrize("word", ["where", "café", "naïve", "東京都", "a", "ab", "Zürich-straße", "🙂x"])
@pytest.mark.parametrize("min_n,max_n", [(3, 6), (1, 3), (2, 2), (5, 5)])
def test_against_reference(word, min_n, max_n):
    expected = ref_ngrams(word, min_n, max_n)
    assert [g.encode() for g in ngrams(word, min_n, max_n)] == expected
    ids = ngram_buckets(word, min_n, max_n, 1_000_003)
    assert ids.tolist() == [ref_hash(g) % 1_000_003 for g in expected]


def test_matches_facebook_fasttext(tmp_path):
    fasttext = pytest.importorskip("fasttext")
    corpus = tmp_path / "c.txt"
    corpus.write_text("der schöne Zürich café 東京 where there\n" * 30, encoding="utf-8")
    m = fasttext.train_unsupervised(str(corpus), model="skipgram", dim=5, minCount=1, epoch=1, bucket=5000,
                                    minn=2, maxn=5, verbose=0, thread=1)
    n_words = len(m.get_words())
    for w in ["schöne", "東京", "unseen", "ñandú", "where"]:
        subs, ids = m.get_subwords(w)
        known = w in m.get_words()
        grams, gids = (subs[1:], ids[1:]) if known else (subs, ids)
        assert ngrams(w, 2, 5) == list(grams)
        assert (ngram_buckets(w, 2, 5, 5000) + n_words).tolist() == list(gids)


def test_subword_table_rows():
    words = ["the", "café"]
    off, ids = subword_table(words, 3, 4, 100)
    for w, word in enumerate(words):
        rows = ids[off[w] : off[w + 1]]
        assert rows[0] == w
        assert (rows[1:] - 2).tolist() == ngram_buckets(word, 3, 4, 100).tolist()
    off, ids = subword_table(words, 3, 0, 100)  # max_n = 0: the word itself only
    assert ids.tolist() == [0, 1]


def test_oov_vector_is_mean_of_ngram_rows():
    rng = np.random.default_rng(0)
    m = rng.standard_normal((50, 4)).astype(np.float32)
    sw = Subwords(m, 2, 3)
    rows = sw.buckets_of("zebra")
    assert np.allclose(sw.vector("zebra"), m[rows].mean(axis=0), atol=1e-6)
    assert len(rows) == len(ngrams("zebra", 2, 3))


@pytest.mark.parametrize("kwargs,match", [
    (dict(min_n=4, max_n=3), "min_n=4 is larger than max_n=3"),
    (dict(min_n=0, max_n=3), "'min_n' parameter must be an int in the range \\[1, inf\\). Got 0"),
    (dict(min_n=3, max_n=-1), "'max_n' parameter must be an int in the range \\[0, inf\\)"),
    (dict(min_n=3, max_n=6, buckets=0), "'buckets' parameter must be an int in the range \\[1, inf\\). Got 0"),
])
def test_bad_settings(kwargs, match):
    with pytest.raises(InvalidParameterError, match=match):
        ngram_buckets("word", **kwargs)
