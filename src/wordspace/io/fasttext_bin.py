"""Facebook fastText ``.bin`` and quantized ``.ftz`` models: words and subword vectors; the word
vectors of supervised models too (their labels and predictions: ``io.fasttext_supervised``).

Layout (little-endian, as fastText's ``FastText::saveModel`` writes it): int32 magic
793712314 and version (11 or 12); the arguments (12 int32: dim, ws, epoch, minCount, neg,
wordNgrams, loss, model, bucket, minn, maxn, lrUpdateRate; then float64 t); the dictionary
(int32 size, nwords, nlabels; int64 ntokens, pruneidx_size; per entry a NUL-terminated UTF-8
word, int64 count, int8 type; then pruneidx pairs); a bool "quantized" and the input matrix
(int64 rows, int64 cols, float32 data: ``nwords + bucket`` rows); then the output matrix. Files
from before fastText 0.9 have no magic number, version, pruneidx_size or "quantized" bytes. A
quantized file (``.ftz``) holds product-quantised matrices (``QuantizedRows``) and, when its
n-grams were cut, keeps only the rows of the buckets in its pruneidx table.

The input matrix is memory-mapped: the word vectors (mean of a word's row and its n-gram rows,
fastText's ``getWordVector``) are computed once, and the n-gram rows stay on disk until used
(a quantized matrix is decoded, within ``MAX_EXPANSION`` times the file's size).
"""

from __future__ import annotations

import struct
from typing import NamedTuple

import numpy as np

from ..errors import DuplicateKeyError, FormatError
from ..subwords import MAX_NGRAM
from ..untrusted import check_regular, open_regular

__all__ = ["load_fasttext_bin", "is_fasttext_bin", "read_model", "FastTextModel", "MAGIC"]

MAGIC = 793712314
_ARGS = struct.Struct("<12id")
_DICT = struct.Struct("<3i2q")
_OLD_DICT = struct.Struct("<3iq")  # before fastText 0.9's file version: no pruneidx_size
EOS = "</s>"
_MODELS = {1: "cbow", 2: "skipgram", 3: "supervised"}
_LOSSES = {1: "hs", 2: "ns", 3: "softmax", 4: "ova"}
MAX_DIM = 1 << 20  # sanity bounds for header values


def _finite_rows(matrix, block: int = 1 << 16) -> bool:
    for s in range(0, matrix.shape[0], block):
        part = np.asarray(matrix[s : s + block])
        if not np.isfinite(part.sum()) and not np.isfinite(part).all():
            return False
    return True


def is_fasttext_bin(path: str) -> bool:
    """Whether ``path`` starts with fastText's magic number, or with the plausible arguments and
    dictionary header of a model written before fastText had one (gensim reads those too)."""
    try:
        with open_regular(path, "a fastText model") as fh:
            head = fh.read(_ARGS.size + _OLD_DICT.size)
    except (OSError, FormatError):
        return False
    if len(head) >= 4 and struct.unpack_from("<i", head)[0] == MAGIC:
        return True
    return _old_header_ok(head)


def _old_header_ok(head: bytes) -> bool:
    """Whether ``head`` reads as the arguments and dictionary header of an old (pre-0.9,
    unversioned) fastText file: every value in the range fastText allows."""
    if len(head) < _ARGS.size + _OLD_DICT.size:
        return False
    dim, ws, epoch, min_count, neg, word_ngrams, loss, model, bucket, minn, maxn, lr_update, t = \
        _ARGS.unpack_from(head)
    size, nwords, nlabels, ntokens = _OLD_DICT.unpack_from(head, _ARGS.size)
    return (1 <= dim <= MAX_DIM and 1 <= ws <= 10_000 and 1 <= epoch <= 1_000_000 and 0 <= min_count
            and 0 <= neg <= 10_000 and 1 <= word_ngrams <= 100 and loss in _LOSSES and model in _MODELS
            and 0 <= bucket <= 1 << 31 and 0 <= minn <= maxn <= MAX_NGRAM and lr_update >= 0
            and 0.0 <= t <= 1.0 and 1 <= size and 0 <= nlabels and nwords + nlabels == size and 0 <= ntokens)


def _read_exact(fh, n: int, path: str, what: str) -> bytes:
    data = fh.read(n)
    if len(data) != n:
        raise FormatError(f"'{path}' is truncated: it ends inside the {what} (offset {fh.tell()})")
    return data


def _check_output_matrix(path: str, at: int, size_on_disk: int, versioned: bool = True) -> None:
    """The output matrix is not needed for word vectors, but a file cut inside it is damaged.
    ``versioned``: the file has fastText's magic number, and so a "quantized" byte before each
    matrix."""
    flag = 1 if versioned else 0
    with open_regular(path, "a fastText model") as fh:
        fh.seek(at)
        head = fh.read(16 + flag)
    if len(head) < 16 + flag:
        raise FormatError(f"'{path}' is truncated: it ends before the output matrix (offset {at:,})")
    if flag and head[0]:
        return  # a quantized output matrix: its size is not checked here
    rows, cols = struct.unpack("<2q", head[flag:])
    need = at + 16 + flag + rows * cols * 4
    if rows < 0 or cols < 0 or need > size_on_disk:
        raise FormatError(f"'{path}' is truncated: the output matrix ({rows} x {cols}) needs {need:,} bytes "
                          f"in all, the file has {size_on_disk:,}")


class FastTextModel(NamedTuple):
    """What :func:`read_model` reads from a fastText ``.bin`` file: everything before the input
    matrix, and where the two matrices start."""

    path: str
    version: int  # 11 or 12; 0 for a file written before fastText 0.9 (no magic number)
    versioned: bool
    args: dict  # dim, ws, epoch, min_count, neg, word_ngrams, loss, model, bucket, minn, maxn, lr_update, t
    words: list  # the dictionary's entries, decoded: the words, then the labels
    counts: np.ndarray
    types: np.ndarray  # 0 word, 1 label
    nwords: int
    nlabels: int
    ntokens: int
    raw_keys: bool  # the entries' own bytes are in raw_entries (keys decoded other than as UTF-8)
    raw_entries: list
    undecoded: dict  # entry -> its bytes, for entries that were not valid text
    rows: int  # the input matrix: rows x cols float32 at offset
    cols: int
    offset: int
    output_at: int  # where the output matrix's header starts
    quant: "QuantizedRows | None" = None  # the input matrix of a quantized model (.ftz), else None
    pruneidx: dict = {}  # pruned models: n-gram bucket -> its row after the words


class QuantizedRows(NamedTuple):
    """A product-quantised matrix as fastText's ``QuantMatrix`` saves it: each row is the
    concatenation of one centroid per sub-space (``codes[row, j]`` picks sub-space ``j``'s), times
    a quantised norm when ``norm_codes`` is given."""

    rows: int
    dim: int
    codes: np.ndarray  # (rows, nsubq) uint8
    centroids: list  # per sub-space: (256, width) float32
    norm_codes: np.ndarray | None
    norms: np.ndarray | None  # (256,) float32

    def decode(self, which=None) -> np.ndarray:
        """Rows ``which`` (all by default) as float32."""
        codes = self.codes if which is None else self.codes[np.asarray(which, dtype=np.int64)]
        out = np.concatenate([c[codes[:, j]] for j, c in enumerate(self.centroids)], axis=1)
        if self.norm_codes is not None:
            nc = self.norm_codes if which is None else self.norm_codes[np.asarray(which, dtype=np.int64)]
            out *= self.norms[nc][:, None]
        return out.astype(np.float32)


#: a quantized matrix may not decode to more than this many times the file's size
MAX_EXPANSION = 128


def _read_quantizer(fh, path: str, what: str):
    """``(dim, nsubq, dsub, lastdsub, centroids per sub-space)`` of a ``ProductQuantizer``."""
    dim, nsubq, dsub, lastdsub = struct.unpack("<4i", _read_exact(fh, 16, path, what))
    if not (1 <= dim <= MAX_DIM and 1 <= nsubq <= dim and 1 <= dsub <= dim and 1 <= lastdsub <= dim
            and (nsubq - 1) * dsub + lastdsub == dim):
        raise FormatError(f"'{path}': implausible {what} (dim {dim}, {nsubq} sub-spaces of {dsub}, the last of "
                          f"{lastdsub}): the file is damaged")
    flat = np.frombuffer(_read_exact(fh, dim * 256 * 4, path, what), dtype="<f4")
    if not np.isfinite(flat).all():
        raise FormatError(f"'{path}': the {what} holds NaN or infinity: the file is damaged")
    parts = [flat[j * 256 * dsub : (j + 1) * 256 * dsub].reshape(256, dsub) for j in range(nsubq - 1)]
    start = (nsubq - 1) * 256 * dsub
    parts.append(flat[start : start + 256 * lastdsub].reshape(256, lastdsub))
    return dim, nsubq, parts


def _read_quantized(fh, path: str, size_on_disk: int) -> QuantizedRows:
    """fastText's ``QuantMatrix::save``: bool qnorm, int64 m, int64 n, int32 codesize, the codes,
    the product quantizer, then (qnorm) m norm codes and the norms' quantizer."""
    qnorm = _read_exact(fh, 1, path, "quantized matrix")[0]
    m, n = struct.unpack("<2q", _read_exact(fh, 16, path, "quantized matrix"))
    (codesize,) = struct.unpack("<i", _read_exact(fh, 4, path, "quantized matrix"))
    if not (0 <= m and 1 <= n <= MAX_DIM and 0 <= codesize <= size_on_disk - fh.tell()):
        raise FormatError(f"'{path}': implausible quantized matrix ({m} x {n}, {codesize:,} code bytes): the file is "
                          "damaged")
    codes = np.frombuffer(_read_exact(fh, codesize, path, "quantized codes"), dtype=np.uint8)
    dim, nsubq, centroids = _read_quantizer(fh, path, "product quantizer")
    if dim != n or codesize != m * nsubq:
        raise FormatError(f"'{path}': the quantized matrix ({m} x {n}, {codesize:,} codes) does not match its "
                          f"quantizer ({dim} dims, {nsubq} sub-spaces): the file is damaged")
    if m * n * 4 > MAX_EXPANSION * size_on_disk:
        raise FormatError(f"'{path}': the quantized matrix would decode to {m * n * 4:,} bytes, over {MAX_EXPANSION} "
                          "times the file's size: refused as damaged")
    norm_codes = norms = None
    if qnorm:
        norm_codes = np.frombuffer(_read_exact(fh, m, path, "norm codes"), dtype=np.uint8)
        ndim, _, nparts = _read_quantizer(fh, path, "norm quantizer")
        if ndim != 1:
            raise FormatError(f"'{path}': the norm quantizer has {ndim} dimensions, not 1: the file is damaged")
        norms = nparts[0][:, 0]
    return QuantizedRows(int(m), int(n), codes.reshape(m, nsubq), centroids, norm_codes, norms)


def read_model(path: str, encoding: str = "utf-8", unicode_errors: str | None = None) -> FastTextModel:
    """The header, arguments and dictionary of a fastText ``.bin`` file (untrusted: every count
    checked against the file's size). A quantized model (``.ftz``) comes with its input matrix as
    :class:`QuantizedRows` (``quant``) and, when its n-grams were cut, ``pruneidx``."""
    size_on_disk = check_regular(path, "a fastText model")
    with open_regular(path, "a fastText model") as fh:
        magic, version = struct.unpack("<2i", _read_exact(fh, 8, path, "header"))
        versioned = magic == MAGIC
        if not versioned:  # written before fastText 0.9: the arguments start the file
            fh.seek(0)
            if not _old_header_ok(fh.read(_ARGS.size + _OLD_DICT.size)):
                raise FormatError(f"'{path}' is not a fastText model (magic {magic}, expected {MAGIC}, and not the "
                                  "header of an older, unversioned model)")
            fh.seek(0)
            version = 0
        elif version not in (11, 12):
            raise FormatError(f"'{path}' is a fastText model of file version {version}; versions 11 and 12 are supported")
        (dim, ws, epoch, min_count, neg, word_ngrams, loss, model, bucket, minn, maxn,
         lr_update, t) = _ARGS.unpack(_read_exact(fh, _ARGS.size, path, "arguments"))
        if versioned:
            size, nwords, nlabels, ntokens, prune_size = _DICT.unpack(_read_exact(fh, _DICT.size, path,
                                                                                  "dictionary"))
        else:
            size, nwords, nlabels, ntokens = _OLD_DICT.unpack(_read_exact(fh, _OLD_DICT.size, path, "dictionary"))
            prune_size = -1  # not pruned
        start = fh.tell()
        # every entry takes at least 10 bytes (a NUL-terminated word, an int64 count, an int8 type)
        if not (1 <= nwords <= size) or nlabels < 0 or nwords + nlabels != size or size * 10 > size_on_disk - start:
            raise FormatError(f"'{path}': implausible dictionary ({size:,} entries, {nwords:,} words, {nlabels:,} labels "
                              f"in a file of {size_on_disk:,} bytes): the file is damaged")
        if not 1 <= dim <= MAX_DIM:
            raise FormatError(f"'{path}': the arguments say dimension {dim}; it must be in 1..{MAX_DIM:,}")
        if bucket < 0 or minn < 0 or maxn < 0 or maxn > MAX_NGRAM or (maxn and not 1 <= minn <= maxn):
            raise FormatError(f"'{path}': implausible subword settings (bucket {bucket}, minn {minn}, maxn {maxn}): "
                              "the file is damaged")
        # entries are NUL-terminated words followed by 9 bytes (int64 count, int8 type)
        block = fh.read(min(size_on_disk - start, size * 64 + 1024))
        words, counts, pos = [], np.empty(size, dtype=np.int64), 0
        types = np.empty(size, dtype=np.int8)
        undecoded: dict = {}  # entry -> its bytes, for entries that are not valid text
        raw_keys = encoding.replace("-", "").lower() != "utf8" or unicode_errors not in (None, "strict")
        raw_entries = []
        for i in range(size):
            end = block.find(b"\0", pos)
            while end < 0 or end + 9 >= len(block):
                more = fh.read(1 << 20)
                if not more:
                    raise FormatError(f"'{path}' is truncated: it ends inside dictionary entry {i + 1} of {size}")
                block += more
                end = block.find(b"\0", pos)
            entry = block[pos:end]
            if raw_keys:
                raw_entries.append(entry)
            try:
                words.append(entry.decode(encoding, unicode_errors or "strict"))
            except UnicodeDecodeError as exc:
                if unicode_errors is not None:
                    raise FormatError(f"'{path}': dictionary entry {i + 1} is not valid {encoding} ({exc.reason}); "
                                      "pass encoding=... or unicode_errors='replace'") from None
                words.append(entry.decode(encoding, "backslashreplace"))
                undecoded[i] = entry
            counts[i] = struct.unpack_from("<q", block, end + 1)[0]
            types[i] = struct.unpack_from("<b", block, end + 9)[0]
            pos = end + 10
        fh.seek(start + pos)
        pruneidx: dict = {}
        if prune_size > 0:  # a pruned (quantized) model: n-gram bucket -> its row among the kept ones
            if prune_size * 8 > size_on_disk - fh.tell() or prune_size > max(bucket, 0):
                raise FormatError(f"'{path}': implausible pruned n-gram table ({prune_size:,} entries): the file is "
                                  "damaged")
            pairs = np.frombuffer(_read_exact(fh, prune_size * 8, path, "pruned n-grams"), dtype="<i4")
            keys, values = pairs[0::2], pairs[1::2]
            if keys.min() < 0 or keys.max() >= bucket or values.min() < 0 or values.max() >= prune_size:
                raise FormatError(f"'{path}': the pruned n-gram table points outside the buckets: the file is damaged")
            pruneidx = dict(zip(keys.tolist(), values.tolist()))
        quantized = _read_exact(fh, 1, path, "matrix header")[0] if versioned else 0
        quant = None
        if quantized:
            quant = _read_quantized(fh, path, size_on_disk)
            rows, cols, offset = quant.rows, quant.dim, fh.tell()
            out_at = fh.tell()
        else:
            rows, cols = struct.unpack("<2q", _read_exact(fh, 16, path, "matrix header"))
            offset = fh.tell()
            out_at = offset + rows * cols * 4
    n_grams = prune_size if prune_size >= 0 else bucket  # a pruned model keeps prune_size n-gram rows
    if rows != nwords + n_grams or cols != dim:
        raise FormatError(f"'{path}': the input matrix is {rows} x {cols}; expected {nwords + n_grams} x {dim} "
                          "(words + n-gram rows by dim)")
    if not quantized and offset + rows * cols * 4 > size_on_disk:
        raise FormatError(f"'{path}' is truncated: the input matrix needs {rows * cols * 4:,} bytes from offset "
                          f"{offset:,}, the file has {size_on_disk - offset:,}")
    _check_output_matrix(path, out_at, size_on_disk, versioned)
    args = dict(zip(("dim", "ws", "epoch", "min_count", "neg", "word_ngrams", "loss", "model", "bucket", "minn", "maxn",
                     "lr_update", "t"), (dim, ws, epoch, min_count, neg, word_ngrams, loss, model, bucket, minn, maxn,
                                         lr_update, t)))
    return FastTextModel(path, version, versioned, args, words, counts, types, nwords, nlabels, int(ntokens),
                         raw_keys, raw_entries, undecoded, rows, cols, offset, out_at, quant, pruneidx)


def prune_table(offsets: np.ndarray, ids: np.ndarray, nwords: int, pruneidx: dict):
    """A subword table (``subwords.subword_table``) of a pruned model: each n-gram row ``nwords +
    bucket`` becomes ``nwords + pruneidx[bucket]``, and n-grams that were cut are dropped (as
    fastText's ``Dictionary::pushHash`` drops them)."""
    out_ids, out_off = [], [0]
    for w in range(len(offsets) - 1):
        for i in ids[offsets[w] : offsets[w + 1]].tolist():
            if i < nwords:
                out_ids.append(i)
            elif i - nwords in pruneidx:
                out_ids.append(nwords + pruneidx[i - nwords])
        out_off.append(len(out_ids))
    return np.asarray(out_off, dtype=np.int64), np.asarray(out_ids, dtype=np.int32)


def load_fasttext_bin(path: str, encoding: str = "utf-8", unicode_errors: str | None = None, *, cls):
    """Read a fastText ``.bin`` model into :class:`~wordspace.Vectors` with subword vectors.

    Keys are the model's words in its order (``</s>``, fastText's end-of-line token, included),
    vectors are fastText's word vectors, and unknown words get the mean of their n-gram rows
    (``vectors.oov == "subwords"``). Words and their n-grams are hashed from the file's own bytes,
    as fastText hashes them, whatever ``encoding`` makes of the keys: by default (``unicode_errors``
    None) a dictionary entry that is not valid ``encoding`` still loads, its key showing the odd
    bytes as ``\\xNN`` escapes (a warning counts them), as fastText and gensim load such files;
    ``unicode_errors="strict"`` refuses them, and any other Python error handler decodes them so.
    """
    from .._kernels.fasttext import compose_rows
    from ..subwords import Subwords, subword_table

    m = read_model(path, encoding, unicode_errors)  # a supervised model gives its words' vectors too
    version, nwords, bucket, minn, maxn, dim = m.version, m.nwords, m.args["bucket"], m.args["minn"], \
        m.args["maxn"], m.args["dim"]
    ws, epoch, min_count, neg, word_ngrams, loss, model, t = (m.args[k] for k in (
        "ws", "epoch", "min_count", "neg", "word_ngrams", "loss", "model", "t"))
    rows, cols, offset, counts, ntokens = m.rows, m.cols, m.offset, m.counts, m.ntokens
    words, raw_keys, raw_entries, undecoded = m.words, m.raw_keys, m.raw_entries, m.undecoded
    pruned = m.rows != nwords + bucket  # a quantized model whose n-grams were cut (-cutoff)
    if m.quant is not None:
        matrix = m.quant.decode()
    else:
        matrix = np.memmap(path, dtype="<f4", mode="r", offset=offset, shape=(rows, cols))
    words = words[:nwords]
    has_grams = maxn > 0 and bucket > 0  # otherwise words have no n-gram rows (and none may be read)
    if raw_keys or undecoded:  # hash what the file holds, not what the keys became
        hashed = [raw_entries[i] for i in range(nwords)] if raw_keys else \
            [undecoded.get(i, w) for i, w in enumerate(words)]
    else:
        hashed = words
    sub_off, sub_ids = subword_table(hashed, max(minn, 1), maxn if has_grams else 0, max(bucket, 1))
    if pruned:
        sub_off, sub_ids = prune_table(sub_off, sub_ids, nwords, m.pruneidx)
    if undecoded:
        import warnings

        warnings.warn(f"'{path}': {len(undecoded):,} dictionary entries are not valid {encoding}; their keys show the "
                      "odd bytes as \\xNN escapes (their vectors are the file's own)", stacklevel=4)
    if sub_ids.shape[0] and (sub_ids.min() < 0 or sub_ids.max() >= rows):  # never read outside the matrix
        raise FormatError(f"'{path}': subword rows fall outside the input matrix: the file is damaged")
    if not _finite_rows(matrix):
        raise FormatError(f"'{path}': the input matrix holds NaN or infinity: the file is damaged")
    vectors = np.empty((nwords, dim), dtype=np.float32)
    compose_rows(matrix, sub_off, sub_ids, vectors)
    if EOS in words:  # fastText gives its end-of-line token no n-grams
        i = words.index(EOS)
        vectors[i] = matrix[i]
    meta = {"algorithm": "fasttext", "source": "facebook-fasttext-bin", "file_version": version,
            "params": {"dim": dim, "window": ws, "epochs": epoch, "min_count": min_count, "negative": neg,
                       "word_ngrams": word_ngrams, "loss": _LOSSES.get(loss, loss),
                       "architecture": _MODELS.get(model, model), "buckets": bucket, "min_n": minn,
                       "max_n": maxn, "sample": t},
            "corpus": {"tokens": int(ntokens)}}
    if not has_grams:
        grams = None
    elif pruned:  # the kept n-grams' rows, as a compact table over their bucket numbers
        kept = np.array(sorted(m.pruneidx), dtype=np.int64)
        rows_of = np.array([nwords + m.pruneidx[b] for b in kept.tolist()], dtype=np.int64)
        grams = Subwords(np.asarray(matrix[rows_of]), max(minn, 1), maxn, ids=kept, buckets=bucket)
    else:
        grams = Subwords(matrix[nwords:], max(minn, 1), maxn)
    try:
        return cls(words, vectors, counts=counts[:nwords], metadata=meta, subwords=grams, source=path)
    except DuplicateKeyError as exc:
        raise FormatError(f"'{path}': dictionary entry {exc.position + 1} repeats the word {exc.key!r}") from None
