"""Export for the TensorFlow Embedding Projector (projector.tensorflow.org): two TSV files."""

from __future__ import annotations

import json
import os

import numpy as np

from ..atomic import atomic_dir, owned_dir
from .._validation import Interval, NONE, check_param


def _clean(key: str) -> str:
    # the projector reads TSV without quoting: tabs and newlines in keys would break rows
    return key.replace("\t", " ").replace("\n", " ").replace("\r", " ")


#: A projector folder: the two TSV files the projector loads, and our marker (a small JSON file
#: that tells this folder from one of yours, so that writing it again may replace it).
MARKER = "wordspace.json"
FORMAT_NAME = "wordspace-projector"
PROJECTOR_FILES = frozenset((MARKER, "vectors.tsv", "metadata.tsv"))


def is_projector_dir(path: str) -> bool:
    """Whether ``path`` is a folder written by :func:`write_projector`, with nothing else in it."""
    return owned_dir(os.fspath(path), MARKER, FORMAT_NAME, PROJECTOR_FILES)


def write_projector(vectors, out_dir, limit: int | None = None) -> tuple[str, str]:
    """Write ``vectors.tsv`` (one row of tab-separated floats per key) and ``metadata.tsv`` (a
    header ``word<TAB>count``, then one row per key) to the folder ``out_dir``, whole or not at
    all (a failed write, a full disk included, leaves no folder); the first ``limit`` keys.
    Returns the paths of the two files."""
    check_param("limit", limit, [Interval(int, 1, None), NONE])
    out_dir = os.fspath(out_dir)
    n = len(vectors) if limit is None else min(limit, len(vectors))
    counts, keys = vectors.counts, vectors.keys
    with atomic_dir(out_dir, is_projector_dir, inputs=(getattr(vectors, "source", None),)) as tmp:
        with open(os.path.join(tmp, "vectors.tsv"), "w", encoding="utf-8", newline="\n") as fh:
            for s in range(0, n, 10_000):
                block = np.asarray(vectors.matrix[s : min(n, s + 10_000)], dtype=np.float32)
                fh.write("\n".join("\t".join(f"{x:.6g}" for x in row) for row in block) + "\n")
        with open(os.path.join(tmp, "metadata.tsv"), "w", encoding="utf-8", newline="\n") as fh:
            fh.write("word\tcount\n")
            for i in range(n):
                fh.write(f"{_clean(keys[i])}\t{'' if counts is None else int(counts[i])}\n")
        with open(os.path.join(tmp, MARKER), "w", encoding="utf-8") as fh:
            json.dump({"format": FORMAT_NAME, "version": 1, "rows": n, "dim": vectors.dim}, fh)
    return os.path.join(out_dir, "vectors.tsv"), os.path.join(out_dir, "metadata.tsv")
