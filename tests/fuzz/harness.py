"""Fuzzing wordspace's readers: seeded mutations of valid files, each case run in its own
process under a memory limit and a timeout, each outcome classified.

    python tests/fuzz/harness.py [--cases-per-kind 200] [--seed 1] [--kinds native,bpe,...]
                                 [--memory-mb 3072] [--timeout 60] [--jobs 2] [--keep DIR]

Outcomes: ``loaded`` (read and used), ``refused`` (a one-line wordspace error), and the failures
``traceback`` (any other exception), ``crash`` (a signal: segfault, abort), ``timeout`` and
``memory`` (MemoryError, or the memory limit hit). The default test run (tests/test_fuzz.py)
runs a few cases per reader; the command above is the long run. With ``--keep`` the failing
cases are copied there to be reproduced with ``run_case.py``.
"""

from __future__ import annotations

import argparse
import collections
import concurrent.futures
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
RUNNER = os.path.join(HERE, "run_case.py")
FAILURES = ("traceback", "crash", "timeout", "memory")


def _limits(memory_mb: int):
    def apply():
        cap = memory_mb << 20
        resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    return apply


def run_case(kind: str, path: str, reference: str, memory_mb: int, timeout: float) -> tuple[str, str]:
    """``(outcome, detail)`` of one case, run in a fresh process."""
    env = {**os.environ, "PYTHONWARNINGS": "ignore", "OMP_NUM_THREADS": "1", "NUMBA_NUM_THREADS": "1"}
    try:
        proc = subprocess.run([sys.executable, RUNNER, kind, path, reference], capture_output=True, text=True,
                              timeout=timeout, preexec_fn=_limits(memory_mb), env=env)
    except subprocess.TimeoutExpired:
        return "timeout", f"over {timeout:.0f}s"
    if proc.returncode == 0:
        return "loaded", ""
    if proc.returncode == 3:
        return "refused", proc.stdout.strip()
    if proc.returncode == 4 or "MemoryError" in proc.stderr or "Cannot allocate memory" in proc.stderr:
        return "memory", proc.stderr.strip()[-300:]
    if proc.returncode < 0:
        return "crash", f"signal {-proc.returncode}"
    return "traceback", proc.stderr.strip()[-600:]


def make_cases(workdir: str, kinds, per_kind: int, seed: int):
    """``[(kind, path, description)]``: ``per_kind`` mutations of each kind's seed."""
    from tests.fuzz import seeds
    from tests.fuzz.mutate import mutate_dir, mutate_file

    seed_paths = seeds.make_all(os.path.join(workdir, "seeds"), kinds)
    outside = os.path.join(workdir, "outside.txt")
    with open(outside, "w") as fh:
        fh.write("a file outside every model directory\n")
    cases = []
    for kind, src in seed_paths.items():
        rng = random.Random(f"{seed}-{kind}")
        for i in range(per_kind):
            dst = os.path.join(workdir, "cases", kind, f"{i:05d}" + ("" if os.path.isdir(src) else os.path.basename(src)))
            os.makedirs(os.path.dirname(dst), exist_ok=True)
            desc = mutate_dir(src, dst, rng, outside) if os.path.isdir(src) else mutate_file(src, dst, rng)
            cases.append((kind, dst, desc))
    return cases, seed_paths


#: Paths that are not regular files, given to every reader in place of its file.
HOSTILE_PATHS = ("fifo", "dev-zero", "dev-urandom", "folder", "socket", "link-to-dev-zero")


def hostile_paths(workdir: str, kind: str, seed: str) -> list[tuple[str, str]]:
    """``[(description, path)]``: each of ``HOSTILE_PATHS`` for ``kind``, and for a reader of
    folders (native models, language models, classifiers) its seed with each member in turn
    replaced by a FIFO."""
    import socket

    d = os.path.join(workdir, "paths", kind)
    os.makedirs(d, exist_ok=True)
    out = []
    for what in HOSTILE_PATHS:
        p = os.path.join(d, what)
        if what == "fifo":
            os.mkfifo(p)
        elif what == "dev-zero":
            p = "/dev/zero"
        elif what == "dev-urandom":
            p = "/dev/urandom"
        elif what == "folder":
            os.makedirs(p)
            with open(os.path.join(p, "notes.txt"), "w") as fh:
                fh.write("a folder of someone's notes\n")
        elif what == "socket":
            p = os.path.join(d, "s")  # sockets' paths are short
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            sock.bind(p)
            sock.close()
        elif what == "link-to-dev-zero":
            os.symlink("/dev/zero", p)
        out.append((what, p))
    if os.path.isdir(seed):
        for name in sorted(os.listdir(seed)):
            copy = os.path.join(d, f"member-{name}")
            shutil.copytree(seed, copy)
            os.unlink(os.path.join(copy, name))
            os.mkfifo(os.path.join(copy, name))
            out.append((f"{name} is a FIFO", copy))
    return out


def fuzz(kinds=None, per_kind: int = 10, seed: int = 1, memory_mb: int = 3072, timeout: float = 60.0, jobs: int = 2,
         keep: str | None = None, workdir: str | None = None) -> dict:
    """Run the cases; returns ``{"counts": {kind: {outcome: n}}, "failures": [...]}``."""
    sys.path.insert(0, os.path.dirname(os.path.dirname(HERE)))  # the repository root: tests is a package
    own = workdir is None
    workdir = workdir or tempfile.mkdtemp(prefix="wordspace-fuzz-")
    try:
        cases, seed_paths = make_cases(workdir, kinds, per_kind, seed)
        reference = seed_paths.get("native") or make_cases(workdir, ["native"], 0, seed)[1]["native"]
        counts: dict = collections.defaultdict(collections.Counter)
        failures = []
        with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as pool:
            futures = {pool.submit(run_case, kind, path, reference, memory_mb, timeout): (kind, path, desc)
                       for kind, path, desc in cases}
            for fut in concurrent.futures.as_completed(futures):
                kind, path, desc = futures[fut]
                outcome, detail = fut.result()
                counts[kind][outcome] += 1
                if outcome in FAILURES:
                    failures.append({"kind": kind, "case": path, "mutation": desc, "outcome": outcome, "detail": detail})
                    if keep:
                        os.makedirs(keep, exist_ok=True)
                        dst = os.path.join(keep, kind + "-" + os.path.basename(path))
                        (shutil.copytree if os.path.isdir(path) else shutil.copy)(path, dst, **(
                            {"symlinks": True} if os.path.isdir(path) else {}))
        return {"counts": {k: dict(v) for k, v in sorted(counts.items())}, "failures": failures}
    finally:
        if own:
            shutil.rmtree(workdir, ignore_errors=True)


def main() -> None:
    from tests.fuzz.seeds import SEEDS

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cases-per-kind", type=int, default=200)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--kinds", default=",".join(SEEDS))
    ap.add_argument("--memory-mb", type=int, default=3072)
    ap.add_argument("--timeout", type=float, default=60.0)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--keep", default=None, help="copy failing cases here")
    args = ap.parse_args()
    result = fuzz(args.kinds.split(","), args.cases_per_kind, args.seed, args.memory_mb, args.timeout, args.jobs,
                  args.keep)
    outcomes = ("loaded", "refused") + FAILURES
    print("| reader | " + " | ".join(outcomes) + " |")
    print("|---" * (len(outcomes) + 1) + "|")
    for kind, c in result["counts"].items():
        print(f"| {kind} | " + " | ".join(str(c.get(o, 0)) for o in outcomes) + " |")
    total = collections.Counter()
    for c in result["counts"].values():
        total.update(c)
    print("| all | " + " | ".join(str(total.get(o, 0)) for o in outcomes) + " |")
    for f in result["failures"]:
        print(json.dumps(f), file=sys.stderr)
    sys.exit(1 if result["failures"] else 0)


if __name__ == "__main__":
    sys.path.insert(0, os.path.dirname(os.path.dirname(HERE)))  # the repository root: tests is a package
    main()
