"""Corpus input: tokenise text files and encode a corpus once.

Holds the re-iterable :class:`LineCorpus` and :func:`encode_corpus`, which turns a corpus into
one int32 token array plus sentence offsets in a single pass. Finding, decompressing and
streaming files lives in ``wordspace.textfiles``; vocabulary policy (min_count, caps, tables) in
``wordspace.vocab``; training in ``wordspace.models``.
"""

from __future__ import annotations

import os
import tempfile
import threading
import warnings
from dataclasses import dataclass, field
from typing import Iterator

import numpy as np

from . import textfiles
from ._kernels import tokenize as tk
from ._kernels.tokenize import remap_inplace
from .errors import CorpusError
from .textfiles import count_invalid_utf8, decode, expand_paths, fallback_options
from .vocab import select_vocab

__all__ = [
    "DEFAULT_MAX_SENTENCE_LENGTH",
    "restrict_vocabulary",
    "remap_corpus",
    "LineCorpus",
    "EncodedCorpus",
    "expand_paths",
    "corpus_files",
    "encode_corpus",
]

#: Lines longer than this many tokens are cut into consecutive sentences of at most this length.
#: gensim uses the same figure (10,000); the C tool uses 1,000. A window never crosses a cut.
DEFAULT_MAX_SENTENCE_LENGTH = 10_000


def _iter_line_segments(paths: list[str], options: dict | None = None) -> Iterator[tuple[list[str], bool]]:
    """Yield ``(tokens, continues)`` for each line segment of the files.

    ``continues`` is true when the segment continues the previous segment's line (a line
    longer than a block arrives in several segments). Tokens are split on ASCII whitespace,
    exactly as :func:`encode_corpus` splits them.
    """
    for path in paths:
        continuing = False
        for data, ends in textfiles.iter_blocks(path, options=options):
            lines = data.split(b"\n")
            if ends and not lines[-1]:
                lines.pop()  # the block ends with "\n": the last element is empty
            for i, line in enumerate(lines):
                yield [decode(t) for t in line.split()], continuing and i == 0
            continuing = not ends


class LineCorpus:
    """A re-iterable corpus of token lists read from text files.

    Parameters
    ----------
    paths : str, PathLike or list of them
        Files (plain, ``.gz``, ``.bz2`` or ``.xz``, detected by content) or directories.
    max_sentence_length : int or None, default=None
        Longer lines are yielded as consecutive chunks of at most this many tokens (None: 10,000
        when iterated; what the reader asks for when a trainer reads it).
    storage_options : dict, optional
        Options for reading URLs through fsspec (``{"anon": True}``, an ``endpoint_url``...):
        they travel with the corpus to everything that reads it, a cluster's workers included.

    Examples
    --------
    >>> corpus = LineCorpus("corpus.txt.gz")          # doctest: +SKIP
    >>> next(iter(corpus))[:3]                         # doctest: +SKIP
    ['in', 'the', 'beginning']
    """

    def __init__(self, paths, max_sentence_length: int | None = None, storage_options=None):
        if storage_options is not None and not isinstance(storage_options, dict):
            raise CorpusError(f"storage_options must be a dict of fsspec options, got {type(storage_options).__name__}")
        self.storage_options = dict(storage_options) if storage_options is not None else fallback_options()
        self.paths = expand_paths(paths, self.storage_options)
        self.max_sentence_length = max_sentence_length

    def __iter__(self) -> Iterator[list[str]]:
        pending: list[str] = []
        n = self.max_sentence_length or DEFAULT_MAX_SENTENCE_LENGTH
        for tokens, continues in _iter_line_segments(self.paths, self.storage_options):
            if not continues and pending:
                yield pending
                pending = []
            pending.extend(tokens)
            while len(pending) > n:
                yield pending[:n]
                pending = pending[n:]
        if pending:
            yield pending


@dataclass
class EncodedCorpus:
    """A corpus encoded once: token ids, sentence offsets and the vocabulary's raw counts.

    ``tokens`` holds vocabulary ids (int32); sentence ``i`` is
    ``tokens[offsets[i]:offsets[i + 1]]``. ``tokens`` is a memory map of a deleted temporary
    file when the corpus was larger than the spill threshold.
    """

    tokens: np.ndarray  # (n_tokens,) int32, ids into `words`
    offsets: np.ndarray  # (n_sentences + 1,) int64
    words: list  # id -> word, most frequent first
    counts: np.ndarray  # (n_words,) int64, raw counts (before any subsampling)
    raw_tokens: int = 0  # tokens read, including those of words outside the vocabulary
    invalid_bytes: int = 0  # invalid UTF-8 bytes replaced while reading
    pruned: int = 0  # how many times rare words were pruned to bound memory
    spilled: bool = False  # whether `tokens` is memory-mapped from disk
    #: encoded as documents (``encode_corpus(documents=True)``): the line (document) number of
    #: each sentence; empty lines are empty sentences, and a line longer than the sentence limit
    #: is several consecutive sentences with one number
    lines: np.ndarray | None = None
    _keep: list = field(default_factory=list, repr=False)

    @property
    def n_tokens(self) -> int:
        return int(self.tokens.shape[0])

    @property
    def n_sentences(self) -> int:
        return int(self.offsets.shape[0] - 1)


class _TokenSink:
    """Collects int32 token ids in RAM, or in a temporary file once they outgrow a budget."""

    def __init__(self, spill_bytes: int, tmp_dir: str | None):
        self.chunks: list[np.ndarray] = []
        self.n = 0
        self.spill_bytes = spill_bytes
        self.tmp_dir = tmp_dir
        self.file = None
        self.path = None

    def add(self, arr: np.ndarray) -> None:
        self.n += arr.shape[0]
        if self.file is None and self.n * 4 > self.spill_bytes:
            fd, self.path = tempfile.mkstemp(prefix="wordspace-corpus-", suffix=".i32", dir=self.tmp_dir)
            self.file = os.fdopen(fd, "w+b")
            for c in self.chunks:
                self.file.write(c.tobytes())
            self.chunks = []
        if self.file is not None:
            self.file.write(arr.tobytes())
        else:
            self.chunks.append(arr)

    def remap(self, remap: np.ndarray, block: int = 1 << 24) -> None:
        """Apply an id remapping to everything stored so far (after a prune)."""
        if self.file is None:
            for c in self.chunks:
                remap_inplace(c, remap)
            return
        self.file.flush()
        mm = np.memmap(self.path, dtype=np.int32, mode="r+", shape=(self.n,))
        for s in range(0, self.n, block):
            remap_inplace(mm[s : s + block], remap)
        mm.flush()
        del mm
        self.file.seek(0, os.SEEK_END)

    def finish(self) -> np.ndarray:
        if self.file is None:
            # copy chunk by chunk, freeing each, so the peak is the total plus one chunk
            out = np.empty(self.n, dtype=np.int32)
            pos = 0
            self.chunks.reverse()
            while self.chunks:
                c = self.chunks.pop()
                out[pos : pos + c.shape[0]] = c
                pos += c.shape[0]
            return out
        self.file.close()
        try:
            if self.n == 0:
                return np.zeros(0, dtype=np.int32)
            return np.memmap(self.path, dtype=np.int32, mode="r+", shape=(self.n,))
        finally:
            os.unlink(self.path)  # the mapping stays valid; nothing is left behind on disk


class _SentenceLengths:
    """Turns line segments into sentence lengths, cutting at ``max_len`` tokens."""

    def __init__(self, max_len: int):
        self.max_len = max_len
        self.lens: list[np.ndarray] = []
        self.cur = 0

    def add(self, n: int, continues: bool) -> list[int]:
        out = []
        if not continues:
            if self.cur:
                out.append(self.cur)
            self.cur = 0
        self.cur += n
        while self.cur > self.max_len:
            out.append(self.max_len)
            self.cur -= self.max_len
        return out


#: Blocks at least this long are tokenised by two threads (each half from a line start).
SPLIT_BYTES = 1 << 20


def _threads() -> int:
    import numba

    return numba.get_num_threads()


def _split_point(data: bytes) -> int:
    """Where a block may be cut in two: just after a newline near its middle (0: nowhere)."""
    mid = len(data) // 2
    cut = data.find(b"\n", mid)
    if cut < 0 or cut + 1 >= len(data):
        cut = data.rfind(b"\n", 0, mid)
    return cut + 1 if 0 <= cut and cut + 1 < len(data) else 0


class _ByteEncoder:
    """Counts and encodes files with the compiled tokenizer (``_kernels.tokenize``)."""

    def __init__(self, max_sentence_length: int, prune_at: int | None, sink: _TokenSink, preparation=None,
                 documents: bool = False):
        self.preparation = None if preparation is None or preparation.is_identity else preparation
        self.documents = documents  # empty lines are (empty) sentences: sentences map onto lines
        self.table = np.full(1 << 18, -1, dtype=np.int32)
        cap = 1 << 16
        self.hashes = np.zeros(cap, dtype=np.uint64)
        self.starts = np.zeros(cap, dtype=np.int64)
        self.lens = np.zeros(cap, dtype=np.int32)
        self.counts = np.zeros(cap, dtype=np.int64)
        self.arena = np.zeros(1 << 20, dtype=np.uint8)
        self.state = np.zeros(tk.N_STATE, dtype=np.int64)
        self.max_len = max_sentence_length
        self.prune_at = prune_at
        self.min_reduce = 1
        self.pruned = 0
        self.sink = sink
        self.sent_lens: list[np.ndarray] = []
        self.sent_conts: list[np.ndarray] = []  # 1: the sentence continues a line cut at max_len
        self.invalid = 0
        self._half: _ByteEncoder | None = None

    @property
    def n_ids(self) -> int:
        return int(self.state[tk.N_IDS])

    def feed(self, data: bytes, ends_file: bool) -> None:
        self.invalid += count_invalid_utf8(data)
        if self.preparation is not None:
            data = self.preparation.prepare_bytes(data)
        buf = np.frombuffer(data, dtype=np.uint8)
        split = _split_point(data) if buf.shape[0] >= SPLIT_BYTES and _threads() > 1 else 0
        st = self.state
        if split:
            # two threads: the second half (from a line start) into a table of its own, whose
            # words are then added to this one in the order they were first seen, so ids,
            # counts and tokens are exactly those of reading the block in one go
            half = self._half_encoder()
            a, b = buf[:split], buf[split:]
            out_a, sents_a, conts_a = self._buffers(a)
            out_b, sents_b, conts_b = self._buffers(b)
            failed = []

            def other():
                try:
                    half._encode(b, out_b, sents_b, conts_b)
                except BaseException as exc:  # re-raised below, in the reading thread
                    failed.append(exc)

            worker = threading.Thread(target=other, name="wordspace-tokenize", daemon=True)
            worker.start()
            try:
                self._encode(a, out_a, sents_a, conts_a)
            finally:
                worker.join()
            if failed:
                raise failed[0]
            assert st[tk.CUR_LEN] == 0  # the first half ends with a newline
            remap = self._absorb(half)
            n_b = int(half.state[tk.N_OUT])
            tk.remap_ids(out_b[:n_b], remap)
            st[tk.CUR_LEN] = half.state[tk.CUR_LEN]
            st[tk.CUT] = half.state[tk.CUT]
            n_sb = half.state[tk.N_SENT]
            pieces = [(out_a[: st[tk.N_OUT]], sents_a[: st[tk.N_SENT]], conts_a[: st[tk.N_SENT]]),
                      (out_b[:n_b], sents_b[:n_sb], conts_b[:n_sb])]
        else:
            out, sents, conts = self._buffers(buf)
            self._encode(buf, out, sents, conts)
            pieces = [(out[: st[tk.N_OUT]], sents[: st[tk.N_SENT]], conts[: st[tk.N_SENT]])]
        for ids, lens, conts in pieces:
            self.sink.add(ids.copy())
            self.sent_lens.append(lens.copy())
            self.sent_conts.append(conts.copy())
        if ends_file and st[tk.CUR_LEN] > 0:
            self.sent_lens.append(np.array([st[tk.CUR_LEN]], dtype=np.int64))
            self.sent_conts.append(np.array([st[tk.CUT]], dtype=np.uint8))
        if ends_file:
            st[tk.CUR_LEN] = 0
            st[tk.CUT] = 0
        if self.prune_at and self.n_ids > self.prune_at:
            self._prune()

    def _buffers(self, buf: np.ndarray):
        """Room for the token ids and sentence lengths of ``buf``."""
        out = np.empty(buf.shape[0] // 2 + 2, dtype=np.int32)
        n_sent_cap = int(np.count_nonzero(buf == 10)) + buf.shape[0] // self.max_len + 2
        return out, np.empty(n_sent_cap, dtype=np.int64), np.empty(n_sent_cap, dtype=np.uint8)

    def _encode(self, buf: np.ndarray, out: np.ndarray, sents: np.ndarray, conts: np.ndarray) -> None:
        """Tokenise ``buf`` into ``out`` / ``sents`` / ``conts`` with this table, growing it as
        needed."""
        st = self.state
        st[tk.POS] = st[tk.N_OUT] = st[tk.N_SENT] = 0
        while True:
            status = tk.encode_block(
                buf, self.table, self.hashes, self.starts, self.lens, self.counts,
                self.arena, st, out, sents, conts, self.max_len, self.documents,
            )
            if status == tk.DONE:
                return
            if status == tk.GROW_ARENA:
                self.arena = _grown(self.arena, max(2 * self.arena.shape[0], int(st[tk.ARENA_USED]) + buf.shape[0]))
            else:
                self._grow_ids()

    def _half_encoder(self) -> "_ByteEncoder":
        """An empty table for the second half of a block (kept between blocks, cleared)."""
        half = self._half
        if half is None:
            half = self._half = _ByteEncoder(self.max_len, None, self.sink, documents=self.documents)
        else:
            n = half.n_ids
            half.counts[:n] = 0
            half.table.fill(-1)
            half.state[:] = 0
        return half

    def _absorb(self, half: "_ByteEncoder") -> np.ndarray:
        """Add ``half``'s words and counts to this table; returns its ids' ids here."""
        n_b = half.n_ids
        need_ids = self.n_ids + n_b
        if self.hashes.shape[0] < need_ids:
            cap = self.hashes.shape[0]
            while cap < need_ids:
                cap *= 2
            for name in ("hashes", "starts", "lens", "counts"):
                setattr(self, name, _grown(getattr(self, name), cap))
        if self.table.shape[0] < 2 * (need_ids + 1):
            size = self.table.shape[0]
            while size < 2 * (need_ids + 1):
                size *= 2
            self.table = np.full(size, -1, dtype=np.int32)
            tk.rebuild_table(self.table, self.hashes, self.n_ids)
        need = int(self.state[tk.ARENA_USED]) + int(half.state[tk.ARENA_USED])
        if need > self.arena.shape[0]:
            self.arena = _grown(self.arena, max(2 * self.arena.shape[0], need))
        remap = np.empty(n_b, dtype=np.int32)
        tk.merge_words(self.table, self.hashes, self.starts, self.lens, self.counts, self.arena, self.state,
                       half.hashes, half.starts, half.lens, half.counts, half.arena, n_b, remap)
        return remap

    def _grow_ids(self) -> None:
        cap = 2 * self.hashes.shape[0]
        self.hashes = _grown(self.hashes, cap)
        self.starts = _grown(self.starts, cap)
        self.lens = _grown(self.lens, cap)
        self.counts = _grown(self.counts, cap)
        if 2 * (self.n_ids + 1) > self.table.shape[0]:
            self.table = np.full(2 * self.table.shape[0], -1, dtype=np.int32)
            tk.rebuild_table(self.table, self.hashes, self.n_ids)

    def _prune(self) -> None:
        """Drop words seen at most ``min_reduce`` times, as word2vec.c's ReduceVocab does."""
        n = self.n_ids
        while True:
            alive = self.counts[:n] > self.min_reduce
            self.min_reduce += 1
            self.pruned += 1
            if alive.sum() <= self.prune_at:
                break
        remap = np.full(n, -1, dtype=np.int32)
        keep = np.flatnonzero(alive)
        remap[keep] = np.arange(keep.shape[0], dtype=np.int32)
        self.sink.remap(remap)
        # compact the word arrays and the arena so memory stays bounded by prune_at
        new_starts = np.zeros(keep.shape[0], dtype=np.int64)
        np.cumsum(self.lens[keep][:-1], out=new_starts[1:])
        arena = np.zeros(max(1 << 20, int(self.lens[keep].sum()) * 2), dtype=np.uint8)
        for new, old in enumerate(keep.tolist()):
            s, l = self.starts[old], self.lens[old]
            arena[new_starts[new] : new_starts[new] + l] = self.arena[s : s + l]
        self.arena = arena
        m = keep.shape[0]
        for name in ("hashes", "lens", "counts"):
            arr = getattr(self, name)
            arr[:m] = arr[keep]
            arr[m:] = 0
        self.starts[:m] = new_starts
        self.state[tk.N_IDS] = m
        self.state[tk.ARENA_USED] = int(self.lens[:m].sum())
        self.table.fill(-1)
        tk.rebuild_table(self.table, self.hashes, m)
        warnings.warn(
            f"vocabulary counting pruned words seen at most {self.min_reduce - 1} times to stay "
            f"under prune_at={self.prune_at:,} distinct words (prune #{self.pruned}); their "
            "counts are lost, as in word2vec.c. Raise prune_at if you have the memory.",
            RuntimeWarning,
            stacklevel=4,
        )

    def word(self, wid: int) -> str:
        s = self.starts[wid]
        return decode(self.arena[s : s + self.lens[wid]].tobytes())

    def words(self, ids: np.ndarray) -> list[str]:
        """The text of many words in one decode (tokens never hold a newline: it separates them)."""
        from ._kernels.w2vbin import gather_keys

        starts = self.starts[ids]
        ends = starts + self.lens[ids]
        out = np.empty(int(self.lens[ids].sum()) + ids.shape[0], dtype=np.uint8)
        gather_keys(self.arena, starts, ends, out, 10)
        return out.tobytes().decode("utf-8", "replace").split("\n")[:-1] if ids.shape[0] else []

    def sentence_lengths(self) -> np.ndarray:
        return np.concatenate(self.sent_lens) if self.sent_lens else np.zeros(0, np.int64)

    def sentence_lines(self) -> np.ndarray:
        """The line (document) number of each sentence: lines cut at ``max_len`` tokens give
        several sentences of one line."""
        conts = np.concatenate(self.sent_conts) if self.sent_conts else np.zeros(0, np.uint8)
        return np.cumsum(1 - conts.astype(np.int64)) - 1


class _ListEncoder:
    """Counts and encodes an in-memory iterable of token lists with a dict."""

    def __init__(self, max_sentence_length: int, sink: _TokenSink, documents: bool = False):
        self.ids: dict[str, int] = {}  # word -> provisional id
        self.id_words: list[str] = []
        self.sink = sink
        self.sents = _SentenceLengths(max_sentence_length)
        self.max_len = max_sentence_length
        self.documents = documents
        self.lens: list[int] = []
        self.lines: list[int] = []  # documents: the item each sentence comes from
        self._n_items = 0
        self.pruned = 0
        self.invalid = 0

    def feed(self, tokens: list) -> None:
        ids = self.ids
        arr = np.empty(len(tokens), dtype=np.int32)
        for k, w in enumerate(tokens):
            i = ids.get(w)
            if i is None:
                if not isinstance(w, str):
                    raise CorpusError(f"corpus tokens must be str, got {type(w).__name__} {w!r}")
                i = ids[w] = len(self.id_words)
                self.id_words.append(w)
            arr[k] = i
        self.sink.add(arr)
        if self.documents:  # every item is one or more sentences, an empty one too
            cuts = [self.max_len] * (len(tokens) // self.max_len)
            rest = len(tokens) - len(cuts) * self.max_len
            cuts += [rest] if rest or not cuts else []
            self.lines += [self._n_items] * len(cuts)
            self._n_items += 1
            self.lens += cuts
        else:
            self.lens += self.sents.add(len(tokens), False)

    @property
    def n_ids(self) -> int:
        return len(self.id_words)

    @property
    def counts(self) -> np.ndarray:
        return self._counts

    def finish_counts(self, tokens: np.ndarray) -> None:
        self._counts = np.bincount(tokens, minlength=self.n_ids).astype(np.int64)
        if self.sents.cur:
            self.lens.append(self.sents.cur)

    def word(self, wid: int) -> str:
        return self.id_words[wid]

    def sentence_lengths(self) -> np.ndarray:
        return np.asarray(self.lens, dtype=np.int64)

    def sentence_lines(self) -> np.ndarray:
        return np.asarray(self.lines, dtype=np.int64)


def _grown(arr: np.ndarray, size: int) -> np.ndarray:
    out = np.zeros(size, dtype=arr.dtype)
    out[: arr.shape[0]] = arr
    return out


def _compact(tokens: np.ndarray, offsets: np.ndarray, remap: np.ndarray, block: int = 1 << 20,
             keep_empty: bool = False):
    """Map provisional ids to final ids and drop dropped words, in place, block by block;
    return the tokens kept and the new sentence offsets (sentences left empty are dropped,
    unless ``keep_empty``: documents keep their places).

    Writes never overtake reads (the output position is at most the input position), so the
    same buffer (or memory map) is reused and memory stays at 4 bytes per token. Negative ids
    (words pruned while counting) are dropped too.
    """
    n = tokens.shape[0]
    new_offsets = np.empty_like(offsets)
    out = 0
    j = 0  # next offset to translate
    for s in range(0, n, block):
        e = min(n, s + block)
        t = tokens[s:e]
        mapped = np.where(t >= 0, remap[np.maximum(t, 0)], -1)
        keep = mapped >= 0
        cs = np.concatenate(([0], np.cumsum(keep, dtype=np.int64)))
        hi = int(np.searchsorted(offsets, e, side="left")) if e < n else offsets.shape[0]
        new_offsets[j:hi] = out + cs[offsets[j:hi] - s]
        j = hi
        kept = mapped[keep]
        tokens[out : out + kept.shape[0]] = kept
        out += kept.shape[0]
    new_offsets[j:] = out
    lens = np.diff(new_offsets)
    if not keep_empty and (lens == 0).any():  # sentences made only of dropped words: kernels never see them
        new_offsets = np.concatenate(([0], np.cumsum(lens[lens > 0])))
    return out, new_offsets.astype(np.int64)


def _feed(enc, blocks) -> None:
    """Feed one file's (or one piece's) blocks; the last one ends the file's last line."""
    pending = None
    for data, _ in blocks:
        if pending is not None:
            enc.feed(pending, False)
        pending = data
    if pending is not None:
        enc.feed(pending, True)


def count_pieces(pieces, *, max_sentence_length: int = DEFAULT_MAX_SENTENCE_LENGTH, preparation=None):
    """Count the words of ``pieces`` (iterables of ``(bytes, ends_line)`` blocks, each piece
    ending its last line): ``(words, counts, raw_tokens, invalid_bytes)`` with every word that
    occurs, in no particular order. Summing these over disjoint pieces of a corpus gives exactly
    the counts :func:`encode_corpus` sees (the cluster's counting; ``wordspace.cluster``)."""
    sink = _TokenSink(1 << 62, None)
    enc = _ByteEncoder(max_sentence_length, None, sink, preparation)
    for blocks in pieces:
        _feed(enc, blocks)
        sink.chunks.clear()  # only the counts are wanted
        enc.sent_lens.clear()
        enc.sent_conts.clear()
    n = enc.n_ids
    ids = np.arange(n, dtype=np.int64)
    return enc.words(ids), enc.counts[:n].copy(), int(sink.n), enc.invalid


def encode_pieces(pieces, words, counts, *, max_sentence_length: int = DEFAULT_MAX_SENTENCE_LENGTH,
                  preparation=None, spill_bytes: int = 1 << 30, tmp_dir: str | None = None) -> EncodedCorpus:
    """Encode ``pieces`` (as for :func:`count_pieces`) with a vocabulary chosen elsewhere:
    ``words`` (id -> word) and their corpus-wide ``counts``; other words are dropped from the
    stream as :func:`encode_corpus` drops them."""
    sink = _TokenSink(spill_bytes, tmp_dir)
    enc = _ByteEncoder(max_sentence_length, None, sink, preparation)
    for blocks in pieces:
        _feed(enc, blocks)
    tokens = sink.finish()
    lens = enc.sentence_lengths()
    offsets = np.zeros(lens.shape[0] + 1, dtype=np.int64)
    np.cumsum(lens, out=offsets[1:])
    index = {w: i for i, w in enumerate(words)}
    remap = np.array([index.get(w, -1) for w in enc.words(np.arange(enc.n_ids, dtype=np.int64))] or [-1],
                     dtype=np.int32)
    n_raw = int(tokens.shape[0])
    n_kept, new_offsets = _compact(tokens, offsets, remap)
    return EncodedCorpus(tokens=tokens[:n_kept], offsets=new_offsets, words=list(words),
                         counts=np.asarray(counts, dtype=np.int64), raw_tokens=n_raw, invalid_bytes=enc.invalid,
                         spilled=isinstance(tokens, np.memmap), _keep=[tokens])


def corpus_files(corpus) -> tuple[list[str], dict]:
    """``(files, storage options)`` of a corpus given as paths (files, folders, globs, URLs) or
    as a :class:`LineCorpus` (which carries its storage options)."""
    if isinstance(corpus, LineCorpus):
        return list(corpus.paths), dict(corpus.storage_options)
    options = fallback_options()
    return expand_paths(corpus, options), options


def _is_path_list(corpus) -> bool:
    if isinstance(corpus, (str, os.PathLike)):
        return True
    return isinstance(corpus, (list, tuple)) and bool(corpus) and all(
        isinstance(p, (str, os.PathLike)) for p in corpus
    ) and not isinstance(corpus[0], list)


def encode_corpus(
    corpus,
    *,
    min_count: int = 5,
    max_vocab: int | None = None,
    max_sentence_length: int = DEFAULT_MAX_SENTENCE_LENGTH,
    prune_at: int | None = 10_000_000,
    spill_bytes: int = 1 << 30,
    tmp_dir: str | None = None,
    preparation=None,
    documents: bool = False,
) -> EncodedCorpus:
    """Read ``corpus`` once: count words, choose the vocabulary, return token ids.

    Parameters
    ----------
    corpus : path, list of paths, LineCorpus, or iterable of token lists
        Paths are files (plain, ``.gz``, ``.bz2``, ``.xz``) or directories, read with a
        compiled tokenizer that splits on ASCII whitespace (a :class:`LineCorpus` also brings
        its storage options for URLs). Any other iterable (a list of
        lists of str, say) is encoded as given, one sentence per item.
    min_count : int, default=5
        Words seen fewer times are dropped from the vocabulary and from the token stream.
    max_vocab : int or None, default=None
        Keep at most this many of the most frequent words.
    max_sentence_length : int, default=10000
        Longer lines become consecutive sentences of at most this many tokens.
    prune_at : int or None, default=10,000,000
        When more distinct words than this are being counted, words seen at most ``n`` times
        are dropped (``n`` = 1, 2, ... on successive prunes) and a warning says so, as
        word2vec.c does. ``None`` never prunes.
    spill_bytes : int, default=1 GiB
        Token streams larger than this live in a memory-mapped temporary file, not in RAM.
    tmp_dir : str or None
        Where that temporary file goes (default: the system temporary directory).
    preparation : TextPreparation or None
        Lower-casing, word tokenising, normalisation, numbers (``wordspace.textprep``), applied
        to each block of bytes before it is tokenised (to each sentence of an in-memory corpus).
    documents : bool, default=False
        Every line (every item of an in-memory corpus) is a document, kept in its place even
        when it is empty or holds no word of the vocabulary; ``lines`` of the result gives each
        sentence's document (a line longer than ``max_sentence_length`` is several sentences of
        one document). Paragraph vectors read their corpus this way.

    Raises
    ------
    CorpusError
        Missing paths, an empty corpus, or no word reaching ``min_count``.
    """
    sink = _TokenSink(spill_bytes, tmp_dir)
    options = None
    if isinstance(corpus, LineCorpus):
        max_sentence_length = corpus.max_sentence_length or max_sentence_length
        options = corpus.storage_options
        corpus = corpus.paths
    if _is_path_list(corpus):
        files = expand_paths(corpus, options)
        where = ", ".join(f"'{f}'" for f in files[:3]) + (" ..." if len(files) > 3 else "")
        enc = _ByteEncoder(max_sentence_length, prune_at, sink, preparation, documents=documents)
        for path in files:
            _feed(enc, textfiles.iter_blocks(path, options=options))
        tokens = sink.finish()
    else:
        where = "the given corpus"
        if iter(corpus) is corpus:
            raise CorpusError(
                "corpus is an iterator and can be read only once; pass a list of token lists, "
                "a path, or a wordspace.LineCorpus instead"
            )
        enc = _ListEncoder(max_sentence_length, sink, documents=documents)
        for sent in corpus:
            if isinstance(sent, (str, bytes)):
                raise CorpusError(
                    "corpus items must be lists of tokens, got a str; split your sentences "
                    "(for example [line.split() for line in lines]) or pass file paths"
                )
            sent = list(sent)
            if preparation is not None and not preparation.is_identity and all(isinstance(t, str) for t in sent):
                sent = preparation.tokens(" ".join(sent))
            enc.feed(sent)
        tokens = sink.finish()
        enc.finish_counts(tokens)
    if enc.invalid:
        warnings.warn(
            f"{where}: replaced {enc.invalid:,} invalid UTF-8 byte(s) with U+FFFD while reading",
            RuntimeWarning,
            stacklevel=2,
        )
    lens = enc.sentence_lengths()
    offsets = np.zeros(lens.shape[0] + 1, dtype=np.int64)
    np.cumsum(lens, out=offsets[1:])
    n_raw = int(tokens.shape[0])
    if n_raw == 0:
        raise CorpusError(f"corpus {where} is empty: it holds no tokens")
    assert offsets[-1] == n_raw, (offsets[-1], n_raw)
    words, counts, remap = select_vocab(enc.word, enc.counts[: enc.n_ids], min_count, max_vocab,
                                        words_of=getattr(enc, "words", None))
    if not words:
        top = int(enc.counts[: enc.n_ids].max())
        raise CorpusError(
            f"no word of {where} occurs at least min_count={min_count} times (the most "
            f"frequent occurs {top} times); lower --min-count or use a larger corpus"
        )
    n_kept, new_offsets = _compact(tokens, offsets, remap, keep_empty=documents)
    return EncodedCorpus(
        tokens=tokens[:n_kept],
        offsets=new_offsets,
        words=words,
        counts=counts,
        raw_tokens=n_raw,
        invalid_bytes=enc.invalid,
        pruned=enc.pruned,
        spilled=isinstance(tokens, np.memmap),
        lines=enc.sentence_lines() if documents else None,
        _keep=[tokens],
    )


def restrict_vocabulary(encoded: EncodedCorpus, min_count: int, max_vocab: int | None = None) -> EncodedCorpus:
    """``encoded`` with only the words seen at least ``min_count`` times (at most ``max_vocab``
    of them, most frequent first), the others dropped from its token stream (after a step that
    needed every word, such as joining phrases)."""
    words, counts, remap = select_vocab(encoded.words.__getitem__, encoded.counts, min_count, max_vocab)
    if not words:
        raise CorpusError(f"no word occurs at least min_count={min_count} times; lower --min-count or use a larger corpus")
    tokens = encoded.tokens
    n_kept, new_offsets = _compact(tokens, encoded.offsets, remap, keep_empty=encoded.lines is not None)
    return EncodedCorpus(tokens=tokens[:n_kept], offsets=new_offsets, words=words, counts=counts,
                         raw_tokens=encoded.raw_tokens, invalid_bytes=encoded.invalid_bytes, pruned=encoded.pruned,
                         spilled=encoded.spilled, lines=encoded.lines, _keep=[tokens, *encoded._keep])


def remap_corpus(encoded: EncodedCorpus, remap: np.ndarray, words: list, counts: np.ndarray) -> EncodedCorpus:
    """``encoded`` with its word ids mapped through ``remap`` onto the vocabulary ``words`` /
    ``counts`` (-1 drops a word from the stream): training on new text with an existing
    vocabulary."""
    tokens = np.array(encoded.tokens, dtype=np.int32)  # a copy: the mapping happens in place
    documents = encoded.lines is not None
    n_kept, new_offsets = _compact(tokens, encoded.offsets, np.asarray(remap, dtype=np.int32), keep_empty=documents)
    return EncodedCorpus(tokens=tokens[:n_kept], offsets=new_offsets, words=list(words),
                         counts=np.asarray(counts, dtype=np.int64), raw_tokens=encoded.raw_tokens,
                         invalid_bytes=encoded.invalid_bytes, pruned=encoded.pruned, lines=encoded.lines)
