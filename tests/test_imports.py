"""Import weight: ``import wordspace`` stays light (no torch, matplotlib, web framework, umap)."""

import json
import random
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


def test_opening_and_querying_vectors_loads_no_compiled_code(tmp_path):
    """``import wordspace``, a query command (``neighbors`` on a native model, ``similarity`` on a
    word2vec binary file) and ``evaluate`` never import Numba: loading it and its cached kernels
    costs about 0.4 s of a 0.2 s answer. The trainers, which need it, are imported on first use."""
    import numpy as np

    from wordspace import Vectors

    rng = np.random.default_rng(0)
    family = "man woman king queen boy girl brother sister father mother son daughter".split()
    keys = family + [f"w{i}" for i in range(300)]
    v = Vectors(keys, rng.normal(size=(len(keys), 8)).astype(np.float32))
    v.save(str(tmp_path / "native"))
    v.save(str(tmp_path / "v.bin"))
    code = ("import sys; from wordspace.cli import main; "
            f"main(['neighbors', {str(tmp_path / 'native')!r}, 'w1', '-k', '3']); "
            f"main(['similarity', {str(tmp_path / 'v.bin')!r}, 'w1', 'w2']); "
            f"main(['evaluate', {str(tmp_path / 'v.bin')!r}, '--json']); "
            "print('numba' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    lines = out.strip().splitlines()
    assert lines[-1] == "False"
    report = json.loads("\n".join(lines[lines.index("{"):-1]))
    assert report["analogy"]["google"]["total"] > 0  # the questions on the family words were answered
    code = "import sys, wordspace; w = wordspace.Word2Vec; print('numba' in sys.modules, w.__name__)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "True Word2Vec"


def test_command_line_skips_numbas_blas_probe(tmp_path):
    """In the command line's process, Numba's first compiled call does not import SciPy's linear
    algebra (its BLAS probe, 0.2 s), the phrase job's output is unchanged, and compiled code that
    does use BLAS afterwards still gets it (``np.dot`` of floats equals NumPy's)."""
    corpus = tmp_path / "c.txt"
    rng = random.Random(0)
    filler = [f"w{i}" for i in range(3000)]
    corpus.write_text("".join(" ".join(rng.sample(filler, 8) + ["new", "york"] + rng.sample(filler, 8)) + "\n"
                              for _ in range(100)))
    code = ("import sys, numpy as np; import wordspace.cli as cli; cli._skip_numba_blas_probe(); "
            f"code = cli.main(['phrases', {str(corpus)!r}, '--out', {str(tmp_path / 'out.txt')!r}, '--min-count', '2']); "
            "print(code, 'numba.np.arraymath' in sys.modules, 'scipy.linalg' in sys.modules); "
            "from numba import njit; "
            "dot = njit(lambda a, b: np.dot(a, b)); conv = njit(lambda a, b: np.convolve(a, b)); "
            "a = np.arange(1.0, 6.0); b = np.arange(2.0, 7.0); "
            "print(dot(a, b) == np.dot(a, b), bool(np.allclose(conv(a, b), np.convolve(a, b))), "
            "'scipy.linalg' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    first, second = out.strip().splitlines()[-2:]
    assert first == "0 True False"
    assert second == "True True True"
    assert (tmp_path / "out.txt").read_text().count(" new_york ") == 100
