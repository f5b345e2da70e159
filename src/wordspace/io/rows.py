"""Files of sentence vectors, as ``wordspace embed`` writes them: one float32 row per line of
the input, as ``.npy`` (made in a memory map of the new file: no second copy in memory) or as
text rows (``.tsv``: tabs, ``.txt``: spaces; the shortest decimals that read back to the same
float32 values), and beside them ``OUT.json``, a description (format
``wordspace-sentence-vectors``: rows, dim, method, model, source, the rows file's size).

Ownership (the rule of ``wordspace.atomic``): a rows file is ours to replace only when the
description beside it is ours and records its size; a description only when it is a valid one.
"""

from __future__ import annotations

import os

__all__ = ["OUTPUT_FORMAT", "description_path", "owns_description", "owns_sentence_vectors", "write_rows",
           "write_npy", "write_text_rows", "write_description"]

#: what a file of sentence vectors is called in messages and in its description file
OUTPUT_FORMAT = "wordspace-sentence-vectors"


def description_path(out: str) -> str:
    return out + ".json"


def owns_description(path: str) -> bool:
    """Whether ``path`` is a description file ``wordspace embed`` wrote."""
    from ..jsondoc import read_document

    try:
        read_document(path, format_name=OUTPUT_FORMAT, latest=1, what="a sentence-vector description",
                      max_bytes=1 << 20)
        return True
    except Exception:  # noqa: BLE001 - anything else is not ours
        return False


def owns_sentence_vectors(path: str) -> bool:
    """Whether ``path`` is a file of rows ``wordspace embed`` wrote: its description file is
    ours and records this file's size (a file of yours has no such companion)."""
    from ..jsondoc import read_document

    try:
        doc = read_document(description_path(path), format_name=OUTPUT_FORMAT, latest=1,
                            what="a sentence-vector description", max_bytes=1 << 20)
        return doc.get("bytes") == os.path.getsize(path)
    except Exception:  # noqa: BLE001
        return False


def write_rows(path: str, x, text: bool) -> int:
    """``x`` as ``.npy`` or as text rows (values separated by tabs for ``.tsv``, spaces for
    ``.txt``), atomically; returns the file's size."""
    import numpy as np

    from ..atomic import atomic_file

    with atomic_file(path, "wb", replaceable=owns_sentence_vectors) as fh:
        if text:
            write_text_rows(fh, x, b"\t" if path.lower().endswith(".tsv") else b" ")
        else:
            np.save(fh, np.ascontiguousarray(x, dtype=np.float32))
    return os.path.getsize(path)


def write_npy(path: str, make) -> tuple:
    """``(rows, size)``: ``make(out)`` fills a memory map of a new ``.npy`` file at ``path``
    (written atomically, replacing only a file of ours); ``out(rows, dim)`` makes the map."""
    import numpy as np

    from ..atomic import atomic_file

    made = {}
    with atomic_file(path, "w+b", replaceable=owns_sentence_vectors) as fh:
        def out(rows: int, dim: int):
            header = {"descr": np.lib.format.dtype_to_descr(np.dtype(np.float32)), "fortran_order": False,
                      "shape": (rows, dim)}
            np.lib.format.write_array_header_1_0(fh, header)
            fh.flush()
            offset = fh.tell()
            fh.truncate(offset + 4 * rows * dim)
            if rows * dim == 0:
                made["map"] = np.zeros((rows, dim), np.float32)
            else:
                made["map"] = np.memmap(fh, dtype=np.float32, mode="r+", offset=offset, shape=(rows, dim))
            return made["map"]

        x = make(out)
        if isinstance(x, np.memmap):
            x.flush()
    return x, os.path.getsize(path)


def write_text_rows(fh, x, sep: bytes = b"\t", block: int = 8192) -> None:
    """Rows as text, the shortest decimals that read back to the same float32 values."""
    from .word2vec_format import format_rows

    for s in range(0, x.shape[0], block):
        rows = format_rows(x[s : s + block])
        fh.write(b"".join((r.replace(b" ", sep) if sep != b" " else r) + b"\n" for r in rows))


def write_description(out: str, meta: dict) -> None:
    import json

    from ..atomic import atomic_file

    with atomic_file(description_path(out), "w", replaceable=owns_description) as fh:
        json.dump(meta, fh, ensure_ascii=False, indent=1)
