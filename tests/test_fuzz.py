"""A bounded run of the fuzz harness (tests/fuzz/harness.py) over every reader: mutated files
must be read or refused with a wordspace error, never a traceback, a crash, a hang or a memory
blow-up. The long run is ``python tests/fuzz/harness.py --cases-per-kind 200``
(docs/files.md)."""

import pytest

from tests.fuzz.harness import FAILURES, fuzz, run_case
from tests.fuzz.seeds import SEEDS


@pytest.mark.parametrize("kind", sorted(SEEDS))
def test_mutated_files_never_crash_a_reader(kind, tmp_path):
    result = fuzz([kind], per_kind=6, seed=20261130, memory_mb=3072, timeout=120, jobs=2, workdir=str(tmp_path))
    counts = result["counts"][kind]
    assert sum(counts.values()) == 6
    assert not result["failures"], result["failures"]
    assert not any(counts.get(o) for o in FAILURES)


def test_hostile_header_values_are_refused_before_allocating(tmp_path):
    """Headers that claim huge sizes are refused by checking them against the file, not by
    trying to allocate: each case runs under a 1 GB address-space limit."""
    import os
    import struct

    from tests.fuzz.harness import run_case
    from tests.fuzz.seeds import fasttext_bin, native

    cases = []
    p = tmp_path / "rows.bin"
    p.write_bytes(b"1000000000000 300\nab " + b"\0" * 1200)  # 10^12 rows promised
    cases.append(("word2vec-binary", str(p)))
    p = tmp_path / "dim.bin"
    p.write_bytes(b"2 100000000000000000000000\nab " + b"\0" * 64)  # a dimension of 10^23
    cases.append(("word2vec-binary", str(p)))
    ft = fasttext_bin(str(tmp_path))
    with open(ft, "rb") as fh:
        data = bytearray(fh.read())
    for offset, value, fmt in ((8, 2**31 - 1, "<i"), (64, 2**31 - 1, "<i"), (40, -3, "<i"), (40, 0, "<i")):
        bad = tmp_path / f"ft{offset}_{value}.bin"
        b = bytearray(data)
        struct.pack_into(fmt, b, offset, value)  # dim, dictionary size, bucket
        bad.write_bytes(bytes(b))
        cases.append(("fasttext-bin", str(bad)))
    ref = native(str(tmp_path))
    for kind, path in cases:
        outcome, detail = run_case(kind, path, ref, memory_mb=1024, timeout=60)
        assert outcome == "refused", (os.path.basename(path), outcome, detail)


def test_every_numeric_option_of_every_command_takes_hostile_values(tmp_path):
    """tests/fuzz/params.py: every int and float option of every command (read from the parser,
    so a new one is swept too) given -1, 0, 1e400, NaN, +-inf, 1e308, +-10^20 and text, on tiny
    valid inputs: each case ends within the timeout with exit 0, 1 or 2, and never with an
    "unexpected" error or a traceback. (Before the bounds were declared, 18 cases failed:
    huge --window, --negative, --max-sentence-length, classify --dim, bpe --vocab-size, quantize
    --iterations; negative seeds; --epochs and align --refine of 10^20 ran until killed.)"""
    from tests.fuzz.params import VALUES, run

    result = run(jobs=2, timeout=120, workdir=str(tmp_path))
    assert result["cases"] >= 60 * len(VALUES), result  # about 83 options today
    assert not result["failures"], result["failures"][:5]
    assert set(result["by_code"]) <= {"0", "1", "2"}


def test_no_writer_replaces_what_is_not_its_own(tmp_path):
    """tests/fuzz/writers.py: every output of every command (read from the parser) pointed at
    prose, a table, a first line that looks like a word2vec header, JSON, HTML, a GloVe file, a
    0600 file, a hard-linked file, folders holding files named like ours, a link to a folder, a
    FIFO and the command's own input: each is refused in one line (exit 1) and every byte, mode
    and link count is as before. (Before the one rule of wordspace.atomic, 37 of these cases
    lost the user's data: phrases, bpe encode, convert, demo, align, debias, classify...)"""
    from tests.fuzz.writers import TARGETS, run_matrix

    result = run_matrix(str(tmp_path))
    assert result["writers"] >= 16 and result["cases"] >= result["writers"] * (len(TARGETS) - 1)
    assert not result["failures"], result["failures"][:5]


@pytest.mark.parametrize("kind", sorted(SEEDS))
def test_paths_that_are_not_regular_files_are_refused_at_once(kind, tmp_path):
    """Every reader given a FIFO with no writer (which blocked an open forever), /dev/zero and
    /dev/urandom (which streamed until memory ran out), a folder, a socket, a link to /dev/zero,
    and, for folders, its model with each member in turn a FIFO: one line, refused, in seconds."""
    from tests.fuzz.harness import hostile_paths
    from tests.fuzz.seeds import make_all

    seeds = make_all(str(tmp_path / "seeds"), [kind, "native"])
    for what, path in hostile_paths(str(tmp_path), kind, seeds[kind]):
        outcome, detail = run_case(kind, path, seeds["native"], memory_mb=3072, timeout=30)
        assert outcome == "refused", (kind, what, outcome, detail)
