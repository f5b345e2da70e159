"""Byte-level BPE: train a subword vocabulary on a corpus, encode and decode text exactly.

Text is split into pre-tokens (GPT-2's pattern: words with their leading space, numbers,
punctuation runs, whitespace), each pre-token becomes its UTF-8 bytes (ids 0..255), and learned
merges join adjacent tokens, most frequent pair first. Any text round-trips exactly: decoding
concatenates token bytes. Tokens are shown with GPT-2's printable byte alphabet (a space is
``Ġ``), so an encoded corpus is whitespace-separated tokens that ``wordspace train`` reads like
words. Embedding training lives in ``wordspace.models``.
"""

from __future__ import annotations

import os
import re
from collections import Counter
from typing import Iterable, Iterator

from .errors import FormatError, InvalidParameterError, WordspaceError

__all__ = ["BPE", "byte_alphabet", "pretokenize", "read_lines", "PATTERN"]

FORMAT_NAME = "wordspace-bpe"
FORMAT_VERSION = 1
#: The largest vocabulary BPE.train makes (tokenizers' largest published ones hold about 250,000).
MAX_VOCAB = 10_000_000

#: GPT-2's pre-tokenizer with the standard library's ``re``: ``[^\W\d_]`` is a letter, ``\d`` a
#: digit; everything else that is not a space is punctuation. (GPT-2 uses ``\p{L}``/``\p{N}``
#: from the ``regex`` package; the two differ only for rare numeric characters such as Roman
#: numerals, which ``\d`` does not match.)
PATTERN = r"""'s|'t|'re|'ve|'m|'ll|'d| ?[^\W\d_]+| ?\d+| ?(?:[^\s\w]|_)+|\s+(?!\S)|\s+"""
_SPLIT = re.compile(PATTERN)


def pretokenize(text: str) -> list[str]:
    """Split ``text`` into pre-tokens; joining them gives ``text`` back."""
    return _SPLIT.findall(text)


def byte_alphabet() -> list[str]:
    """GPT-2's map from each byte to a printable, non-space character (``byte_alphabet()[32]
    == 'Ġ'``): printable Latin-1 bytes stand for themselves, the others are shifted to 256+."""
    keep = list(range(ord("!"), ord("~") + 1)) + list(range(0xA1, 0xAD)) + list(range(0xAE, 0x100))
    out, shift = {}, 0
    for b in range(256):
        if b in keep:
            out[b] = chr(b)
        else:
            out[b] = chr(256 + shift)
            shift += 1
    return [out[b] for b in range(256)]


_ALPHABET = byte_alphabet()
_UNALPHABET = {c: b for b, c in enumerate(_ALPHABET)}


def _byte_ranks():
    import numpy as np

    order = sorted(range(256), key=lambda b: _ALPHABET[b])  # bytes by their printable character
    rank = np.empty(256, dtype=np.int32)
    rank[order] = np.arange(256)
    return rank, np.array(order, dtype=np.int64)


_BYTE_RANK, _RANK_BYTE = _byte_ranks()


def _merge_word(word: tuple, pair: tuple, new: int) -> tuple:
    out, i, n = [], 0, len(word)
    a, b = pair
    while i < n:
        if i + 1 < n and word[i] == a and word[i + 1] == b:
            out.append(new)
            i += 2
        else:
            out.append(word[i])
            i += 1
    return tuple(out)


def train_merges(word_counts: dict, n_merges: int, min_frequency: int = 2, progress=None) -> list[tuple[int, int]]:
    """Learn up to ``n_merges`` merges from ``{word: count}``, each word a tuple of byte ids or
    ``bytes``.

    Compiled (``wordspace._kernels.bpe``): pair counts are kept for the whole corpus and
    updated only for the words that contain the merged pair; the most frequent pair comes from
    a max-heap whose stale entries are skipped when popped. Ties go to the smaller pair, the bytes
    ordered by their printable characters (``byte_alphabet``), as Hugging Face ``tokenizers``
    orders them: the same merges in the same order as its byte-level trainer. New token ids start
    at 256.
    """
    import numpy as np

    words = [w for w in word_counts if len(w) > 0]
    lengths = np.fromiter((len(w) for w in words), dtype=np.int64, count=len(words))
    starts = np.zeros(len(words), dtype=np.int64)
    np.cumsum(lengths[:-1], out=starts[1:])
    symbols = np.frombuffer(b"".join(bytes(w) for w in words), dtype=np.uint8)
    counts = np.fromiter((word_counts[w] for w in words), dtype=np.int64, count=len(words))
    return _train_merges(symbols, starts, lengths, counts, n_merges, min_frequency, progress)


def _train_merges(symbols, starts, lengths, counts, n_merges: int, min_frequency: int, progress) -> list:
    """:func:`train_merges` on words stored back to back: ``symbols[starts[k]:starts[k] +
    lengths[k]]`` (uint8 bytes) occurs ``counts[k]`` times."""
    import numpy as np

    from ._kernels.bpe import train_merges as compiled

    out = np.empty((max(n_merges, 0), 2), dtype=np.int64)
    if progress is not None:
        progress.set_postfix_str("learning the merges (compiled)", refresh=True)
    # the kernel breaks ties by the smaller pair of ids; with the bytes numbered in the order of
    # their printable characters (tokenizers' ids) the merges come in tokenizers' order too
    n = compiled(_BYTE_RANK[np.asarray(symbols, dtype=np.uint8)],
                 np.ascontiguousarray(starts, dtype=np.int64), np.ascontiguousarray(lengths, dtype=np.int64),
                 np.ascontiguousarray(counts, dtype=np.int64), max(n_merges, 0), min_frequency,
                 256 + max(n_merges, 0), out)
    if progress is not None:
        progress.update(n)
    pairs = out[:n]
    pairs = np.where(pairs < 256, _RANK_BYTE[np.minimum(pairs, 255)], pairs)
    return [(int(x), int(y)) for x, y in pairs.tolist()]


#: ASCII text gathered before it is counted (the threads share each buffer).
COUNT_BYTES = 1 << 25


class _PretokenTable:
    """Distinct pre-tokens and their counts in a compiled hash table (``_kernels.bpe``): each
    key's bytes once, back to back in ``keys``, in the order first seen."""

    def __init__(self):
        from ._kernels.bpe import new_table

        self.slots, self.entries, self.keys, self.state = new_table()

    def count(self, buf, ends, begin: int) -> None:
        from ._kernels.bpe import count_into

        self.slots, self.entries, self.keys = count_into(self.slots, self.entries, self.keys, self.state, buf,
                                                         ends, begin)

    def add(self, buf, starts, lengths, counts) -> None:
        from ._kernels.bpe import add_keys

        self.slots, self.entries, self.keys = add_keys(self.slots, self.entries, self.keys, self.state, buf,
                                                       starts, lengths, counts)

    def words(self):
        """``(symbols, starts, lengths, counts)`` for :func:`_train_merges`: the pre-tokens' bytes
        back to back, and where each starts; copies, so that the table can go."""
        import numpy as np

        keys, starts, lengths, counts = self.arrays()
        return (keys.copy(), np.ascontiguousarray(starts), np.ascontiguousarray(lengths),
                np.ascontiguousarray(counts))

    def arrays(self):
        """``(keys, starts, lengths, counts)`` of the distinct pre-tokens (views of the table)."""
        n, used = int(self.state[0]), int(self.state[1])
        return self.keys[:used], self.entries[:n, 0], self.entries[:n, 1], self.entries[:n, 2]


def _thread_ranges(data: bytes, ends, threads: int) -> list:
    """``(ends_k, begin_k)`` for each of up to ``threads`` threads: ranges of ``data`` (texts that
    end at ``ends``) of about equal size, for ``_kernels.bpe.count_into``. A range ends at the end
    of a text or just after a newline between two non-space bytes inside one, where the pattern's
    pre-tokens are the same whether the text is cut there or not (the newline is a pre-token of
    its own either way); cutting only between texts left one thread a text more than the other
    (60/40 on 4 MB texts)."""
    import numpy as np

    from ._kernels.bpe import CLASSES, SPACE  # the compiled split's byte classes

    n = len(data)
    cuts = [0]
    for k in range(1, threads):
        pos = max(n * k // threads, cuts[-1])
        cut = -1
        q = data.find(b"\n", pos, min(n, pos + (1 << 20)))
        while q != -1:
            if 0 < q < n - 1 and CLASSES[data[q - 1]] != SPACE and CLASSES[data[q + 1]] != SPACE:
                cut = q + 1
                break
            q = data.find(b"\n", q + 1, min(n, pos + (1 << 20)))
        if cut < 0:  # no such newline near: the end of the text that holds pos
            i = int(np.searchsorted(ends, pos, "left"))
            cut = int(ends[i]) if i < len(ends) else n
        cuts.append(cut)
    cuts.append(n)
    out = []
    for a, b in zip(cuts, cuts[1:]):
        if b > a:
            inside = ends[np.searchsorted(ends, a, "right"):np.searchsorted(ends, b, "left")]
            out.append((np.concatenate((inside, [b])).astype(np.int64), a))
    return out


def _count_pretokens_table(parts, threads: int | None = None) -> _PretokenTable:
    """The pre-tokens of the texts ``parts``, counted. ASCII texts (most of most corpora) are
    split and counted by a compiled pass that follows ``PATTERN`` exactly (tested against it), in
    buffers of about ``COUNT_BYTES`` whose texts ``threads`` threads (by default one per core the
    process may use, at most four) share, each counting into a table of its own; the tables are
    merged at the end. Other texts go by the regular expression."""
    import threading

    import numpy as np

    if threads is None:
        threads = max(1, min(4, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1))
    tables = [_PretokenTable() for _ in range(threads)]
    others: Counter = Counter()
    ascii_parts: list[bytes] = []
    size = 0

    def flush():
        nonlocal size
        if not ascii_parts:
            return
        data = b"".join(ascii_parts)
        buf = np.frombuffer(data, dtype=np.uint8)
        ends = np.cumsum([len(p) for p in ascii_parts], dtype=np.int64)
        ascii_parts.clear()
        size = 0
        jobs = [(tables[k], e, begin) for k, (e, begin) in enumerate(_thread_ranges(data, ends, threads))]
        errors: list = []

        def count(table, e, begin):
            try:
                table.count(buf, e, begin)
            except BaseException as exc:  # raised below, in the calling thread
                errors.append(exc)

        workers = [threading.Thread(target=count, args=job, daemon=True) for job in jobs[1:]]
        for w in workers:
            w.start()
        count(*jobs[0])
        for w in workers:
            w.join()
        if errors:
            raise errors[0]

    for part in parts:
        if part.isascii():
            ascii_parts.append(part.encode("ascii"))
            size += len(part)
            if size >= COUNT_BYTES:
                flush()
        else:
            others.update(tok.encode("utf-8", "surrogatepass") for tok in pretokenize(part))
    flush()
    first = tables[0]
    for other in tables[1:]:
        first.add(*other.arrays())
    if others:
        keys = list(others)
        lengths = np.fromiter((len(k) for k in keys), dtype=np.int64, count=len(keys))
        starts = np.concatenate(([0], np.cumsum(lengths)[:-1])).astype(np.int64)
        first.add(np.frombuffer(b"".join(keys), dtype=np.uint8), starts, lengths,
                  np.fromiter(others.values(), dtype=np.int64, count=len(keys)))
    return first


def _count_pretokens(parts, threads: int | None = None) -> dict:
    """``{pre-token bytes: count}`` over the texts ``parts`` (see :func:`_count_pretokens_table`)."""
    keys, starts, lengths, counts = _count_pretokens_table(parts, threads).arrays()
    data = keys.tobytes()
    return {data[a:a + n]: c for a, n, c in zip(starts.tolist(), lengths.tolist(), counts.tolist())}


class BPE:
    """A byte-level BPE tokenizer.

    Build one with :meth:`train` or :meth:`load`. ``ids`` are ints: 0-255 the bytes, then one per
    merge in the order learned, then the special tokens.

    Examples
    --------
    >>> bpe = BPE.train(["low lower lowest"] * 10, vocab_size=260)
    >>> bpe.decode(bpe.encode("lowering")) == "lowering"
    True
    """

    def __init__(self, merges: Iterable[tuple[int, int]] = (), special_tokens: Iterable[str] = ()):
        self.merges = [tuple(map(int, m)) for m in merges]
        self.ranks = {}  # pair -> rank (= new id - 256)
        self.vocab = [bytes([b]) for b in range(256)]  # id -> bytes
        for r, (a, b) in enumerate(self.merges):
            if not (0 <= a < 256 + r and 0 <= b < 256 + r):
                raise FormatError(f"merge {r} joins ids {a} and {b}, but only ids below {256 + r} exist at that point")
            self.ranks[(a, b)] = r
            self.vocab.append(self.vocab[a] + self.vocab[b])
        self.special_tokens = {}  # str -> id
        for tok in special_tokens:
            if not isinstance(tok, str) or not tok:
                raise InvalidParameterError(f"special tokens must be non-empty strings, got {tok!r}")
            if tok not in self.special_tokens:
                self.special_tokens[tok] = len(self.vocab) + len(self.special_tokens)
        self._special_re = (re.compile("(" + "|".join(re.escape(t) for t in sorted(self.special_tokens, key=len, reverse=True)) + ")")
                            if self.special_tokens else None)
        self._cache: dict = {}

    # -- training ------------------------------------------------------------------------------
    @classmethod
    def train(cls, texts, vocab_size: int, *, special_tokens: Iterable[str] = (), min_frequency: int = 2,
              progress: bool = False) -> "BPE":
        """Learn merges from ``texts`` (an iterable of strings; :func:`read_lines` reads files)
        until the vocabulary has ``vocab_size`` tokens (256 bytes + merges + special tokens) or
        no pair occurs ``min_frequency`` times. Special tokens are never split or merged."""
        from ._validation import LIMITS, Interval, validate_params

        special_tokens = list(dict.fromkeys(special_tokens))
        validate_params({"vocab_size": vocab_size, "min_frequency": min_frequency},
                        {"vocab_size": [Interval(int, 256 + len(special_tokens), MAX_VOCAB)],
                         "min_frequency": [Interval(int, 1, LIMITS["count"])]}, "BPE.train")
        specials = re.compile("|".join(re.escape(t) for t in special_tokens)) if special_tokens else None
        table = _count_pretokens_table(part for text in _iter_texts(texts)
                                       for part in (specials.split(text) if specials else (text,)))
        words = table.words()
        del table  # its hash slots and rows: a third of the memory the merges would find taken
        n_merges = vocab_size - 256 - len(special_tokens)
        bar = None
        if progress:
            from .progress import progress_bar

            bar = progress_bar(n_merges, True, "bpe merges", unit="merge")
        try:
            merges = _train_merges(*words, n_merges, min_frequency, bar)
        finally:
            if bar is not None:
                bar.close()
        if len(merges) < n_merges:
            import warnings

            warnings.warn(f"stopped at {256 + len(merges) + len(special_tokens):,} tokens of the {vocab_size:,} asked for: "
                          f"no pair of adjacent tokens occurs at least min_frequency={min_frequency} times any more "
                          f"(merges join only within words, and every word seen {min_frequency} times or more is "
                          "already one token); use more text or a lower min_frequency (--min-frequency)", stacklevel=2)
        return cls(merges, special_tokens)

    # -- encoding ------------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self.vocab) + len(self.special_tokens)

    def _encode_chunk(self, chunk: str) -> list[int]:
        ids = self._cache.get(chunk)
        if ids is not None:
            return ids
        word = list(chunk.encode("utf-8", "surrogatepass"))
        ranks = self.ranks
        while len(word) > 1:
            best, best_rank = None, None
            for p in zip(word, word[1:]):
                r = ranks.get(p)
                if r is not None and (best_rank is None or r < best_rank):
                    best, best_rank = p, r
            if best is None:
                break
            word = list(_merge_word(tuple(word), best, 256 + best_rank))
        if len(self._cache) < 1_000_000:
            self._cache[chunk] = word
        return word

    def encode(self, text: str) -> list[int]:
        """Token ids of ``text``; special tokens in the text become their own ids."""
        if not isinstance(text, str):
            raise InvalidParameterError(f"encode takes a str, got {type(text).__name__}")
        out: list[int] = []
        parts = self._special_re.split(text) if self._special_re else (text,)
        for k, part in enumerate(parts):
            if k % 2 == 1:
                out.append(self.special_tokens[part])
                continue
            for chunk in pretokenize(part):
                out.extend(self._encode_chunk(chunk))
        return out

    def decode(self, ids: Iterable[int]) -> str:
        """The text of ``ids`` (exactly the encoded text, for ids that :meth:`encode` made)."""
        inverse = {i: t for t, i in self.special_tokens.items()}
        parts, buf = [], bytearray()
        n = len(self.vocab)
        for i in ids:
            if 0 <= i < n:
                buf += self.vocab[i]
            elif i in inverse:
                parts.append(buf.decode("utf-8", "surrogatepass"))
                buf = bytearray()
                parts.append(inverse[i])
            else:
                raise InvalidParameterError(f"token id {i} is outside this vocabulary (0..{len(self) - 1})")
        parts.append(buf.decode("utf-8", "surrogatepass"))
        return "".join(parts)

    def token(self, i: int) -> str:
        """The printable form of token ``i`` (GPT-2's byte alphabet; special tokens as they are)."""
        if 0 <= i < len(self.vocab):
            return "".join(_ALPHABET[b] for b in self.vocab[i])
        for t, j in self.special_tokens.items():
            if j == i:
                return t
        raise InvalidParameterError(f"token id {i} is outside this vocabulary (0..{len(self) - 1})")

    def tokenize(self, text: str) -> list[str]:
        """Printable tokens of ``text`` (what ``wordspace bpe encode`` writes)."""
        return [self.token(i) for i in self.encode(text)]

    def detokenize(self, tokens: Iterable[str]) -> str:
        """Inverse of :meth:`tokenize`."""
        ids = []
        lookup = None
        for t in tokens:
            if t in self.special_tokens:
                ids.append(self.special_tokens[t])
                continue
            try:
                data = bytes(_UNALPHABET[c] for c in t)
            except KeyError:
                raise InvalidParameterError(f"{t!r} is not a token of the byte alphabet") from None
            if lookup is None:
                lookup = {v: i for i, v in enumerate(self.vocab)}
            if data not in lookup:
                raise InvalidParameterError(f"{t!r} is not in this vocabulary")
            ids.append(lookup[data])
        return self.decode(ids)

    # -- persistence ---------------------------------------------------------------------------
    def save(self, path) -> str:
        """Write a readable JSON file: the merges as id pairs, the vocabulary in printable form
        (for inspection only: loading rebuilds it from the merges) and the special tokens."""
        from .jsondoc import write_document

        path = os.fspath(path)
        doc = {
            "format": FORMAT_NAME, "version": FORMAT_VERSION, "pretokenizer": PATTERN,
            "special_tokens": self.special_tokens,
            "merges": [list(m) for m in self.merges],
            "vocab": {str(i): self.token(i) for i in range(len(self.vocab))},
        }
        return write_document(path, doc, replaceable=is_tokenizer_file)

    @classmethod
    def load(cls, path) -> "BPE":
        """Read a tokenizer written by :meth:`save`. The file is untrusted: its size, structure
        and the bytes its merges would build are checked before anything is built."""
        from .jsondoc import read_document

        path = os.fspath(path)
        doc = read_document(path, format_name=FORMAT_NAME, latest=FORMAT_VERSION, what="a wordspace BPE file",
                            max_bytes=MAX_FILE_BYTES)
        size = os.path.getsize(path)
        if doc.get("pretokenizer") != PATTERN:
            raise FormatError(f"'{path}' was made with another pre-tokenizer pattern; it cannot be used here")
        raw_merges, raw_specials = doc.get("merges"), doc.get("special_tokens", {})
        if not isinstance(raw_merges, list) or not all(
                isinstance(m, list) and len(m) == 2 and all(isinstance(x, int) and not isinstance(x, bool) for x in m)
                for m in raw_merges):
            raise FormatError(f"'{path}': 'merges' must be a list of [id, id] pairs")
        if not isinstance(raw_specials, dict) or not all(isinstance(t, str) and t and isinstance(i, int)
                                                         and not isinstance(i, bool) for t, i in raw_specials.items()):
            raise FormatError(f"'{path}': 'special_tokens' must map each special token (a non-empty string) to its id")
        merges = [(a, b) for a, b in raw_merges]
        _check_token_bytes(merges, budget=MAX_BYTES_PER_FILE_BYTE * size + (1 << 20), path=path)
        specials = sorted(raw_specials.items(), key=lambda kv: kv[1])
        try:
            bpe = cls(merges, [t for t, _ in specials])
        except FormatError as exc:
            raise FormatError(f"'{path}': {exc}") from None
        if [i for _, i in specials] != [bpe.special_tokens[t] for t, _ in specials]:
            raise FormatError(f"'{path}': special token ids do not follow the merges")
        return bpe

    def __repr__(self) -> str:
        return f"BPE({len(self):,} tokens: 256 bytes, {len(self.merges):,} merges, {len(self.special_tokens)} special)"


#: Largest tokenizer file read, and the most token bytes a file may build per byte of itself:
#: a real tokenizer builds about one byte of tokens per byte of file; merges that double a token
#: at each step (a memory bomb) build exponentially more and are refused before anything is built.
MAX_FILE_BYTES = 256 << 20
MAX_BYTES_PER_FILE_BYTE = 16


def _check_token_bytes(merges, budget: int, path: str) -> None:
    """Refuse merges whose tokens would add up to more than ``budget`` bytes (computed from the
    lengths alone), or that join ids not yet defined."""
    lengths = [1] * 256
    total = 256
    for r, (a, b) in enumerate(merges):
        if not (0 <= a < 256 + r and 0 <= b < 256 + r):
            raise FormatError(f"'{path}': merge {r} joins ids {a} and {b}, but only ids below {256 + r} exist at that point")
        n = lengths[a] + lengths[b]
        total += n
        if total > budget:
            raise FormatError(f"'{path}': its merges would build {total:,}+ bytes of tokens by merge {r} (a token of "
                              f"{n:,} bytes), far more than a tokenizer of this size can hold: the file is damaged or hostile")
        lengths.append(n)


def read_lines(paths) -> Iterator[str]:
    """The text of files (plain, .gz, .bz2, .xz; directories searched; URLs, with a
    :class:`~wordspace.LineCorpus` carrying their storage options), in blocks of whole lines, for
    :meth:`BPE.train` and ``wordspace bpe``. Invalid UTF-8 is replaced."""
    from .corpus import corpus_files
    from .textfiles import iter_blocks

    files, options = corpus_files(paths)
    for path in files:
        for data, _ in iter_blocks(path, options=options):
            yield data.decode("utf-8", "replace")


def _iter_texts(texts) -> Iterator[str]:
    if isinstance(texts, (str, bytes, os.PathLike)):
        raise InvalidParameterError(
            "texts must be an iterable of strings; for files use BPE.train(wordspace.bpe.read_lines(paths), ...), "
            "and wrap a single text in a list"
        )
    for t in texts:
        if not isinstance(t, str):
            raise InvalidParameterError(f"texts must be strings, got {type(t).__name__}")
        yield t


def is_tokenizer_file(path: str) -> bool:
    """Whether ``path`` holds a whole, valid wordspace BPE tokenizer (what a write of one may
    replace: ``wordspace.atomic``'s rule)."""
    try:
        BPE.load(path)
    except (WordspaceError, OSError, MemoryError):
        return False
    return True
