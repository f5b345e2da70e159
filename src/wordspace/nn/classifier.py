"""Attention pooling over word vectors and a linear classifier on top (the document
classifier behind ``wordspace.classify.AttentionClassifier``)."""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from .bridge import to_embedding


@dataclass(frozen=True)
class AttentionPoolingConfig:
    n_classes: int
    hidden: int = 64  # size of the attention layer
    dropout: float = 0.2  # on the pooled document vector


class AttentionPoolingModel(nn.Module):
    """``(B, T)`` token ids (0 = padding) -> ``(B, n_classes)`` logits.

    :math:`s_t = q^\\top \\tanh(W e_t + b)`, :math:`\\alpha = \\mathrm{softmax}(s)` over the
    non-padding positions, document vector :math:`\\sum_t \\alpha_t e_t`, then a linear layer.
    """

    def __init__(self, embedding: nn.Embedding, config: AttentionPoolingConfig):
        super().__init__()
        self.config = config
        self.embedding = embedding
        dim = embedding.embedding_dim
        self.proj = nn.Linear(dim, config.hidden)
        self.query = nn.Linear(config.hidden, 1, bias=False)
        self.drop = nn.Dropout(config.dropout)
        self.out = nn.Linear(dim, config.n_classes)

    @classmethod
    def from_vectors(cls, vectors, n_classes: int, *, hidden: int = 64, dropout: float = 0.2, freeze: bool = True):
        """The embedding is :func:`wordspace.nn.to_embedding` of ``vectors``: row 0 pads, row 1
        is the unknown word, word ``i`` of ``vectors`` is row ``i + 2``."""
        emb, _ = to_embedding(vectors, freeze=freeze, padding=True, unknown=True)
        return cls(emb, AttentionPoolingConfig(n_classes, hidden, dropout))

    def forward(self, ids: torch.Tensor, return_attention: bool = False):
        e = self.embedding(ids)  # (B, T, D)
        scores = self.query(torch.tanh(self.proj(e))).squeeze(-1)  # (B, T)
        scores = scores.masked_fill(ids == 0, float("-inf"))
        weights = torch.softmax(scores, dim=-1)  # (B, T); a row of padding only never occurs
        pooled = torch.einsum("bt,btd->bd", weights, e)  # (B, D)
        logits = self.out(self.drop(pooled))  # (B, n_classes)
        return (logits, weights) if return_attention else logits
