"""Phrases: frequent collocations joined into one token (``new york`` -> ``new_york``), as in
Mikolov et al. 2013 ("Distributed Representations of Words and Phrases and their
Compositionality", section 4), with their score or normalised PMI.

A pass counts every word and every adjacent pair of the corpus (read once by the compiled
encoder; pairs counted with one sort), scores the pairs, and joins the chosen ones greedily from
the left; ``passes=2`` then finds ``new_york times`` -> ``new_york_times``. The scores and the
greedy joining are gensim's (``Phrases`` + ``Phraser``), so the same phrases are found. A
:class:`PhraseModel` is saved as JSON and can be applied while reading a corpus for training
(``wordspace train --phrases PATH``).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

import numpy as np

from ._validation import Interval, LIMITS, Options, check_param
from .errors import FormatError, InvalidParameterError, WordspaceError

__all__ = ["PhraseModel", "learn_phrases", "SCORINGS"]

SCORINGS = ("default", "npmi")
#: The thresholds each scoring can meaningfully take, and its default: Mikolov et al.'s score is
#: positive and unbounded (10 is gensim's default), normalised PMI lies in [-1, 1] (0.5 finds
#: about as many phrases in the demo corpus as the default scoring's 10: 676 against 1,064).
THRESHOLD_RANGES = {"default": Interval(float, 0, None, closed="neither"), "npmi": Interval(float, -1, 1)}
DEFAULT_THRESHOLDS = {"default": 10.0, "npmi": 0.5}
FORMAT_NAME = "wordspace-phrases"
FORMAT_VERSION = 1
MAX_FILE_BYTES = 1 << 30


@dataclass
class PhraseModel:
    """The phrases found, pass by pass: ``passes[i]`` maps ``(word_a, word_b)`` to its score."""

    delimiter: str = "_"
    scoring: str = "default"
    threshold: float = 10.0
    min_count: int = 5
    passes: list = field(default_factory=list)  # [{(a, b): score}]
    text: dict = field(default_factory=dict)  # the text preparation the phrases were learned with

    def __len__(self) -> int:
        return sum(len(p) for p in self.passes)

    # -- applying ------------------------------------------------------------------------------
    def apply(self, encoded):
        """``encoded`` (a :class:`~wordspace.corpus.EncodedCorpus` holding every word) with this
        model's phrases joined, pass by pass; words and counts are extended and recounted."""
        for phrases in self.passes:
            index = {w: i for i, w in enumerate(encoded.words)}
            pairs = [(index[a], index[b], a + self.delimiter + b) for (a, b) in phrases
                     if a in index and b in index]
            encoded = _join(encoded, pairs)
        return encoded

    # -- persistence ---------------------------------------------------------------------------
    def save(self, path) -> str:
        from .jsondoc import write_document

        path = os.fspath(path)
        doc = {"format": FORMAT_NAME, "version": FORMAT_VERSION, "delimiter": self.delimiter, "scoring": self.scoring,
               "threshold": self.threshold, "min_count": self.min_count, "text": self.text,
               "passes": [[[a, b, float(sc)] for (a, b), sc in sorted(p.items(), key=lambda kv: -kv[1])]
                          for p in self.passes]}
        return write_document(path, doc, replaceable=is_phrase_file)

    @classmethod
    def load(cls, path) -> "PhraseModel":
        """Read a model written by :meth:`save` (untrusted: structure and sizes checked)."""
        from .jsondoc import read_document

        path = os.fspath(path)
        doc = read_document(path, format_name=FORMAT_NAME, latest=FORMAT_VERSION, what="a wordspace phrase model",
                            max_bytes=MAX_FILE_BYTES)
        delim, passes = doc.get("delimiter"), doc.get("passes")
        if not isinstance(delim, str) or not delim or any(c.isspace() for c in delim):
            raise FormatError(f"'{path}': the delimiter must be a non-empty string without spaces")
        if not isinstance(passes, list) or not all(isinstance(p, list) for p in passes):
            raise FormatError(f"'{path}': 'passes' must be a list of lists of [word, word, score]")
        out = []
        for i, p in enumerate(passes):
            d = {}
            for entry in p:
                if not (isinstance(entry, list) and len(entry) == 3 and isinstance(entry[0], str) and entry[0]
                        and isinstance(entry[1], str) and entry[1] and isinstance(entry[2], (int, float))
                        and not any(c.isspace() for c in entry[0] + entry[1])):
                    raise FormatError(f"'{path}': pass {i + 1} holds {entry!r}, not [word, word, score]")
                d[(entry[0], entry[1])] = float(entry[2])
            out.append(d)
        text = doc.get("text") or {}
        if not isinstance(text, dict):
            raise FormatError(f"'{path}': 'text' must be an object")
        scoring, threshold, min_count = doc.get("scoring", "default"), doc.get("threshold", 0.0), doc.get("min_count", 1)
        if scoring not in SCORINGS or not isinstance(threshold, (int, float)) or isinstance(threshold, bool) \
                or not np.isfinite(threshold) or not isinstance(min_count, int) or isinstance(min_count, bool) \
                or min_count < 1:
            raise FormatError(f"'{path}': 'scoring' must be one of {', '.join(SCORINGS)}, 'threshold' a finite number and "
                              "'min_count' a positive integer: the file is damaged")
        return cls(delimiter=delim, scoring=scoring, threshold=float(threshold), min_count=min_count, passes=out,
                   text=text)


def is_phrase_file(path: str) -> bool:
    """Whether ``path`` holds a whole, valid phrase model (what a write of one may replace)."""
    try:
        PhraseModel.load(path)
    except (WordspaceError, OSError, MemoryError):
        return False
    return True


def _join(encoded, pairs):
    """``encoded`` with the pairs ``(id_a, id_b, joined word)`` joined (new ids after the words)."""
    import numba

    from ._kernels.phrases import join_bigrams
    from .corpus import EncodedCorpus

    n = len(encoded.words)
    if not pairs:
        return encoded
    keys = np.array([a * n + b for a, b, _ in pairs], dtype=np.int64)
    order = np.argsort(keys, kind="stable")
    keys = keys[order]
    words = list(encoded.words) + [pairs[i][2] for i in order.tolist()]
    ids = n + np.arange(len(pairs), dtype=np.int32)  # the i-th sorted key joins into word n + i
    out = np.empty(encoded.n_tokens, dtype=np.int32)
    offsets = np.empty_like(encoded.offsets)
    used = join_bigrams(encoded.tokens, encoded.offsets, n, keys, ids, out, offsets, 2 * numba.get_num_threads())
    tokens = out[:used]
    counts = np.bincount(tokens, minlength=len(words)).astype(np.int64)
    return EncodedCorpus(tokens=tokens, offsets=offsets, words=words, counts=counts, raw_tokens=encoded.raw_tokens,
                         invalid_bytes=encoded.invalid_bytes, pruned=encoded.pruned)


def _score(encoded, keys, bigram_counts, min_count: int, scoring: str):
    """Scores of the pairs ``keys`` (``a * n + b``), as gensim scores them."""
    n = len(encoded.words)
    a, b = keys // n, keys % n
    ca = encoded.counts[a].astype(np.float64)
    cb = encoded.counts[b].astype(np.float64)
    cab = bigram_counts.astype(np.float64)
    if scoring == "default":
        # gensim counts the word and pair types present together (after a pass, some words are
        # gone: every occurrence joined into a phrase)
        len_vocab = int(np.count_nonzero(encoded.counts)) + keys.shape[0]
        return (cab - min_count) / (ca * cb) * len_vocab
    total = float(encoded.n_tokens)
    with np.errstate(divide="ignore", invalid="ignore"):
        pab = cab / total
        npmi = np.log(pab / ((ca / total) * (cb / total))) / -np.log(pab)
    return np.where(cab >= min_count, npmi, -np.inf)


def learn_phrases(corpus, *, min_count: int = 5, threshold: float | None = None, passes: int = 1, scoring: str = "default",
                  delimiter: str = "_", preparation=None, max_sentence_length: int | None = None):
    """Find phrases in ``corpus``; returns ``(model, encoded)`` where ``encoded`` is the corpus
    with them joined (every word kept, for writing it out or training on it).

    A pair ``(a, b)`` is a phrase when its score exceeds ``threshold``: ``"default"``
    :math:`(n_{ab} - \\delta) \\, |V| / (n_a n_b)` with :math:`\\delta` = ``min_count`` and
    :math:`|V|` the number of word and pair types (Mikolov et al.; gensim's), or ``"npmi"``,
    normalised PMI in [-1, 1] (pairs seen fewer than ``min_count`` times never qualify).
    ``threshold`` defaults to what suits the scoring (``DEFAULT_THRESHOLDS``: 10 and 0.5); one
    outside the scoring's range (``THRESHOLD_RANGES``) is refused, as gensim refuses it. Finding
    no phrase at all is said in a warning.
    """
    from ._kernels.phrases import bigram_keys, count_runs
    from .corpus import DEFAULT_MAX_SENTENCE_LENGTH, encode_corpus

    check_param("scoring", scoring, [Options(SCORINGS)], "learn_phrases")
    check_param("passes", passes, [Interval(int, 1, LIMITS["iterations"])], "learn_phrases")
    check_param("min_count", min_count, [Interval(int, 1, LIMITS["count"])], "learn_phrases")
    if threshold is None:
        threshold = DEFAULT_THRESHOLDS[scoring]
    if not THRESHOLD_RANGES[scoring].accepts(threshold):
        raise InvalidParameterError(param="threshold", owner="learn_phrases", rule=THRESHOLD_RANGES[scoring].describe(),
                                    value=threshold, when={"scoring": scoring})
    if not isinstance(delimiter, str) or not delimiter or any(c.isspace() for c in delimiter):
        raise InvalidParameterError(param="delimiter", owner="learn_phrases", rule="a non-empty string without spaces",
                                    value=delimiter)
    encoded = encode_corpus(corpus, min_count=1, preparation=preparation,
                            max_sentence_length=max_sentence_length or DEFAULT_MAX_SENTENCE_LENGTH)
    model = PhraseModel(delimiter=delimiter, scoring=scoring, threshold=float(threshold), min_count=min_count,
                        text=preparation.to_dict() if preparation is not None else {})
    for _ in range(passes):
        n = len(encoded.words)
        keys = np.empty(max(encoded.n_tokens, 1), dtype=np.int64)
        m = bigram_keys(encoded.tokens, encoded.offsets, n, keys)
        keys = keys[:m]
        keys.sort()  # in place (NumPy's vectorised sort), then one pass counts the runs
        cnt = np.empty(m, dtype=np.int64)
        d = count_runs(keys, keys, cnt)  # the distinct keys overwrite the front of the sorted ones
        uniq, cnt = keys[:d].copy(), cnt[:d].copy()
        del keys
        scores = _score(encoded, uniq, cnt, min_count, scoring)
        chosen = np.flatnonzero(scores > threshold)
        words = encoded.words
        pairs = list(zip((uniq[chosen] // n).tolist(), (uniq[chosen] % n).tolist()))
        found = {(words[a], words[b]): s for (a, b), s in zip(pairs, scores[chosen].tolist())}
        model.passes.append(found)
        if not found:
            if not len(model):
                import warnings

                best = float(np.max(scores[np.isfinite(scores)])) if np.isfinite(scores).any() else None
                warnings.warn(f"no phrase found: no pair of words seen at least min_count={min_count} times scores "
                              f"above threshold={threshold:g} with scoring {scoring!r}"
                              + (f" (the best pair scores {best:.4g})" if best is not None else "")
                              + "; lower the threshold or min_count, or use more text", stacklevel=2)
            break
        encoded = _join(encoded, [(a, b, words[a] + delimiter + words[b]) for a, b in pairs])
    return model, encoded


def write_corpus(encoded, path) -> str:
    """Write ``encoded`` as text, one sentence per line, tokens separated by spaces (compiled:
    the words' bytes are gathered in one pass)."""
    from ._kernels.phrases import write_tokens
    from .atomic import atomic_file

    # the words' bytes in one arena: words never hold a newline, so one join and one search
    arena = np.frombuffer("\n".join(encoded.words).encode("utf-8") + b"\n", dtype=np.uint8)
    ends = np.flatnonzero(arena == 10)
    starts = np.concatenate(([0], ends[:-1] + 1))
    if ends.shape[0] != len(encoded.words):  # a word of an in-memory corpus held a newline
        raw = [w.encode("utf-8") for w in encoded.words]
        arena = np.frombuffer(b"".join(raw), dtype=np.uint8)
        ends = np.cumsum([len(w) for w in raw], dtype=np.int64)
        starts = ends - [len(w) for w in raw]
    # a line of m tokens holds their bytes, m - 1 spaces and a newline (an empty one, a newline)
    cum = np.zeros(encoded.n_tokens + 1, dtype=np.int64)
    np.cumsum((ends - starts).astype(np.int32)[encoded.tokens], dtype=np.int64, out=cum[1:])  # words < 2 GB
    m = np.diff(encoded.offsets)
    line_starts = np.zeros(encoded.n_sentences + 1, dtype=np.int64)
    np.cumsum(cum[encoded.offsets[1:]] - cum[encoded.offsets[:-1]] + np.maximum(m, 1), out=line_starts[1:])
    size = int(line_starts[-1])
    out = np.empty(max(size, 1), dtype=np.uint8)
    write_tokens(arena, starts, ends, encoded.tokens, encoded.offsets, line_starts, out)
    with atomic_file(path, "wb") as fh:
        fh.write(memoryview(out[:size]))
    return os.fspath(path)
