"""GloVe and PPMI+SVD trainers: parameters, learning on real text, determinism, bounded
co-occurrence memory giving the same model, and the shapes of what they export."""


import numpy as np
import pytest
from tests.quality import KJV_RELATED, digests_across_hash_seeds, related_vs_random

from wordspace import PPMISVD, GloVe, InvalidParameterError


@pytest.fixture(scope="module")
def kjv_encoded(demo_corpus):
    from wordspace.corpus import encode_corpus

    return encode_corpus(demo_corpus, min_count=5)


GLOVE_INVALID = {"x_max": [0.0, -1.0], "power": [-0.5], "alpha": [0.0], "memory": [0.0, -5],
                 "weighting": ["gaussian"], "epochs": [0], "window": [0]}
PPMI_INVALID = {"shift": [0.0, -1.0], "context_smoothing": [0.0], "power_iterations": [-1],
                "weighting": ["idf"], "memory": [0.0], "dim": [0]}


@pytest.mark.parametrize("cls,name,value", [(GloVe, n, v) for n, vs in GLOVE_INVALID.items() for v in vs]
                         + [(PPMISVD, n, v) for n, vs in PPMI_INVALID.items() for v in vs])
def test_invalid_parameters_are_named(cls, name, value):
    with pytest.raises(InvalidParameterError, match=f"The '{name}' parameter of {cls.__name__}"):
        cls(**{name: value}, progress=False).fit([["a", "b"]])


def test_glove_learns_on_real_text(kjv_encoded):
    m = GloVe(dim=50, epochs=10, workers=2, progress=False).fit(None, encoded=kjv_encoded)
    rel, rand, pct = related_vs_random(m.vectors_, KJV_RELATED)
    assert rel > rand + 0.3 and pct > 0.9, (rel, rand, pct)
    losses = m.loss_history_
    assert len(losses) == 10 and all(b < a for a, b in zip(losses, losses[1:]))
    np.testing.assert_allclose(m.vectors_.matrix, m.word_matrix_ + m.context_matrix_)
    np.testing.assert_array_equal(m.export("input").matrix, m.word_matrix_)
    np.testing.assert_array_equal(m.export("output").matrix, m.context_matrix_)
    with pytest.raises(InvalidParameterError, match="'kind' parameter of GloVe.export"):
        m.export("both")


def test_glove_with_a_tiny_counting_budget_is_the_same_model(kjv_encoded):
    """Counting in 1 MB (runs spilled to disk and merged) gives the same co-occurrences, hence
    (one worker, same seed) the same vectors, as counting in memory."""
    big = GloVe(dim=16, epochs=2, workers=1, progress=False).fit(None, encoded=kjv_encoded)
    small = GloVe(dim=16, epochs=2, workers=1, memory=1.0, progress=False).fit(None, encoded=kjv_encoded)
    assert small.cooccurrence_.spilled and small.cooccurrence_.on_disk and not big.cooccurrence_.spilled
    np.testing.assert_array_equal(small.vectors_.matrix, big.vectors_.matrix)


def test_ppmi_svd_learns_on_real_text(kjv_encoded):
    m = PPMISVD(dim=50, workers=2, progress=False).fit(None, encoded=kjv_encoded)
    rel, rand, pct = related_vs_random(m.vectors_, KJV_RELATED)
    assert rel > rand + 0.2 and pct > 0.95, (rel, rand, pct)
    s = m.singular_values_
    assert s.shape == (50,) and np.all(np.diff(s) <= 1e-9) and 0 < m.loss_history_[0] < 1
    u = m.vectors_.matrix / s ** 0.5  # the vectors are U * S^0.5 with orthonormal U
    np.testing.assert_allclose(u.T @ u, np.eye(50), atol=1e-4)


def test_ppmi_dim_must_be_below_the_vocabulary():
    with pytest.raises(InvalidParameterError, match="smaller than the vocabulary"):
        PPMISVD(dim=10, min_count=1, progress=False).fit([["a", "b", "c"]] * 5)


_DETERMINISM = """
import hashlib, sys
from wordspace import GloVe, PPMISVD
cls = {"glove": GloVe, "ppmi": PPMISVD}[sys.argv[2]]
m = cls(dim=12, workers=1, seed=3, progress=False, **({"epochs": 2} if cls is GloVe else {})).fit(sys.argv[1])
print(hashlib.sha256(m.vectors_.matrix.tobytes()).hexdigest())
"""


@pytest.mark.parametrize("which", ["glove", "ppmi"])
def test_one_worker_is_bit_identical(demo_corpus, which):
    assert len(digests_across_hash_seeds(_DETERMINISM, demo_corpus, which, seeds=("0", "4321"))) == 1
