"""An ELMo-style bidirectional LSTM language model and the scalar mix of its layers.

A forward LSTM stack predicts each token from the ones before it, a backward stack from the
ones after it; both share the token embedding and the output softmax (Peters et al. 2018).
The contextual vector of a token at layer ``k`` is the concatenation of the two directions'
layer-``k`` states (layer 0: the token embedding, twice), and :class:`ScalarMix` learns the
task-specific weighted sum :math:`\\gamma \\sum_k s_k h_k` with ``s = softmax(w)``.
Training, checkpoints and perplexity live in ``wordspace.nn.lm_train``.
"""

from __future__ import annotations

import warnings
from dataclasses import asdict, dataclass, field

import torch
from torch import nn

PAD, UNK, BOS, EOS = "<pad>", "<unk>", "<s>", "</s>"
SPECIALS = (PAD, UNK, BOS, EOS)  # ids 0..3


@dataclass(frozen=True)
class BiLMConfig:
    vocab_size: int  # including the four special tokens
    dim: int = 128  # token embedding and LSTM output (projection) size
    hidden: int = 256  # LSTM cell size per direction (projected down to dim, as ELMo's LSTMP)
    layers: int = 2
    dropout: float = 0.1
    adaptive_cutoffs: tuple = field(default_factory=tuple)  # () -> full softmax tied to the embedding

    def to_dict(self) -> dict:
        d = asdict(self)
        d["adaptive_cutoffs"] = list(self.adaptive_cutoffs)
        return d


def default_cutoffs(vocab_size: int) -> tuple:
    """Adaptive-softmax clusters (Grave et al. 2017): the 1,000 most frequent tokens in the
    head, then clusters of 3k, 12k, 48k... On CPU the full softmax over a 7,000-token vocabulary
    was half of a training step; these clusters made the step 2.3x faster."""
    if vocab_size <= 2_000:
        return ()
    return tuple(c for c in (1_000, 4_000, 16_000, 64_000) if c < vocab_size - 1)


class _Direction(nn.Module):
    """A stack of projected LSTM layers with residual connections from layer 2 on."""

    def __init__(self, cfg: BiLMConfig):
        super().__init__()
        proj = cfg.dim if cfg.hidden > cfg.dim else 0
        self.layers = nn.ModuleList(nn.LSTM(cfg.dim, cfg.hidden, batch_first=True, proj_size=proj)
                                    for _ in range(cfg.layers))
        self.drop = nn.Dropout(cfg.dropout)

    def forward(self, x: torch.Tensor) -> list[torch.Tensor]:
        """``x`` (B, T, D) with any padding *after* each row's tokens (both directions feed
        rows that way), so the LSTM runs over the padded batch as it is: padding never reaches a
        real position. Packing the sequences instead made PyTorch's CPU LSTM with projections
        about 6x slower with projections (docs/design.md)."""
        outs = []
        for i, lstm in enumerate(self.layers):
            with warnings.catch_warnings():  # PyTorch notes that oneDNN has no projected LSTM; the
                warnings.filterwarnings("ignore", message="LSTM with projections")  # plain kernel is used
                y, _ = lstm(x)  # (B, T, D)
            if i > 0:
                y = y + x  # residual, as ELMo between LSTM layers
            outs.append(y)
            x = self.drop(y)
        return outs


def _reverse_index(lengths: torch.Tensor, t: int) -> torch.Tensor:
    """(B, T) gather index that reverses each row within its length (padding stays put)."""
    pos = torch.arange(t, device=lengths.device)[None, :]  # (1, T)
    rev = lengths[:, None] - 1 - pos  # (B, T)
    return torch.where(rev >= 0, rev, pos)


class BiLSTMLanguageModel(nn.Module):
    """``(B, T)`` ids of ``<s> w1 ... wn </s>`` segments (0 pads) -> losses and layer states."""

    def __init__(self, cfg: BiLMConfig):
        super().__init__()
        self.config = cfg
        self.embedding = nn.Embedding(cfg.vocab_size, cfg.dim, padding_idx=0)
        nn.init.normal_(self.embedding.weight, std=0.1)
        with torch.no_grad():
            self.embedding.weight[0].zero_()
        self.fwd = _Direction(cfg)
        self.bwd = _Direction(cfg)
        self.drop = nn.Dropout(cfg.dropout)
        if cfg.adaptive_cutoffs:
            self.softmax = nn.AdaptiveLogSoftmaxWithLoss(cfg.dim, cfg.vocab_size, list(cfg.adaptive_cutoffs), div_value=4.0)
            self.out_bias = None
        else:
            self.softmax = None
            self.out_bias = nn.Parameter(torch.zeros(cfg.vocab_size))  # weights tied to the embedding

    def states(self, ids: torch.Tensor) -> tuple[list, list, torch.Tensor]:
        """Per-layer forward and backward states, aligned to the input positions: lists of
        ``(B, T, D)``; plus the lengths."""
        b, t = ids.shape
        lengths = (ids != 0).sum(dim=1)  # (B,)
        e = self.drop(self.embedding(ids))  # (B, T, D)
        f = self.fwd(e)
        rev = _reverse_index(lengths, t)  # (B, T): each row reversed within its length
        gather = lambda x: torch.gather(x, 1, rev[:, :, None].expand(-1, -1, x.shape[2]))  # noqa: E731
        bw = [gather(y) for y in self.bwd(gather(e))]  # reversed in, reversed back out
        return f, bw, lengths

    def _nll(self, h: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        """Summed negative log-likelihood of ``target`` (N,) given states ``h`` (N, D)."""
        if h.shape[0] == 0:
            return h.sum() * 0.0
        if self.softmax is not None:
            return self.softmax(h, target).loss * h.shape[0]  # .loss is the mean
        logits = h @ self.embedding.weight.T + self.out_bias  # (N, V)
        return nn.functional.cross_entropy(logits, target, reduction="sum")

    def forward(self, ids: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, int]:
        """Summed NLL of the forward direction (predicting ``w_{t+1}``), of the backward one
        (predicting ``w_{t-1}``), and the number of predictions of each."""
        f, bw, lengths = self.states(ids)
        valid = ids != 0  # (B, T)
        nxt = valid[:, 1:]  # positions t whose next token exists
        hf = self.drop(f[-1][:, :-1][nxt])  # (N, D)
        hb = self.drop(bw[-1][:, 1:][nxt])  # the backward state at t+1 predicts token t
        tf = ids[:, 1:][nxt]
        tb = ids[:, :-1][nxt]
        return self._nll(hf, tf), self._nll(hb, tb), int(nxt.sum())

    def layer_vectors(self, ids: torch.Tensor) -> torch.Tensor:
        """``(L + 1, B, T, 2D)``: layer 0 is the embedding twice, layer k the forward and
        backward states of LSTM layer k side by side."""
        f, bw, _ = self.states(ids)
        e = self.embedding(ids)
        return torch.stack([torch.cat([e, e], dim=-1)] + [torch.cat([a, c], dim=-1) for a, c in zip(f, bw)])


class ScalarMix(nn.Module):
    """ELMo's task-specific combination of layers: :math:`\\gamma \\sum_k \\mathrm{softmax}(w)_k h_k`.

    ``forward`` takes ``(L, ..., D)`` stacked layers (or a list of tensors) -> ``(..., D)``.
    """

    def __init__(self, n_layers: int, trainable: bool = True):
        super().__init__()
        self.weights = nn.Parameter(torch.zeros(n_layers), requires_grad=trainable)
        self.gamma = nn.Parameter(torch.ones(()), requires_grad=trainable)

    def forward(self, layers) -> torch.Tensor:
        if isinstance(layers, (list, tuple)):
            layers = torch.stack(list(layers))
        if layers.shape[0] != self.weights.shape[0]:
            raise ValueError(f"ScalarMix has {self.weights.shape[0]} weights but got {layers.shape[0]} layers")
        s = torch.softmax(self.weights, dim=0)  # (L,)
        return self.gamma * torch.tensordot(s, layers, dims=([0], [0]))
