"""``to_embedding`` / ``from_embedding``: a :class:`wordspace.Vectors` as an ``nn.Embedding``
with optional padding and unknown-word rows, and back."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch

from .._validation import Options, check_param
from ..errors import InvalidParameterError
from ..vectors import Vectors

PAD = "<pad>"
UNK = "<unk>"


@dataclass
class EmbeddingVocab:
    """Token <-> row mapping of an embedding made by :func:`to_embedding`.

    ``pad_id`` and ``unk_id`` are None when those rows were not added. Unknown tokens map to
    ``unk_id``; without an unknown row they raise ``KeyError``.
    """

    keys: list  # row -> token (special tokens included)
    pad_id: int | None
    unk_id: int | None
    index: dict = field(init=False, repr=False)  # token -> row

    def __post_init__(self):
        self.index = {k: i for i, k in enumerate(self.keys)}

    def encode(self, tokens) -> torch.Tensor:
        """Row ids of ``tokens`` as a 1-D ``torch.long`` tensor."""
        if self.unk_id is None:
            return torch.tensor([self.index[t] for t in tokens], dtype=torch.long)
        get = self.index.get
        return torch.tensor([get(t, self.unk_id) for t in tokens], dtype=torch.long)


def to_embedding(vectors: Vectors, *, freeze: bool = True, padding: bool = True, unknown: bool = True,
                 unknown_init: str = "mean"):
    """Build ``(nn.Embedding, EmbeddingVocab)`` from ``vectors``.

    Parameters
    ----------
    freeze : bool, default=True
        Whether the weights are excluded from training (``requires_grad=False``).
    padding : bool, default=True
        Add a zero row ``<pad>`` at index 0, passed as ``padding_idx`` (it gets no gradient).
    unknown : bool, default=True
        Add a row ``<unk>`` for tokens outside the vocabulary, after the padding row.
    unknown_init : {"mean", "zeros"}, default="mean"
        The unknown row's initial value: the mean of all vectors, or zeros.
    """
    check_param("unknown_init", unknown_init, [Options(("mean", "zeros"))], "to_embedding")
    special = ([PAD] if padding else []) + ([UNK] if unknown else [])
    clash = [s for s in special if s in vectors]
    if clash:
        raise InvalidParameterError(f"the vectors already contain {clash[0]!r}; pass padding=False/unknown=False")
    m = np.asarray(vectors.matrix, dtype=np.float32)
    rows = []
    if padding:
        rows.append(np.zeros((1, vectors.dim), np.float32))
    if unknown:
        rows.append(m.mean(axis=0, keepdims=True) if unknown_init == "mean" else np.zeros((1, vectors.dim), np.float32))
    weight = torch.from_numpy(np.concatenate(rows + [m]) if rows else m.copy())
    emb = torch.nn.Embedding.from_pretrained(weight, freeze=freeze, padding_idx=0 if padding else None)
    vocab = EmbeddingVocab(special + list(vectors.keys), 0 if padding else None,
                           (1 if padding else 0) if unknown else None)
    return emb, vocab


def from_embedding(embedding, keys, *, drop_special: bool = True) -> Vectors:
    """Vectors from an embedding's weight (for example after fine-tuning).

    ``keys`` is an :class:`EmbeddingVocab` (its special rows are dropped unless
    ``drop_special=False``) or a list with one key per row.
    """
    weight = embedding.weight.detach().cpu().numpy().astype(np.float32)
    if isinstance(keys, EmbeddingVocab):
        skip = {i for i in (keys.pad_id, keys.unk_id) if i is not None} if drop_special else set()
        rows = [i for i in range(len(keys.keys)) if i not in skip]
        names = [keys.keys[i] for i in rows]
        weight = weight[rows]
    else:
        names = list(keys)
    if len(names) != weight.shape[0]:
        raise InvalidParameterError(f"got {len(names)} keys for an embedding of {weight.shape[0]} rows")
    return Vectors(names, np.ascontiguousarray(weight))
