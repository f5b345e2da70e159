"""Static sentence models distilled from a transformer (extra ``[distill]``).

Stage one is the recipe model2vec published: every token of the teacher's vocabulary (and, when
asked, whole words its tokenizer would split) is passed through the teacher alone, between the
teacher's own special tokens, and pooled as the teacher pools; the outputs are reduced by PCA to
``dim`` and each row is weighted by SIF, ``a / (a + p(t))``, with ``p(t)`` estimated from the
token's Zipf rank (or counted in a corpus when one is given).

Stage two (``fit_corpus``) goes beyond model2vec's released tool: the teacher embeds the lines
of the user's corpus once (in batches, cached on disk and resumable), and the static table is
trained so that the weighted mean of each line's token rows points where the teacher's sentence
vector points (cosine loss, Adam); then PCA and weighting again. Lines of the corpus are cut into
pieces of at most ``max_words`` words (Wikipedia dumps in the text8 style have no sentences).

The result is a :class:`~wordspace.Vectors` whose keys are the tokens, carrying the tokenizer
(``wordspace.tokenized``): ``SentenceEncoder(model).encode(texts)`` embeds texts, ``neighbors``
queries it, ``wordspace export MODEL --to model2vec DIR`` writes model2vec's format.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import time

import numpy as np

from ._validation import Interval, Options, check_param
from .errors import FormatError, InvalidParameterError

__all__ = ["distill", "Teacher", "pca", "sif_weights", "zipf_probabilities", "POOLINGS"]

POOLINGS = ("mean", "cls", "teacher")
#: tokens of the teacher's vocabulary that are never embedded (BERT's reserved slots)
REMOVE = re.compile(r"^(\[unused\d+\]|<unused\d+>)$")
TOKEN_BATCH = 256
MAX_WORD_PIECES = 64


# -- the teacher ---------------------------------------------------------------------------------
class Teacher:
    """A sentence-transformers or Hugging Face encoder (local folder, or ``hf:OWNER/REPO``),
    with its ``tokenizers`` tokenizer and its pooling; safetensors weights only."""

    def __init__(self, path, device: str | None = None, pooling: str = "teacher"):
        check_param("pooling", pooling, [Options(POOLINGS)], "distill")
        try:
            import torch
            from transformers import AutoModel
        except ImportError:
            raise ImportError("wordspace distill needs PyTorch and transformers; install with pip install "
                              "'wordspace[distill]'") from None
        from .contextual import HF_PREFIX, _check_model_dir
        from .tokenized import TokenizerSpec

        path = os.fspath(path)
        self.name = path
        if path.startswith(HF_PREFIX):
            path = _hub_snapshot(path)
        _check_model_dir(path, "config.json", "a sentence-transformers or Hugging Face model folder")
        if not os.path.isfile(os.path.join(path, "tokenizer.json")):
            raise FormatError(f"'{path}' has no tokenizer.json: the teacher's fast tokenizer is needed (a folder saved "
                              "by transformers 4 or later, or by sentence-transformers, has one)")
        if not any(n.endswith(".safetensors") for n in os.listdir(path)):
            raise FormatError(f"'{path}' holds no safetensors weights; wordspace never loads pickled weights "
                              "(pytorch_model.bin): save the teacher with safetensors")
        self.path = path
        self.spec = TokenizerSpec.from_file(os.path.join(path, "tokenizer.json"))
        self.tokenizer = self.spec.tokenizer
        self.pooling = _teacher_pooling(path) if pooling == "teacher" else pooling
        from transformers.utils import logging as hf_logging

        was_on = hf_logging.is_progress_bar_enabled()
        hf_logging.disable_progress_bar()
        try:
            self.model = AutoModel.from_pretrained(path, local_files_only=True, use_safetensors=True)
        except Exception as exc:  # noqa: BLE001 (a foreign loader on untrusted files)
            raise FormatError(f"cannot load the teacher in '{path}': {type(exc).__name__}: "
                              f"{str(exc).splitlines()[0] if str(exc) else ''}") from None
        finally:
            if was_on:
                hf_logging.enable_progress_bar()
        self.device = device or ("cuda" if torch.cuda.is_available() else "cpu")
        self.model.to(self.device).eval()
        self.width = int(self.model.config.hidden_size)
        self.max_length = int(getattr(self.model.config, "max_position_embeddings", 512) or 512)
        self.prefix, self.suffix = _special_affixes(self.tokenizer)
        padding = json.loads(self.spec.text).get("padding") or {}
        pad = padding.get("pad_id") if isinstance(padding, dict) else None
        if not isinstance(pad, int):
            pad = next((self.tokenizer.token_to_id(t) for t in ("[PAD]", "<pad>", "<|pad|>")
                        if self.tokenizer.token_to_id(t) is not None), 0)
        self.pad_id = int(pad)  # any id works: the attention mask hides padding
        import inspect

        self._types = "token_type_ids" in inspect.signature(self.model.forward).parameters

    def embed_ids(self, seqs, batch_size: int = TOKEN_BATCH, bar=None) -> np.ndarray:
        """The pooled output of each id sequence (special tokens included), float32 ``(n, width)``;
        batches are formed by length, so that little padding is computed."""
        import torch

        out = np.empty((len(seqs), self.width), dtype=np.float32)
        order = np.argsort([len(s) for s in seqs], kind="stable")
        with torch.inference_mode():
            for b in range(0, len(order), batch_size):
                idx = order[b : b + batch_size]
                n = max(len(seqs[i]) for i in idx)
                ids = torch.full((len(idx), n), self.pad_id, dtype=torch.long)
                mask = torch.zeros((len(idx), n), dtype=torch.long)
                for r, i in enumerate(idx):
                    s = seqs[i]
                    ids[r, : len(s)] = torch.as_tensor(s, dtype=torch.long)
                    mask[r, : len(s)] = 1
                feed = {"input_ids": ids.to(self.device), "attention_mask": mask.to(self.device)}
                if self._types:
                    feed["token_type_ids"] = torch.zeros_like(feed["input_ids"])
                hidden = self.model(**feed).last_hidden_state.float()
                if self.pooling == "cls":
                    pooled = hidden[:, 0]
                else:
                    m = feed["attention_mask"].unsqueeze(-1).float()
                    pooled = (hidden * m).sum(1) / m.sum(1).clamp_min(1.0)
                out[idx] = pooled.cpu().numpy()
                if bar is not None:
                    bar.update(len(idx))
        return out

    def encode(self, texts, batch_size: int = 64, bar=None) -> np.ndarray:
        """The teacher's sentence vectors of ``texts`` (pooled as it pools; not normalised)."""
        limit = self.max_length - len(self.prefix) - len(self.suffix)
        enc = self.tokenizer.encode_batch_fast(list(texts), add_special_tokens=False)
        seqs = [self.prefix + e.ids[:limit] + self.suffix for e in enc]
        return self.embed_ids(seqs, batch_size, bar)


def _hub_snapshot(name: str) -> str:
    """``hf:OWNER/REPO`` as a local folder, through huggingface_hub's cache (safetensors only)."""
    from .contextual import HF_PREFIX
    from .errors import DownloadError

    repo = name[len(HF_PREFIX):].strip("/")
    if repo.count("/") != 1 or not all(repo.split("/")):
        raise FormatError(f"{name!r} is not a Hugging Face model name; write hf:OWNER/NAME")
    try:
        from huggingface_hub import snapshot_download
    except ImportError:
        raise ImportError("hf: teachers need huggingface_hub; install with pip install 'wordspace[distill]'") from None
    offline = os.environ.get("WORDSPACE_OFFLINE", "").strip() not in ("", "0")
    try:
        return snapshot_download(repo, allow_patterns=["*.json", "*.safetensors", "*.txt", "1_Pooling/*"],
                                 local_files_only=offline)
    except Exception as exc:  # noqa: BLE001 (huggingface_hub raises many kinds)
        raise DownloadError(f"cannot fetch {name} from the Hugging Face Hub: {type(exc).__name__}: "
                            f"{str(exc).splitlines()[0] if str(exc) else ''}") from None


def _teacher_pooling(path: str) -> str:
    """How a sentence-transformers folder pools (its Pooling module's config): "cls" or "mean";
    a plain Hugging Face folder: "mean"."""
    from .untrusted import parse_json, read_regular

    modules = os.path.join(path, "modules.json")
    if not os.path.isfile(modules):
        return "mean"
    doc = parse_json(read_regular(modules, "a sentence-transformers modules.json", 1 << 20), f"'{modules}'",
                     "a sentence-transformers modules.json")
    for m in doc if isinstance(doc, list) else []:
        if isinstance(m, dict) and str(m.get("type", "")).endswith("Pooling") and isinstance(m.get("path"), str):
            if os.path.isabs(m["path"]) or ".." in m["path"].replace("\\", "/").split("/"):
                continue  # only a folder inside the teacher's
            cfg_path = os.path.join(path, m["path"], "config.json")
            if os.path.isfile(cfg_path):
                cfg = parse_json(read_regular(cfg_path, "a pooling config.json", 1 << 20), f"'{cfg_path}'",
                                 "a sentence-transformers pooling config")
                if isinstance(cfg, dict) and (cfg.get("pooling_mode_cls_token") or cfg.get("pooling_mode") == "cls"):
                    return "cls"
    return "mean"


def _special_affixes(tok) -> tuple[list, list]:
    """The ids the tokenizer's post-processor puts before and after a text ([CLS] and [SEP], <s>
    and </s>...), found by encoding a word with and without them."""
    plain = tok.encode("a", add_special_tokens=False).ids
    full = tok.encode("a", add_special_tokens=True).ids
    for i in range(len(full) - len(plain) + 1):
        if full[i : i + len(plain)] == plain:
            return full[:i], full[i + len(plain):]
    return [], []


# -- the arithmetic (transcribed in NumPy by the tests) -------------------------------------------
def pca(x: np.ndarray, dim: int, axes: bool = False):
    """``x`` centred and projected on its ``dim`` principal axes (largest variance first), each
    axis signed so that its largest coordinate is positive; float32. With ``axes``, also the
    mean and the signed axes ``(mean, (width, dim))``, which map other vectors into that space."""
    x = np.asarray(x, dtype=np.float64)
    mean = x.mean(axis=0)
    xc = x - mean
    vals, vecs = np.linalg.eigh(xc.T @ xc)
    vecs = vecs[:, ::-1][:, :dim]
    scores = xc @ vecs
    big = np.abs(scores).argmax(axis=0)
    signs = np.sign(scores[big, np.arange(scores.shape[1])])
    signs[signs == 0] = 1
    scores *= signs[None, :]
    if axes:
        return scores.astype(np.float32), mean, vecs * signs[None, :]
    return scores.astype(np.float32)


def zipf_probabilities(n: int) -> np.ndarray:
    """``p(rank r) ∝ 1 / (r + 1)`` over ``n`` tokens in vocabulary order (model2vec's estimate)."""
    inv = 1.0 / np.arange(2, n + 2, dtype=np.float64)
    return inv / inv.sum()


def sif_weights(p: np.ndarray, a: float) -> np.ndarray:
    """SIF's ``a / (a + p)``."""
    return a / (a + np.asarray(p, dtype=np.float64))


# -- distillation --------------------------------------------------------------------------------
def distill(teacher, *, dim: int = 256, vocabulary=None, vocabulary_from=None, vocab_size: int = 50_000,
            fit_corpus=None, epochs: int = 2, batch_size: int = 64, learning_rate: float = 3e-3,
            max_words: int = 32, max_sentences: int | None = None, pooling: str = "teacher",
            device: str | None = None, sif_a: float = 1e-4, cache=None, progress: bool = True, seed: int = 0):
    """A static sentence model distilled from ``teacher`` (see the module docstring).

    Parameters
    ----------
    teacher : str or Teacher
        A local sentence-transformers or Hugging Face folder, or ``"hf:OWNER/REPO"``.
    dim : int, default=256
        Dimensions kept by PCA (at most the teacher's width).
    vocabulary : list of str or path, optional
        Whole words to add to the teacher's tokens (those its tokenizer would split); a file is
        read one word per line (the first field).
    vocabulary_from : corpus, optional
        Add the ``vocab_size`` most frequent words of this corpus that the tokenizer splits.
    fit_corpus : corpus, optional
        Stage two: train the table on these texts (files, folders, URLs).
    epochs, batch_size, learning_rate : stage two's training.
    max_words : int, default=32
        Corpus lines are cut into pieces of at most this many words.
    max_sentences : int, optional
        Use at most this many pieces of ``fit_corpus``, spread evenly over it.
    pooling : {"teacher", "mean", "cls"}
        How the teacher's outputs become one vector: as the teacher's sentence-transformers
        configuration says (mean for plain folders), or forced.
    sif_a : float, default=1e-4
        SIF's ``a`` (model2vec's default). 1e-3 scores higher on MR and SUBJ and agrees less
        with the teacher (docs/benchmarks.md).
    cache : str, optional
        Folder for the teacher's corpus vectors (default: under ``WORDSPACE_HOME``); a run that
        is stopped resumes from it.
    """
    for name, value, rules in (("dim", dim, [Interval(int, 1, None)]), ("epochs", epochs, [Interval(int, 1, None)]),
                               ("batch_size", batch_size, [Interval(int, 1, None)]),
                               ("vocab_size", vocab_size, [Interval(int, 1, None)]),
                               ("max_words", max_words, [Interval(int, 1, None)]),
                               ("learning_rate", learning_rate, [Interval(float, 0, None, closed="neither")]),
                               ("sif_a", sif_a, [Interval(float, 0, 1, closed="neither")])):
        check_param(name, value, rules, "distill")
    if max_sentences is not None:
        check_param("max_sentences", max_sentences, [Interval(int, 1, None)], "distill")
    t0 = time.perf_counter()
    if not isinstance(teacher, Teacher):
        teacher = Teacher(teacher, device=device, pooling=pooling)
    if dim > teacher.width:
        raise InvalidParameterError(f"dim={dim} is larger than the teacher's width ({teacher.width}); PCA can keep at "
                                    f"most {teacher.width} dimensions", param="dim")
    tok = teacher.tokenizer
    vocab = tok.get_vocab(with_added_tokens=True)
    ids = sorted(i for t, i in vocab.items() if not REMOVE.match(t))
    id_to_token = {i: t for t, i in vocab.items()}
    keys = [id_to_token[i] for i in ids]
    seqs = [teacher.prefix + [i] + teacher.suffix for i in ids]

    words = _read_vocabulary(vocabulary) if vocabulary is not None else []
    if vocabulary_from is not None:
        found = _frequent_words(vocabulary_from, tok, vocab_size)
        words += found
    added = _splittable(words, tok, vocab)
    for w in added:
        seqs.append(teacher.prefix + tok.encode(w, add_special_tokens=False).ids[:MAX_WORD_PIECES] + teacher.suffix)
    keys += added
    from .progress import progress_bar

    bar = progress_bar(len(seqs), progress, "teacher: tokens", unit="tok")
    raw = teacher.embed_ids(seqs, bar=bar)
    bar.close()
    new_tok = _with_words(teacher.spec, added)

    # p(t): Zipf over the teacher's vocabulary order (model2vec's estimate; the tokens of a
    # WordPiece or BPE vocabulary come roughly by frequency), then the added words
    w = sif_weights(zipf_probabilities(len(keys)), sif_a).astype(np.float32)
    reduced, _, axes = pca(raw, dim, axes=True)
    matrix = reduced * w[:, None]
    stats = {}
    if fit_corpus is not None:
        sentences = _corpus_pieces(fit_corpus, max_words, max_sentences, seed)
        if not sentences:
            raise FormatError(f"the fit corpus {fit_corpus!r} holds no text")
        targets = _teacher_vectors(teacher, sentences, cache, fit_corpus, max_words, progress)
        # the teacher's sentence vectors, centred, in the student's space (the tokens' PCA axes)
        centre = targets.mean(axis=0, dtype=np.float64).astype(np.float32)
        targets = (targets - centre) @ axes.astype(np.float32)  # float32 throughout: no float64 copy
        matrix, stats = _fit(matrix, new_tok, keys, sentences, targets, epochs=epochs, batch_size=batch_size,
                             lr=learning_rate, seed=seed, progress=progress)
    from .tokenized import SENTENCE_META, TokenizerSpec
    from .vectors import Vectors

    meta = {SENTENCE_META: {"pooling": "mean", "normalize": True, "teacher": teacher.name, "dim": int(dim),
                            "teacher_pooling": teacher.pooling, "sif_a": float(sif_a), "frequencies": "zipf",
                            "added_words": len(added), "stage": 2 if fit_corpus is not None else 1,
                            "seconds": round(time.perf_counter() - t0, 2), **stats}}
    model = Vectors(keys, matrix.astype(np.float32), metadata=meta)
    model.sentence_tokenizer = TokenizerSpec(new_tok.to_str(), "distilled tokenizer")
    return model


def _read_vocabulary(vocabulary) -> list:
    if isinstance(vocabulary, (str, os.PathLike)):
        from .untrusted import read_regular

        text = read_regular(vocabulary, "a vocabulary file (one word per line)", 1 << 30).decode("utf-8", "replace")
        return [line.split()[0] for line in text.splitlines() if line.split()]
    if not all(isinstance(x, str) for x in vocabulary):
        raise InvalidParameterError("vocabulary must be a list of words or a file of one word per line",
                                    param="vocabulary")
    return list(vocabulary)


def _normalized(tok, word: str) -> str:
    norm = tok.normalizer
    return norm.normalize_str(word) if norm is not None else word


def _splittable(words, tok, vocab) -> list:
    """The distinct words (as the tokenizer normalises them) that it would split into pieces."""
    out, seen = [], set()
    for w in words:
        n = _normalized(tok, w).strip()
        if not n or n in seen or n in vocab or any(c.isspace() for c in n):
            continue
        seen.add(n)
        pre = tok.pre_tokenizer.pre_tokenize_str(n) if tok.pre_tokenizer is not None else [(n, None)]
        if len(pre) != 1:  # punctuation inside: never one pre-token, so never one token
            continue
        if len(tok.encode(n, add_special_tokens=False).ids) > 1:
            out.append(n)
    return out


def _with_words(spec, words):
    """The teacher's tokenizer with ``words`` added as whole-word tokens (matched after
    normalisation, only where they stand as a word), no padding, no truncation."""
    import tokenizers

    tok = tokenizers.Tokenizer.from_str(spec.text)
    tok.no_padding()
    tok.no_truncation()
    if words:
        tok.add_tokens([tokenizers.AddedToken(w, single_word=True, normalized=True) for w in words])
    return tok


def _frequent_words(corpus, tok, n: int) -> list:
    """The ``n`` most frequent words of ``corpus`` that ``tok`` splits, most frequent first."""
    from collections import Counter

    from .corpus import LineCorpus

    c = Counter()
    for line in LineCorpus(corpus):
        c.update(line)
    norm_counts = Counter()
    for word, k in c.items():
        norm_counts[_normalized(tok, word)] += k
    vocab = tok.get_vocab(with_added_tokens=True)
    found = []
    for word, _ in norm_counts.most_common():
        if len(found) >= n:
            break
        if word not in vocab and _splittable([word], tok, vocab):
            found.append(word)
    return found


def _corpus_pieces(corpus, max_words: int, limit: int | None, seed: int) -> list:
    from .corpus import LineCorpus

    pieces = [" ".join(t) for t in LineCorpus(corpus, max_sentence_length=max_words) if t]
    if limit is not None and len(pieces) > limit:
        pick = np.linspace(0, len(pieces) - 1, limit).round().astype(np.int64)
        pieces = [pieces[i] for i in np.unique(pick)]
    return pieces


def _token_ids(tok, keys, texts):
    """Flat row ids of the texts' tokens under the distilled tokenizer, and offsets: the rows the
    encoder pools (``TokenizerSpec.rows``: tokens without a row and the unknown token left out)."""
    from .tokenized import TokenizerSpec, _flat_ids

    lookup = TokenizerSpec(tok.to_str(), "the distilled tokenizer").rows(keys)
    ids, offsets = [], [0]
    for s in range(0, len(texts), 1 << 14):
        flat, offs = _flat_ids(tok.encode_batch_fast(texts[s : s + (1 << 14)], add_special_tokens=False))
        rows = lookup[flat]
        kept = rows >= 0
        ids.append(rows[kept])
        before = np.concatenate(([0], np.cumsum(kept)))  # kept tokens before each position
        offsets.extend((offsets[-1] + before[offs[1:]]).tolist())
    return (np.concatenate(ids) if ids else np.zeros(0, np.int64)), np.asarray(offsets, dtype=np.int64)


def _teacher_vectors(teacher, sentences, cache, corpus, max_words, progress) -> np.ndarray:
    """The teacher's vector of every piece, computed once in batches into ``cache`` (a float32
    ``.npy`` and a count of rows done, so that a stopped run resumes where it stopped)."""
    from .progress import progress_bar

    digest = hashlib.sha256()
    digest.update(json.dumps([teacher.name, _folder_stamp(teacher.path), teacher.pooling, max_words,
                              len(sentences)]).encode())
    for s in sentences[:: max(1, len(sentences) // 1000)]:
        digest.update(s.encode("utf-8", "replace"))
    key = digest.hexdigest()[:20]
    if cache is None:
        from .pretrained import cache_home

        cache = os.path.join(cache_home(), "distill")
    folder = os.path.join(os.fspath(cache), key)
    os.makedirs(folder, exist_ok=True)
    path, done_path = os.path.join(folder, "teacher.npy"), os.path.join(folder, "done.json")
    n, width = len(sentences), teacher.width
    done = 0
    if os.path.isfile(path) and os.path.isfile(done_path):
        try:
            with open(done_path, encoding="utf-8") as fh:
                done = int(json.load(fh)["rows"])
            arr = np.load(path, mmap_mode="r+")
            if arr.shape != (n, width) or arr.dtype != np.float32 or not 0 <= done <= n:
                raise ValueError
        except (OSError, ValueError, KeyError, TypeError):
            done = 0
    if done == 0:
        arr = np.lib.format.open_memmap(path + ".tmp", mode="w+", dtype=np.float32, shape=(n, width))
        del arr
        os.replace(path + ".tmp", path)
        arr = np.load(path, mmap_mode="r+")
    bar = progress_bar(n, progress, "teacher: sentences", unit="sent")
    bar.update(done)
    step = 4096
    for s in range(done, n, step):
        arr[s : s + step] = teacher.encode(sentences[s : s + step], bar=bar)
        arr.flush()
        tmp = done_path + ".tmp"
        with open(tmp, "w", encoding="utf-8") as fh:
            json.dump({"rows": min(n, s + step), "of": n}, fh)
        os.replace(tmp, done_path)
    bar.close()
    return np.asarray(arr)


def _folder_stamp(path: str) -> list:
    out = []
    for name in sorted(os.listdir(path)):
        full = os.path.join(path, name)
        if os.path.isfile(full):
            st = os.stat(full)
            out.append([name, st.st_size, int(st.st_mtime)])
    return out


def _fit(table, tok, keys, sentences, targets, *, epochs, batch_size, lr, seed, progress):
    """Stage two: the table (already reduced and weighted) whose mean over each piece's tokens
    has the largest cosine with the teacher's vector of the piece in the same space (Adam on
    ``1 - cos``, the mean exactly as the encoder computes it); 2% of the pieces (at least 100
    when there are 500) are held out to report the cosine on text not trained on."""
    import torch

    from .progress import progress_bar

    flat, offsets = _token_ids(tok, keys, sentences)
    n = len(sentences)
    lengths = np.diff(offsets)
    rng = np.random.default_rng(seed)
    order = rng.permutation(np.flatnonzero(lengths > 0))
    held = order[: min(max(100, len(order) // 50), len(order) // 5)] if len(order) >= 500 else order[:0]
    train = order[len(held):]
    torch.manual_seed(seed)
    param = torch.nn.Parameter(torch.from_numpy(np.array(table, dtype=np.float32)))
    target = torch.from_numpy(np.ascontiguousarray(targets, dtype=np.float32))
    opt = torch.optim.Adam([param], lr=lr)
    flat_t = torch.from_numpy(flat)

    def pooled(batch):
        """The mean of each piece's rows (``embedding_bag``, whose gradient touches only them)."""
        lens = lengths[batch]
        starts = np.zeros(len(batch), dtype=np.int64)
        np.cumsum(lens[:-1], out=starts[1:])
        idx = np.arange(int(lens.sum()), dtype=np.int64) + np.repeat(offsets[batch] - starts, lens)
        return torch.nn.functional.embedding_bag(flat_t[torch.from_numpy(idx)], param, torch.from_numpy(starts),
                                                 mode="mean")

    def cosine(batch) -> float:
        with torch.no_grad():
            return float(torch.nn.functional.cosine_similarity(pooled(batch), target[batch], dim=1, eps=1e-12).mean())

    before = cosine(held) if len(held) else None
    bar = progress_bar(epochs * len(train), progress, "fitting on the corpus", unit="sent")
    loss_sum, seen = 0.0, 0
    for _ in range(epochs):
        rng.shuffle(train)
        loss_sum, seen = 0.0, 0
        for b in range(0, len(train), batch_size):
            batch = train[b : b + batch_size]
            loss = (1 - torch.nn.functional.cosine_similarity(pooled(batch), target[batch], dim=1, eps=1e-12)).mean()
            opt.zero_grad()
            loss.backward()
            opt.step()
            loss_sum += float(loss.detach()) * len(batch)
            seen += len(batch)
            bar.update(len(batch))
    bar.close()
    stats = {"fit_pieces": int(n), "fit_epochs": int(epochs), "fit_loss": round(loss_sum / max(seen, 1), 5)}
    if len(held):
        stats.update({"held_out_pieces": int(len(held)), "held_out_cosine_before": round(before, 4),
                      "held_out_cosine_after": round(cosine(held), 4)})
    return param.detach().numpy().astype(np.float32), stats
