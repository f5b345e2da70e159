"""Data shipped inside the package: the demo corpus (see ``data/README.md`` for sources)."""

from __future__ import annotations

import os

__all__ = ["demo_corpus_path"]

_DATA = os.path.join(os.path.dirname(__file__), "data")


def demo_corpus_path() -> str:
    """Path of the bundled demo corpus: the King James Bible, one verse per line, lower-cased,
    letters only (791,450 words, gzip). Public domain; taken from Debian's ``bible-kjv-text``."""
    return os.path.join(_DATA, "kjv.txt.gz")
