"""Quality measures shared by the trainer tests: related word pairs against random pairs."""

import numpy as np


def related_vs_random(vectors, pairs, n_random=2000, seed=0):
    """Mean cosine of related pairs, of random pairs among the 2,000 most frequent words, and
    the mean percentile of b among those words ranked by similarity to a."""
    u = vectors.normalized()
    rel = np.mean([vectors.similarity(a, b) for a, b in pairs])
    rng = np.random.default_rng(seed)
    top = min(len(vectors), 2000)
    i, j = rng.integers(0, top, n_random), rng.integers(0, top, n_random)
    rand = float(np.mean(np.einsum("ij,ij->i", u[i], u[j])))
    pct = np.mean([np.mean(u[:top] @ u[vectors.index_of(a)] < vectors.similarity(a, b)) for a, b in pairs])
    return rel, rand, pct


KJV_RELATED = [("gold", "silver"), ("king", "queen"), ("father", "son"), ("sheep", "goats"),
               ("bread", "wine"), ("heaven", "earth"), ("brother", "sister"), ("day", "night"),
               ("egypt", "pharaoh"), ("moses", "aaron")]


def digests_across_hash_seeds(script: str, *args, seeds=("0", "12345")) -> set:
    """Run ``script`` (which prints a digest of what it trained) in fresh interpreters with
    different ``PYTHONHASHSEED``s; a reproducible trainer gives one distinct output."""
    import os
    import subprocess
    import sys

    out = set()
    for seed in seeds:
        env = dict(os.environ, PYTHONHASHSEED=seed)
        run = subprocess.run([sys.executable, "-c", script, *map(str, args)], env=env, capture_output=True,
                             text=True, check=True)
        out.add(run.stdout.strip())
    return out
