"""The PyTorch bridge: Vectors -> nn.Embedding (padding and unknown rows, frozen or not) -> Vectors."""

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from wordspace import InvalidParameterError, Vectors  # noqa: E402
from wordspace.nn import from_embedding, to_embedding  # noqa: E402


@pytest.fixture
def vecs():
    rng = np.random.default_rng(0)
    return Vectors(["a", "b", "c"], rng.normal(size=(3, 4)).astype(np.float32))


def test_round_trip_with_special_rows(vecs):
    emb, vocab = to_embedding(vecs)
    assert emb.weight.shape == (5, 4) and not emb.weight.requires_grad and emb.padding_idx == 0
    assert vocab.keys[:2] == ["<pad>", "<unk>"]
    ids = vocab.encode(["b", "zzz", "a"])
    assert ids.tolist() == [3, 1, 2]
    out = emb(ids).numpy()
    np.testing.assert_array_equal(out[0], vecs["b"])
    np.testing.assert_allclose(out[1], vecs.matrix.mean(axis=0), rtol=1e-6)
    back = from_embedding(emb, vocab)
    assert back.keys == vecs.keys
    np.testing.assert_array_equal(back.matrix, vecs.matrix)


def test_trainable_embedding_learns_and_padding_gets_no_gradient(vecs):
    emb, vocab = to_embedding(vecs, freeze=False, unknown_init="zeros")
    opt = torch.optim.SGD(emb.parameters(), lr=0.5)
    ids = vocab.encode(["a", "<pad>"])
    before = emb.weight.detach().clone()
    loss = emb(ids).sum()
    loss.backward()
    opt.step()
    assert not torch.equal(emb.weight[2], before[2])  # "a" moved
    assert torch.equal(emb.weight[0], before[0])  # padding did not
    assert not np.array_equal(from_embedding(emb, vocab)["a"], vecs["a"])


def test_without_special_rows_and_errors(vecs):
    emb, vocab = to_embedding(vecs, padding=False, unknown=False)
    assert emb.weight.shape == (3, 4) and vocab.pad_id is None and vocab.unk_id is None
    with pytest.raises(KeyError):
        vocab.encode(["zzz"])
    with pytest.raises(InvalidParameterError, match="already contain '<unk>'"):
        to_embedding(Vectors(["<unk>"], np.ones((1, 2), np.float32)))
    with pytest.raises(InvalidParameterError, match="2 keys for an embedding of 3 rows"):
        from_embedding(emb, ["a", "b"])
