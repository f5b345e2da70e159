"""Export for the TensorFlow Embedding Projector (projector.tensorflow.org): two TSV files."""

from __future__ import annotations

import os

import numpy as np

from ..errors import InvalidParameterError
from ..atomic import atomic_file


def _clean(key: str) -> str:
    # the projector reads TSV without quoting: tabs and newlines in keys would break rows
    return key.replace("\t", " ").replace("\n", " ").replace("\r", " ")


def is_projector_dir(path: str) -> bool:
    """Whether ``path`` is a directory written by :func:`write_projector` (only its two files)."""
    try:
        names = set(os.listdir(path))
    except OSError:
        return False
    return bool(names) and names <= {"vectors.tsv", "metadata.tsv"}


def write_projector(vectors, out_dir, limit: int | None = None) -> tuple[str, str]:
    """Write ``vectors.tsv`` (one row of tab-separated floats per key) and ``metadata.tsv`` (a
    header ``word<TAB>count``, then one row per key) to ``out_dir``; the first ``limit`` keys."""
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, (int, np.integer)) or limit < 1):
        raise InvalidParameterError(f"The 'limit' parameter must be an int in the range [1, inf). Got {limit!r} instead.")
    from ..atomic import check_writable

    out_dir = os.fspath(out_dir)
    check_writable(out_dir, "dir", is_projector_dir)
    os.makedirs(out_dir, exist_ok=True)
    n = len(vectors) if limit is None else min(limit, len(vectors))
    vpath, mpath = os.path.join(out_dir, "vectors.tsv"), os.path.join(out_dir, "metadata.tsv")
    with atomic_file(vpath, "w") as fh:
        for s in range(0, n, 10_000):
            block = np.asarray(vectors.matrix[s : min(n, s + 10_000)], dtype=np.float32)
            fh.write("\n".join("\t".join(f"{x:.6g}" for x in row) for row in block) + "\n")
    counts = vectors.counts
    with atomic_file(mpath, "w") as fh:
        fh.write("word\tcount\n")
        keys = vectors.keys
        for i in range(n):
            fh.write(f"{_clean(keys[i])}\t{'' if counts is None else int(counts[i])}\n")
    return vpath, mpath
