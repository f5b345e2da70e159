"""PyTorch layers (extra ``[torch]``): word vectors as embeddings, positional encodings,
self-attention, a transformer encoder block, an ELMo-style BiLSTM language model, and the
attention-pooling classifier.

Importing this package imports torch; ``import wordspace`` never does.
"""

from __future__ import annotations

try:
    import torch
except ImportError:  # pragma: no cover - exercised only without torch
    raise ImportError("wordspace.nn requires PyTorch; install with pip install 'wordspace[torch]'") from None

from .attention import (AttentionConfig, EncoderBlockConfig, MultiHeadSelfAttention, TransformerEncoderBlock,
                        attention_mask)
from .bridge import EmbeddingVocab, from_embedding, to_embedding
from .classifier import AttentionPoolingConfig, AttentionPoolingModel
from .embedding import StaticEmbedding
from .lm import BiLMConfig, BiLSTMLanguageModel, ScalarMix
from .lm_train import BiLM, load_lm, train_lm
from .positional import LearnedPositionalEncoding, RotaryEmbedding, SinusoidalPositionalEncoding, sinusoidal_table

__all__ = [
    "to_embedding", "from_embedding", "EmbeddingVocab", "StaticEmbedding",
    "SinusoidalPositionalEncoding", "LearnedPositionalEncoding", "RotaryEmbedding", "sinusoidal_table",
    "AttentionConfig", "MultiHeadSelfAttention", "attention_mask", "EncoderBlockConfig", "TransformerEncoderBlock",
    "BiLMConfig", "BiLSTMLanguageModel", "ScalarMix", "BiLM", "train_lm", "load_lm",
    "AttentionPoolingConfig", "AttentionPoolingModel", "torch",
]
