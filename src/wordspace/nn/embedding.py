"""``StaticEmbedding``: an ``nn.Embedding`` made from :class:`wordspace.Vectors` that also turns
sentences into padded id tensors with the vectors' own vocabulary."""

from __future__ import annotations

import torch
from torch import nn

from .._validation import Interval, NONE, check_param
from ..errors import InvalidParameterError
from .bridge import EmbeddingVocab, to_embedding


class StaticEmbedding(nn.Module):
    """Word vectors as a layer: ``(B, T)`` ids -> ``(B, T, D)`` vectors.

    Build with :meth:`from_vectors`. Row 0 pads (no gradient), row 1 stands for unknown words,
    then the vectors' keys in order. ``max_norm`` renormalises looked-up rows whose norm exceeds
    it (``nn.Embedding``'s option).
    """

    def __init__(self, embedding: nn.Embedding, vocab: EmbeddingVocab):
        super().__init__()
        self.embedding = embedding
        self.vocab = vocab

    @classmethod
    def from_vectors(cls, vectors, *, freeze: bool = True, padding: bool = True, unknown: bool = True,
                     max_norm: float | None = None) -> "StaticEmbedding":
        check_param("max_norm", max_norm, [Interval(float, 0, None, closed="right"), NONE], "StaticEmbedding")
        emb, vocab = to_embedding(vectors, freeze=freeze, padding=padding, unknown=unknown)
        emb.max_norm = max_norm
        return cls(emb, vocab)

    @property
    def dim(self) -> int:
        return self.embedding.embedding_dim

    def encode(self, sentences, lowercase: bool = False) -> tuple[torch.Tensor, torch.Tensor]:
        """Sentences (strings split on whitespace, or token lists) -> ``(ids, mask)``, both
        ``(B, T)`` with ``T`` the longest sentence; ``mask`` is True at real tokens."""
        if self.vocab.pad_id is None:
            raise InvalidParameterError("encode pads sentences to one length, which needs padding=True")
        if isinstance(sentences, str):
            raise InvalidParameterError("encode takes a list of sentences; wrap a single sentence in a list")
        toks = [(s.split() if isinstance(s, str) else list(s)) for s in sentences]
        if lowercase:
            toks = [[t.lower() for t in s] for s in toks]
        width = max((len(s) for s in toks), default=0)
        ids = torch.full((len(toks), max(width, 1)), self.vocab.pad_id, dtype=torch.long)
        for i, s in enumerate(toks):
            if s:
                ids[i, : len(s)] = self.vocab.encode(s)
        return ids, ids != self.vocab.pad_id

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        return self.embedding(ids)  # (B, T) -> (B, T, D)
