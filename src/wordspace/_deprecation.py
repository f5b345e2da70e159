"""Old names kept for a while: one warning text, and one registry of every deprecated function
(``REGISTRY``) that the tests compare with the table of docs/api.md ("Deprecated names").
Renamed parameters of classes are declared where the class declares its parameters
(``Declared._renamed`` in ``wordspace._validation``)."""

from __future__ import annotations

import functools
import warnings

__all__ = ["deprecated", "warn", "REGISTRY"]

#: ``"module.name" -> (what to use instead, the version that removes it)``
REGISTRY: dict = {}


def warn(old: str, new: str, removal: str, stacklevel: int = 3) -> None:
    """One :class:`DeprecationWarning`: ``old`` is going, use ``new``."""
    warnings.warn(f"{old} is deprecated and will be removed in wordspace {removal}; use {new} instead",
                  DeprecationWarning, stacklevel=stacklevel)


def deprecated(new: str, removal: str):
    """Decorate a function that is going: each call warns, naming ``new`` and ``removal``."""

    def wrap(fn):
        name = f"{fn.__module__}.{fn.__name__}"
        REGISTRY[name] = (new, removal)

        @functools.wraps(fn)
        def call(*args, **kwargs):
            warn(name, new, removal)
            return fn(*args, **kwargs)

        return call

    return wrap
