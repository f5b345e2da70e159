"""Shared fixtures: tiny corpora with deliberate corner cases, the bundled demo corpus, the
path of ../shared/data (tests marked ``shared_data`` skip when it is absent), and the command
line's corpus, trained vectors and in-process runner."""

import gzip
import os

import pytest

from wordspace.cli import main
from wordspace.datasets import demo_corpus_path

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED_DATA = os.path.join(os.path.dirname(REPO), "shared", "data")

TINY_LINES = [
    "the quick brown fox jumps over the lazy dog",
    "",  # an empty line
    "dog",  # a single-token sentence
    "the dog sleeps and the fox runs",
    "zebra",  # a word below min_count
    "café naïve 東京 the dog",  # non-ASCII text
]


@pytest.fixture
def tiny_corpus_file(tmp_path):
    p = tmp_path / "tiny.txt"
    p.write_text("\n".join(TINY_LINES) + "\n", encoding="utf-8")
    return p


@pytest.fixture(scope="session")
def demo_corpus():
    return demo_corpus_path()


@pytest.fixture(scope="session")
def demo_sentences():
    with gzip.open(demo_corpus_path(), "rt", encoding="utf-8") as fh:
        return [line.split() for line in fh]


@pytest.fixture(scope="session")
def shared_data():
    if not os.path.isdir(SHARED_DATA):
        pytest.skip("../shared/data is not present")
    return SHARED_DATA


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "shared_data" in item.keywords and not os.path.isdir(SHARED_DATA):
            item.add_marker(pytest.mark.skip(reason="../shared/data is not present"))


from tests.browser import browser  # noqa: E402,F401  (the headless Chromium fixture, one per session)


# -- the command-line tests' corpus (a slice of the demo corpus), vectors trained on it once, and
# ``run(argv) -> (exit code, stdout, stderr)`` in process
@pytest.fixture(scope="session")
def corpus(tmp_path_factory, demo_corpus):
    p = tmp_path_factory.mktemp("c") / "kjv_part.txt.gz"
    with gzip.open(demo_corpus, "rt") as src, gzip.open(p, "wt") as dst:
        dst.write("".join(line for _, line in zip(range(8000), src)))
    return str(p)


@pytest.fixture(scope="session")
def trained(tmp_path_factory, corpus):
    out = tmp_path_factory.mktemp("m") / "vecs.bin"
    assert main(["train", corpus, "--out", str(out), "--dim", "20", "--epochs", "2", "--workers", "1", "--quiet"]) == 0
    return str(out)


@pytest.fixture
def run(capsys):
    def _run(argv):
        code = main(argv)
        out, err = capsys.readouterr()
        return code, out, err

    return _run
