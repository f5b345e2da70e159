"""Reading and writing vectors: format detection and atomic writes.

``save``/``load`` dispatch to ``word2vec_format`` (word2vec text and binary, GloVe text,
fastText .vec), ``native`` (wordspace's memory-mapped format) and, for reading only,
``fasttext_bin`` (Facebook fastText models with their subword vectors). The readers fill the
class they are given (``wordspace.Vectors`` passes itself), so ``io`` imports nothing above it;
names of published vectors are resolved by ``wordspace.load``, before ``io`` is reached.
"""

from __future__ import annotations

import os

import lzma
import struct
import zlib

from .._validation import Interval, Options, check_param
from ..errors import FormatError, InvalidParameterError, WordspaceError

__all__ = ["save", "load", "head", "in_memory", "mapped_bytes", "detect_format", "format_for_path", "replaceable_by",
           "dropped_by", "FORMATS"]

FORMATS = ("native", "word2vec-binary", "word2vec-text")  # writable
READ_FORMATS = FORMATS + ("fasttext-bin", "model2vec")


def format_for_path(path: str, format: str | None = None) -> str:
    """The format a path's extension implies (``format`` wins when given)."""
    if format is not None:
        check_param("format", format, [Options(tuple(FORMATS))])
        return format
    ext = os.path.splitext(os.fspath(path))[1].lower()
    if ext == ".bin":
        return "word2vec-binary"
    if ext in (".txt", ".vec"):
        return "word2vec-text"
    return "native"


def replaceable_by(format: str):
    """``(path) -> bool``: whether an existing file or folder at an output path may be replaced
    by a writer of ``format``: a whole, valid file of that format (with the header wordspace
    writes), or a native model folder holding nothing else (``wordspace.atomic``'s rule)."""
    if format == "native":
        from .native import owns_native_dir

        return owns_native_dir
    from .word2vec_format import owns_word2vec_file

    binary = format == "word2vec-binary"
    return lambda path: owns_word2vec_file(path, binary)


def dropped_by(vectors, format: str) -> list[str]:
    """What ``vectors`` hold that a file of ``format`` cannot keep (for a warning)."""
    lost = []
    if format != "native":
        if getattr(vectors, "subwords", None) is not None:
            lost.append("subword n-gram vectors (unknown words will have no vector)")
        if vectors.counts is not None:
            lost.append("word counts")
        if vectors.metadata:
            lost.append("metadata (training parameters and history)")
    return lost


def save(vectors, path, format: str | None = None, inputs=()) -> str:
    """Write ``vectors`` to ``path`` in ``format`` (from the extension when None), atomically;
    vectors holding NaN, infinity or duplicate keys are refused, and so is a path that is the
    file the vectors were read from (``vectors.source``) or one of ``inputs``."""
    path = os.fspath(path)
    fmt = format_for_path(path, format)
    check_writable_vectors(vectors)
    inputs = (*inputs, getattr(vectors, "source", None))
    if fmt == "native":
        from .native import save_native

        save_native(vectors, path, inputs=inputs)
    else:
        from .word2vec_format import save_word2vec

        save_word2vec(vectors, path, binary=fmt == "word2vec-binary", inputs=inputs)
    return path


def mapped_bytes(vectors) -> int:
    """Bytes of ``vectors`` that are memory-mapped from files (the matrix, subword rows)."""
    import numpy as np

    arrays = [vectors.matrix] + ([vectors.subwords.matrix] if getattr(vectors, "subwords", None) is not None else [])
    return sum(a.nbytes for a in arrays if isinstance(a, np.memmap) or isinstance(getattr(a, "base", None), np.memmap))


def in_memory(vectors):
    """``vectors`` with their memory-mapped arrays copied into this process's memory (the same
    object when nothing is mapped). A long-running process that holds a map can be killed by
    SIGBUS when another program truncates the file in place (``cp new.npy model/``); a copy
    cannot (docs/files.md, "Memory maps")."""
    import numpy as np

    from ..subwords import Subwords

    if not mapped_bytes(vectors):
        return vectors
    sub = vectors.subwords
    if sub is not None:
        sub = Subwords(np.array(sub.matrix), sub.min_n, sub.max_n, **({"ids": sub.ids, "buckets": sub.buckets}
                                                                       if sub.is_compact else {}))
    out = type(vectors)(vectors.keys, np.array(vectors.matrix), counts=vectors.counts, metadata=vectors.metadata,
                        subwords=sub, oov=vectors.oov, check_keys=False, source=vectors.source)
    out.quantized = vectors.quantized
    out.sentence_tokenizer = vectors.sentence_tokenizer
    return out


def head(vectors, n: int):
    """The first ``n`` keys of ``vectors`` with their counts, metadata and subword vectors."""
    check_param("limit", n, [Interval(int, 1, None)])
    if n >= len(vectors):
        return vectors
    counts = None if vectors.counts is None else vectors.counts[:n]
    out = type(vectors)(vectors.keys[:n], vectors.matrix[:n], counts, vectors.metadata, subwords=vectors.subwords)
    out.sentence_tokenizer = getattr(vectors, "sentence_tokenizer", None)
    return out


def detect_format(path: str) -> str:
    """Guess the format of an existing file or directory from its content."""
    from .native import is_native

    if is_native(path):
        return "native"
    from ..tokenized import is_model2vec_dir

    if is_model2vec_dir(path):
        return "model2vec"
    if not os.path.isfile(path):
        from ..untrusted import kind_of

        what = "a folder without wordspace.json" if os.path.isdir(path) else kind_of(os.stat(path).st_mode)
        raise FormatError(f"'{path}' is {what}: neither a vectors file nor a wordspace model directory")
    from .fasttext_bin import is_fasttext_bin
    from .word2vec_format import compression_of, sniff_binary

    if is_fasttext_bin(path):
        return "fasttext-bin"
    if compression_of(path):
        return "word2vec-text"  # vectors.txt.gz, read through the decompressor
    return "word2vec-binary" if sniff_binary(path) else "word2vec-text"


def load(path, format: str | None = None, *, cls, **kwargs):
    """Read vectors from the file or model folder ``path`` (format detected from the content
    unless given) as ``cls`` (``wordspace.Vectors``, which calls this: ``io`` never imports the
    class it fills). Names of published vectors are resolved before this, by ``wordspace.load``.

    Every reader treats the file as untrusted: sizes are checked before allocating, and any
    fault is a :class:`FormatError` naming the file; no other exception escapes.
    """
    path = os.fspath(path)
    kwargs.pop("progress", None)
    _check_keywords(kwargs)
    if not os.path.lexists(path):
        raise FormatError(f"'{path}' does not exist")
    try:
        return _load(path, format, cls, **kwargs)
    except (WordspaceError, MemoryError, KeyboardInterrupt):
        raise
    except RecursionError:
        raise FormatError(f"'{path}' is damaged: its structure is nested too deeply") from None
    except (OSError, ValueError, TypeError, KeyError, IndexError, OverflowError, UnicodeError, EOFError,
            struct.error, zlib.error, lzma.LZMAError) as exc:  # the last two: damaged compressed text
        raise FormatError(f"'{path}' could not be read ({type(exc).__name__}: {exc})") from None


#: what the readers take (each reader ignores none: a keyword that a format does not use is refused there)
READ_KEYWORDS = {"limit": "word2vec/GloVe/fastText/native", "encoding": "word2vec/GloVe/fastText",
                 "unicode_errors": "word2vec/GloVe/fastText", "mmap": "native"}
#: gensim's load_word2vec_format keywords -> what wordspace does instead
GENSIM_READ_KEYWORDS = {
    "binary": "the format is detected from the content (force it with format='word2vec-binary' or "
              "'word2vec-text')",
    "no_header": "GloVe files (no header) are detected from the content",
    "fvocab": "counts come with native models; a separate vocabulary file is not read",
    "datatype": "vectors are always float32",
}


def _check_keywords(kwargs: dict) -> None:
    """Refuse a keyword no reader takes as the caller's mistake, not the file's."""
    for name in kwargs:
        if name in GENSIM_READ_KEYWORDS:
            raise TypeError(f"load() got gensim's keyword {name!r}: {GENSIM_READ_KEYWORDS[name]} (see docs/gensim.md)")
        if name not in READ_KEYWORDS:
            raise TypeError(f"load() got an unexpected keyword argument {name!r}; the readers take "
                            + ", ".join(f"{k} ({v})" for k, v in READ_KEYWORDS.items()))
    import codecs

    from ..errors import InvalidParameterError

    for name, lookup in (("encoding", codecs.lookup), ("unicode_errors", codecs.lookup_error)):
        value = kwargs.get(name)
        if value is None:
            continue
        try:
            if not isinstance(value, str):
                raise LookupError
            lookup(value)
        except LookupError:
            raise InvalidParameterError(f"{name}={value!r} is not a codec Python knows (for example 'utf-8', "
                                        "'latin-1', 'cp852'; errors: 'strict', 'replace', 'ignore', "
                                        "'backslashreplace')", param=name) from None


def _load(path: str, format: str | None, cls, **kwargs):
    fmt = format or detect_format(path)
    check_param("format", fmt, [Options(tuple(READ_FORMATS))])
    if fmt == "model2vec":
        from ..tokenized import read_model2vec

        limit = kwargs.pop("limit", None)
        v = read_model2vec(path, cls)
        return v if limit is None else head(v, limit)
    if fmt in ("fasttext-bin", "native"):  # readers that load everything: ``limit`` slices after
        limit = kwargs.pop("limit", None)
        if fmt == "fasttext-bin":
            from .fasttext_bin import load_fasttext_bin

            v = load_fasttext_bin(path, cls=cls, **kwargs)
        else:
            from .native import load_native

            for name in ("encoding", "unicode_errors"):  # native keys are always UTF-8
                kwargs.pop(name, None)
            v = load_native(path, cls=cls, **kwargs)
        return v if limit is None else head(v, limit)
    from .word2vec_format import load_word2vec

    return load_word2vec(path, binary=fmt == "word2vec-binary", cls=cls, **kwargs)


def check_writable_vectors(vectors, block: int = 1 << 16) -> None:
    """Refuse to write vectors that no reader would accept: duplicate keys, or rows holding NaN
    or infinity (a file wordspace writes, wordspace reads back)."""
    import numpy as np

    vectors.key_to_index  # raises DuplicateKeyError naming the key
    m = vectors.matrix
    for s in range(0, m.shape[0], block):
        part = np.asarray(m[s : s + block])
        if not np.isfinite(part.sum()) and not np.isfinite(part).all():
            row = s + int(np.flatnonzero(~np.isfinite(part).all(axis=1))[0])
            raise InvalidParameterError(f"the vector of {vectors.keys[row]!r} (row {row + 1}) holds NaN or infinity; "
                                        "nothing was written")
