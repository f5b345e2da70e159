"""Cutting a corpus into pieces for a cluster: byte ranges of plain files (a line belongs to
the range its first byte lies in, so the pieces cover every line exactly once), every ``n``-th run
of whole lines of a compressed file (which cannot be entered in the middle), and shards of
pieces balanced by size. A piece carries the storage options its URL is read with.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

__all__ = ["Piece", "plan_pieces", "shards", "PIECE_BYTES", "MIN_PIECE_BYTES"]

#: Plain files are cut into pieces of about this many bytes (and at least one per worker).
PIECE_BYTES = 32 << 20
#: No piece is cut smaller than this.
MIN_PIECE_BYTES = 64 << 10
@dataclass(frozen=True)
class Piece:
    """A part of a corpus file: bytes ``[start, end)`` of a plain file (lines starting there),
    the whole file (``end == -1``, ``parts == 1``), or the ``part``-th of every ``parts`` runs
    of whole lines of a compressed one."""

    path: str
    start: int = 0
    end: int = -1
    part: int = 0
    parts: int = 1
    weight: int = 0  # bytes, for balancing the shards
    storage_options: dict = field(default_factory=dict, compare=False)  # fsspec's, for a URL

    def blocks(self):
        from ..textfiles import iter_blocks, iter_range_blocks

        if self.end >= 0:
            return iter_range_blocks(self.path, self.start, self.end, options=self.storage_options)
        if self.parts == 1:
            return iter_blocks(self.path, options=self.storage_options)
        return _strided(iter_blocks(self.path, options=self.storage_options), self.part, self.parts)


def _strided(blocks, part: int, parts: int):
    run = 0
    for data, ends in blocks:
        if run % parts == part:
            yield data, ends
        if ends:
            run += 1


def plan_pieces(files, n_parts: int, piece_bytes: int = PIECE_BYTES, storage_options: dict | None = None) -> list[Piece]:
    """Cut ``files`` into pieces: at least ``n_parts`` per file when the file is large enough
    (64 kB a piece), otherwise pieces of about ``piece_bytes``."""
    from ..textfiles import file_size, is_compressed

    options = dict(storage_options or {})
    pieces = []
    for f in files:
        size = file_size(f, options)
        if is_compressed(f, options):
            n = n_parts if size >= MIN_PIECE_BYTES else 1
            pieces.extend(Piece(f, part=k, parts=n, weight=max(1, 3 * size // n), storage_options=options)
                          for k in range(n))  # ~3x as text
            continue
        n = max(math.ceil(size / piece_bytes), n_parts if size >= n_parts * MIN_PIECE_BYTES else 1)
        bounds = [size * i // n for i in range(n + 1)]
        pieces.extend(Piece(f, a, b, weight=b - a, storage_options=options) for a, b in zip(bounds, bounds[1:]))
    return pieces


def shards(pieces: list, n: int) -> list[list]:
    """Pieces dealt to ``n`` shards, largest first to the lightest shard, each in corpus order."""
    load = [0] * n
    shards: list = [[] for _ in range(n)]
    for i in sorted(range(len(pieces)), key=lambda i: -pieces[i].weight):
        k = min(range(n), key=load.__getitem__)
        shards[k].append(i)
        load[k] += pieces[i].weight
    return [[pieces[i] for i in sorted(s)] for s in shards]
