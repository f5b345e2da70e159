"""Time to first answer: a query command's whole process, start-up included, on two source trees.

    python benchmarks/bench_startup.py BEFORE_SRC AFTER_SRC MODEL_DIR VECTORS_BIN [--gensim]

Each command runs 7 times, the trees interleaved (PYTHONPATH picks the tree); the median wall
time is printed. MODEL_DIR: a native model with 'king'; VECTORS_BIN: a word2vec binary file.
``--gensim``: also gensim's evaluation of the same file as a whole process of its own (load, the
Google analogies at 30,000 words, WordSim-353 and SimLex-999), 7 times, median.

Python writes and reads its bytecode caches as an installed package does (a
``PYTHONDONTWRITEBYTECODE`` in the environment is dropped for the children: with it, every run
compiles the package's modules again, 0.04-0.1 s that no installed copy pays).
"""
import subprocess, sys, time, statistics, os, json
before, after, model, binary = sys.argv[1:5]
GENSIM = """
import logging, sys
logging.disable(logging.WARNING)
from gensim.models import KeyedVectors
from wordspace.evaluate import dataset_path
kv = KeyedVectors.load_word2vec_format(sys.argv[1], binary=True)
print(kv.evaluate_word_analogies(dataset_path('google')[1], restrict_vocab=30000)[0])
for name in ('wordsim353', 'simlex999'):
    print(kv.evaluate_word_pairs(dataset_path(name)[1], restrict_vocab=len(kv))[1][0])
"""
trees = {"before": before, "after": after}
BASE_ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
cmds = {"import wordspace": ["-c", "import wordspace"],
        "neighbors native king -k 5": ["-m", "wordspace.cli", "neighbors", model, "king", "-k", "5"],
        "similarity .bin king queen": ["-m", "wordspace.cli", "similarity", binary, "king", "queen"],
        "evaluate .bin": ["-m", "wordspace.cli", "evaluate", binary]}
res = {}
for name, args in cmds.items():
    for tree, src in trees.items():
        env = dict(BASE_ENV, PYTHONPATH=src)
        subprocess.run([sys.executable, *args], env=env, capture_output=True)  # warm caches
    walls = {t: [] for t in trees}
    for _ in range(7):
        for tree, src in trees.items():
            env = dict(BASE_ENV, PYTHONPATH=src)
            t0 = time.perf_counter(); r = subprocess.run([sys.executable, *args], env=env, capture_output=True); w = time.perf_counter() - t0
            assert r.returncode == 0, r.stderr
            walls[tree].append(w)
    res[name] = {t: round(statistics.median(v), 3) for t, v in walls.items()}
    print(name, res[name], flush=True)
if "--gensim" in sys.argv[5:]:
    env = dict(BASE_ENV, PYTHONPATH=after)  # for the bundled datasets' paths only
    walls = []
    for _ in range(7):
        t0 = time.perf_counter(); r = subprocess.run([sys.executable, "-c", GENSIM, binary], env=env, capture_output=True)
        walls.append(time.perf_counter() - t0)
        assert r.returncode == 0, r.stderr
    res["gensim: load + evaluate (whole process)"] = {"gensim": round(statistics.median(walls), 3)}
    print("gensim evaluate", res["gensim: load + evaluate (whole process)"], flush=True)
print(json.dumps(res))
