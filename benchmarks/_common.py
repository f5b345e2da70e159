"""Shared pieces of the benchmark scripts: the corpus slice, timed child processes, the judge.

Peak memory is the ``ru_maxrss`` of each child process. Linux starts a child's high-water mark
at its parent's resident size at fork time, so the benchmark process itself must stay small:
it never imports NumPy or wordspace, and scoring runs in a child too (``python _common.py
judge PATH``).
"""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
import sysconfig
import time

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(os.path.dirname(os.path.dirname(HERE)), "shared", "data")
EVAL = os.path.join(DATA, "eval")


def prepare_corpus(words: int, path: str, drop: frozenset = frozenset()) -> int:
    """The first ``words`` words of the shared Wikipedia corpus, minus the tokens in ``drop``."""
    n = 0
    with gzip.open(os.path.join(DATA, "corpus", "wiki.txt.gz"), "rt") as src, open(path, "w") as dst:
        for line in src:
            toks = line.split()
            n += len(toks)
            dst.write(" ".join(t for t in toks if t not in drop) + "\n" if drop else line)
            if n >= words:
                break
    return n


def time_cat(path: str) -> float:
    """Seconds of ``cat path > /dev/null``: the bytes read through one buffer used again and again."""
    t = time.perf_counter()
    subprocess.run(["cat", path], stdout=subprocess.DEVNULL, check=True)
    return time.perf_counter() - t


def time_fresh_read(path: str) -> float:
    """Seconds of one ``readinto`` of the whole file into a fresh NumPy buffer: what any loader
    that returns the bytes in memory must at least pay (imports NumPy in the caller only)."""
    import numpy as np

    t = time.perf_counter()
    buf = np.empty(os.path.getsize(path), dtype=np.uint8)
    with open(path, "rb", buffering=0) as fh:
        fh.readinto(buf)
    return time.perf_counter() - t


def timed(cmd: list[str]) -> tuple[float, float]:
    """Run ``cmd``; return (wall seconds, peak RSS in MB of that process and its children)."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    err = proc.stderr.read().decode(errors="replace")
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        raise RuntimeError(f"{cmd[0]} failed ({code}): {err[-2000:]}")
    return wall, usage.ru_maxrss / 1024


def judge(path: str) -> dict:
    """Scores of a vectors file, computed in a child process (see the module docstring)."""
    out = subprocess.run([sys.executable, os.path.abspath(__file__), "judge", path], capture_output=True,
                         text=True, check=True)
    return json.loads(out.stdout)


def _judge_here(path: str) -> dict:
    """Every tool's vectors scored by wordspace.evaluate (which reproduces gensim's evaluators:
    docs/benchmarks.md) on the shared copies of the datasets."""
    import warnings

    from wordspace import load
    from wordspace.evaluate import analogy_benchmark, similarity_benchmark

    warnings.simplefilter("ignore")
    v = load(path)
    an = analogy_benchmark(v, os.path.join(EVAL, "questions-words.txt"), restrict_vocab=30_000)
    ws = similarity_benchmark(v, os.path.join(EVAL, "wordsim353.tsv"))
    sl = similarity_benchmark(v, os.path.join(EVAL, "simlex999.txt"))
    return {"analogy": 100 * an.accuracy, "semantic": 100 * an.semantic["accuracy"],
            "syntactic": 100 * an.syntactic["accuracy"], "ws353": ws.spearman, "simlex": sl.spearman}


def c_tool() -> str:
    path = os.path.join(sysconfig.get_path("scripts"), "word2vec")
    return path if os.path.exists(path) else "word2vec"


def wordspace_cmd(*args: str) -> list[str]:
    return [sys.executable, "-m", "wordspace.cli", *args]


QUALITY_HEAD = "analogy (30k) | semantic | syntactic | WS353 | SimLex-999"


def quality_cells(r: dict) -> str:
    return (f"{r['analogy']:.1f} | {r['semantic']:.1f} | {r['syntactic']:.1f} | {r['ws353']:.3f} | "
            f"{r['simlex']:.3f}")


if __name__ == "__main__" and sys.argv[1:2] == ["judge"]:
    print(json.dumps(_judge_here(sys.argv[2])))
