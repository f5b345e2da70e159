"""KeyList: the keys of an opened model held as one UTF-8 buffer (what ``wordspace.io.native``
reads and ``wordspace.Vectors`` looks keys up in), so that opening a million keys costs a buffer,
not a million strings. Queries live in ``wordspace.vectors``; the file format in ``wordspace.io``.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

__all__ = ["KeyList"]


#: Up to this many keys ``find_many`` searches the buffer once per key instead of compiled
FEW_KEYS = 16


class KeyList(Sequence):
    """Keys held as one UTF-8 buffer, decoded on access; a read-only list.

    The buffer is ``b"\\n" + key0 + b"\\n" + key1 + ... + b"\\n"`` (keys hold no newline) and
    ``starts[i]`` is the position of the newline before key ``i``. Opening a native model with a
    million keys this way costs about 30 MB instead of the 100+ MB of a list of ``str``; the whole
    list decodes in one call (:meth:`tolist`), and :meth:`find` locates one key by a byte search
    without building any index.
    """

    def __init__(self, buf: bytes, starts: np.ndarray):
        self._buf = buf
        self._starts = starts  # (n + 1,) int64

    def __len__(self) -> int:
        return self._starts.shape[0] - 1

    def __getitem__(self, i):
        if isinstance(i, slice):
            a, b, step = i.indices(len(self))
            if step == 1:  # a run of keys: one decode of their bytes, then one split
                return self._buf[self._starts[a] + 1 : self._starts[b]].decode("utf-8").split("\n") if b > a else []
            return [self[j] for j in range(a, b, step)]
        n = len(self)
        if i < 0:
            i += n
        if not 0 <= i < n:
            raise IndexError("key index out of range")
        return self._buf[self._starts[i] + 1 : self._starts[i + 1]].decode("utf-8")

    def layout(self) -> tuple[bytes, np.ndarray]:
        """``(buffer, starts)``: the keys as held (see the class docstring), for compiled code
        that looks many tokens up (``wordspace.sentences``)."""
        return self._buf, self._starts

    def tolist(self) -> list[str]:
        """Every key, decoded in one call."""
        return self._buf[1:-1].decode("utf-8").split("\n") if len(self) else []

    def __iter__(self):
        return iter(self.tolist())

    def find(self, key: str) -> int:
        """Row of ``key`` (its first occurrence), or -1; a byte search, no index built."""
        if "\n" in key:
            return -1
        pos = self._buf.find(b"\n" + key.encode("utf-8") + b"\n")
        return -1 if pos < 0 else int(np.searchsorted(self._starts, pos))

    def find_many(self, keys: Sequence[str]) -> np.ndarray:
        """Rows of many keys (first occurrences; -1 for absent ones) in one compiled pass over
        the buffer: 1,000 keys among a million in milliseconds, no dict of every key built. A
        few keys are byte searches (:meth:`find`): no compiled code to load for them."""
        if len(keys) <= FEW_KEYS:
            return np.array([self.find(k) for k in keys], dtype=np.int64)
        from ._kernels.w2vbin import find_keys

        raw = [k.encode("utf-8") for k in keys]
        qstarts = np.zeros(len(raw) + 1, dtype=np.int64)
        np.cumsum([len(r) for r in raw], out=qstarts[1:])
        out = np.empty(len(raw), dtype=np.int64)
        qbuf = np.frombuffer(b"".join(raw) or b"\0", dtype=np.uint8)
        find_keys(np.frombuffer(self._buf, dtype=np.uint8), self._starts, qbuf, qstarts, out)
        out[[i for i, k in enumerate(keys) if "\n" in k]] = -1  # a key never holds a newline
        return out

    def __eq__(self, other) -> bool:
        return isinstance(other, Sequence) and len(other) == len(self) and all(a == b for a, b in zip(self, other))

    def __repr__(self) -> str:
        return f"KeyList({len(self):,} keys)"
