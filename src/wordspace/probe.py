"""Probing: what a linear classifier can read off each layer of a model (extra ``[classify]``).

For every layer of a model, :func:`probe` fits a logistic-regression probe on the words'
vectors and reports its cross-validated accuracy next to two references:

- the **majority baseline**: predicting the most frequent label of the training folds (for the
  sense task, the most frequent sense of each word), so that 80% means something only when the
  baseline is far below it;
- a **control task** (Hewitt and Liang, 2019): the same probe trained on labels that say nothing
  about the language: every word type gets a label drawn at random from the task's label
  distribution (for the sense task, the senses are shuffled among each word's occurrences). What
  the probe reaches on the control task is what memorising words buys; **selectivity** is the
  task accuracy minus the control accuracy.

Models: static vectors (any file or name :func:`wordspace.load` reads; one layer, numbered 0),
Hugging Face transformer checkpoints (:class:`wordspace.contextual.TransformerLayers`; layer 0
is the embedding output) and the BiLSTM language model of :mod:`wordspace.nn` (layer 0 is the
token embedding).

Tasks:

- ``"pos"``: part of speech (noun, verb, adjective, adverb) from the WordNet 3.0 lexicon bundled
  in ``wordspace/data/probe/`` (built from Debian's ``wordnet-base`` by
  ``scripts/make_pos_data.py``; WordNet's licence there). Words take their label by type:
  WordNet's only class for the word, or the class of at least 90% of its occurrences in SemCor.
  Static vectors are probed on the model's own labelled words; contextual models on occurrences
  in a corpus (the bundled demo corpus unless one is given), at most ``per_word`` per word.
- ``"sense"``: six ambiguous words (bank, plant, cell, pitch, organ, mouse), each occurrence
  labelled by the cue words of one sense around it (``bank`` near *river*: river bank); needs a
  corpus in which both senses occur (Wikipedia does; the demo corpus does not).
- a file of ``word<TAB>label`` lines: a word-type task of your own, handled as ``"pos"``.
"""

from __future__ import annotations

import gzip
import io
import os
from contextlib import closing
from dataclasses import dataclass, field

import numpy as np

from ._validation import Interval, LIMITS, NONE, Options, SEED, check_param, validate_params
from .errors import FormatError, InvalidParameterError

__all__ = ["ProbeData", "ProbeResult", "SENSES", "pos_lexicon", "read_labels", "word_examples", "corpus_examples",
           "sense_examples", "layer_features", "probe_layers", "probe", "open_model"]

#: word -> {sense: cue words}; an occurrence whose 10-word window holds cues of one sense only
#: is an example of that sense.
SENSES = {
    "bank": {"river": {"river", "shore", "banks", "bend"}, "money": {"money", "loan", "loans", "central", "lends", "deposits"}},
    "plant": {"industry": {"power", "nuclear", "assembly", "factory", "electricity"},
              "botany": {"leaves", "flowering", "species", "roots", "flowers"}},
    "cell": {"biology": {"membrane", "protein", "receptor", "cytoplasm"}, "prison": {"prison", "jail", "solitary", "prisoners"}},
    "pitch": {"sport": {"football", "baseball", "pitcher", "soccer"}, "sound": {"sound", "frequency", "note", "hz"}},
    "organ": {"body": {"body", "heart", "liver", "kidney", "transplant"}, "music": {"pipe", "church", "music", "played"}},
    "mouse": {"computer": {"computer", "cursor", "pointing"}, "animal": {"cat", "rodent", "mice"}},
}
TASKS = ("pos", "sense")
MAX_LABEL_FILE_BYTES = 64 << 20
#: the longest piece of a corpus line given to a contextual model at once, in words
SEGMENT_WORDS = 40


@dataclass
class ProbeData:
    """Labelled occurrences: example ``i`` is word ``words[i]`` at position ``position[i]`` of
    ``sentences[sentence[i]]`` (for static vectors each sentence is the word alone)."""

    task: str
    sentences: list
    sentence: np.ndarray
    position: np.ndarray
    words: list
    labels: list
    by_word: bool = False  # the majority baseline is taken per word (the sense task)

    def __len__(self) -> int:
        return len(self.labels)


@dataclass
class ProbeResult:
    """Per-layer probe accuracies (see the module's docstring for what each number means)."""

    task: str
    model: str
    layers: list  # [{"layer", "accuracy", "accuracy_std", "control", "selectivity"}]
    majority: float
    examples: int
    words: int
    classes: dict  # label -> examples
    folds: int
    dropped: dict = field(default_factory=dict)  # label -> examples left out (fewer than `folds`)

    def to_dict(self) -> dict:
        return {"task": self.task, "model": self.model, "examples": self.examples, "words": self.words,
                "classes": self.classes, "folds": self.folds, "majority": self.majority, "layers": self.layers,
                "dropped": self.dropped}

    def best(self) -> dict:
        """The layer with the highest accuracy."""
        return max(self.layers, key=lambda r: r["accuracy"])


# -- labels -----------------------------------------------------------------------------------
def pos_lexicon() -> dict:
    """The bundled WordNet part-of-speech lexicon: ``{word: "NOUN" | "VERB" | "ADJ" | "ADV"}``."""
    from importlib import resources

    raw = resources.files("wordspace").joinpath("data", "probe", "wordnet_pos.tsv.gz").read_bytes()
    return dict(line.split("\t") for line in gzip.decompress(raw).decode().splitlines())


def read_labels(path) -> dict:
    """A word-type task from a file of ``word<TAB>label`` lines (``#`` comments and blank lines
    skipped); raises :class:`FormatError` naming the file and line of anything else."""
    from .untrusted import read_regular

    path = os.fspath(path)
    labels: dict = {}
    for n, raw in enumerate(read_regular(path, "a label file", MAX_LABEL_FILE_BYTES).splitlines(), 1):
        try:
            line = raw.decode("utf-8").rstrip("\r\n")
        except UnicodeDecodeError:
            raise FormatError(f"{path}, line {n}: not UTF-8 text") from None
        if not line.strip() or line.startswith("#"):
            continue
        parts = line.split("\t")
        if len(parts) != 2 or not parts[0].strip() or not parts[1].strip():
            raise FormatError(f"{path}, line {n}: expected 'word<TAB>label', got {line[:60]!r}")
        word, label = parts[0].strip(), parts[1].strip()
        if labels.get(word, label) != label:
            raise FormatError(f"{path}, line {n}: {word!r} is labelled {labels[word]!r} earlier and {label!r} here; "
                              "give each word one label")
        labels[word] = label
    if not labels:
        raise FormatError(f"label file '{path}' has no 'word<TAB>label' lines")
    return labels


def _task_labels(task) -> tuple[str, dict | None]:
    if isinstance(task, dict):
        return "custom", task
    if task == "pos":
        return "pos", pos_lexicon()
    if task == "sense":
        return "sense", None
    if isinstance(task, (str, os.PathLike)) and os.path.isfile(task):
        return os.fspath(task), read_labels(task)
    raise InvalidParameterError(f"unknown probe task {task!r}: use 'pos', 'sense' or a file of 'word<TAB>label' lines")


# -- examples ---------------------------------------------------------------------------------
def word_examples(keys, labels: dict, task: str = "pos", max_examples: int | None = 5000) -> ProbeData:
    """One example per word of ``keys`` (a model's vocabulary, in its order) that ``labels``
    knows (looked up as is, then lower-cased), at most ``max_examples``."""
    words, labs = [], []
    for k in keys:
        lab = labels.get(k)
        if lab is None:
            lab = labels.get(k.lower())
        if lab is not None:
            words.append(k)
            labs.append(lab)
            if max_examples and len(words) >= max_examples:
                break
    n = len(words)
    return ProbeData(task, [[w] for w in words], np.arange(n), np.zeros(n, dtype=np.int64), words, labs)


def _lines(corpus):
    from .corpus import corpus_files
    from .textfiles import READ_ERRORS, open_binary

    files, options = corpus_files(corpus)
    for path in files:
        try:
            with io.TextIOWrapper(open_binary(path, options), encoding="utf-8", errors="replace") as fh:
                for raw in fh:
                    yield raw.split()
        except READ_ERRORS as exc:
            raise FormatError(f"cannot read the corpus file '{path}': {exc}") from None


def default_corpus() -> str:
    """The bundled demo corpus (the King James Bible, lower-cased)."""
    from importlib import resources

    return str(resources.files("wordspace").joinpath("data", "kjv.txt.gz"))


def corpus_examples(corpus, labels: dict, task: str = "pos", max_examples: int = 2000, per_word: int = 5) -> ProbeData:
    """Occurrences of labelled words in ``corpus`` (files or directories, one sentence per line;
    lines longer than 40 words cut into pieces), in reading order, at most ``per_word`` per word
    and ``max_examples`` in all."""
    with closing(_lines(corpus)) as lines:
        return _collect(lines, labels, task, max_examples, per_word)


def _collect(lines, labels, task, max_examples, per_word) -> ProbeData:
    sentences, sent, pos, words, labs = [], [], [], [], []
    seen: dict = {}
    for toks in lines:
        for start in range(0, len(toks), SEGMENT_WORDS):
            piece = toks[start : start + SEGMENT_WORDS]
            used = False
            for i, t in enumerate(piece):
                lab = labels.get(t)
                if lab is None:
                    lab = labels.get(t.lower())
                if lab is None or seen.get(t, 0) >= per_word:
                    continue
                seen[t] = seen.get(t, 0) + 1
                sent.append(len(sentences))
                pos.append(i)
                words.append(t)
                labs.append(lab)
                used = True
                if len(labs) >= max_examples:
                    break
            if used:
                sentences.append(piece)
            if len(labs) >= max_examples:
                break
        if len(labs) >= max_examples:
            break
    return ProbeData(task, sentences, np.array(sent, dtype=np.int64), np.array(pos, dtype=np.int64), words, labs)


def sense_examples(corpus, senses: dict = SENSES, per_sense: int = 60, window: int = 10) -> ProbeData:
    """Occurrences of the ambiguous words of ``senses`` whose ``window``-word neighbourhood holds
    cue words of exactly one sense, at most ``per_sense`` per sense; labels ``"bank:river"``."""
    found = {(w, s): [] for w, ss in senses.items() for s in ss}
    with closing(_lines(corpus)) as lines:
        for toks in lines:
            for i, t in enumerate(toks):
                ss = senses.get(t)
                if ss is None:
                    continue
                lo = max(0, i - window)
                ctx = set(toks[lo : i + window + 1])
                hits = [s for s, cues in ss.items() if cues & ctx]
                if len(hits) == 1 and len(found[(t, hits[0])]) < per_sense:
                    found[(t, hits[0])].append((toks[lo : i + window + 1], i - lo))
            if all(len(v) >= per_sense for v in found.values()):
                break
    sentences, pos, words, labs = [], [], [], []
    for (w, s), occ in found.items():
        for ctx, i in occ:
            sentences.append(ctx)
            pos.append(i)
            words.append(w)
            labs.append(f"{w}:{s}")
    n = len(labs)
    return ProbeData("sense", sentences, np.arange(n), np.array(pos, dtype=np.int64), words, labs, by_word=True)


# -- models -----------------------------------------------------------------------------------
class _Static:
    n_layers = 1

    def __init__(self, vectors):
        self.vectors = vectors

    def layers(self, sentences, batch_size):
        rows = np.array([self.vectors.index_of(s[0]) for s in sentences], dtype=np.int64)
        m = np.asarray(self.vectors.matrix[rows], dtype=np.float32)
        return [m[i][None, None] for i in range(len(rows))]


class _Layers:
    """A model with layers (``TransformerLayers``, ``LMLayers``): ``n_layers`` and ``batch``."""

    def __init__(self, model):
        self.model = model
        self.n_layers = model.n_layers

    def layers(self, sentences, batch_size):
        return [o.vectors for o in self.model.batch(sentences, batch_size=batch_size)]


def _wrap(model):
    from .vectors import Vectors

    if isinstance(model, Vectors):
        return _Static(model), "static"
    kind = type(model).__name__
    if kind == "TransformerLayers":
        return _Layers(model), "transformer"
    if kind in ("LMLayers", "BiLM"):
        if kind == "BiLM":
            from .contextual import LMLayers

            model = LMLayers(model)
        return _Layers(model), "lm"
    raise InvalidParameterError(f"cannot probe a {kind}: give Vectors, a TransformerLayers or a BiLM (or a path)")


def open_model(path, kind: str = "auto", device: str | None = None, format: str | None = None):
    """Open what ``path`` names: a transformer checkpoint directory (``config.json``) or
    ``hf:OWNER/NAME``, a language model directory written by ``wordspace train-lm``, or vectors
    (a file, model directory or published name). ``kind`` ("static", "transformer", "lm")
    overrides the detection."""
    path = os.fspath(path)
    check_param("kind", kind, [Options(("auto", "static", "transformer", "lm"))], "open_model")
    layered = os.path.isdir(path) and any(os.path.isfile(os.path.join(path, m)) for m in ("config.json", "checkpoint.json"))
    if kind in ("transformer", "lm") or (kind == "auto" and layered):
        from .contextual import open_layers

        return open_layers(path, device=device)
    from .pretrained import load

    return load(path, format=format)


def layer_features(model, data: ProbeData, layers=None, batch_size: int = 32) -> np.ndarray:
    """``(n_layers, n_examples, dim)`` float32: each example's vector at each of ``layers``
    (default all). Each sentence goes through the model once, however many examples it holds."""
    src, _ = _wrap(model)
    layers = list(range(src.n_layers)) if layers is None else list(layers)
    order = np.unique(data.sentence)
    out = None
    for s in range(0, len(order), 256):
        ids = order[s : s + 256]
        vecs = src.layers([data.sentences[i] for i in ids], batch_size)
        where = {int(i): j for j, i in enumerate(ids)}
        pick = np.flatnonzero(np.isin(data.sentence, ids))
        for e in pick:
            v = vecs[where[int(data.sentence[e])]]  # (L, n_words, D)
            if out is None:
                out = np.zeros((len(layers), len(data), v.shape[2]), dtype=np.float32)
            out[:, e] = v[layers, data.position[e]]
    if out is None:
        raise InvalidParameterError("there are no examples to probe")
    bad = ~np.isfinite(out).all(axis=(0, 2))
    if bad.any():
        raise FormatError(f"the model gives {int(bad.sum())} of the examples (first: {data.words[int(np.argmax(bad))]!r}) "
                          "vectors with NaN or infinite values; repair or re-train the model")
    return out


# -- the probe --------------------------------------------------------------------------------
def control_labels(data: ProbeData, seed: int = 0) -> list:
    """The control task's labels: for a word-type task, each word type draws one label from the
    task's distribution over types; for the sense task, each word's senses shuffled among its
    occurrences."""
    rng = np.random.default_rng(seed)
    if data.by_word:
        out = list(data.labels)
        for w in sorted(set(data.words)):
            idx = [i for i, x in enumerate(data.words) if x == w]
            perm = rng.permutation(idx)
            for i, j in zip(idx, perm):
                out[i] = data.labels[j]
        return out
    type_label = {}
    for w, lab in zip(data.words, data.labels):
        type_label.setdefault(w, lab)
    types = sorted(type_label)
    pool = [type_label[w] for w in types]
    drawn = dict(zip(types, rng.choice(np.array(pool, dtype=object), size=len(types), replace=True)))
    return [drawn[w] for w in data.words]


def _majority(y_train, y_test, g_train, g_test) -> float:
    from collections import Counter

    top = Counter(y_train).most_common(1)[0][0]
    if g_train is None:
        return float(np.mean(y_test == top))
    per = {}
    for g in np.unique(g_train):
        per[g] = Counter(y_train[g_train == g]).most_common(1)[0][0]
    return float(np.mean([per.get(g, top) == y for g, y in zip(g_test, y_test)]))


def _fit_score(x_train, y_train, x_test, y_test, c: float, seed: int) -> float:
    from sklearn.linear_model import LogisticRegression

    mean = x_train.mean(axis=0)
    std = x_train.std(axis=0)
    std[std == 0] = 1.0
    clf = LogisticRegression(C=c, max_iter=1000, random_state=seed)
    import warnings

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*(converge|ConvergenceWarning).*")
        clf.fit((x_train - mean) / std, y_train)
    return float(np.mean(clf.predict((x_test - mean) / std) == y_test))


def probe_layers(features: np.ndarray, data: ProbeData, layers=None, folds: int = 5, c: float = 1.0, seed: int = 0,
                 model_name: str = "", workers: int | None = None) -> ProbeResult:
    """Cross-validated probe accuracy, control accuracy and selectivity for each layer of
    ``features`` (``(n_layers, n_examples, dim)``, as :func:`layer_features` returns), with the
    majority baseline. Labels with fewer than ``folds`` examples are left out (and reported)."""
    try:
        from sklearn.model_selection import StratifiedKFold
    except ImportError:
        raise ImportError("probing requires scikit-learn; install with pip install 'wordspace[classify]'") from None
    validate_params({"folds": folds, "c": c, "seed": seed, "workers": workers},
                    {"folds": [Interval(int, 2, LIMITS["size"])], "c": [Interval(float, 0, None, "neither")], "seed": [SEED],
                     "workers": [Interval(int, 1, LIMITS["threads"]), NONE]}, "probe_layers")
    from collections import Counter

    counts = Counter(data.labels)
    dropped = {lab: n for lab, n in counts.items() if n < folds}
    keep = np.array([lab not in dropped for lab in data.labels])
    y = np.array(data.labels, dtype=object)[keep]
    classes = Counter(y.tolist())
    if len(classes) < 2:
        only = f" (only {next(iter(classes))!r})" if classes else ""
        raise InvalidParameterError(
            f"the {data.task!r} probe task has {len(classes)} class{'es' if len(classes) != 1 else ''} with at least "
            f"{folds} examples{only}: a probe needs two or more labels; use a model, corpus or label file that "
            "covers more of them" + (f" ({len(dropped)} label(s) had fewer than {folds} examples)" if dropped else ""))
    ctrl = np.array(control_labels(data, seed), dtype=object)[keep]
    groups = np.array(data.words, dtype=object)[keep] if data.by_word else None
    feats = features[:, keep]
    splits = list(StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed).split(np.zeros(len(y)), y))
    majority = float(np.mean([_majority(y[a], y[b], None if groups is None else groups[a],
                                        None if groups is None else groups[b]) for a, b in splits]))
    layers = list(range(features.shape[0])) if layers is None else list(layers)
    # the control labels need not be stratified like the task's: its own folds, same seed
    ctrl_splits = list(StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed).split(
        np.zeros(len(y)), ctrl)) if min(Counter(ctrl.tolist()).values()) >= folds else splits
    jobs = [(li, kind, a, b) for li in range(feats.shape[0]) for kind, sp in (("task", splits), ("control", ctrl_splits))
            for a, b in sp]

    def run(job):
        li, kind, a, b = job
        target = y if kind == "task" else ctrl
        return _fit_score(feats[li][a], target[a], feats[li][b], target[b], c, seed)

    from concurrent.futures import ThreadPoolExecutor

    from threadpoolctl import threadpool_limits

    n_workers = max(1, workers or os.cpu_count() or 1)
    with threadpool_limits(1), ThreadPoolExecutor(n_workers) as pool:
        scores = list(pool.map(run, jobs))
    rows = []
    for li, layer in enumerate(layers):
        mine = [s for (lj, kind, _, _), s in zip(jobs, scores) if lj == li and kind == "task"]
        ctl = [s for (lj, kind, _, _), s in zip(jobs, scores) if lj == li and kind == "control"]
        acc, con = float(np.mean(mine)), float(np.mean(ctl))
        rows.append({"layer": int(layer), "accuracy": acc, "accuracy_std": float(np.std(mine)), "control": con,
                     "selectivity": acc - con})
    return ProbeResult(data.task, model_name, rows, majority, int(len(y)), len(set(np.array(data.words, dtype=object)[keep])),
                       dict(sorted(classes.items())), folds, dropped)


def probe(model, task="pos", *, corpus=None, layers=None, folds: int = 5, max_examples: int | None = None,
          per_word: int = 5, c: float = 1.0, seed: int = 0, batch_size: int = 32, workers: int | None = None) -> ProbeResult:
    """Probe every layer (or ``layers``) of ``model`` on ``task``.

    Parameters
    ----------
    model : Vectors, TransformerLayers, BiLM or str
        What to probe; a path or name is opened with :func:`open_model`.
    task : {"pos", "sense"}, dict or path
        The task (see the module's docstring); a dict or file gives word-type labels of your own.
    corpus : path or list of paths, optional
        Text for the contextual models' examples (default: the bundled demo corpus for word-type
        tasks; the sense task needs one). Static vectors are probed on their vocabulary.
    layers : list of int, optional
        Which layers (default all).
    folds : int, default=5
        Stratified cross-validation folds.
    max_examples : int, optional
        Examples at most (default 5,000 words for static vectors, 2,000 occurrences otherwise).
    per_word : int, default=5
        Occurrences of one word at most, for contextual models.
    c : float, default=1.0
        Inverse L2 strength of the logistic-regression probe (on standardised features).
    """
    validate_params({"per_word": per_word, "batch_size": batch_size, "max_examples": max_examples, "folds": folds,
                     "c": c, "seed": seed, "workers": workers},
                    {"per_word": [Interval(int, 1, LIMITS["size"])], "batch_size": [Interval(int, 1, LIMITS["size"])],
                     "max_examples": [Interval(int, 2, LIMITS["size"]), NONE], "folds": [Interval(int, 2, LIMITS["size"])],
                     "c": [Interval(float, 0, None, "neither")], "seed": [SEED],
                     "workers": [Interval(int, 1, LIMITS["threads"]), NONE]}, "probe")
    name = os.fspath(model) if isinstance(model, (str, os.PathLike)) else type(model).__name__
    if isinstance(model, (str, os.PathLike)):
        model = open_model(model)
    src, kind = _wrap(model)
    if layers is not None:
        layers = list(layers)
        bad = [x for x in layers if not 0 <= int(x) < src.n_layers]
        if bad:
            raise InvalidParameterError(f"layer {bad[0]} does not exist: this model has layers 0..{src.n_layers - 1}")
    task_name, labels = _task_labels(task)
    if task_name == "sense":
        if corpus is None:
            raise InvalidParameterError("the sense task needs a corpus in which " + ", ".join(SENSES) + " occur in both "
                                        "their senses (English Wikipedia does; the demo corpus does not): pass one")
        data = sense_examples(corpus, per_sense=max(2, (max_examples or 720) // (2 * len(SENSES))))
        if kind == "static":
            keep = [i for i, w in enumerate(data.words) if w in model]
            data = ProbeData("sense", [[data.words[i]] for i in keep], np.arange(len(keep)), np.zeros(len(keep), np.int64),
                             [data.words[i] for i in keep], [data.labels[i] for i in keep], by_word=True)
    elif kind == "static":
        data = word_examples(model.keys, labels, task_name, max_examples or 5000)
    else:
        data = corpus_examples(corpus if corpus is not None else default_corpus(), labels, task_name,
                               max_examples or 2000, per_word)
    if len(data) == 0:
        where = "the model's vocabulary" if kind == "static" else "the corpus"
        raise InvalidParameterError(f"no word of the {task_name!r} task occurs in {where}; use a model or corpus in the "
                                    "task's language (the bundled tasks are English, lower-case words)")
    feats = layer_features(model, data, layers, batch_size)
    return probe_layers(feats, data, layers, folds=folds, c=c, seed=seed, model_name=name, workers=workers)
