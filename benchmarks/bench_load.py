"""Loading at the speed of the disk: a word2vec binary file against reading its bytes, and the
peak memory of loading a fastText ``.bin``, in one run:

    python benchmarks/bench_load.py [--keys 1000000] [--dim 300] [--repeat 5] [--baseline SRC]
                                    [--gensim] [--no-fasttext] [--write] [--json OUT]

word2vec binary: a synthetic file of ``--keys`` random Unicode keys x ``--dim`` float32 (1.2 GB
at the defaults). With the page cache warm, best of ``--repeat``: ``cat FILE > /dev/null`` (a
128 kB buffer used again and again: the cost of reading the bytes) and, interleaved with it, one
``readinto`` of the whole file into fresh memory (what any loader that returns the matrix in
memory must at least pay: the kernel copies the bytes and this process faults in fresh pages);
then ``wordspace.load`` (the time of the call, ``--repeat`` + 1 loads in one fresh process, the
file warmed before each; the first, reported apart, also pays for importing compiled code), the same with the code in ``--baseline SRC``
(``PYTHONPATH=SRC``: before/after in one run), and with ``--gensim``
``KeyedVectors.load_word2vec_format``. Then the same cold: the file's pages dropped from the page
cache (``posix_fadvise(DONTNEED)``) before each read.

``--write``: each tool loads the file in a fresh process and writes it back ``--repeat`` + 1
times to a new path (wordspace's atomic writer fsyncs, gensim's does not); the first write of the
process is reported apart (on this VM it pays for fresh page-cache memory).

fastText ``.bin``: a model trained by fasttext-wheel on a few sentences with 2,000,000 buckets
(dim 100: about 0.8 GB of n-gram rows), loaded in a fresh process; its peak RSS (``VmHWM``)
against the file's size.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile

import numpy as np
from _common import time_cat, time_fresh_read

LOAD = """
import json, os, sys, time
{imports}

def drop():
    with open(sys.argv[1], "rb") as fh:
        os.posix_fadvise(fh.fileno(), 0, 0, os.POSIX_FADV_DONTNEED)

def warm():
    with open(sys.argv[1], "rb", buffering=0) as fh:
        while fh.read(1 << 24):
            pass

def hwm():
    with open("/proc/self/status") as fh:
        return next(int(line.split()[1]) * 1024 for line in fh if line.startswith("VmHWM:"))

seconds = []
for i in range(int(sys.argv[2])):
    drop() if sys.argv[3] == "cold" else warm()
    t = time.perf_counter()
    v = {call}
    seconds.append(time.perf_counter() - t)
    if i == 0:
        peak = hwm()
    del v
print(json.dumps({{"seconds": seconds, "peak_rss": peak}}))
"""

LOADERS = {
    "wordspace": ("import wordspace", "wordspace.load(sys.argv[1])"),
    "gensim": ("from gensim.models import KeyedVectors",
               "KeyedVectors.load_word2vec_format(sys.argv[1], binary=True)"),
    "nothing": ("import wordspace", "None"),
}

SAVE = """
import json, os, sys, time
{imports}
v = {call}
out = sys.argv[1] + ".written.bin"
seconds = []
for _ in range(int(sys.argv[2])):
    if os.path.exists(out):
        os.remove(out)
    t = time.perf_counter()
    {save}
    seconds.append(time.perf_counter() - t)
os.remove(out)
print(json.dumps({{"seconds": seconds}}))
"""
SAVES = {"wordspace": "v.save(out)", "gensim": "v.save_word2vec_format(out, binary=True)"}


def drop_cache(path: str) -> None:
    with open(path, "rb") as fh:
        os.posix_fadvise(fh.fileno(), 0, 0, os.POSIX_FADV_DONTNEED)


def run_loads(tool: str, path: str, repeat: int, cache: str, env: dict | None = None) -> dict:
    """``repeat`` loads in one fresh process (the first pays the tool's imports of compiled code),
    each after warming or dropping the file's pages: ``{"seconds": [...], "peak_rss": bytes}``."""
    imports, call = LOADERS[tool]
    out = subprocess.run([sys.executable, "-c", LOAD.format(imports=imports, call=call), path, str(repeat), cache],
                         capture_output=True, text=True, check=True, env=env)
    return json.loads(out.stdout.strip().splitlines()[-1])


def make_word2vec(path: str, n: int, dim: int) -> None:
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from bench_vectors import random_keys

    from wordspace import Vectors

    matrix = np.random.default_rng(1).standard_normal((n, dim), dtype=np.float32)
    Vectors(random_keys(n), matrix).save(path)


def make_fasttext(path: str, tmp: str) -> None:
    import fasttext

    corpus = os.path.join(tmp, "ft.txt")
    words = [f"w{i}" for i in range(2000)]
    rng = np.random.default_rng(0)
    with open(corpus, "w") as fh:
        for _ in range(2000):
            fh.write(" ".join(rng.choice(words, 12)) + "\n")
    model = fasttext.train_unsupervised(corpus, model="skipgram", dim=100, epoch=1, minCount=1,
                                        bucket=2_000_000, thread=2, verbose=0)
    model.save_model(path)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--keys", type=int, default=1_000_000)
    ap.add_argument("--dim", type=int, default=300)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--baseline", default=None, metavar="SRC",
                    help="also load with the wordspace package found in SRC (PYTHONPATH=SRC)")
    ap.add_argument("--gensim", action="store_true", help="also time gensim's loader (about 5 s a load)")
    ap.add_argument("--no-fasttext", action="store_true", help="skip the fastText .bin memory measurement")
    ap.add_argument("--write", action="store_true", help="also time writing the file back")
    ap.add_argument("--json", default=None)
    args = ap.parse_args()
    if args.repeat < 1:
        ap.error("--repeat must be at least 1")

    tmp = tempfile.mkdtemp(prefix="ws-load-")
    try:
        run(args, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)  # 2 GB of this benchmark's own files


def run(args, tmp: str) -> None:
    path = os.path.join(tmp, "synthetic.bin")
    make_word2vec(path, args.keys, args.dim)
    size = os.path.getsize(path)
    tools = {"wordspace": None}
    if args.baseline:
        tools["wordspace@baseline"] = dict(os.environ, PYTHONPATH=os.path.abspath(args.baseline))
    if args.gensim:
        tools["gensim"] = None
    results: dict = {}
    rows = []
    for cache in ("warm", "cold"):
        n = args.repeat if cache == "warm" else max(2, args.repeat // 2)
        raw = {"cat": [], "read into fresh memory": []}
        for _ in range(n):
            for what, fn in (("cat", time_cat), ("read into fresh memory", time_fresh_read)):
                drop_cache(path) if cache == "cold" else time_cat(path)  # (warms the page cache)
                raw[what].append(fn(path))
        results[cache] = {k: {"best": min(v), "all": v} for k, v in raw.items()}
        for name, env in tools.items():
            got = run_loads(name.split("@")[0], path, n + 1, cache, env)["seconds"]
            results[cache][name] = {"best": min(got[1:]), "first": got[0], "all": got}
        base = results[cache]
        for k, r in base.items():
            first = f"{r['first']:.3f}" if "first" in r else "-"
            rows.append(f"| {k} | {cache} | {r['best']:.3f} | {r['best'] / base['cat']['best']:.2f}x | "
                        f"{r['best'] / base['read into fresh memory']['best']:.2f}x | {first} |")

    print(f"word2vec binary, {args.keys:,} x {args.dim} ({size / 1e9:.2f} GB); best of {args.repeat} warm, "
          f"{max(2, args.repeat // 2)} cold\n")
    print("| read | page cache | best s | / cat | / read into fresh memory | first load in a fresh process, s |")
    print("|---|---|---|---|---|---|")
    print("\n".join(rows))

    if args.write:
        print("\n| write word2vec binary | best s | first in a fresh process, s |")
        print("|---|---|---|")
        results["write"] = {}
        for name, env in tools.items():
            tool = name.split("@")[0]
            imports, call = LOADERS[tool]
            code = SAVE.format(imports=imports, call=call, save=SAVES[tool])
            out = subprocess.run([sys.executable, "-c", code, path, str(args.repeat + 1)], capture_output=True,
                                 text=True, check=True, env=env)
            got = json.loads(out.stdout.strip().splitlines()[-1])["seconds"]
            results["write"][name] = got
            print(f"| {name} | {min(got[1:]):.3f} | {got[0]:.3f} |")

    if not args.no_fasttext:
        ft = os.path.join(tmp, "model.bin")
        make_fasttext(ft, tmp)
        ft_size = os.path.getsize(ft)
        base = run_loads("nothing", ft, 1, "warm")["peak_rss"]
        peak = min(run_loads("wordspace", ft, 1, "warm")["peak_rss"] for _ in range(2))
        results["fasttext_bin"] = {"file_bytes": ft_size, "peak_rss": peak, "rss_after_import": base}
        print(f"\nfastText .bin, 2,000,000 buckets x 100 ({ft_size / 1e9:.2f} GB): peak RSS of a process that "
              f"loads it {peak / 1e9:.2f} GB = {peak / ft_size:.2f}x the file ({(peak - base) / ft_size:.2f}x beyond "
              f"the {base / 1e6:.0f} MB of a process that imports wordspace and loads nothing)")
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(results, fh, indent=1)


if __name__ == "__main__":
    main()
