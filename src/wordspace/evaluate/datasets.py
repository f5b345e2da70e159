"""Evaluation sets shipped with the package (from the gensim 4.4.0 wheel on PyPI; licences in
``wordspace/data/README.md``), addressable by name."""

from __future__ import annotations

import gzip
import os
import zlib

from ..errors import FormatError, InvalidParameterError

#: Largest dataset file read (after decompression); real ones are a few megabytes.
MAX_DATASET_BYTES = 512 << 20

_DIR = os.path.join(os.path.dirname(os.path.dirname(__file__)), "data", "eval")

#: name -> (kind, file)
BUNDLED = {
    "google": ("analogy", "questions-words.txt.gz"),
    "wordsim353": ("similarity", "wordsim353.tsv"),
    "simlex999": ("similarity", "simlex999.txt"),
}


def dataset_path(name_or_path: str, kind: str | None = None) -> tuple[str, str]:
    """``(name, path)`` of a bundled dataset name or of an existing file/directory."""
    if name_or_path in BUNDLED:
        k, fname = BUNDLED[name_or_path]
        if kind is not None and k != kind:
            raise InvalidParameterError(f"'{name_or_path}' is a {k} dataset, not a {kind} dataset")
        return name_or_path, os.path.join(_DIR, fname)
    if os.path.exists(name_or_path):
        base = os.path.basename(os.path.normpath(name_or_path))
        for ext in (".gz", ".txt", ".tsv", ".csv"):
            if base.endswith(ext):
                base = base[: -len(ext)]
        return base, name_or_path
    names = ", ".join(n for n, (k, _) in BUNDLED.items() if kind is None or k == kind)
    raise InvalidParameterError(
        f"'{name_or_path}' is neither a bundled dataset ({names}) nor an existing file"
    )


def read_lines(path: str) -> list[str]:
    """The lines of a dataset file (plain or gzip), as UTF-8 text. The file is untrusted: its
    size is bounded, and undecodable bytes are a FormatError naming the line."""
    from ..untrusted import open_regular

    try:
        with open_regular(path, "a dataset file") as raw:
            with (gzip.open(raw, "rb") if path.endswith(".gz") else raw) as fh:
                data = fh.read(MAX_DATASET_BYTES + 1)
    except (OSError, EOFError, zlib.error) as exc:
        raise FormatError(f"cannot read dataset '{path}': {exc}") from None
    if len(data) > MAX_DATASET_BYTES:
        raise FormatError(f"dataset '{path}' is larger than {MAX_DATASET_BYTES >> 20} MB; evaluation sets are far smaller")
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise FormatError(f"dataset '{path}' line {line} is not valid UTF-8 ({exc.reason}); save it as UTF-8") from None
    return text.splitlines()
