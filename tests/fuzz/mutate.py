"""Seeded mutations of seed files: byte flips, truncations, insertions, deletions, hostile
numbers in headers, hostile values in JSON (an integer of 5,000 digits, 100,000 nested arrays),
and damaged model directories (a member removed, damaged, replaced by a link that leads out of
the directory, by a FIFO, or by a link to /dev/zero)."""

from __future__ import annotations

import json
import os
import random
import re
import shutil
import struct

HOSTILE_INTS = [0, -1, 1, 2**31 - 1, 2**31, -(2**31), 2**32 + 1, 2**63 - 1, 10**12, 10**23]
HOSTILE_JSON = [-1, 0, 2**31, 10**12, 10**30, 1e308, float("nan"), "2", "", True, None, [], {}, [[1, 2]] * 3,
                "x" * 10_000, "BIGINT"]  # "BIGINT" becomes an integer of 5,000 digits when written


def _bytes_mutation(data: bytes, rng: random.Random) -> bytes:
    op = rng.choice(["flip", "flip", "truncate", "insert", "delete", "number", "number", "repeat"])
    n = len(data)
    if n == 0:
        return b"\x00" * rng.randint(1, 64)
    if op == "flip":
        b = bytearray(data)
        for _ in range(rng.randint(1, 8)):
            i = rng.randrange(n) if rng.random() < 0.5 else rng.randrange(min(n, 256))
            b[i] ^= 1 << rng.randrange(8) if rng.random() < 0.7 else rng.randrange(1, 256)
        return bytes(b)
    if op == "truncate":
        return data[: rng.randrange(n)]
    if op == "insert":
        i = rng.randrange(n + 1)
        junk = rng.choice([bytes(rng.randrange(256) for _ in range(rng.randint(1, 40))), b"\x00" * 64, b"\n" * 5,
                           b" ", "é".encode("latin-1"), b"\xef\xbb\xbf", b"nan", b"inf"])
        return data[:i] + junk + data[i:]
    if op == "delete":
        i = rng.randrange(n)
        return data[:i] + data[i + rng.randint(1, 32):]
    if op == "repeat":
        i = rng.randrange(n)
        chunk = data[i : i + rng.randint(1, 64)]
        return data[:i] + chunk * rng.randint(2, 50) + data[i:]
    # "number": a hostile value in place of a decimal number in the first few hundred bytes, or
    # of a little-endian int32/int64 field in a binary header
    head = data[:400]
    nums = list(re.finditer(rb"-?\d+", head))
    if nums and rng.random() < 0.6:
        m = rng.choice(nums)
        return data[: m.start()] + str(rng.choice(HOSTILE_INTS)).encode() + data[m.end():]
    width = rng.choice([4, 8])
    i = rng.randrange(0, max(1, min(n, 120) - width + 1))
    v = rng.choice(HOSTILE_INTS)
    fmt = "<i" if width == 4 else "<q"
    lim = 2 ** (8 * width - 1)
    v = max(-lim, min(lim - 1, v))
    return data[:i] + struct.pack(fmt, v) + data[i + width:]


def _json_mutation(doc, rng: random.Random):
    """Replace one value somewhere in ``doc`` with a hostile one (or nest it absurdly)."""
    paths = []

    def walk(node, path):
        paths.append(path)
        if isinstance(node, dict):
            for k, v in node.items():
                walk(v, path + [k])
        elif isinstance(node, list):
            for i, v in enumerate(node[:20]):
                walk(v, path + [i])

    walk(doc, [])
    path = rng.choice(paths[1:] or paths)
    value = rng.choice(HOSTILE_JSON + ["DEEP"])  # "DEEP" becomes 100,000 nested arrays when written
    if not path:
        return value
    node = doc
    for p in path[:-1]:
        node = node[p]
    node[path[-1]] = value
    return doc


def _dump_json(doc) -> bytes:
    text = json.dumps(doc, ensure_ascii=False)
    return text.replace('"DEEP"', "[" * 100_000 + "]" * 100_000).replace('"BIGINT"', "9" * 5000).encode("utf-8")


def mutate_file(src: str, dst: str, rng: random.Random) -> str:
    """Write a mutation of the file ``src`` to ``dst``; returns a short description."""
    with open(src, "rb") as fh:
        data = fh.read()
    if src.endswith(".json") and rng.random() < 0.6:
        try:
            out = _dump_json(_json_mutation(json.loads(data), rng))
            desc = "json value"
        except ValueError:
            out, desc = _bytes_mutation(data, rng), "bytes"
    else:
        out, desc = data, "bytes"
        for _ in range(rng.choice([1, 1, 1, 2, 3])):
            out = _bytes_mutation(out, rng)
    with open(dst, "wb") as fh:
        fh.write(out)
    return desc


def mutate_dir(src: str, dst: str, rng: random.Random, outside: str) -> str:
    """Copy the model directory ``src`` to ``dst`` and damage it."""
    shutil.copytree(src, dst)
    members = sorted(os.listdir(dst))
    name = rng.choice(members)
    target = os.path.join(dst, name)
    op = rng.choice(["file", "file", "file", "file", "remove", "link", "empty", "fifo", "device"])
    if op == "remove":
        os.unlink(target)
    elif op == "link":
        os.unlink(target)
        os.symlink(outside, target)  # a member that leads out of the model directory
    elif op == "empty":
        open(target, "wb").close()
    elif op == "fifo":  # a named pipe with no writer: a reader that opens it blocks forever
        os.unlink(target)
        os.mkfifo(target)
    elif op == "device":  # an endless file
        os.unlink(target)
        os.symlink("/dev/zero", target)
    else:
        tmp = target + ".orig"
        os.rename(target, tmp)
        mutate_file(tmp, target, rng)
        os.unlink(tmp)
    return f"{op} {name}"
