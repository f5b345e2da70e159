"""Multi-head self-attention with padding and causal masks, and a transformer encoder block.

Shapes are noted at each step: ``B`` batch, ``T`` positions, ``D`` model width, ``H`` heads,
``Dh = D / H`` per head. Masks are boolean with True meaning "may attend"; a padding mask is
``(B, T)`` (True at real tokens).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import nn

from ..errors import InvalidParameterError
from .positional import RotaryEmbedding


@dataclass(frozen=True)
class AttentionConfig:
    dim: int  # model width D
    heads: int = 4  # H; must divide dim
    dropout: float = 0.0  # on the attention weights and the output
    causal: bool = False  # position t sees only positions <= t
    rotary: bool = False  # rotate queries and keys with RoPE instead of adding positions to x
    max_len: int = 4096  # longest sequence for RoPE tables


def attention_mask(padding: torch.Tensor | None, t: int, causal: bool, device=None) -> torch.Tensor | None:
    """``(B, 1, T, T)`` or ``(1, 1, T, T)`` boolean mask combining padding and causality, or
    None when there is neither. Query rows of padding positions may attend to every real key
    (their outputs are ignored), so no row is empty."""
    mask = None
    if causal:
        mask = torch.ones(t, t, dtype=torch.bool, device=device).tril()[None, None]  # (1, 1, T, T)
    if padding is not None:
        keys = padding[:, None, None, :].bool()  # (B, 1, 1, T)
        mask = keys if mask is None else mask & keys
    return mask


class MultiHeadSelfAttention(nn.Module):
    """``(B, T, D)`` -> ``(B, T, D)``: softmax(Q K^T / sqrt(Dh) + mask) V per head, heads concatenated
    and projected. Uses ``scaled_dot_product_attention``; ``return_weights=True`` computes the
    weights explicitly and returns them too, ``(B, H, T, T)``."""

    def __init__(self, config: AttentionConfig):
        super().__init__()
        if config.dim % config.heads:
            raise InvalidParameterError(f"dim={config.dim} is not divisible by heads={config.heads}")
        self.config = config
        self.qkv = nn.Linear(config.dim, 3 * config.dim)
        self.out = nn.Linear(config.dim, config.dim)
        self.drop = nn.Dropout(config.dropout)
        self.rope = RotaryEmbedding(config.dim // config.heads, config.max_len) if config.rotary else None

    def forward(self, x: torch.Tensor, padding: torch.Tensor | None = None, return_weights: bool = False):
        b, t, d = x.shape
        h = self.config.heads
        q, k, v = self.qkv(x).split(d, dim=-1)  # 3 x (B, T, D)
        q, k, v = (z.view(b, t, h, d // h).transpose(1, 2) for z in (q, k, v))  # (B, H, T, Dh)
        if self.rope is not None:
            q, k = self.rope(q), self.rope(k)
        mask = attention_mask(padding, t, self.config.causal, x.device)  # (B|1, 1, T, T) or None
        p = self.config.dropout if self.training else 0.0
        if return_weights:
            scores = q @ k.transpose(-2, -1) / math.sqrt(d // h)  # (B, H, T, T)
            if mask is not None:
                scores = scores.masked_fill(~mask, float("-inf"))
            weights = self.drop(torch.softmax(scores, dim=-1))
            y = weights @ v  # (B, H, T, Dh)
        else:
            y = nn.functional.scaled_dot_product_attention(q, k, v, attn_mask=mask, dropout_p=p)
        y = y.transpose(1, 2).reshape(b, t, d)  # (B, T, D), heads side by side
        y = self.drop(self.out(y))
        return (y, weights) if return_weights else y


@dataclass(frozen=True)
class EncoderBlockConfig:
    dim: int
    heads: int = 4
    hidden: int | None = None  # feed-forward width; None means 4 * dim
    dropout: float = 0.1
    causal: bool = False
    rotary: bool = False


class TransformerEncoderBlock(nn.Module):
    """Pre-norm block: ``x + attn(LN(x))`` then ``x + FFN(LN(x))`` with a GELU feed-forward."""

    def __init__(self, config: EncoderBlockConfig):
        super().__init__()
        self.config = config
        self.ln1 = nn.LayerNorm(config.dim)
        self.attn = MultiHeadSelfAttention(AttentionConfig(config.dim, config.heads, config.dropout, config.causal,
                                                           config.rotary))
        self.ln2 = nn.LayerNorm(config.dim)
        width = config.hidden or 4 * config.dim
        self.ffn = nn.Sequential(nn.Linear(config.dim, width), nn.GELU(), nn.Linear(width, config.dim),
                                 nn.Dropout(config.dropout))

    def forward(self, x: torch.Tensor, padding: torch.Tensor | None = None) -> torch.Tensor:
        x = x + self.attn(self.ln1(x), padding)  # (B, T, D)
        return x + self.ffn(self.ln2(x))  # (B, T, D)
