"""Layer-wise word vectors from a local Hugging Face transformer checkpoint (extra ``[contextual]``).

:class:`TransformerLayers` opens an encoder (BERT, MiniLM, RoBERTa...) from a directory on disk,
never from the network, and returns for each word of a sentence its vector at every layer
(the embedding output and each transformer layer), sub-word pieces pooled back to words.
Anisotropy measurement and correction live in ``wordspace.anisotropy``; the ELMo-style model
in ``wordspace.nn``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np

from ._validation import Options, check_param
from .errors import FormatError, InvalidParameterError

__all__ = ["TransformerLayers", "LMLayers", "WordLayers", "open_layers", "cosine_by_layer", "nearest_by_layer"]

#: A model on the Hugging Face Hub is named ``hf:OWNER/NAME``, as published vectors are.
HF_PREFIX = "hf:"

POOLINGS = ("mean", "first", "last")


@dataclass
class WordLayers:
    """The words of one sentence and their vectors: ``vectors[layer, word]`` (float32)."""

    words: list
    vectors: np.ndarray  # (n_layers, n_words, dim)

    def index(self, word: str, occurrence: int = 0) -> int:
        """Position of the ``occurrence``-th (0-based) occurrence of ``word``."""
        hits = [i for i, w in enumerate(self.words) if w == word]
        if len(hits) <= occurrence:
            raise InvalidParameterError(f"{word!r} occurs {len(hits)} time(s) in the sentence {' '.join(self.words)!r}")
        return hits[occurrence]

    def of(self, word: str, occurrence: int = 0) -> np.ndarray:
        """``(n_layers, dim)``: the word's vector at every layer."""
        return self.vectors[:, self.index(word, occurrence)]


def nearest_by_layer(sentence: WordLayers, word: str, layers, k: int = 3) -> list[dict]:
    """For each layer in ``layers``, the ``k`` other words of ``sentence`` nearest to ``word``:
    ``[{"layer": i, "nearest": [{"word", "position", "cosine"}, ...]}, ...]``."""
    i = sentence.index(word)
    out = []
    for layer in layers:
        m = sentence.vectors[layer]
        u = m / np.maximum(np.linalg.norm(m, axis=1, keepdims=True), 1e-12)
        sims = u @ u[i]
        order = [j for j in np.argsort(-sims, kind="stable") if j != i][:k]
        out.append({"layer": int(layer), "nearest": [{"word": sentence.words[j], "position": int(j),
                                                     "cosine": float(sims[j])} for j in order]})
    return out


def cosine_by_layer(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Cosine of two ``(n_layers, dim)`` stacks, layer by layer."""
    num = np.einsum("ld,ld->l", a, b)
    den = np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1)
    return np.where(den > 0, num / np.where(den > 0, den, 1), 0.0)


class TransformerLayers:
    """Word vectors at every layer of a local transformer encoder.

    Parameters
    ----------
    model_dir : str
        A directory with a Hugging Face checkpoint (``config.json``, safetensors weights, and a
        fast tokenizer such as ``tokenizer.json``), or a model on the Hugging Face Hub named
        ``"hf:OWNER/NAME"`` (``"hf:sentence-transformers/all-MiniLM-L6-v2"``), fetched through
        ``transformers``' own cache (``HF_HUB_OFFLINE=1`` or ``WORDSPACE_OFFLINE=1``: the cache
        only). Anything else is refused at once. Pickled weights are never loaded.
    device : str or None
        ``"cpu"``, ``"cuda"``...; None uses CUDA when available.
    pooling : {"mean", "first", "last"}, default="mean"
        How a word's sub-word pieces become one vector.

    Examples
    --------
    >>> tl = TransformerLayers("path/to/minilm")                       # doctest: +SKIP
    >>> out = tl.word_vectors("the bank of the river")                  # doctest: +SKIP
    >>> out.vectors.shape     # (embedding layer + 6 layers, 5 words, 384) # doctest: +SKIP
    (7, 5, 384)
    """

    def __init__(self, model_dir, device: str | None = None, pooling: str = "mean"):
        try:
            import torch
            from transformers import AutoModel, AutoTokenizer
        except ImportError:
            raise ImportError("wordspace.contextual requires PyTorch and transformers; install with "
                              "pip install 'wordspace[contextual]'") from None
        check_param("pooling", pooling, [Options(POOLINGS)], "TransformerLayers")
        model_dir = os.fspath(model_dir)
        local = not model_dir.startswith(HF_PREFIX)
        if local:
            _check_model_dir(model_dir, "config.json", "a Hugging Face model folder")
        else:
            model_dir = model_dir[len(HF_PREFIX):].strip("/")
            if model_dir.count("/") != 1 or not all(model_dir.split("/")):
                raise FormatError(f"'{HF_PREFIX}{model_dir}' is not a Hugging Face model name; write hf:OWNER/NAME")
        names = set(os.listdir(model_dir)) if local else {"model.safetensors"}  # the Hub: safetensors only, below
        if not any(n.endswith(".safetensors") or n == "model.safetensors.index.json" for n in names):
            pickled = sorted(n for n in names if n.endswith((".bin", ".pt", ".pth", ".ckpt", ".pkl")))
            raise FormatError(f"'{model_dir}' holds no safetensors weights" + (f" (only {', '.join(pickled)}, "
                              "which are Python pickles that wordspace never loads: they can run code)" if pickled else "")
                              + "; use a checkpoint saved with safetensors")
        from transformers.utils import logging as hf_logging

        bar_was_on = hf_logging.is_progress_bar_enabled()
        hf_logging.disable_progress_bar()  # its "Loading weights" bar; restored below
        try:
            offline = local or os.environ.get("WORDSPACE_OFFLINE", "").strip() not in ("", "0")
            self.tokenizer = AutoTokenizer.from_pretrained(model_dir, local_files_only=offline)
            self.model = AutoModel.from_pretrained(model_dir, local_files_only=offline, use_safetensors=True)
        except Exception as exc:  # noqa: BLE001 (any failure of a foreign loader on untrusted files is a format error)
            raise FormatError(f"cannot load the model in '{model_dir}': {type(exc).__name__}: "
                              f"{str(exc).splitlines()[0] if str(exc) else ''}") from None
        finally:
            if bar_was_on:
                hf_logging.enable_progress_bar()
        if not getattr(self.tokenizer, "is_fast", False):
            raise FormatError(f"'{model_dir}' has no fast tokenizer (tokenizer.json); it is needed to map pieces to words")
        self.device = device or ("cuda" if torch.cuda.is_available() else "cpu")
        self.model.to(self.device).eval()
        self.pooling = pooling
        self.model_dir = model_dir
        self.max_length = min(int(getattr(self.tokenizer, "model_max_length", 512) or 512),
                              int(getattr(self.model.config, "max_position_embeddings", 512) or 512))

    @property
    def n_layers(self) -> int:
        """Number of layers returned: the embedding output plus every transformer layer."""
        return int(self.model.config.num_hidden_layers) + 1

    def word_vectors(self, sentence) -> WordLayers:
        """The vectors of one sentence's words (split on whitespace unless given as a list)."""
        return self.batch([sentence])[0]

    def batch(self, sentences, batch_size: int = 32) -> list[WordLayers]:
        """:meth:`word_vectors` for many sentences, ``batch_size`` at a time."""
        import torch

        words = [(s.split() if isinstance(s, str) else list(s)) for s in sentences]
        if any(not w for w in words):
            raise InvalidParameterError("every sentence needs at least one word")
        out = []
        for s in range(0, len(words), batch_size):
            chunk = words[s : s + batch_size]
            enc = self.tokenizer(chunk, is_split_into_words=True, return_tensors="pt", padding=True,
                                 truncation=False)
            if enc["input_ids"].shape[1] > self.max_length:
                i = int((enc["attention_mask"].sum(dim=1) > self.max_length).nonzero()[0]) + s
                raise InvalidParameterError(f"sentence {i + 1} has more pieces than the model's {self.max_length} "
                                            "positions; split it")
            with torch.no_grad():
                hidden = self.model(**{k: v.to(self.device) for k, v in enc.items()}, output_hidden_states=True).hidden_states
            layers = torch.stack(hidden).float().cpu().numpy()  # (L+1, B, pieces, D)
            for b, ws in enumerate(chunk):
                ids = enc.word_ids(b)
                vec = np.zeros((layers.shape[0], len(ws), layers.shape[3]), dtype=np.float32)
                pieces: dict = {}
                for p, w in enumerate(ids):
                    if w is not None:
                        pieces.setdefault(w, []).append(p)
                for w in range(len(ws)):
                    ps = pieces.get(w)
                    if not ps:  # a word the tokenizer dropped entirely (e.g. a control character)
                        continue
                    sel = ps if self.pooling == "mean" else [ps[0] if self.pooling == "first" else ps[-1]]
                    vec[:, w] = layers[:, b, sel].mean(axis=1)
                out.append(WordLayers(ws, vec))
        return out


def _check_model_dir(path: str, marker: str, what: str) -> None:
    """Refuse at once, in one line, a path that is not a folder holding ``marker`` (before any
    loader, which would look for a missing folder on the Hub and retry for most of a minute)."""
    if not os.path.exists(path):
        raise FormatError(f"'{path}' does not exist; give {what}, or a model on the Hugging Face Hub as hf:OWNER/NAME")
    if not os.path.isdir(path):
        raise FormatError(f"'{path}' is a file; give {what} (a folder), or a model on the Hugging Face Hub as "
                          "hf:OWNER/NAME")
    if not os.path.isfile(os.path.join(path, marker)):
        raise FormatError(f"'{path}' is not {what}: {marker} is missing")


class LMLayers:
    """Word vectors at every layer of a BiLSTM language model written by ``wordspace train-lm``
    (:mod:`wordspace.nn`), with the interface of :class:`TransformerLayers`: ``n_layers``
    (the token embedding plus each LSTM layer) and :meth:`batch`."""

    def __init__(self, lm):
        self.lm = lm
        self.n_layers = int(lm.model.config.layers) + 1

    def word_vectors(self, sentence) -> WordLayers:
        return self.batch([sentence])[0]

    def batch(self, sentences, batch_size: int = 32) -> list[WordLayers]:
        words = [(s.split() if isinstance(s, str) else list(s)) for s in sentences]
        if any(not w for w in words):
            raise InvalidParameterError("every sentence needs at least one word")
        out = []
        for s in range(0, len(words), batch_size):
            chunk = words[s : s + batch_size]
            out.extend(WordLayers(ws, np.asarray(v, dtype=np.float32)) for ws, v in zip(chunk, self.lm.layer_vectors(chunk)))
        return out


def open_layers(path, device: str | None = None):
    """The layered model ``path`` names: a Hugging Face checkpoint folder (``config.json``) or
    ``hf:OWNER/NAME`` (:class:`TransformerLayers`), or a folder written by ``wordspace
    train-lm`` (``checkpoint.json``, :class:`LMLayers`). Anything else is a one-line
    :class:`~wordspace.errors.FormatError`, raised before any model code runs."""
    path = os.fspath(path)
    if path.startswith(HF_PREFIX):
        return TransformerLayers(path, device=device)
    what = "a Hugging Face model folder (config.json) or a language model written by 'wordspace train-lm'"
    if os.path.isdir(path) and os.path.isfile(os.path.join(path, "checkpoint.json")):
        try:
            from .nn.lm_train import load_lm
        except ImportError:
            raise ImportError("a 'wordspace train-lm' model needs PyTorch; install with pip install "
                              "'wordspace[torch]'") from None
        return LMLayers(load_lm(path, device=device or "cpu"))
    _check_model_dir(path, "config.json", what)
    return TransformerLayers(path, device=device)
