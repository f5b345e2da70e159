"""Load test of the web explorer on a large synthetic model.

    python benchmarks/bench_web.py [--keys 1000000] [--dim 300] [--seconds 20] [--clients 4]

Writes a native model of --keys random Unicode keys x --dim (memory-mapped when served),
starts ``wordspace serve`` on a loopback port in its own process, and runs --clients threads
that request ``/api/neighbors?word=<random key>&k=10`` for --seconds (after a run with one
client alone, then ``/api/map``, ``/api/complete`` and unknown words briefly). Reports start-up time, requests per second and latency
percentiles per endpoint, and the server's resident memory.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

import numpy as np


def make_model(path: str, n: int, dim: int) -> list[str]:
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from bench_vectors import random_keys

    from wordspace import Vectors

    keys = random_keys(n)
    rng = np.random.default_rng(0)
    m = np.empty((n, dim), dtype=np.float32)
    for s in range(0, n, 100_000):
        m[s : s + 100_000] = rng.standard_normal((min(100_000, n - s), dim), dtype=np.float32)
    Vectors(keys, m).save(path)
    return keys


def rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as fh:
        return next(int(line.split()[1]) for line in fh if line.startswith("VmRSS")) / 1024


def hammer(base: str, path_fn, seconds: float, clients: int, expect: int = 200):
    lat, errors = [], [0]
    stop = time.perf_counter() + seconds
    lock = threading.Lock()

    def worker(seed):
        rnd = random.Random(seed)
        mine = []
        while time.perf_counter() < stop:
            url = base + path_fn(rnd)
            t = time.perf_counter()
            try:
                with urllib.request.urlopen(url, timeout=30) as r:
                    r.read()
                    ok = r.status == expect
            except urllib.error.HTTPError as e:
                e.read()
                ok = e.code == expect
            except OSError:
                ok = False
            mine.append(time.perf_counter() - t)
            if not ok:
                with lock:
                    errors[0] += 1
        with lock:
            lat.extend(mine)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(clients)]
    t0 = time.perf_counter()
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    wall = time.perf_counter() - t0
    a = np.array(lat) * 1000
    return {"requests": len(a), "rps": len(a) / wall, "p50_ms": float(np.percentile(a, 50)),
            "p90_ms": float(np.percentile(a, 90)), "p99_ms": float(np.percentile(a, 99)), "errors": errors[0]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--keys", type=int, default=1_000_000)
    ap.add_argument("--dim", type=int, default=300)
    ap.add_argument("--seconds", type=float, default=20)
    ap.add_argument("--clients", type=int, default=4)
    ap.add_argument("--json", default=None)
    args = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="ws-bench-web-")
    model = os.path.join(tmp, "model")
    keys = make_model(model, args.keys, args.dim)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "wordspace.cli", "serve", model, "--port", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        while True:
            try:
                with urllib.request.urlopen(base + "/api/info", timeout=5) as r:
                    r.read()
                break
            except OSError:
                if proc.poll() is not None:
                    raise RuntimeError("the server exited")
                time.sleep(0.1)
        startup = time.perf_counter() - t0
        q = lambda w: urllib.parse.quote(w)  # noqa: E731
        results = {
            "neighbors k=10, one client": hammer(base, lambda r: f"/api/neighbors?word={q(keys[r.randrange(len(keys))])}&k=10",
                                                 args.seconds / 2, 1),
            f"neighbors k=10, {args.clients} clients": hammer(
                base, lambda r: f"/api/neighbors?word={q(keys[r.randrange(len(keys))])}&k=10", args.seconds, args.clients),
            "map k=15": hammer(base, lambda r: f"/api/map?word={q(keys[r.randrange(len(keys))])}&k=15",
                               args.seconds / 2, args.clients),
            "complete": hammer(base, lambda r: f"/api/complete?prefix={q(keys[r.randrange(len(keys))][:2])}",
                               args.seconds / 4, args.clients),
            "unknown word (404 + suggestions)": hammer(base, lambda r: f"/api/neighbors?word={q(keys[r.randrange(len(keys))] + '☃')}",
                                                       args.seconds / 4, args.clients, expect=404),
        }
        mem = rss_mb(proc.pid)
    finally:
        proc.terminate()
        proc.wait(timeout=20)
    agreement = quantized_agreement(model, keys)
    print(f"\n### Web explorer: {args.keys:,} keys x {args.dim} (native format, memory-mapped), {args.clients} client "
          f"threads on the same machine; server ready in {startup:.1f} s, {mem:.0f} MB resident\n")
    print("| request | requests/s | p50 ms | p90 ms | p99 ms | unexpected status |")
    print("|---|---|---|---|---|---|")
    for name, r in results.items():
        print(f"| {name} | {r['rps']:.1f} | {r['p50_ms']:.1f} | {r['p90_ms']:.1f} | {r['p99_ms']:.1f} | {r['errors']} |")
    print(f"\nQuantizedIndex (used by the explorer from 200,000 keys on) against exact search, {agreement['queries']} "
          f"random queries, k=10: identical top-10 lists {agreement['identical']}/{agreement['queries']}, "
          f"recall@10 {agreement['recall']:.4f}; {agreement['quantized_ms']:.1f} ms vs {agreement['exact_ms']:.1f} ms "
          "per query in-process")
    if args.json:
        with open(args.json, "w") as fh:
            json.dump({"startup_s": startup, "rss_mb": mem, "results": results, "quantized": agreement}, fh, indent=1)


def quantized_agreement(model: str, keys, n: int = 200) -> dict:
    """Top-10 lists of QuantizedIndex against ExactIndex on the same vectors."""
    import wordspace
    from wordspace.index import ExactIndex, QuantizedIndex

    rnd = random.Random(1)
    words = [keys[rnd.randrange(len(keys))] for _ in range(n)]
    out = {}
    for name, index in (("quantized", QuantizedIndex()), ("exact", ExactIndex())):
        v = wordspace.load(model).set_index(index)
        v.index()
        t = time.perf_counter()
        out[name] = [[x.key for x in v.most_similar(w, k=10)] for w in words]
        out[name + "_ms"] = (time.perf_counter() - t) / n * 1000
        del v
    same = sum(a == b for a, b in zip(out["quantized"], out["exact"]))
    recall = np.mean([len(set(a) & set(b)) / 10 for a, b in zip(out["quantized"], out["exact"])])
    return {"queries": n, "identical": same, "recall": float(recall), "quantized_ms": out["quantized_ms"],
            "exact_ms": out["exact_ms"]}


if __name__ == "__main__":
    main()
