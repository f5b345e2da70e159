"""Evaluation sets shipped with the package (from the gensim 4.4.0 wheel on PyPI; licences in
``wordspace/data/README.md``), addressable by name."""

from __future__ import annotations

import os

from ..errors import InvalidParameterError

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
