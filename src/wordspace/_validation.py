"""Declarative parameter constraints and one message format for every check.

Trainers declare their parameters (``Param(constraints, help)``) and call
:func:`validate_params`; messages read "The 'window' parameter of Word2Vec must be an int in the
range [1, inf). Got 0 instead." The error keeps the parameter's name apart
(:class:`~wordspace.errors.InvalidParameterError`), so the CLI names the flag instead.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from typing import Any, Iterable

from .errors import InvalidParameterError

__all__ = ["Interval", "Options", "Param", "Callbacks", "ExistingFile", "InstanceOf", "NONE", "validate_params",
           "check_param", "check_path_list", "Declared", "LIMITS", "SEED"]


#: Upper bounds of the settings many functions share: far above any real use, low enough that a
#: typo (an extra zero, 1e20) is refused in one line instead of allocating terabytes or running
#: for centuries.
LIMITS = {
    "dim": 1 << 16,  # vector widths
    "window": 10_000,  # context words on each side
    "negative": 1_000,  # noise words per prediction
    "epochs": 10_000,  # passes over a corpus
    "sentence": 1_000_000,  # tokens in one sentence
    "iterations": 100_000,  # k-means, refinement, self-learning steps
    "rate": 10.0,  # learning rates
    "threads": 4096,
    "buckets": 1 << 31,  # hashed rows (fastText's are int32)
    "count": 1 << 62,  # thresholds on counts
    "size": 1 << 40,  # anything counted in items (samples, vocabularies, examples)
    "exponent": 100.0,  # powers applied to counts or eigenvalues
    "megabytes": float(1 << 30),
}
#: Seeds: what NumPy's generators (and scikit-learn's) accept.
SEED = None  # set below, once Interval exists


@dataclass(frozen=True)
class Interval:
    """A number of ``kind`` (int or float) in ``[low, high]`` (``closed`` says which ends)."""

    kind: type
    low: float | None
    high: float | None
    closed: str = "both"  # "both", "left", "right" or "neither"

    def accepts(self, value: Any) -> bool:
        if isinstance(value, bool):
            return False
        if self.kind is int:
            if not isinstance(value, numbers.Integral):
                return False
        elif not isinstance(value, numbers.Real) or not math.isfinite(float(value)):
            return False  # NaN and infinity are never valid settings
        if self.low is not None:
            if value < self.low or (value == self.low and self.closed in ("right", "neither")):
                return False
        if self.high is not None:
            if value > self.high or (value == self.high and self.closed in ("left", "neither")):
                return False
        return True

    def describe(self) -> str:
        left = "[" if self.closed in ("both", "left") else "("
        right = "]" if self.closed in ("both", "right") else ")"
        low = "-inf" if self.low is None else _fmt(self.low)
        high = "inf" if self.high is None else _fmt(self.high)
        if self.low is None:
            left = "("
        if self.high is None:
            right = ")"
        noun = "an int" if self.kind is int else "a float"
        return f"{noun} in the range {left}{low}, {high}{right}"


@dataclass(frozen=True)
class Options:
    """One of a fixed set of values."""

    values: tuple

    def accepts(self, value: Any) -> bool:
        return value in self.values

    def describe(self) -> str:
        return "one of " + ", ".join(repr(v) for v in self.values)


class _NoneType:
    def accepts(self, value: Any) -> bool:
        return value is None

    def describe(self) -> str:
        return "None"


NONE = _NoneType()
SEED = Interval(int, 0, 2**32 - 1)


def _fmt(x: float) -> str:
    return repr(x) if isinstance(x, float) and not float(x).is_integer() else str(int(x)) if float(x).is_integer() else repr(x)


def validate_params(params: dict, constraints: dict, owner: str) -> None:
    """Raise :class:`InvalidParameterError` for the first parameter no constraint accepts."""
    for name, allowed in constraints.items():
        value = params[name]
        if any(c.accepts(value) for c in allowed):
            continue
        what = " or ".join(c.describe() for c in allowed)
        why = [c.explain(value) for c in allowed if hasattr(c, "explain")]
        if any(why):
            what += f" ({'; '.join(w for w in why if w)})"
        raise InvalidParameterError(param=name, owner=owner, rule=what, value=value)


def check_param(name: str, value: Any, constraints: Iterable, owner: str | None = None) -> Any:
    """Check one parameter of a function (a trainer checks all of its own at once with
    :meth:`Declared.validate_params`); returns ``value``. ``owner`` is the function's name."""
    validate_params({name: value}, {name: tuple(constraints)}, owner)
    return value


def check_path_list(paths: Iterable) -> list:
    """Turn a path or a list of paths into a list of ``str`` paths."""
    import os

    if isinstance(paths, (str, os.PathLike)):
        return [os.fspath(paths)]
    return [os.fspath(p) for p in paths]


@dataclass(frozen=True)
class Param:
    """A declared trainer parameter: the constraints its value must meet and one line of help.

    The trainer's ``__init__`` signature gives the default; the command line builds its option
    (type, choices, help) from this declaration, so nothing is written twice. ``cli=False``
    keeps a parameter out of ``wordspace train`` (``progress`` has ``--quiet``; callbacks are
    Python objects).
    """

    constraints: tuple
    help: str
    cli: bool = True

    def __init__(self, constraints, help: str, cli: bool = True):
        object.__setattr__(self, "constraints", tuple(constraints))
        object.__setattr__(self, "help", help)
        object.__setattr__(self, "cli", cli)

    def choices(self) -> tuple:
        """The allowed values when the parameter takes one of a fixed set, else ()."""
        return next((c.values for c in self.constraints if isinstance(c, Options)), ())

    def number_type(self):
        """``int`` or ``float`` for a numeric parameter, ``str`` for a path, else None."""
        if any(isinstance(c, ExistingFile) for c in self.constraints):
            return str
        return next((c.kind for c in self.constraints if isinstance(c, Interval)), None)


class Callbacks:
    """A sequence of callback objects (anything with the hooks of ``wordspace.Callback``)."""

    def accepts(self, value: Any) -> bool:
        if isinstance(value, (str, bytes)) or not isinstance(value, (list, tuple)):
            return False
        return all(hasattr(cb, "on_epoch_end") and hasattr(cb, "on_train_begin") and hasattr(cb, "on_train_end")
                   for cb in value)

    def describe(self) -> str:
        return "a list or tuple of wordspace.Callback objects"


class InstanceOf:
    """An instance of one of ``types`` (described as ``what``, e.g. "a wordspace.Vectors")."""

    def __init__(self, types, what: str):
        self.types, self.what = types, what

    def accepts(self, value: Any) -> bool:
        return isinstance(value, self.types)

    def describe(self) -> str:
        return self.what


class ExistingFile:
    """The path of an existing regular file (a FIFO or device would block or never end)."""

    def accepts(self, value: Any) -> bool:
        import os

        return isinstance(value, (str, os.PathLike)) and os.path.isfile(value)

    def describe(self) -> str:
        return "the path of an existing regular file"

    def explain(self, value: Any) -> str | None:
        """What the path is instead, when it exists."""
        import os

        from .untrusted import kind_of

        if not isinstance(value, (str, os.PathLike)):
            return None
        try:
            return f"it is {kind_of(os.stat(value).st_mode)}"
        except OSError:
            return "it does not exist"


class Declared:
    """Keyword-only parameters declared once (``_params``: name -> :class:`Param`) and stored
    verbatim in ``__init__``, whose signature gives the defaults: scikit-learn's
    ``get_params``/``set_params``, one validation that raises from the declarations, and old
    names kept for a while. The trainers and the supervised classifier are built on it.

    ``_renamed`` maps an old parameter name to ``(new name, version that removes it)``: the old
    name is accepted by ``__init__`` (through ``**renamed``, passed to :meth:`_take_renamed`),
    by ``set_params`` and as an attribute, each time with a :class:`DeprecationWarning`.
    """

    _params: dict = {}
    _renamed: dict = {}

    def __new__(cls, *args, **kwargs):
        # gensim's and fastText's names (vector_size=, sg=...) are refused naming ours, before
        # __init__ would raise a bare TypeError about them
        if kwargs:
            from .compat import refuse_foreign_keywords

            refuse_foreign_keywords(f"{cls.__name__}()", kwargs, allowed=set(cls._renamed) | set(cls._params))
        return super().__new__(cls)

    @classmethod
    def parameters(cls) -> dict:
        """The declared parameters, ``name -> Param``, in the order of ``__init__``."""
        return {name: cls._params[name] for name in cls._param_names() if name in cls._params}

    @classmethod
    def defaults(cls) -> dict:
        """Each parameter's default, from the ``__init__`` signature."""
        import inspect

        sig = inspect.signature(cls.__init__)
        return {p.name: p.default for p in sig.parameters.values()
                if p.name != "self" and p.kind is not inspect.Parameter.VAR_KEYWORD}

    @classmethod
    def _param_names(cls) -> list[str]:
        return list(cls.defaults())

    def get_params(self, deep: bool = True) -> dict:
        return {name: getattr(self, name) for name in self._param_names()}

    def set_params(self, **params):
        valid = set(self._param_names())
        for name, value in params.items():
            if name in self._renamed:
                name = self._warn_renamed(name)
            elif name not in valid:
                raise InvalidParameterError(
                    f"{name!r} is not a parameter of {type(self).__name__}; valid parameters: {', '.join(sorted(valid))}",
                    param=name,
                )
            setattr(self, name, value)
        return self

    def validate_params(self) -> None:
        """Check every parameter against its declared constraints, then the rules that tie
        parameters together; raises :class:`InvalidParameterError` naming the parameter."""
        constraints = {name: p.constraints for name, p in self.parameters().items()}
        validate_params(self.get_params(), constraints, type(self).__name__)
        self._check_params()

    def _check_params(self) -> None:
        """Rules across parameters (a subclass adds its own)."""

    # -- old names -------------------------------------------------------------------------
    def _take_renamed(self, renamed: dict) -> None:
        """Apply old names given to ``__init__`` (call it after storing the parameters)."""
        defaults = self.defaults()
        for old, value in renamed.items():
            if old not in self._renamed:
                raise TypeError(f"{type(self).__name__}.__init__() got an unexpected keyword argument {old!r}")
            new = self._warn_renamed(old, stacklevel=4)
            if getattr(self, new) != defaults[new]:
                raise InvalidParameterError(f"give {new} or its old name {old}, not both", param=new)
            setattr(self, new, value)

    def _warn_renamed(self, old: str, stacklevel: int = 3) -> str:
        import warnings

        new, removal = self._renamed[old]
        warnings.warn(f"{type(self).__name__}'s parameter {old!r} is now called {new!r}; the old name will be "
                      f"removed in wordspace {removal}", DeprecationWarning, stacklevel=stacklevel)
        return new

    def __getattr__(self, name: str):
        # only reached when normal lookup fails: an old name reads the new one
        if name in type(self)._renamed:
            return getattr(self, self._warn_renamed(name))
        if not name.startswith("__"):
            from .compat import foreign_attribute

            raise foreign_attribute(self, name)  # model.wv: "wordspace calls it vectors_"
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def __setattr__(self, name: str, value) -> None:
        if name in type(self)._renamed:
            name = self._warn_renamed(name)
        object.__setattr__(self, name, value)

    def __repr__(self) -> str:
        defaults = self.defaults()
        changed = [f"{k}={v!r}" for k, v in self.get_params().items() if defaults.get(k) != v]
        return f"{type(self).__name__}({', '.join(changed)})"
