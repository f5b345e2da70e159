"""PyTorch bridge (extra ``[torch]``): ``Vectors`` <-> ``torch.nn.Embedding``.

Importing this package imports torch; ``import wordspace`` never does.
"""

from __future__ import annotations

try:
    import torch
except ImportError:  # pragma: no cover - exercised only without torch
    raise ImportError("wordspace.nn requires PyTorch; install with pip install 'wordspace[torch]'") from None

from .bridge import EmbeddingVocab, from_embedding, to_embedding

__all__ = ["to_embedding", "from_embedding", "EmbeddingVocab", "torch"]
