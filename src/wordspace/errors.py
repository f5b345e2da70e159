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
    "TrainingError",
    "DuplicateKeyError",
    "ClusterError",
]


class WordspaceError(Exception):
    """Base class of all errors raised by wordspace."""


_UNSET = object()


class InvalidParameterError(WordspaceError, ValueError):
    """A parameter is out of its allowed range or of the wrong type.

    Raised by parameter validation with the parts of the message kept apart, so that a front
    end can name the parameter its own way (the CLI says ``--min-count`` where Python says
    ``'min_count'``) without parsing the text:

    ``param``
        the parameter's name (None when the error concerns no single parameter);
    ``owner``
        who takes it (``"Word2Vec"``, ``"export"``...);
    ``rule``
        what it must be ("an int in the range [1, inf)");
    ``value``
        what was given;
    ``when``
        the other parameters the rule depends on, ``{name: value}`` (``{"loss": "ns"}``);
    ``refs``
        other parameters the rule names as ``{name}`` placeholders (rule ``"at most {max_n}"``
        with ``refs={"max_n": 3}`` reads "at most max_n=3", and "at most --max-n 3" in the CLI).
    """

    def __init__(self, message: str | None = None, *, param: str | None = None, owner: str | None = None,
                 rule: str | None = None, value=_UNSET, when: dict | None = None, refs: dict | None = None):
        self.param, self.owner, self.rule, self.value = param, owner, rule, value
        self.when = dict(when or {})
        self.refs = dict(refs or {})
        if message is None:
            message = self.render()
        super().__init__(message)

    def render(self, name=None, setting=None, short: bool = False) -> str:
        """The message with parameters shown by ``name(param)`` and settings of other
        parameters by ``setting(param, value)`` (Python's spelling by default); ``short`` leaves
        out "The ... parameter of OWNER" (the CLI names the flag alone)."""
        name = name or (lambda p: repr(p))
        setting = setting or (lambda p, v: f"{p}={v!r}")
        if self.param is None or self.rule is None:
            return str(self.args[0]) if self.args else ""
        if short:
            who = name(self.param)
        else:
            who = f"The {name(self.param)} parameter" + (f" of {self.owner}" if self.owner else "")
        cond = " when " + " and ".join(setting(p, v) for p, v in self.when.items()) if self.when else ""
        got = "" if self.value is _UNSET else f" Got {self.value!r} instead."
        rule = self.rule.format(**{p: setting(p, v) for p, v in self.refs.items()}) if self.refs else self.rule
        return f"{who} must be {rule}{cond}.{got}"


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


class TrainingError(WordspaceError, RuntimeError):
    """Training could not produce a model (it diverged: the loss or the vectors became NaN or
    infinite). Nothing is written."""


class DuplicateKeyError(InvalidParameterError):
    """The same key was given twice; ``key`` is the key and ``position`` its second entry."""

    def __init__(self, message: str, *, key=None, position: int | None = None):
        super().__init__(message)
        self.key, self.position = key, position


class ClusterError(WordspaceError, RuntimeError):
    """A job on a cluster could not finish: the scheduler cannot be reached, or workers died
    more often than the job retries. Nothing is written."""
