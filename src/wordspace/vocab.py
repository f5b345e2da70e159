"""Vocabulary: words with counts, and the tables training needs from them.

Holds :class:`Vocab` (frequency-ordered words and counts), the subsampling keep
probabilities (word2vec.c's formula), the unigram^power noise distribution as an alias table,
and the Huffman tree of hierarchical softmax, and the choice of the vocabulary from raw counts
(:func:`select_vocab`). Reading text lives in ``wordspace.corpus``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .errors import InvalidParameterError

__all__ = ["Vocab", "one_hot_rows", "select_vocab", "keep_probabilities", "noise_distribution", "alias_table", "huffman_tree"]


@dataclass
class Vocab:
    """Words in frequency order (most frequent first) with their corpus counts."""

    words: list  # id -> word
    counts: np.ndarray  # (n_words,) int64

    def __post_init__(self):
        self.index = {w: i for i, w in enumerate(self.words)}  # word -> id

    def __len__(self) -> int:
        return len(self.words)

    def __contains__(self, word) -> bool:
        return word in self.index

    @property
    def total(self) -> int:
        return int(self.counts.sum())

    def one_hot(self, words):
        """The one-hot rows of ``words`` over this vocabulary: a SciPy sparse matrix
        (as ``wordspace.sparse.one_hot``; SciPy comes with the extra ``[classify]``)."""
        return one_hot_rows(words, self.index)


def one_hot_rows(words, index: dict):
    """A ``(len(words), len(index))`` SciPy sparse matrix with a single 1 per row, in the column
    ``index[word]``; an unknown word raises :class:`KeyNotFoundError`."""
    try:
        import scipy.sparse as sp
    except ImportError:
        raise ImportError("one-hot matrices need SciPy; install with pip install 'wordspace[classify]'") from None
    from .errors import KeyNotFoundError

    cols = np.empty(len(words), dtype=np.int64)
    for i, w in enumerate(words):
        j = index.get(w)
        if j is None:
            raise KeyNotFoundError(f"{w!r} is not in the vocabulary ({len(index):,} words); a one-hot vector "
                                   "needs a known word")
        cols[i] = j
    data = np.ones(len(words), dtype=np.float32)
    return sp.csr_matrix((data, (np.arange(len(words)), cols)), shape=(len(words), len(index)))


def select_vocab(word_of, counts: np.ndarray, min_count: int, max_vocab: int | None, words_of=None):
    """Choose the vocabulary: count >= min_count, most frequent first, ties by word.

    ``word_of(i)`` is the text of provisional id ``i`` and ``counts[i]`` its count; ``words_of``,
    when given, decodes many ids at once (``words_of(ids) -> list``), which the common case uses. Returns
    ``(words, counts, remap)`` with ``remap`` mapping provisional ids to final ids (-1 for
    dropped words). Distinct byte strings that decode to the same ``str`` (possible only with
    invalid UTF-8) are merged.
    """
    n_ids = counts.shape[0]
    # Merging only happens among words that reach min_count as bytes: two rare spellings that
    # differ only in invalid bytes are not pooled to reach it (a deliberate simplification).
    cand = np.flatnonzero(counts >= max(min_count, 1))
    if words_of is not None:  # all candidates decoded at once; without repeats, one C-speed sort
        texts = words_of(cand)
        if len(set(texts)) == len(texts):
            order = np.lexsort((np.array(texts, dtype=str), -counts[cand])) if texts else np.zeros(0, np.int64)
            if max_vocab is not None:
                order = order[:max_vocab]
            remap = np.full(max(n_ids, 1), -1, dtype=np.int32)
            remap[cand[order]] = np.arange(order.shape[0], dtype=np.int32)
            return [texts[i] for i in order.tolist()], counts[cand[order]].astype(np.int64), remap
    merged: dict = {}  # word -> [count, provisional ids]
    for wid in cand.tolist():
        w = word_of(wid)
        entry = merged.get(w)
        if entry is None:
            merged[w] = [int(counts[wid]), [wid]]
        else:
            entry[0] += int(counts[wid])
            entry[1].append(wid)
    items = sorted(merged.items(), key=lambda kv: (-kv[1][0], kv[0]))
    if max_vocab is not None:
        items = items[:max_vocab]
    remap = np.full(max(n_ids, 1), -1, dtype=np.int32)
    for final, (_, (_, wids)) in enumerate(items):
        remap[wids] = final
    words = [w for w, _ in items]
    out_counts = np.array([c for _, (c, _) in items], dtype=np.int64)
    return words, out_counts, remap


def keep_probabilities(counts: np.ndarray, sample: float) -> np.ndarray:
    """Probability that each occurrence of a word survives frequent-word subsampling.

    word2vec.c's formula, with ``t = sample * total`` and ``c`` a word's count:

    .. math:: P_{keep}(w) = \\min\\left(1, \\left(\\sqrt{c / t} + 1\\right) t / c\\right)

    ``sample <= 0`` keeps everything.
    """
    counts = np.asarray(counts, dtype=np.float64)
    if sample <= 0:
        return np.ones_like(counts)
    t = sample * counts.sum()
    return np.minimum(1.0, (np.sqrt(counts / t) + 1.0) * t / counts)


def noise_distribution(counts: np.ndarray, power: float = 0.75) -> np.ndarray:
    """The negative-sampling distribution: ``counts ** power`` normalised to sum to 1."""
    p = np.asarray(counts, dtype=np.float64) ** power
    return p / p.sum()


def alias_table(p: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Walker/Vose alias table for drawing from ``p`` in O(1).

    Returns ``(threshold, alias)``: draw a column ``i`` uniformly and a 32-bit uniform ``u``;
    the sample is ``i`` if ``u < threshold[i]`` else ``alias[i]``. ``threshold`` is uint64
    in ``[0, 2**32]`` so a column that always keeps itself never needs a comparison trick.
    Uses a few bytes per word instead of word2vec.c's 100M-entry table.
    """
    n = p.shape[0]
    scaled = np.asarray(p, dtype=np.float64) * n
    alias = np.arange(n, dtype=np.int32)
    prob = np.ones(n, dtype=np.float64)
    small = [i for i in range(n) if scaled[i] < 1.0]
    large = [i for i in range(n) if scaled[i] >= 1.0]
    while small and large:
        s = small.pop()
        g = large[-1]
        prob[s] = scaled[s]
        alias[s] = g
        scaled[g] -= 1.0 - scaled[s]
        if scaled[g] < 1.0:
            large.pop()
            small.append(g)
    # leftovers are 1 up to rounding
    threshold = np.minimum(np.round(prob * 2.0**32), 2.0**32).astype(np.uint64)
    return threshold, alias


def huffman_tree(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Huffman codes and paths for hierarchical softmax, built as word2vec.c builds them.

    ``counts`` must be sorted in decreasing order (the vocabulary's order). Returns
    ``(codes, points, lengths)``: for word ``w``, ``codes[w, :lengths[w]]`` are its bits from
    the root down and ``points[w, :lengths[w]]`` the inner nodes (rows of the output matrix,
    ``0 .. n_words - 2``) on its path, root first. The linear two-queue construction needs the
    sorted counts; ties resolve as in word2vec.c, so trees match the C tool's.
    """
    v = int(counts.shape[0])
    if v < 2:
        raise InvalidParameterError(
            f"hierarchical softmax needs a vocabulary of at least 2 words, got {v}; "
            "lower min_count or use a larger corpus"
        )
    count = np.full(2 * v - 1, np.iinfo(np.int64).max // 4, dtype=np.int64)
    count[:v] = counts
    parent = np.zeros(2 * v - 1, dtype=np.int64)
    binary = np.zeros(2 * v - 1, dtype=np.uint8)
    pos1, pos2 = v - 1, v
    cl = count.tolist()  # plain ints: this loop runs once per word
    for a in range(v - 1):
        mins = []
        for _ in range(2):
            if pos1 >= 0 and cl[pos1] < cl[pos2]:
                mins.append(pos1)
                pos1 -= 1
            else:
                mins.append(pos2)
                pos2 += 1
        cl[v + a] = cl[mins[0]] + cl[mins[1]]
        parent[mins[0]] = v + a
        parent[mins[1]] = v + a
        binary[mins[1]] = 1
    root = 2 * v - 2
    # Every word's path, one level per step for all words at once (a few dozen NumPy steps, not
    # a Python loop per word): climbing from the leaves gives each path bottom-up; it is then
    # turned around so that it reads from the root.
    node = np.arange(v)
    lengths = np.zeros(v, dtype=np.int32)
    up_codes, up_points = [], []
    while True:
        climbing = node != root
        if not climbing.any():
            break
        up_codes.append(np.where(climbing, binary[node], 0))
        up_points.append(np.where(climbing, parent[node] - v, 0))
        lengths += climbing
        node = np.where(climbing, parent[node], root)
    max_len = len(up_codes)
    up_codes = np.stack(up_codes, axis=1) if max_len else np.zeros((v, 0), np.uint8)
    up_points = np.stack(up_points, axis=1) if max_len else np.zeros((v, 0), np.int64)
    # entry i (from the root) of word w is entry lengths[w] - 1 - i of its bottom-up path
    step = lengths[:, None] - 1 - np.arange(max_len)[None, :]
    inside = step >= 0
    rows = np.arange(v)[:, None]
    codes = np.where(inside, up_codes[rows, np.maximum(step, 0)], 0).astype(np.uint8)
    points = np.where(inside, up_points[rows, np.maximum(step, 0)], 0).astype(np.int32)
    return codes, points, lengths
