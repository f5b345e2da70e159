"""What every command module shares: the argument parser class that records each option's flag
(so errors name ``--min-count``, not ``min_count``), loading vectors, printing neighbours."""

from __future__ import annotations

import argparse
import json
import sys

__all__ = ["Parser", "add_vectors_argument", "add_storage_argument", "load_vectors", "read_options", "add_key_decoding_arguments", "print_neighbors", "print_json", "extra_import"]

VECTORS_HELP = "a vectors file, a model directory, or the name of published vectors ('wordspace models')"


def add_vectors_argument(p, flag: str = "--format") -> None:
    """The VECTORS positional and the option that names its format when detection should not
    decide (a file detection refuses names both readings and this option)."""
    from ..io import READ_FORMATS

    p.add_argument("vectors", metavar="VECTORS", help=VECTORS_HELP)
    p.add_argument(flag, dest="vectors_format", choices=list(READ_FORMATS), default=None,
                   help="read VECTORS as this format instead of detecting it")
    add_key_decoding_arguments(p)


def add_key_decoding_arguments(p) -> None:
    """``--encoding`` and ``--unicode-errors``: how the keys of word2vec, GloVe and fastText
    files are decoded (what the readers' messages recommend for keys that are not UTF-8)."""
    p.add_argument("--encoding", default=None, metavar="NAME",
                   help="the encoding of the keys of a word2vec, GloVe or fastText file (default utf-8)")
    p.add_argument("--unicode-errors", default=None, metavar="HANDLER",
                   choices=["strict", "replace", "ignore", "backslashreplace", "surrogateescape"],
                   help="what to do with key bytes that are not valid in the encoding: strict refuses the file, "
                        "replace, ignore, backslashreplace (fastText files: the default, their vectors from the "
                        "file's own bytes)")


def read_options(args) -> dict:
    """The key-decoding options the user gave (``add_key_decoding_arguments``)."""
    out = {}
    if getattr(args, "encoding", None) is not None:
        out["encoding"] = args.encoding
    if getattr(args, "unicode_errors", None) is not None:
        out["unicode_errors"] = args.unicode_errors
    return out


class Parser(argparse.ArgumentParser):
    """argparse that remembers, for each destination, the flag that sets it, and suggests a
    command for a misspelt one; usage errors still exit 2."""

    def __init__(self, *args, **kwargs):
        self.flags: dict = {}  # dest -> "--flag"
        self.commands: list = []  # names of the sub-commands, for "did you mean"
        self.outputs: dict = {}  # dest -> "file" or "dir": what the command writes there
        super().__init__(*args, **kwargs)

    def add_argument(self, *args, output: str | None = None, **kwargs):
        """argparse's, plus ``output="file"|"dir"`` marking a path the command writes: no other
        argument's path may be the same (``main`` checks before the command runs), and the writer
        tests find every output this way."""
        action = super().add_argument(*args, **kwargs)
        if action.option_strings:
            self.flags[action.dest] = max(action.option_strings, key=len)
        if output is not None:
            self.outputs[action.dest] = output
        return action

    def error(self, message):
        if "invalid choice" in message and self.commands:
            import difflib

            bad = message.split("'")[1] if "'" in message else ""
            close = difflib.get_close_matches(bad, self.commands, n=1)
            if close:
                message += f". Did you mean '{close[0]}'?"
        super().error(message)


def add_storage_argument(p) -> None:
    """``--storage-options JSON``, for commands whose corpus may be a URL."""
    p.add_argument("--storage-options", default=None, metavar="JSON",
                   help="options for reading URLs (s3://, gs://, hdfs://, https://) through fsspec, as a JSON object, "
                        "for example '{\"anon\": true}' or '{\"endpoint_url\": \"http://host:9000\"}'; credentials "
                        "otherwise come from the usual places (environment, profiles)")


def load_vectors(path, **kwargs):
    """Vectors from any supported file or published name (the public ``wordspace.load``)."""
    from ..pretrained import load

    return load(path, **kwargs)


def print_neighbors(title: str, answers) -> None:
    print(title)
    width = max((len(a.key) for a in answers), default=4)
    for rank, a in enumerate(answers, 1):
        print(f"  {rank:>3}  {a.key:<{width}}  {a.score:.4f}")


def print_json(obj) -> None:
    print(json.dumps(obj, ensure_ascii=False, indent=2))


def extra_import(fn):
    """Run ``fn()`` (an import of an optional extra), turning a missing package into a
    one-line wordspace error with its install hint."""
    from ..errors import WordspaceError

    try:
        return fn()
    except ImportError as exc:
        raise WordspaceError(str(exc)) from None


def warn(message: str) -> None:
    print(f"wordspace: warning: {message}", file=sys.stderr)
