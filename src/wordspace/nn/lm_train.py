"""Training the BiLSTM language model: data, batches, held-out perplexity, checkpoints, resume.

The corpus is read once with :func:`wordspace.corpus.encode_corpus`; the most frequent words
form the vocabulary (others become ``<unk>``); lines are cut into segments of at most
``seq_len`` tokens, each wrapped as ``<s> ... </s>``; the last ``heldout`` share of segments is
held out. A checkpoint is a directory of JSON and ``.npz`` files (no pickle): the model's
weights, Adam's state and the history, written after every epoch, so training resumes exactly.
"""

from __future__ import annotations

import json
import math
import os
import sys
import time
import zipfile
from dataclasses import dataclass

import numpy as np
import torch

from .._validation import LIMITS, NONE, Interval, validate_params
from ..corpus import encode_corpus
from ..errors import FormatError, InvalidParameterError, TrainingError
from ..atomic import atomic_dir, owned_dir
from ..io.native import escape_key, unescape_key
from .lm import BOS, EOS, SPECIALS, UNK, BiLMConfig, BiLSTMLanguageModel, default_cutoffs

__all__ = ["BiLM", "train_lm", "load_lm", "segments", "is_lm_dir"]

FORMAT_NAME = "wordspace-bilm"
FORMAT_VERSION = 1


def segments(enc, vocab_size: int, seq_len: int) -> list[np.ndarray]:
    """Token id arrays ``<s> w ... </s>`` of at most ``seq_len`` words each, in corpus order.
    Word ids of ``enc`` (most frequent first) below ``vocab_size`` become ``id + 4``; the rest
    ``<unk>``."""
    ids = np.where(enc.tokens < vocab_size, enc.tokens.astype(np.int64) + len(SPECIALS), SPECIALS.index(UNK))
    out = []
    bos, eos = SPECIALS.index(BOS), SPECIALS.index(EOS)
    for s in range(enc.n_sentences):
        a, b = int(enc.offsets[s]), int(enc.offsets[s + 1])
        for lo in range(a, b, seq_len):
            out.append(np.concatenate(([bos], ids[lo : min(b, lo + seq_len)], [eos])))
    return out


def _batches(segs: list, batch_tokens: int, rng: np.random.Generator | None):
    """Segments grouped by length into batches of about ``batch_tokens`` tokens (padded
    ``(B, T)`` int64 arrays); shuffled within length buckets and in batch order when ``rng``."""
    order = np.argsort([len(s) for s in segs], kind="stable")
    if rng is not None:  # shuffle among segments of similar length, then the batches
        order = order[np.argsort(np.arange(len(order)) // 64 + rng.random(len(order)), kind="stable")]
    batches, cur, longest = [], [], 0
    for i in order:
        longest = max(longest, len(segs[i]))
        if cur and longest * (len(cur) + 1) > batch_tokens:
            batches.append(cur)
            cur, longest = [], len(segs[i])
        cur.append(i)
    if cur:
        batches.append(cur)
    if rng is not None:
        rng.shuffle(batches)
    for idx in batches:
        width = max(len(segs[i]) for i in idx)
        arr = np.zeros((len(idx), width), dtype=np.int64)
        for r, i in enumerate(idx):
            arr[r, : len(segs[i])] = segs[i]
        yield arr


@torch.no_grad()
def perplexity(model, segs, batch_tokens: int = 8192, device="cpu") -> dict:
    """Forward, backward and mean perplexity of ``segs`` (every prediction counted once)."""
    model.eval()
    nf = nb = 0.0
    n = 0
    for arr in _batches(segs, batch_tokens, None):
        lf, lb, k = model(torch.from_numpy(arr).to(device))
        nf, nb, n = nf + float(lf), nb + float(lb), n + k
    if n == 0:
        raise InvalidParameterError("the held-out part has no tokens to predict")
    return {"forward": math.exp(nf / n), "backward": math.exp(nb / n), "mean": math.exp((nf + nb) / (2 * n)),
            "predictions": n}


@dataclass
class BiLM:
    """A trained language model with its vocabulary: the object :func:`train_lm` and
    :func:`load_lm` return."""

    model: BiLSTMLanguageModel
    vocab: list  # id -> token (the four specials first)
    history: list  # per epoch: train loss, held-out perplexities, seconds
    meta: dict

    def __post_init__(self):
        self.index = {w: i for i, w in enumerate(self.vocab)}

    def encode(self, sentences) -> torch.Tensor:
        """``(B, T)`` ids of ``<s> tokens </s>`` for sentences (strings or token lists)."""
        toks = [(s.split() if isinstance(s, str) else list(s)) for s in sentences]
        unk = SPECIALS.index(UNK)
        width = max(len(t) for t in toks) + 2
        ids = torch.zeros(len(toks), width, dtype=torch.long)
        for i, t in enumerate(toks):
            ids[i, : len(t) + 2] = torch.tensor([SPECIALS.index(BOS)] + [self.index.get(w, unk) for w in t]
                                                + [SPECIALS.index(EOS)])
        return ids

    @torch.no_grad()
    def layer_vectors(self, sentences) -> list[np.ndarray]:
        """For each sentence, ``(L + 1, n_words, 2 * dim)`` float32: its words' vectors at every
        layer (the ``<s>``/``</s>`` positions are dropped)."""
        self.model.eval()
        ids = self.encode(sentences)
        dev = next(self.model.parameters()).device
        layers = self.model.layer_vectors(ids.to(dev)).cpu().numpy()  # (L+1, B, T, 2D)
        lengths = (ids != 0).sum(dim=1).tolist()
        return [layers[:, i, 1 : n - 1] for i, n in enumerate(lengths)]

    def save(self, path, optimizer=None) -> str:
        return _save(path, self.model, self.vocab, self.history, self.meta, optimizer)


def _save(path, model, vocab, history, meta, optimizer=None) -> str:
    path = os.fspath(path)
    bad = [k for k, v in model.state_dict().items() if v.is_floating_point() and not bool(torch.isfinite(v).all())]
    if bad:  # a checkpoint that could not be used replaces nothing
        raise TrainingError(f"the weights {bad[:3]} hold NaN or infinity; nothing was written to '{path}'")
    with atomic_dir(path, is_lm_dir) as tmp:
        np.savez(os.path.join(tmp, "model.npz"), **{k: v.detach().cpu().numpy() for k, v in model.state_dict().items()})
        with open(os.path.join(tmp, "vocab.tsv"), "w", encoding="utf-8", newline="\n") as fh:
            fh.write("".join(escape_key(w) + "\n" for w in vocab))
        doc = {"format": FORMAT_NAME, "version": FORMAT_VERSION, "config": model.config.to_dict(),
               "history": history, "meta": meta}
        if optimizer is not None:
            st = optimizer.state_dict()
            arrays = {f"{i}.{k}": v.detach().cpu().numpy() for i, s in st["state"].items() for k, v in s.items()
                      if torch.is_tensor(v)}
            np.savez(os.path.join(tmp, "optimizer.npz"), **arrays)
            doc["optimizer"] = {"param_groups": st["param_groups"], "state_keys": sorted(arrays)}
        with open(os.path.join(tmp, "checkpoint.json"), "w", encoding="utf-8") as fh:
            json.dump(doc, fh, indent=1)
    return path


#: The files a language-model folder holds (and all a new checkpoint may replace).
LM_FILES = frozenset(("checkpoint.json", "model.npz", "vocab.tsv", "optimizer.npz"))


def is_lm_dir(path: str) -> bool:
    """Whether ``path`` is a language-model folder wordspace wrote, with nothing else in it (so
    that a new checkpoint may replace it)."""
    return owned_dir(os.fspath(path), "checkpoint.json", FORMAT_NAME, LM_FILES)


#: Sanity bounds on what a checkpoint may declare (all far above anything trainable here).
MAX_CHECKPOINT_BYTES = 64 << 20
_LIMITS = {"vocab_size": (5, 10_000_000), "dim": (1, 1 << 16), "hidden": (1, 1 << 16), "layers": (1, 64)}


def _lm_member(path: str, name: str) -> str:
    full = os.path.join(path, name)
    if os.path.islink(full):
        raise FormatError(f"'{full}' is a symbolic link; a model directory must hold its own files")
    if not os.path.isfile(full):
        raise FormatError(f"'{path}' is not a complete language-model directory: {name} is missing")
    return full


def _check_config(path: str, cfg) -> BiLMConfig:
    """A :class:`BiLMConfig` from a checkpoint's ``config``, every field checked against sane
    bounds before any tensor is allocated."""
    where = f"'{path}/checkpoint.json'"
    fields = {"vocab_size", "dim", "hidden", "layers", "dropout", "adaptive_cutoffs"}
    if not isinstance(cfg, dict) or not set(cfg) <= fields or "vocab_size" not in cfg:
        raise FormatError(f"{where}: 'config' must be an object with the fields {sorted(fields)}")
    for name, (lo, hi) in _LIMITS.items():
        v = cfg.get(name, lo)
        if not isinstance(v, int) or isinstance(v, bool) or not lo <= v <= hi:
            raise FormatError(f"{where}: config {name!r} is {v!r}; it must be an int in {lo:,}..{hi:,}")
    drop = cfg.get("dropout", 0.0)
    if not isinstance(drop, (int, float)) or isinstance(drop, bool) or not 0 <= drop < 1:
        raise FormatError(f"{where}: config 'dropout' is {drop!r}; it must be a number in [0, 1)")
    cuts = cfg.get("adaptive_cutoffs", [])
    if not isinstance(cuts, list) or not all(isinstance(c, int) and not isinstance(c, bool) for c in cuts) \
            or any(b <= a for a, b in zip(cuts, cuts[1:])) or (cuts and not (0 < cuts[0] and cuts[-1] < cfg["vocab_size"])):
        raise FormatError(f"{where}: config 'adaptive_cutoffs' must be increasing ids below vocab_size")
    return BiLMConfig(**{**cfg, "adaptive_cutoffs": tuple(cuts)})


def _read(path: str):
    """Model, vocabulary and document of a checkpoint directory. The files are untrusted: sizes
    and the declared configuration are checked against the weights file before anything is
    built, and any damage is a FormatError naming the file."""
    from ..jsondoc import read_document

    hpath = _lm_member(path, "checkpoint.json")
    doc = read_document(hpath, format_name=FORMAT_NAME, latest=FORMAT_VERSION,
                        what="a wordspace BiLSTM language-model checkpoint", max_bytes=MAX_CHECKPOINT_BYTES)
    for key, kind in (("history", list), ("meta", dict), ("optimizer", dict)):
        if key in doc and doc[key] is not None and not isinstance(doc[key], kind):
            raise FormatError(f"'{hpath}': {key!r} must be a JSON {'array' if kind is list else 'object'}")
    cfg = _check_config(path, doc.get("config"))
    wpath = _lm_member(path, "model.npz")
    # the embedding and the LSTMs alone take this many float32 values: refuse a config that the
    # weights file cannot hold before allocating it
    least = cfg.vocab_size * cfg.dim + 2 * cfg.layers * 4 * cfg.hidden * cfg.dim
    if 4 * least > 2 * os.path.getsize(wpath) + (1 << 20):
        raise FormatError(f"'{hpath}': the config declares at least {4 * least:,} bytes of weights, but model.npz holds "
                          f"{os.path.getsize(wpath):,}: the checkpoint is damaged")
    model = BiLSTMLanguageModel(cfg)
    try:
        expected = {k: tuple(v.shape) for k, v in model.state_dict().items()}
        _check_members(wpath, expected)  # before anything is inflated
        with np.load(wpath, allow_pickle=False) as z:
            if sorted(z.files) != sorted(expected):
                raise ValueError(f"it holds {len(z.files)} arrays, the model has {len(expected)}")
            state = {}
            for k in z.files:
                arr = z[k]
                if tuple(arr.shape) != expected[k] or arr.dtype != np.float32 or not np.isfinite(arr).all():
                    raise ValueError(f"array {k!r} is {arr.dtype} {arr.shape} or not finite; expected float32 {expected[k]}")
                state[k] = torch.from_numpy(arr)
        model.load_state_dict(state)
    except (OSError, ValueError, KeyError, RuntimeError, EOFError, zipfile.BadZipFile) as exc:
        raise FormatError(f"'{wpath}' is damaged or does not fit the config ({exc})") from None
    vpath = _lm_member(path, "vocab.tsv")
    if os.path.getsize(vpath) > 1024 * cfg.vocab_size + (1 << 20):
        raise FormatError(f"'{vpath}' is far larger than {cfg.vocab_size:,} tokens need: the checkpoint is damaged")
    try:
        with open(vpath, encoding="utf-8", newline="\n") as fh:
            vocab = [unescape_key(line[:-1]) for line in fh]
    except UnicodeDecodeError as exc:
        raise FormatError(f"'{vpath}' is not valid UTF-8 ({exc.reason})") from None
    if len(vocab) != model.config.vocab_size:
        raise FormatError(f"'{vpath}' has {len(vocab)} tokens; the model expects {model.config.vocab_size}")
    return model, vocab, doc


def _check_members(wpath: str, expected: dict) -> None:
    """Every member of the weights archive is a float32 array of the shape the config expects,
    and declares no more bytes than that shape takes: checked from the .npy headers (a few bytes
    each) before any member is inflated, so a small file cannot unpack to gigabytes."""
    from ..io.native import npy_header

    with zipfile.ZipFile(wpath) as zf:
        for info in zf.infolist():
            name = info.filename[:-4] if info.filename.endswith(".npy") else info.filename
            if name not in expected:
                raise ValueError(f"it holds {info.filename!r}, which the model has no place for")
            with zf.open(info) as member:
                shape, fortran, dtype, offset = npy_header(member)
            need = offset + 4 * int(np.prod(expected[name], dtype=np.int64))
            if tuple(shape) != expected[name] or dtype != np.dtype("<f4") or fortran or info.file_size != need:
                raise ValueError(f"array {name!r} is declared {dtype} {tuple(shape)} in {info.file_size:,} bytes; the "
                                 f"config expects float32 {expected[name]} in {need:,}")


def load_lm(path, device: str = "cpu") -> BiLM:
    """Open a directory written by :func:`train_lm`."""
    model, vocab, doc = _read(os.fspath(path))
    return BiLM(model.to(device), vocab, doc.get("history", []), doc.get("meta", {}))


def _restore_optimizer(optimizer, path: str, doc: dict) -> None:
    info = doc.get("optimizer")
    if not info:
        return
    opath = _lm_member(path, "optimizer.npz")
    try:
        params = list(optimizer.param_groups[0]["params"]) if optimizer.param_groups else []
        largest = max((int(p.numel()) for p in params), default=0)
        with zipfile.ZipFile(opath) as zf:  # Adam's state per weight is a step count and two arrays of its shape
            if len(zf.infolist()) > 3 * len(params) or any(i.file_size > 4 * largest + 4096 for i in zf.infolist()):
                raise ValueError("it declares more or larger arrays than the model's weights need")
        with np.load(opath, allow_pickle=False) as z:
            state: dict = {}
            for key in info["state_keys"]:
                i, name = key.split(".", 1)
                arr = z[key]
                if not np.isfinite(arr).all():
                    raise ValueError(f"{key} holds NaN or infinity")
                state.setdefault(int(i), {})[name] = torch.from_numpy(arr)
        optimizer.load_state_dict({"state": state, "param_groups": info["param_groups"]})
    except (OSError, ValueError, KeyError, TypeError, IndexError, RuntimeError, AttributeError, EOFError,
            zipfile.BadZipFile) as exc:
        raise FormatError(f"'{opath}' is damaged or does not fit the model ({type(exc).__name__}: {exc}); "
                          "start a new run without --resume, or restore the checkpoint") from None


#: The settings of :func:`train_lm` and what each may be (the command line's options check the
#: same). Sizes stop at what a checkpoint may declare (``_LIMITS``); a learning rate above 10 or a
#: run of more than 10,000 epochs is a typo, not a setting.
TRAIN_LM_PARAMS = {
    "dim": [Interval(int, 1, _LIMITS["dim"][1])], "hidden": [Interval(int, 1, _LIMITS["hidden"][1])],
    "layers": [Interval(int, 1, _LIMITS["layers"][1])], "dropout": [Interval(float, 0, 1, closed="left")],
    "epochs": [Interval(int, 1, LIMITS["epochs"])], "batch_tokens": [Interval(int, 1, 1 << 30)],
    "seq_len": [Interval(int, 1, 1 << 20)], "lr": [Interval(float, 0, 10, closed="right")],
    "max_vocab": [Interval(int, 1, _LIMITS["vocab_size"][1] - len(SPECIALS))], "min_count": [Interval(int, 1, None)],
    "heldout": [Interval(float, 0, 1, closed="neither")], "seed": [Interval(int, 0, 2**63 - 1)],
    "workers": [Interval(int, 1, 4096), NONE],
}


def train_lm(corpus, out: str, *, dim: int = 128, hidden: int = 256, layers: int = 2, dropout: float = 0.1,
             epochs: int = 5, batch_tokens: int = 4096, seq_len: int = 64, lr: float = 2e-3, max_vocab: int = 30_000,
             min_count: int = 3, heldout: float = 0.02, seed: int = 1, device: str | None = None, workers: int | None = None,
             resume: bool = False, progress: bool = True) -> BiLM:
    """Train (or, with ``resume``, continue training) a BiLSTM language model on ``corpus`` and
    checkpoint it to the directory ``out`` after every epoch.

    Returns the :class:`BiLM`; its ``history`` holds, per epoch, the training loss (mean
    forward/backward NLL per token) and the held-out perplexities.
    """
    validate_params({"dim": dim, "hidden": hidden, "layers": layers, "dropout": dropout, "epochs": epochs,
                     "batch_tokens": batch_tokens, "seq_len": seq_len, "lr": lr, "max_vocab": max_vocab,
                     "min_count": min_count, "heldout": heldout, "seed": seed, "workers": workers},
                    TRAIN_LM_PARAMS, "train_lm")
    if workers:
        torch.set_num_threads(workers)
    device = device or ("cuda" if torch.cuda.is_available() else "cpu")
    enc = encode_corpus(corpus, min_count=1)  # keep every token: rare words become <unk> in place
    n_words = min(max_vocab, int((enc.counts >= min_count).sum()))
    vocab = list(SPECIALS) + list(enc.words[:n_words])
    segs = segments(enc, n_words, seq_len)
    n_held = max(1, int(len(segs) * heldout))
    if len(segs) - n_held < 1:
        raise InvalidParameterError(f"the corpus gives {len(segs)} segment(s): too few to hold {heldout:.0%} out")
    train, held = segs[:-n_held], segs[-n_held:]
    cfg = BiLMConfig(len(vocab), dim, hidden, layers, dropout, default_cutoffs(len(vocab)))
    start, history = 0, []
    out = os.fspath(out)
    torch.manual_seed(seed)  # the initial weights depend on the seed only
    model = BiLSTMLanguageModel(cfg)
    optimizer = None
    if resume and os.path.isfile(os.path.join(out, "checkpoint.json")):
        model, old_vocab, doc = _read(out)
        if old_vocab != vocab:
            raise InvalidParameterError(f"'{out}' was trained with another vocabulary (different corpus or max_vocab/"
                                        "min_count); resume needs the same corpus and settings")
        history = doc.get("history", [])
        start = len(history)
        optimizer = torch.optim.Adam(model.parameters(), lr=lr)
        _restore_optimizer(optimizer, out, doc)
    model.to(device)
    if optimizer is None:
        optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    meta = {"corpus_tokens": int(enc.n_tokens), "train_segments": len(train), "heldout_segments": len(held),
            "train_tokens": int(sum(len(s) - 2 for s in train)), "heldout_tokens": int(sum(len(s) - 2 for s in held)),
            "seq_len": seq_len, "batch_tokens": batch_tokens, "lr": lr, "seed": seed, "min_count": min_count,
            "max_vocab": max_vocab}
    from ..progress import progress_bar

    total = int(sum(len(s) for s in train))
    for epoch in range(start, epochs):
        torch.manual_seed(seed * 1000 + epoch)  # dropout masks: the same whether or not we resumed
        rng = np.random.default_rng([seed, epoch])
        model.train()
        t0 = time.perf_counter()
        loss_sum, n_pred = 0.0, 0
        bar = progress_bar(total, progress, f"bilm epoch {epoch + 1}/{epochs}", unit="tok")
        try:
            for arr in _batches(train, batch_tokens, rng):
                lf, lb, k = model(torch.from_numpy(arr).to(device))
                loss = (lf + lb) / (2 * max(k, 1))
                optimizer.zero_grad()
                loss.backward()
                torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
                optimizer.step()
                loss_sum += float(loss.detach()) * k
                n_pred += k
                bar.set_postfix_str(f"loss={loss_sum / max(n_pred, 1):.3f} ppl={math.exp(loss_sum / max(n_pred, 1)):.1f}",
                                    refresh=False)
                bar.update(int((arr != 0).sum()))
        finally:
            bar.close()
        if not math.isfinite(loss_sum) or not all(bool(torch.isfinite(p).all()) for p in model.parameters()):
            raise TrainingError(f"the language model diverged in epoch {epoch + 1} (the loss or the weights are NaN or "
                                f"infinite); nothing was written for it{' (the last checkpoint is kept)' if epoch else ''}. "
                                f"Try again with a lower learning rate (lr={lr!r})")
        ppl = perplexity(model, held, batch_tokens, device)
        history.append({"epoch": epoch + 1, "train_loss": loss_sum / max(n_pred, 1), "heldout_perplexity": ppl,
                        "seconds": time.perf_counter() - t0})
        if progress:
            bar.write(f"epoch {epoch + 1}: held-out perplexity forward {ppl['forward']:.1f}, backward "
                      f"{ppl['backward']:.1f}", file=sys.stderr)
        _save(out, model, vocab, history, meta, optimizer)
    return BiLM(model, vocab, history, meta)
