"""Positional encodings for ``(B, T, D)`` tensors: sinusoidal, learned absolute, and rotary."""

from __future__ import annotations

import math

import torch
from torch import nn

from ..errors import InvalidParameterError


def sinusoidal_table(max_len: int, dim: int) -> torch.Tensor:
    """``(max_len, dim)``: ``PE[p, 2i] = sin(p / 10000^(2i/dim))``, ``PE[p, 2i+1] = cos(...)``
    (Vaswani et al. 2017). An odd ``dim`` drops the last cosine column."""
    pos = torch.arange(max_len, dtype=torch.float64)[:, None]  # (T, 1)
    freq = torch.exp(-math.log(10000.0) * torch.arange(0, dim, 2, dtype=torch.float64) / dim)  # (ceil(D/2),)
    table = torch.zeros(max_len, dim, dtype=torch.float64)
    table[:, 0::2] = torch.sin(pos * freq)
    table[:, 1::2] = torch.cos(pos * freq)[:, : dim // 2]
    return table.float()


class SinusoidalPositionalEncoding(nn.Module):
    """Adds the fixed sinusoidal table to ``(B, T, D)`` inputs (optionally scaled by dropout)."""

    def __init__(self, dim: int, max_len: int = 4096, dropout: float = 0.0):
        super().__init__()
        self.register_buffer("table", sinusoidal_table(max_len, dim), persistent=False)  # (max_len, D)
        self.drop = nn.Dropout(dropout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        t = x.shape[1]
        if t > self.table.shape[0]:
            raise InvalidParameterError(f"sequence of {t} positions is longer than max_len={self.table.shape[0]}")
        return self.drop(x + self.table[:t].to(x.dtype))  # (B, T, D) + (T, D)


class LearnedPositionalEncoding(nn.Module):
    """Adds a trained vector per position (BERT/GPT-2 style) to ``(B, T, D)`` inputs."""

    def __init__(self, dim: int, max_len: int = 512, dropout: float = 0.0):
        super().__init__()
        self.positions = nn.Embedding(max_len, dim)
        nn.init.normal_(self.positions.weight, std=0.02)
        self.drop = nn.Dropout(dropout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        t = x.shape[1]
        if t > self.positions.num_embeddings:
            raise InvalidParameterError(f"sequence of {t} positions is longer than max_len={self.positions.num_embeddings}")
        return self.drop(x + self.positions(torch.arange(t, device=x.device)))  # (B, T, D) + (T, D)


class RotaryEmbedding(nn.Module):
    """Rotary position embedding (RoPE, Su et al. 2021) for queries and keys.

    Consecutive pairs ``(x[2i], x[2i+1])`` of the last dimension are rotated by the angle
    ``p * theta_i`` with ``theta_i = base^(-2i/dim)``, so that ``<rope(q, m), rope(k, n)>``
    depends only on ``m - n``. Works on ``(..., T, dim)`` tensors (``(B, T, D)`` or
    ``(B, H, T, Dh)``); ``dim`` must be even.
    """

    def __init__(self, dim: int, max_len: int = 4096, base: float = 10000.0):
        super().__init__()
        if dim % 2:
            raise InvalidParameterError(f"RotaryEmbedding needs an even dimension, got {dim}")
        inv = base ** (-torch.arange(0, dim, 2, dtype=torch.float64) / dim)  # (D/2,)
        ang = torch.arange(max_len, dtype=torch.float64)[:, None] * inv  # (T, D/2)
        self.register_buffer("cos", ang.cos().float(), persistent=False)
        self.register_buffer("sin", ang.sin().float(), persistent=False)

    def forward(self, x: torch.Tensor, offset: int = 0) -> torch.Tensor:
        t = x.shape[-2]
        if offset + t > self.cos.shape[0]:
            raise InvalidParameterError(f"positions up to {offset + t} exceed max_len={self.cos.shape[0]}")
        cos = self.cos[offset : offset + t].to(x.dtype)  # (T, D/2)
        sin = self.sin[offset : offset + t].to(x.dtype)
        x1, x2 = x[..., 0::2], x[..., 1::2]  # (..., T, D/2) each
        out = torch.stack((x1 * cos - x2 * sin, x1 * sin + x2 * cos), dim=-1)  # (..., T, D/2, 2)
        return out.flatten(-2)  # (..., T, D), pairs interleaved back
