"""Import weight: ``import wordspace`` stays light (no torch, matplotlib, web framework, umap)."""

import subprocess
import sys


# (SciPy is not listed: Numba imports it whenever it is installed)
HEAVY = ('torch', 'matplotlib', 'fastapi', 'starlette', 'uvicorn', 'umap', 'sklearn', 'gensim', 'transformers',
         'tokenizers')


def _heavy_after(statement: str) -> str:
    code = f"import sys; {statement}; print([m for m in {HEAVY!r} if m in sys.modules])"
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()


def test_import_does_not_pull_heavy_extras():
    assert _heavy_after("import wordspace") == "[]"


def test_light_modules_stay_light():
    """The command line, the viz package (until a plot is drawn), alignment, BPE, anisotropy and
    the trainers import none of the heavy extras either."""
    assert _heavy_after("import wordspace.cli, wordspace.viz, wordspace.align, wordspace.bpe, "
                        "wordspace.anisotropy, wordspace.cooccur, wordspace.models, wordspace.io.fasttext_bin") == "[]"


def test_public_api_is_explicit():
    import wordspace

    assert set(wordspace.__all__) <= set(dir(wordspace))
    assert {"Word2Vec", "Vectors", "load", "LineCorpus"} <= set(wordspace.__all__)
