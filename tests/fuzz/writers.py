"""Every writer of the command line against files and folders that are not its to replace.

The outputs are read from the parser (options declared with ``output=``: ``wordspace.cli``),
so a new command that writes is driven here too; each runs from the sweep's templates
(``tests.fuzz.params``) with its output pointed at one of ``TARGETS``: prose, a table, a
document whose first line looks like a word2vec header, JSON, an HTML page, a GloVe file (valid
vectors, but not of the kind wordspace writes: no header), a folder holding files named like
ours next to one of the user's, a folder of ours' names only but the user's content, a symbolic
link to a folder, a FIFO, a file with a second hard link, a private (0600) file, and the
command's own input. Every byte, mode and link count of the target must be as before, and the
command must exit 1 with one line.

    python -m tests.fuzz.writers
"""

from __future__ import annotations

import json
import os
import stat
import sys

from tests.fuzz.params import ROOT, make_inputs, templates

#: Positional outputs: ``(command, dest) -> index in the template's argv``.
POSITIONAL = {("wordspace convert", "output"): 2, ("wordspace export", "out"): 4}

PROSE = b"Chapter 1\n\nIt was a bright cold day in April, and the clocks were striking thirteen.\n"
TABLE = b"alice 90 85\nbob 70 60\ncarol 88 91\n"
HEADERISH = b"2024 12\nThe year in review: twelve months, one report.\n"
JSON_DOC = b'{"format": "my-notes", "version": 1, "notes": ["keep me"]}\n'
HTML = b"<!DOCTYPE html>\n<html><head><title>My page</title></head><body><p>mine</p></body></html>\n"
GLOVE = b"the 0.1 0.2 0.3\nking 0.4 0.5 0.6\nqueen 0.7 0.8 0.9\n"
#: Names wordspace's folders use: a folder holding them is still the user's if anything else is in it.
OUR_NAMES = ("wordspace.json", "vectors.npy", "vocab.tsv", "classifier.json", "input.npy", "checkpoint.json",
             "model.npz", "vectors.tsv", "metadata.tsv")


def _make(kind: str, path: str, d: str, source: str | None) -> str:
    """Put a target of ``kind`` at ``path``; returns the path the command is given."""
    files = {"prose": PROSE, "table": TABLE, "headerish": HEADERISH, "json": JSON_DOC, "html": HTML, "glove": GLOVE}
    if kind in files:
        with open(path, "wb") as fh:
            fh.write(files[kind])
    elif kind == "private":
        with open(path, "wb") as fh:
            fh.write(PROSE)
        os.chmod(path, 0o600)
    elif kind == "hardlink":
        with open(path, "wb") as fh:
            fh.write(TABLE)
        os.link(path, path + ".other-name")
    elif kind == "folder-with-our-names":
        os.makedirs(path)
        for name in OUR_NAMES:
            with open(os.path.join(path, name), "wb") as fh:
                fh.write(JSON_DOC if name.endswith(".json") else PROSE)
        with open(os.path.join(path, "thesis.txt"), "wb") as fh:
            fh.write(PROSE)
    elif kind == "folder-of-our-names-only":
        os.makedirs(path)
        for name in ("wordspace.json", "classifier.json", "checkpoint.json"):
            with open(os.path.join(path, name), "wb") as fh:
                fh.write(JSON_DOC)
    elif kind == "link-to-folder":
        real = os.path.join(d, "real-folder")
        os.makedirs(real, exist_ok=True)
        with open(os.path.join(real, "diary.txt"), "wb") as fh:
            fh.write(PROSE)
        os.symlink(real, path)
    elif kind == "fifo":
        os.mkfifo(path)
    elif kind == "input":
        return source
    else:
        raise ValueError(kind)
    return path


TARGETS = ("prose", "table", "headerish", "json", "html", "glove", "private", "hardlink", "folder-with-our-names",
           "folder-of-our-names-only", "link-to-folder", "fifo", "input")


def snapshot(path: str) -> dict:
    """Every byte, mode and link count under ``path`` (links not followed, except the one a
    link points at, which is listed under its target)."""
    out = {}
    todo = [path]
    while todo:
        p = todo.pop()
        st = os.lstat(p)
        entry = (stat.S_IMODE(st.st_mode), stat.S_IFMT(st.st_mode), st.st_nlink)
        if stat.S_ISLNK(st.st_mode):
            target = os.readlink(p)
            out[p] = entry + (target,)
            todo.append(os.path.join(os.path.dirname(p), target))
        elif stat.S_ISDIR(st.st_mode):
            out[p] = entry + (sorted(os.listdir(p)),)
            todo.extend(os.path.join(p, n) for n in os.listdir(p))
        elif stat.S_ISREG(st.st_mode):
            with open(p, "rb") as fh:
                out[p] = entry + (fh.read(),)
        else:
            out[p] = entry
    return out


def writer_cases(inputs: dict) -> list[dict]:
    """``[{command, dest, flag, argv (with TARGET), input}]`` for every output of every command."""
    from wordspace.cli import build_parser, command_parsers

    base = templates(inputs)
    cases, missing = [], []
    for parser in command_parsers(build_parser()):
        for dest in parser.outputs:
            name = parser.prog
            if name not in base:
                missing.append(name)
                continue
            argv = list(base[name])
            flag = parser.flags.get(dest)
            if flag is None:
                if (name, dest) not in POSITIONAL:
                    missing.append(f"{name} {dest}")
                    continue
                argv[POSITIONAL[(name, dest)]] = "TARGET"
            else:
                while flag in argv:
                    i = argv.index(flag)
                    del argv[i : i + 2]
                argv += [flag, "TARGET"]
            source = next((a for a in argv[1:] if a != "TARGET" and os.path.exists(a)), None)
            cases.append({"command": name, "dest": dest, "flag": flag or dest.upper(), "argv": argv, "input": source})
    if missing:
        raise AssertionError(f"outputs without a writer case (add a template or a POSITIONAL entry): {missing}")
    return cases


def run_matrix(workdir: str) -> dict:
    """Drive every writer against every target; returns ``{"cases": n, "failures": [...]}``."""
    import contextlib
    import io
    import shutil

    from wordspace.cli import main

    inputs = make_inputs(os.path.join(workdir, "inputs"))
    cases = writer_cases(inputs)
    failures, n = [], 0
    for c in cases:
        for kind in TARGETS:
            d = os.path.join(workdir, "case")
            shutil.rmtree(d, ignore_errors=True)
            os.makedirs(d)
            os.makedirs(inputs["out"], exist_ok=True)
            ext = os.path.splitext(next((a for a in templates(inputs)[c["command"]] if a.startswith(inputs["out"])),
                                        "x.txt"))[1]
            target = _make(kind, os.path.join(d, "target" + ext), d, c["input"])
            if target is None:
                continue
            before = snapshot(d if kind != "input" else target)
            argv = [target if a == "TARGET" else a for a in c["argv"]]
            err = io.StringIO()
            try:
                with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
                    code = main(argv)
            except SystemExit as exc:
                code = exc.code
            except BaseException as exc:  # noqa: BLE001 (anything escaping main is a finding)
                code = f"escaped {type(exc).__name__}: {exc}"
            after = snapshot(d if kind != "input" else target)
            n += 1
            text = err.getvalue()
            problems = []
            if code != 1:
                problems.append(f"exit {code}")
            if after != before:
                changed = sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))
                problems.append(f"changed {changed[:3]}")
            if "unexpected" in text or "Traceback" in text or len(text.strip().splitlines()) != 1:
                problems.append(f"stderr {text.strip()[:200]!r}")
            if problems:
                failures.append({"command": c["command"], "output": c["flag"], "target": kind, "problems": problems,
                                 "stderr": text[-300:]})
    return {"cases": n, "writers": len(cases), "failures": failures}


def main() -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as d:
        result = run_matrix(d)
    print(json.dumps({"cases": result["cases"], "writers": result["writers"], "failures": len(result["failures"])}))
    for f in result["failures"]:
        print(json.dumps(f), file=sys.stderr)
    sys.exit(1 if result["failures"] else 0)


if __name__ == "__main__":
    sys.path.insert(0, ROOT)
    main()
