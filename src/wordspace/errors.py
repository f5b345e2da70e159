"""Exception hierarchy of wordspace.

Every error the library raises on purpose is a :class:`WordspaceError`; each subclass also
inherits the matching builtin, so ``except ValueError`` keeps working. The CLI maps
``WordspaceError`` to exit code 1 (see ``wordspace.cli``).
"""

from __future__ import annotations

__all__ = [
    "WordspaceError",
    "InvalidParameterError",
    "NotFittedError",
    "KeyNotFoundError",
    "FormatError",
    "CorpusError",
]


class WordspaceError(Exception):
    """Base class of all errors raised by wordspace."""


class InvalidParameterError(WordspaceError, ValueError):
    """A parameter is out of its allowed range or of the wrong type."""


class NotFittedError(WordspaceError, AttributeError):
    """A fitted attribute was read before ``fit`` was called."""


class KeyNotFoundError(WordspaceError, KeyError):
    """A key is not in the vocabulary. The message suggests close keys."""

    def __str__(self) -> str:  # KeyError quotes its argument; we want the plain sentence
        return str(self.args[0]) if self.args else ""


class FormatError(WordspaceError, ValueError):
    """A file is not in the format it claims to be, or is damaged."""


class CorpusError(WordspaceError, ValueError):
    """A corpus cannot be read or holds nothing to train on."""
