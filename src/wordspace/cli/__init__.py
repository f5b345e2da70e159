"""The ``wordspace`` command line: one module per group of commands, each command parsing its
options, calling one public function of the library and printing the result.

Exit codes: 0 success, 1 runtime error (bad input, unreadable or unwritable files, invalid
parameter values: one line on stderr, never a traceback; ``WORDSPACE_DEBUG=1`` shows the
traceback of an unexpected error), 2 usage error (unknown option, missing argument), 130
interrupted.
"""

from __future__ import annotations

import sys

from ._common import Parser

__all__ = ["main", "run", "build_parser", "command_parsers"]

#: the command modules, in the order ``wordspace --help`` lists their commands
_GROUPS = ("train", "phrases", "query", "sentences", "distill", "hub", "evaluate", "bias", "probe", "classify", "bpe", "align", "lm", "viz")


#: each command's module: ``main`` builds only the parser of the command it is given (building
#: ``train``'s reads every trainer's parameters, which imports Numba: 0.3 s of a query's start-up)
COMMANDS = {"train": "train", "demo": "train", "phrases": "phrases", "neighbors": "query", "analogy": "query",
            "similarity": "query", "convert": "query", "quantize": "query", "embed": "sentences",
            "distill": "distill", "export": "distill", "models": "hub", "download": "hub", "evaluate": "evaluate",
            "bias": "bias", "debias": "bias", "probe": "probe", "classify": "classify", "bpe": "bpe",
            "align": "align", "train-lm": "lm", "contextual": "lm", "plot": "viz", "projector": "viz",
            "serve": "viz"}


def build_parser(groups=None) -> Parser:
    """The command line's parser: every command, or only those of ``groups`` (module names)."""
    from importlib import import_module

    from .. import __version__

    parser = Parser(prog="wordspace", description="Word embeddings: train, query, measure, see, convert and use them.")
    parser.add_argument("--version", action="version", version=f"wordspace {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    sub.required = True
    for group in _GROUPS if groups is None else groups:
        import_module(f".{group}", __name__).add_parsers(sub)
    parser.commands = list(sub.choices)
    for p in command_parsers(parser):
        p.set_defaults(_parser=p)
    return parser


def command_parsers(parser):
    """Every parser that runs a command (``train``, ``bpe train``...), depth first."""
    import argparse

    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for p in action.choices.values():
                nested = list(command_parsers(p))
                yield from nested if nested else [p]


def _check_outputs(args) -> None:
    """Refuse, before the command runs, an output path that is also one of its inputs (any other
    argument naming an existing path: the corpus, the vectors, a model to resume...): writing it
    would replace what is being read (``wordspace convert MODEL MODEL`` used to drop the trainer
    state this way)."""
    from ..atomic import check_not_input

    parser = getattr(args, "_parser", None)
    outputs = getattr(parser, "outputs", {})
    if not outputs:
        return
    flags = parser.flags
    values = {dest: v for dest, v in vars(args).items() if not dest.startswith("_") and dest not in outputs}
    inputs = [x for v in values.values() for x in (v if isinstance(v, list) else [v]) if isinstance(x, str)]
    for dest in outputs:
        out = getattr(args, dest, None)
        if isinstance(out, str) and out != "-":
            check_not_input(out, inputs, flags.get(dest, dest.upper()))


def _message(exc, args) -> str:
    """The error's one line, with parameters named by the flags that set them."""
    from ..errors import InvalidParameterError

    if not isinstance(exc, InvalidParameterError) or exc.param is None:
        return str(exc)
    flags = getattr(getattr(args, "_parser", None), "flags", {})
    flag = flags.get(exc.param)
    if flag is None:
        return str(exc)
    if exc.rule is None:  # a sentence of its own: say which flag it is about
        return f"{flag}: {exc}" if flag not in str(exc) else str(exc)
    shown = lambda p: flags.get(p, repr(p))  # noqa: E731
    setting = lambda p, v: f"{flags[p]} {v}" if p in flags else f"{p}={v!r}"  # noqa: E731
    return exc.render(shown, setting, short=True)


def _corpus_with_options(args) -> None:
    """``--storage-options JSON``: the command's corpus paths become a :class:`LineCorpus` that
    carries the options to every read (the cluster's workers included)."""
    text = getattr(args, "storage_options", None)
    if text is None:
        return
    import json

    from ..corpus import LineCorpus
    from ..errors import InvalidParameterError

    try:
        options = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidParameterError(f"--storage-options must be a JSON object such as "
                                    f"'{{\"anon\": true}}': {exc.msg} at character {exc.pos}") from None
    except (RecursionError, ValueError):  # nested past Python's stack, or an integer of thousands of digits
        raise InvalidParameterError("--storage-options must be a JSON object of a few settings; this one is nested too "
                                    "deeply or holds a number too long to read") from None
    if not isinstance(options, dict):
        raise InvalidParameterError(f"--storage-options must be a JSON object (key: value), got {type(options).__name__}")
    if getattr(args, "corpus", None):
        args.corpus = LineCorpus(args.corpus, storage_options=options)


def run() -> None:
    """The ``wordspace`` command and ``python -m wordspace.cli``: :func:`main`, then a quick exit.

    When the command has returned, its files are closed and synced; what is left is the
    interpreter's teardown, which spends about 0.15 s destroying compiled kernels and modules
    (a tenth of a phrase or neighbour job). The exit handlers run and the standard streams are
    flushed, then the process ends with the command's code. ``main`` itself returns normally,
    for callers in Python.
    """
    import atexit
    import os

    _skip_numba_blas_probe()
    code = main()
    run_exit_handlers = getattr(atexit, "_run_exitfuncs", None)
    if run_exit_handlers is None:  # not CPython: the usual exit
        sys.exit(code)
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (BrokenPipeError, ValueError):  # the reader went away, or the stream was closed
            os.dup2(os.open(os.devnull, os.O_WRONLY), stream.fileno())
    run_exit_handlers()
    os._exit(code or 0)


class _NoBlasProbe:
    """An import hook, used once: while ``numba.np.arraymath`` is first imported, Numba's probe
    for a BLAS (``numba.np.linalg.ensure_blas``, which imports SciPy's linear algebra: about
    0.2 s, a tenth of a phrase job) reports none; the probe is put back as soon as that module
    has run.

    The probe's only effect is ``arraymath._HAVE_BLAS``, which picks how ``np.convolve`` and
    ``np.correlate`` compute inner products inside compiled code (a loop instead of BLAS); no
    kernel of wordspace calls them, and ``np.dot`` and ``np.linalg`` in compiled code still find
    SciPy when they are compiled (they call the probe again, by then restored). Installed by
    :func:`run` only, in the command line's own process, never by ``import wordspace``.
    """

    name = "numba.np.arraymath"

    def find_spec(self, fullname, path=None, target=None):
        if fullname != self.name:
            return None
        sys.meta_path.remove(self)
        from importlib.util import find_spec

        spec = find_spec(fullname)
        if spec is None or spec.loader is None or "scipy.linalg.cython_blas" in sys.modules:
            return spec  # SciPy already loaded: the probe costs nothing
        try:
            import numba.np.linalg as linalg
        except ImportError:
            return spec
        probe, inner = getattr(linalg, "ensure_blas", None), spec.loader
        if probe is None:  # another Numba: nothing to skip
            return spec

        def no_blas():
            raise ImportError("not probed (wordspace's command line)")

        class Loader:
            def __getattr__(self, name):  # anything else (get_source...) is the real loader's
                return getattr(inner, name)

            def create_module(self, spec):
                return inner.create_module(spec)

            def exec_module(self, module):
                linalg.ensure_blas = no_blas
                try:
                    inner.exec_module(module)
                finally:
                    linalg.ensure_blas = probe
                    module.__loader__ = module.__spec__.loader = inner

        spec.loader = Loader()
        return spec


def _skip_numba_blas_probe() -> None:
    """Install :class:`_NoBlasProbe` unless Numba's registries are already loaded."""
    if "numba.np.arraymath" not in sys.modules:
        sys.meta_path.insert(0, _NoBlasProbe())


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:
    print(f"wordspace: warning: {message}", file=sys.stderr)


def main(argv=None) -> int:
    """Run the command line; returns the exit code (also used by the console script)."""
    import warnings

    from ..errors import WordspaceError

    words = sys.argv[1:] if argv is None else list(argv)
    group = COMMANDS.get(words[0]) if words else None
    parser = build_parser(None if group is None else [group])
    args = parser.parse_args(words)
    try:
        with warnings.catch_warnings():  # the caller's warning settings come back after
            warnings.simplefilter("default")  # library warnings (pruning, invalid UTF-8...): each once
            warnings.showwarning = _show_warning
            _check_outputs(args)
            _corpus_with_options(args)
            return args.func(args)
    except WordspaceError as exc:
        print(f"wordspace: error: {_message(exc, args)}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("wordspace: interrupted; nothing was written", file=sys.stderr)
        return 130
    except BrokenPipeError:  # the reader of our output went away (| head): not an error of ours
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except MemoryError:
        print("wordspace: error: out of memory; use smaller settings (--dim, --max-vocab) or a machine with more RAM",
              file=sys.stderr)
        return 1
    except OSError as exc:
        where = f" '{exc.filename}'" if exc.filename else ""
        print(f"wordspace: error: {exc.strerror or exc}{where}", file=sys.stderr)
        return 1
    except Exception as exc:  # noqa: BLE001 (a bug of ours: still one line; WORDSPACE_DEBUG=1 shows the traceback)
        import os

        if os.environ.get("WORDSPACE_DEBUG"):
            raise
        first = str(exc).splitlines()[0][:300] if str(exc) else ""
        print(f"wordspace: error: unexpected {type(exc).__name__}: {first} (a bug in wordspace: please report it "
              "with the command; WORDSPACE_DEBUG=1 shows where it happened)", file=sys.stderr)
        return 1
