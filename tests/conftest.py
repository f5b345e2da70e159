"""Shared fixtures: tiny corpora with deliberate corner cases, the bundled demo corpus, and
the path of ../shared/data (tests marked ``shared_data`` skip when it is absent)."""

import gzip
import os

import pytest

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


from browser import browser  # noqa: E402,F401  (the headless Chromium fixture, one per session)
