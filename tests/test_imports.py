"""Import weight: ``import wordspace`` stays light (no torch, matplotlib, web framework, umap)."""

import subprocess
import sys


def test_import_does_not_pull_heavy_extras():
    code = ("import sys, wordspace; heavy = [m for m in ('torch', 'matplotlib', 'fastapi', 'starlette', "
            "'umap', 'sklearn', 'gensim') if m in sys.modules]; print(heavy)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_public_api_is_explicit():
    import wordspace

    assert set(wordspace.__all__) <= set(dir(wordspace))
    assert {"Word2Vec", "Vectors", "load", "LineCorpus"} <= set(wordspace.__all__)
