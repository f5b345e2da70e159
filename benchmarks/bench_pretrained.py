"""Published vectors by name, timed against gensim's downloader path, in one run:

    python benchmarks/bench_pretrained.py [--keys 1000000] [--dim 300] [--later 3]

A synthetic word2vec binary (random Unicode keys, like GoogleNews: ``.bin.gz``) is served from a
real HTTP server on a loopback port and named in a catalogue (WORDSPACE_CATALOGUE). Measured, each
in a fresh process: the first ``wordspace.load(NAME)`` (download, MD5 check, unpack, read,
convert to native), then ``--later`` later loads (open the cached memory map and read one row),
against what ``gensim.downloader.load`` does for GoogleNews once the file is local:
``KeyedVectors.load_word2vec_format(local copy of the .gz, binary=True)``. Prints a markdown
table; later loads must be at least 20x faster than gensim's and under a second.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "tests"))

LOAD = """
import json, sys, time
t = time.perf_counter()
import wordspace
t_import = time.perf_counter() - t
t = time.perf_counter()
v = wordspace.load(sys.argv[1], progress=False)
row = v[v.keys[len(v) // 2]].copy()
with open("/proc/self/status") as fh:
    rss = next(int(l.split()[1]) for l in fh if l.startswith("VmRSS")) / 1024
print(json.dumps({"seconds": time.perf_counter() - t, "keys": len(v), "rss_mb": rss, "import_s": t_import}))
"""

GENSIM = """
import json, sys, time, logging
logging.disable(logging.WARNING)
from gensim.models import KeyedVectors
t = time.perf_counter()
kv = KeyedVectors.load_word2vec_format(sys.argv[1], binary=True)
row = kv[kv.index_to_key[len(kv) // 2]].copy()
with open("/proc/self/status") as fh:
    rss = next(int(l.split()[1]) for l in fh if l.startswith("VmRSS")) / 1024
print(json.dumps({"seconds": time.perf_counter() - t, "keys": len(kv), "rss_mb": rss}))
"""


def run(code: str, *args, env=None) -> dict:
    out = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, env=env, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--keys", type=int, default=1_000_000)
    ap.add_argument("--dim", type=int, default=300)
    ap.add_argument("--later", type=int, default=3)
    args = ap.parse_args()

    import numpy as np

    from bench_vectors import random_keys
    from pretrained.server import Behaviour, Server
    from wordspace import Vectors

    tmp = tempfile.mkdtemp(prefix="ws-pbench-")
    src = os.path.join(tmp, "synthetic.bin")
    rng = np.random.default_rng(1)
    Vectors(random_keys(args.keys), rng.standard_normal((args.keys, args.dim), dtype=np.float32)).save(src)
    gz = src + ".gz"
    with open(src, "rb") as fin, gzip.open(gz, "wb", compresslevel=1) as fout:
        while block := fin.read(1 << 24):
            fout.write(block)
    os.unlink(src)
    with open(gz, "rb") as fh:
        payload = fh.read()
    md5 = hashlib.md5(payload).hexdigest()
    rows = []
    with Server() as server:
        url = server.add("/synthetic-300.gz", Behaviour(payload))
        catalogue = os.path.join(tmp, "catalogue.json")
        with open(catalogue, "w") as fh:
            json.dump({"models": {"synthetic-300": {"url": url, "md5": md5, "sha256": None, "size": len(payload),
                                                    "format": "word2vec-binary", "compression": "gzip",
                                                    "dim": args.dim, "vocab": args.keys}}}, fh)
        env = {**os.environ, "WORDSPACE_HOME": os.path.join(tmp, "home"), "WORDSPACE_CATALOGUE": catalogue}
        first = run(LOAD, "synthetic-300", env=env)
        rows.append(("first `wordspace.load(NAME)` (download, verify, unpack, read, convert)", first))
        later = [run(LOAD, "synthetic-300", env=env) for _ in range(args.later)]
        best = min(later, key=lambda r: r["seconds"])
        rows.append((f"later `wordspace.load(NAME)` (best of {args.later}; memory map)", best))
    gensim = run(GENSIM, gz)
    rows.append(("gensim `KeyedVectors.load_word2vec_format(local .gz, binary=True)`", gensim))
    print(f"synthetic {args.keys:,} x {args.dim} word2vec binary, gzip: {len(payload) / 2**20:,.0f} MB served from "
          "127.0.0.1")
    print()
    print("| load | seconds | RSS MB | vs gensim |")
    print("|---|---|---|---|")
    for name, r in rows:
        print(f"| {name} | {r['seconds']:.2f} | {r['rss_mb']:.0f} | {gensim['seconds'] / r['seconds']:.1f}x |")
    print()
    print(f"later loads: {gensim['seconds'] / best['seconds']:.0f}x faster than gensim's loader "
          f"({'under' if best['seconds'] < 1 else 'OVER'} one second)")


if __name__ == "__main__":
    main()
