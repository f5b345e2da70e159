"""Vocabulary tables: Huffman codes (hand-worked), subsampling and noise distributions."""

import numpy as np
import pytest

from wordspace.errors import InvalidParameterError
from wordspace.vocab import alias_table, huffman_tree, keep_probabilities, noise_distribution


def test_huffman_hand_worked_example():
    """Counts 5, 3, 2, 1, 1. Merges: (1+1)=2 -> node 5; (2+2)=4 -> node 6 (children: word 2
    and node 5); (3+4)=7 -> node 7; (5+7)=12 -> root 8. The second-taken child of each merge
    gets bit 1, as in word2vec.c. Inner nodes are numbered 0..3 (node - 5), root = 3.
    Paths from the root:
      word 0 (5): root -> word 0, bit 0                          code 0
      word 1 (3): root -> node 7 (bit 1) -> word 1 (bit 0)       code 10
      word 2 (2): root, 7, 6 (bit 1), word 2 (bit 1?)...
    The expected arrays below were derived by hand with that rule."""
    codes, points, lengths = huffman_tree(np.array([5, 3, 2, 1, 1]))
    assert lengths.tolist() == [1, 2, 3, 4, 4]
    assert [codes[w, : lengths[w]].tolist() for w in range(5)] == [
        [0], [1, 0], [1, 1, 1], [1, 1, 0, 1], [1, 1, 0, 0]]
    assert [points[w, : lengths[w]].tolist() for w in range(5)] == [
        [3], [3, 2], [3, 2, 1], [3, 2, 1, 0], [3, 2, 1, 0]]


def test_huffman_is_prefix_free_and_optimal():
    rng = np.random.default_rng(0)
    counts = np.sort(rng.integers(1, 1000, size=200))[::-1]
    codes, points, lengths = huffman_tree(counts)
    words = {"".join(map(str, codes[w, : lengths[w]])) for w in range(200)}
    assert len(words) == 200
    for a in words:
        assert not any(b != a and b.startswith(a) for b in words)
    # optimal cost equals the sum of all merged weights (classic Huffman identity)
    import heapq

    heap = list(map(int, counts))
    heapq.heapify(heap)
    cost = 0
    while len(heap) > 1:
        x, y = heapq.heappop(heap), heapq.heappop(heap)
        cost += x + y
        heapq.heappush(heap, x + y)
    assert int((counts * lengths).sum()) == cost
    assert points.max() <= 198 and points.min() >= 0


def test_huffman_needs_two_words():
    with pytest.raises(InvalidParameterError, match="at least 2 words"):
        huffman_tree(np.array([3]))


def test_keep_probability_formula():
    counts = np.array([1_000_000, 10_000, 100, 1])
    sample = 1e-3
    t = sample * counts.sum()
    expected = np.minimum(1, (np.sqrt(counts / t) + 1) * t / counts)
    np.testing.assert_allclose(keep_probabilities(counts, sample), expected)
    assert keep_probabilities(counts, 0).tolist() == [1, 1, 1, 1]
    # the most frequent word is kept least often
    p = keep_probabilities(counts, sample)
    assert p[0] < p[1] <= p[2] == 1.0


def test_noise_distribution_and_alias_table_are_exact():
    counts = np.array([100, 50, 10, 3, 1])
    p = noise_distribution(counts, 0.75)
    np.testing.assert_allclose(p, counts**0.75 / (counts**0.75).sum())
    thr, alias = alias_table(p)
    # probability mass each outcome receives from the table, computed exactly
    n = len(p)
    mass = np.zeros(n)
    for col in range(n):
        keep = thr[col] / 2**32
        mass[col] += keep / n
        mass[alias[col]] += (1 - keep) / n
    np.testing.assert_allclose(mass, p, atol=1e-9)


def test_bulk_decoded_vocabulary_equals_the_word_by_word_one(demo_sentences, tmp_path):
    """select_vocab's one-decode, one-sort path chooses and orders the words exactly as the
    word-by-word path (ties by the word, non-ASCII included)."""
    import numpy as np

    from wordspace.corpus import _ByteEncoder, _TokenSink
    from wordspace.vocab import select_vocab

    p = tmp_path / "c.txt"
    p.write_text("\n".join(" ".join(s) for s in demo_sentences[:3000]) + "\nÉcole école 東京 東京 zeta alpha\n",
                 encoding="utf-8")
    enc = _ByteEncoder(10_000, None, _TokenSink(1 << 30, None))
    enc.feed(p.read_bytes(), True)
    counts = enc.counts[: enc.n_ids]
    for min_count, max_vocab in ((1, None), (3, None), (1, 500)):
        slow = select_vocab(enc.word, counts, min_count, max_vocab)
        fast = select_vocab(enc.word, counts, min_count, max_vocab, words_of=enc.words)
        assert slow[0] == fast[0]
        np.testing.assert_array_equal(slow[1], fast[1])
        np.testing.assert_array_equal(slow[2], fast[2])
