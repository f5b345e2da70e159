"""Text preparation: what is done to raw text before it is split into tokens, the same way while
reading a corpus (compiled, a block of bytes at a time) and for the words a user asks about
later (a model trained lower-cased answers ``King`` as ``king``).

- ``lowercase``: Unicode-aware lower-casing (each character's simple lower-case mapping);
- ``tokenizer``: ``"whitespace"`` (tokens are what lies between ASCII whitespace, word2vec's and
  fastText's rule) or ``"words"`` (runs of Unicode letters, marks and digits, with apostrophes and
  hyphens kept inside words and all other punctuation dropped: gensim's ``simple_preprocess``
  kind of tokens, without its length limits);
- ``normalize``: ``None``, ``"NFC"`` or ``"NFKC"`` Unicode normalisation (``NFKC`` also folds
  compatibility forms: ``ﬁ`` -> ``fi``, full-width letters);
- ``numbers``: every run of decimal digits becomes ``0`` (``1984`` and ``2001`` are one token).

A model records its preparation in its metadata (``metadata["text"]``); ``Vectors`` applies it
to query words. The compiled kernel is ``wordspace._kernels.textprep``.
"""

from __future__ import annotations

import unicodedata
from dataclasses import asdict, dataclass

import numpy as np

from ._validation import InstanceOf, Options, check_param
from .errors import FormatError, InvalidParameterError

__all__ = ["TextPreparation", "TOKENIZERS", "NORMALIZATIONS"]

TOKENIZERS = ("whitespace", "words")
NORMALIZATIONS = (None, "NFC", "NFKC")
_JOINERS = "'-\u2019\u2010\u2011"  # apostrophes and hyphens that may join the parts of a word
_TABLES = None


def _tables():
    """``(lower, klass)`` over the Basic Multilingual Plane, built once (about 30 ms)."""
    global _TABLES
    if _TABLES is None:
        from ._kernels.textprep import DIGIT, JOINER, OTHER, WORD

        lower = np.arange(0x10000, dtype=np.int64)
        klass = np.full(0x10000, OTHER, dtype=np.int64)
        for cp in range(0x10000):
            if 0xD800 <= cp <= 0xDFFF:
                continue
            ch = chr(cp)
            low = ch.lower()
            if len(low) == 1:
                lower[cp] = ord(low)
            cat = unicodedata.category(ch)
            if cat == "Nd":
                klass[cp] = DIGIT
            elif cat[0] in "LMN":
                klass[cp] = WORD
        for ch in _JOINERS:
            klass[ord(ch)] = JOINER
        _TABLES = (lower, klass)
    return _TABLES


@dataclass(frozen=True)
class TextPreparation:
    """How raw text is prepared before tokenising (see the module docstring)."""

    lowercase: bool = False
    tokenizer: str = "whitespace"
    normalize: str | None = None
    numbers: bool = False

    def __post_init__(self):
        check_param("lowercase", self.lowercase, [InstanceOf(bool, "True or False")], "TextPreparation")
        check_param("tokenizer", self.tokenizer, [Options(tuple(TOKENIZERS))], "TextPreparation")
        check_param("normalize", self.normalize, [Options(NORMALIZATIONS)], "TextPreparation")
        check_param("numbers", self.numbers, [InstanceOf(bool, "True or False")], "TextPreparation")

    @property
    def is_identity(self) -> bool:
        return self == TextPreparation()

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d, source: str = "the metadata") -> "TextPreparation":
        if d is None:
            return cls()
        if not isinstance(d, dict) or not set(d) <= {"lowercase", "tokenizer", "normalize", "numbers"}:
            raise FormatError(f"{source}: the text preparation {d!r} is not one wordspace writes")
        try:
            return cls(**d)
        except InvalidParameterError as exc:
            raise FormatError(f"{source}: bad text preparation ({exc})") from None

    def prepare_bytes(self, data: bytes) -> bytes:
        """The prepared bytes of a block of UTF-8 text (invalid bytes pass through unchanged)."""
        if self.is_identity:
            return data
        if self.normalize:
            text = data.decode("utf-8", "surrogateescape")
            data = unicodedata.normalize(self.normalize, text).encode("utf-8", "surrogateescape")
        if not (self.lowercase or self.tokenizer == "words" or self.numbers):
            return data
        from ._kernels.textprep import prepare_utf8

        lower, klass = _tables()
        buf = np.frombuffer(data, dtype=np.uint8)
        out = np.empty(2 * buf.shape[0] + 4, dtype=np.uint8)
        n = prepare_utf8(buf, lower, klass, self.lowercase, self.tokenizer == "words", self.numbers, out)
        return out[:n].tobytes()

    def tokens(self, text: str) -> list[str]:
        """The tokens of ``text`` after preparation (for queries and in-memory corpora)."""
        if self.is_identity:
            return text.split()
        data = self.prepare_bytes(text.encode("utf-8", "surrogateescape"))
        return data.decode("utf-8", "surrogateescape").split()

    def key(self, word: str) -> str:
        """The vocabulary key a query word stands for: the word prepared, when that gives one
        token (``"King"`` -> ``"king"`` for a lower-cased model); else the word as given."""
        if self.is_identity or not isinstance(word, str):
            return word
        toks = self.tokens(word)
        return toks[0] if len(toks) == 1 else word
