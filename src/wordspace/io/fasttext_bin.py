"""Facebook fastText ``.bin`` models (unsupervised, not quantized): words and subword vectors.

Layout (little-endian, as fastText's ``FastText::saveModel`` writes it): int32 magic
793712314 and version (11 or 12); the arguments (12 int32: dim, ws, epoch, minCount, neg,
wordNgrams, loss, model, bucket, minn, maxn, lrUpdateRate; then float64 t); the dictionary
(int32 size, nwords, nlabels; int64 ntokens, pruneidx_size; per entry a NUL-terminated UTF-8
word, int64 count, int8 type; then pruneidx pairs); a bool "quantized" and the input matrix
(int64 rows, int64 cols, float32 data: ``nwords + bucket`` rows); then the output matrix.

The input matrix is memory-mapped: the word vectors (mean of a word's row and its n-gram rows,
fastText's ``getWordVector``) are computed once, and the n-gram rows stay on disk until used.
"""

from __future__ import annotations

import struct

import numpy as np

from ..errors import DuplicateKeyError, FormatError
from ..subwords import MAX_NGRAM
from ..untrusted import check_regular, open_regular

__all__ = ["load_fasttext_bin", "is_fasttext_bin", "MAGIC"]

MAGIC = 793712314
_ARGS = struct.Struct("<12id")
_DICT = struct.Struct("<3i2q")
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
    """Whether ``path`` starts with fastText's magic number."""
    try:
        with open_regular(path, "a fastText model") as fh:
            head = fh.read(4)
    except (OSError, FormatError):
        return False
    return len(head) == 4 and struct.unpack("<i", head)[0] == MAGIC


def _read_exact(fh, n: int, path: str, what: str) -> bytes:
    data = fh.read(n)
    if len(data) != n:
        raise FormatError(f"'{path}' is truncated: it ends inside the {what} (offset {fh.tell()})")
    return data


def _check_output_matrix(path: str, at: int, size_on_disk: int) -> None:
    """The output matrix is not needed for word vectors, but a file cut inside it is damaged."""
    with open_regular(path, "a fastText model") as fh:
        fh.seek(at)
        head = fh.read(17)
    if len(head) < 17:
        raise FormatError(f"'{path}' is truncated: it ends before the output matrix (offset {at:,})")
    if head[0]:
        return  # a quantized output matrix: its size is not checked here
    rows, cols = struct.unpack("<2q", head[1:])
    need = at + 17 + rows * cols * 4
    if rows < 0 or cols < 0 or need > size_on_disk:
        raise FormatError(f"'{path}' is truncated: the output matrix ({rows} x {cols}) needs {need:,} bytes "
                          f"in all, the file has {size_on_disk:,}")


def load_fasttext_bin(path: str, encoding: str = "utf-8", unicode_errors: str = "strict", *, cls):
    """Read a fastText ``.bin`` model into :class:`~wordspace.Vectors` with subword vectors.

    Keys are the model's words in its order (``</s>``, fastText's end-of-line token, included),
    vectors are fastText's word vectors, and unknown words get the mean of their n-gram rows
    (``vectors.oov == "subwords"``).
    """
    from .._kernels.fasttext import compose_rows
    from ..subwords import Subwords, subword_table

    size_on_disk = check_regular(path, "a fastText model")
    with open_regular(path, "a fastText model") as fh:
        magic, version = struct.unpack("<2i", _read_exact(fh, 8, path, "header"))
        if magic != MAGIC:
            raise FormatError(f"'{path}' is not a fastText model (magic {magic}, expected {MAGIC})")
        if version not in (11, 12):
            raise FormatError(f"'{path}' is a fastText model of file version {version}; versions 11 and 12 are supported")
        (dim, ws, epoch, min_count, neg, word_ngrams, loss, model, bucket, minn, maxn,
         lr_update, t) = _ARGS.unpack(_read_exact(fh, _ARGS.size, path, "arguments"))
        if model == 3:
            raise FormatError(f"'{path}' is a supervised (classification) fastText model; only word-vector "
                              "models (skipgram, cbow) can be loaded")
        size, nwords, nlabels, ntokens, prune_size = _DICT.unpack(_read_exact(fh, _DICT.size, path, "dictionary"))
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
        for i in range(size):
            end = block.find(b"\0", pos)
            while end < 0 or end + 9 >= len(block):
                more = fh.read(1 << 20)
                if not more:
                    raise FormatError(f"'{path}' is truncated: it ends inside dictionary entry {i + 1} of {size}")
                block += more
                end = block.find(b"\0", pos)
            try:
                words.append(block[pos:end].decode(encoding, unicode_errors))
            except UnicodeDecodeError as exc:
                raise FormatError(f"'{path}': dictionary entry {i + 1} is not valid {encoding} ({exc.reason}); "
                                  "pass encoding=... or unicode_errors='replace'") from None
            counts[i] = struct.unpack_from("<q", block, end + 1)[0]
            pos = end + 10
        fh.seek(start + pos)
        if prune_size > 0:
            raise FormatError(f"'{path}' is a pruned (quantized) fastText model; only full models can be loaded")
        quantized = _read_exact(fh, 1, path, "matrix header")[0]
        if quantized:
            raise FormatError(f"'{path}' holds a quantized input matrix (.ftz); only full models can be loaded")
        rows, cols = struct.unpack("<2q", _read_exact(fh, 16, path, "matrix header"))
        offset = fh.tell()
    if rows != nwords + bucket or cols != dim:
        raise FormatError(f"'{path}': the input matrix is {rows} x {cols}; expected {nwords + bucket} x {dim} "
                          "(words + buckets by dim)")
    if offset + rows * cols * 4 > size_on_disk:
        raise FormatError(f"'{path}' is truncated: the input matrix needs {rows * cols * 4:,} bytes from offset "
                          f"{offset:,}, the file has {size_on_disk - offset:,}")
    _check_output_matrix(path, offset + rows * cols * 4, size_on_disk)
    matrix = np.memmap(path, dtype="<f4", mode="r", offset=offset, shape=(rows, cols))
    words = words[:nwords]
    has_grams = maxn > 0 and bucket > 0  # otherwise words have no n-gram rows (and none may be read)
    sub_off, sub_ids = subword_table(words, max(minn, 1), maxn if has_grams else 0, max(bucket, 1))
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
    grams = Subwords(matrix[nwords:], max(minn, 1), maxn) if has_grams else None
    try:
        return cls(words, vectors, counts=counts[:nwords], metadata=meta, subwords=grams, source=path)
    except DuplicateKeyError as exc:
        raise FormatError(f"'{path}': dictionary entry {exc.position + 1} repeats the word {exc.key!r}") from None
