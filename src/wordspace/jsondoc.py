"""Reading and writing the JSON documents wordspace writes (tokenizers, phrase models, checkpoints, model
headers), which may come from anyone: a bounded size, strict UTF-8, no unbounded nesting, the
expected ``format`` name and a ``version`` this wordspace reads. One function, so every reader
refuses damage the same way and with the same words."""

from __future__ import annotations

import json
import os

from .errors import FormatError

__all__ = ["read_document", "write_document"]


def read_document(path, *, format_name: str, latest: int, what: str, max_bytes: int = 64 << 20) -> dict:
    """The JSON object in ``path`` after checking its size, encoding, nesting, ``format`` (must be
    ``format_name``) and ``version`` (an int from 1 to ``latest``); ``what`` names the kind of
    file in messages ("a wordspace BPE tokenizer")."""
    from .untrusted import parse_json, read_regular

    path = os.fspath(path)
    doc = parse_json(read_regular(path, what, max_bytes), f"'{path}'", what)
    if not isinstance(doc, dict) or doc.get("format") != format_name:
        found = doc.get("format") if isinstance(doc, dict) else type(doc).__name__
        raise FormatError(f"'{path}' is not {what} (format {_short(found)}, expected {format_name!r})")
    version = doc.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise FormatError(f"'{path}': 'version' is {_short(version)}, not a format version number")
    if version > latest:
        raise FormatError(f"'{path}' is format version {version} of {what}; this wordspace reads versions up to "
                          f"{latest}: upgrade wordspace to read it")
    return doc


def _short(value) -> str:
    """``repr(value)``, cut to a length a message can carry (values come from the file)."""
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def write_document(path, doc: dict, *, replaceable) -> str:
    """Write ``doc`` to ``path`` atomically (UTF-8; one key per line, and one item per line in
    lists of lists, such as merges or phrases, so a diff of two files reads well); an existing
    file is replaced only when ``replaceable(path)`` says it is one of ours."""
    from .atomic import atomic_file

    path = os.fspath(path)
    with atomic_file(path, "w", replaceable=replaceable) as fh:
        fh.write(_layout(doc))
    return path


def _layout(doc: dict) -> str:
    """``doc`` as JSON text with each top-level key on its own line and lists of lists broken
    one item per line; every leaf goes through the C encoder (an indented ``json.dump`` runs
    the pure-Python one: 0.2 s for a model of 26,000 phrases)."""

    encode = json.JSONEncoder(ensure_ascii=False).encode  # one encoder for every leaf

    def value(v, depth: int) -> str:
        if isinstance(v, list) and v and depth < 2 and all(isinstance(x, list) for x in v):
            return "[\n" + ",\n".join([value(x, depth + 1) for x in v]) + "\n]"
        return encode(v)

    items = ",\n".join(f"{encode(k)}: {value(v, 0)}" for k, v in doc.items())
    return "{\n" + items + "\n}\n"
