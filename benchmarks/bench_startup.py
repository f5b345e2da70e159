"""Time to first answer: a query command's whole process, start-up included, on two source trees.

    python benchmarks/bench_startup.py BEFORE_SRC AFTER_SRC MODEL_DIR VECTORS_BIN

Each command runs 7 times, the trees interleaved (PYTHONPATH picks the tree); the median wall
time is printed. MODEL_DIR: a native model with 'king'; VECTORS_BIN: a word2vec binary file.
"""
import subprocess, sys, time, statistics, os, json
before, after, model, binary = sys.argv[1:5]
trees = {"before": before, "after": after}
cmds = {"import wordspace": ["-c", "import wordspace"],
        "neighbors native king -k 5": ["-m", "wordspace.cli", "neighbors", model, "king", "-k", "5"],
        "similarity .bin king queen": ["-m", "wordspace.cli", "similarity", binary, "king", "queen"],
        "evaluate .bin": ["-m", "wordspace.cli", "evaluate", binary]}
res = {}
for name, args in cmds.items():
    for tree, src in trees.items():
        env = dict(os.environ, PYTHONPATH=src)
        subprocess.run([sys.executable, *args], env=env, capture_output=True)  # warm caches
    walls = {t: [] for t in trees}
    for _ in range(7):
        for tree, src in trees.items():
            env = dict(os.environ, PYTHONPATH=src)
            t0 = time.perf_counter(); r = subprocess.run([sys.executable, *args], env=env, capture_output=True); w = time.perf_counter() - t0
            assert r.returncode == 0, r.stderr
            walls[tree].append(w)
    res[name] = {t: round(statistics.median(v), 3) for t, v in walls.items()}
    print(name, res[name], flush=True)
print(json.dumps(res))
