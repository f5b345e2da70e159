"""Sentence encoders measured as SentEval measures them (Conneau and Kiela 2018): a logistic
regression on frozen sentence vectors, 10 stratified folds, the L2 strength chosen in each by an
inner stratified cross-validation over SentEval's grid (``C`` in 2^-2 .. 2^3); the mean test
accuracy over the folds and its spread.

Tasks: ``"mr"`` (Pang and Lee's sentence polarity, 10,662 movie-review snippets, positive or
negative) and ``"subj"`` (Pang and Lee's subjectivity, 10,000 sentences, subjective quotes or
objective plot summaries), bundled (CC BY 4.0, ``wordspace/data/README.md``), or a file in
fastText's format (one ``__label__X text`` line per example) for a user's own task.

One deviation from SentEval's scikit-learn path, said here: the features are standardised on
each training fold (mean 0, variance 1) before the regression, so that the same ``C`` grid
means the same thing for vectors of any scale (SIF's rows are a hundred times shorter than a
mean's). The regression is solved to its optimum by Newton's method for two classes (lbfgs for
more); the optimum is the one SentEval's solver approaches. The vectors are made once for the whole task; SIF and uSIF fit their common components
on the task's sentences (the unlabelled text), as their papers do.
"""

from __future__ import annotations

import gzip
import os
from dataclasses import asdict, dataclass, field
from importlib import resources

import numpy as np

from ..errors import FormatError, InvalidParameterError

__all__ = ["SentenceTaskResult", "sentence_benchmark", "classify_vectors", "read_task", "TASKS", "C_GRID"]

#: bundled tasks: name -> (file in wordspace/data/sentences, what it is)
TASKS = {
    "mr": ("mr.txt.gz", "MR: movie-review sentence polarity (Pang and Lee 2005)"),
    "subj": ("subj.txt.gz", "SUBJ: subjectivity (Pang and Lee 2004)"),
}
#: SentEval's grid of inverse L2 strengths for logistic regression
C_GRID = tuple(2.0**t for t in range(-2, 4))
#: SentEval's published bag-of-words baseline (GloVe, 840B tokens): for reports, never a claim
REFERENCE = {"mr": 78.7, "subj": 91.6}


@dataclass
class SentenceTaskResult:
    task: str
    accuracy: float  # mean test accuracy over the folds, percent
    accuracy_std: float
    folds: int
    examples: int
    classes: list
    chosen_c: list = field(default_factory=list)  # the C each fold chose
    majority: float = 0.0  # the most frequent class's share, percent
    method: str = ""
    empty: int = 0  # examples without a known word (zero vectors)
    seconds: float = 0.0

    def to_dict(self) -> dict:
        return asdict(self)


def read_task(task) -> tuple[list[str], list[str], str]:
    """``(texts, labels, name)`` of a bundled task name or a fastText-format file."""
    if task in TASKS:
        data = resources.files("wordspace").joinpath("data", "sentences", TASKS[task][0]).read_bytes()
        lines = gzip.decompress(data).decode("utf-8").splitlines()
        texts, labels = [], []
        for line in lines:
            label, _, text = line.partition(" ")
            labels.append(label[len("__label__"):])
            texts.append(text)
        return texts, labels, task
    from ..supervised import read_labeled

    path = os.fspath(task)
    if not os.path.lexists(path):
        raise InvalidParameterError(f"--task {path!r} is neither a bundled task ({', '.join(TASKS)}) nor an existing "
                                    "file", param="task")
    docs, labels = read_labeled(path)
    bad = [i for i, ls in enumerate(labels) if len(ls) != 1]
    if bad:
        raise FormatError(f"'{path}': {len(bad)} of {len(docs)} lines have no label or several (the first is line "
                          f"{bad[0] + 1} of the non-empty lines); a task gives each line exactly one __label__X")
    texts = [" ".join(d) for d in docs]
    return texts, [ls[0] for ls in labels], os.path.basename(path)


def sentence_benchmark(encoder, task, *, folds: int = 10, inner_folds: int = 10, seed: int = 1111) -> SentenceTaskResult:
    """Score ``encoder`` (a :class:`~wordspace.SentenceEncoder`) on ``task`` (a bundled name or
    a file) by SentEval's protocol (see the module docstring)."""
    import time

    t0 = time.perf_counter()
    texts, labels, name = read_task(task)
    _check_classes(labels, folds, name)
    x = encoder.encode(texts)
    result = classify_vectors(x, labels, folds=folds, inner_folds=inner_folds, seed=seed)
    result.task = name
    result.method = getattr(encoder, "method_", getattr(encoder, "method", ""))
    result.empty = int(getattr(encoder, "last_stats_", {}).get("empty", 0))
    result.seconds = time.perf_counter() - t0
    return result


def _check_classes(labels, folds: int, name: str) -> None:
    counts = {}
    for c in labels:
        counts[c] = counts.get(c, 0) + 1
    smallest = min(counts.values()) if counts else 0
    if len(counts) < 2 or smallest < folds:
        raise InvalidParameterError(f"task {name!r} needs at least two classes with at least {folds} examples each "
                                    f"(it has {len(counts)} class(es), the smallest with {smallest})", param="task")


def classify_vectors(x, labels, *, folds: int = 10, inner_folds: int = 10, seed: int = 1111) -> SentenceTaskResult:
    """SentEval's protocol on vectors made elsewhere (one row per label): the accuracy of a
    logistic regression over ``folds`` stratified folds, ``C`` chosen in each by
    ``inner_folds``-fold cross-validation on its training part."""
    from .._validation import Interval, check_param

    check_param("folds", folds, [Interval(int, 2, 100)], "classify_vectors")
    check_param("inner_folds", inner_folds, [Interval(int, 2, 100)], "classify_vectors")
    try:
        from sklearn.linear_model import LogisticRegression
        from sklearn.model_selection import StratifiedKFold
        from threadpoolctl import threadpool_limits
    except ImportError:
        raise ImportError("sentence tasks need scikit-learn: pip install 'wordspace[sentences]'") from None
    x = np.asarray(x, dtype=np.float64)
    classes = sorted(set(labels))
    y = np.array([classes.index(c) for c in labels])
    if x.shape[0] != y.shape[0]:
        raise InvalidParameterError(f"{x.shape[0]} vectors for {y.shape[0]} labels", param="x")
    _check_classes(labels, folds, "the task")
    # two classes: Newton's method (a handful of steps to the same optimum lbfgs creeps to in
    # hundreds on these small dense problems); more: lbfgs's multinomial model. One BLAS thread:
    # on matrices this small, threads only contend (ten times slower on two cores).
    solver = "newton-cholesky" if len(classes) == 2 else "lbfgs"

    def fit(c, rows):
        return LogisticRegression(C=c, solver=solver, max_iter=2000, random_state=seed).fit(xs[rows], y[rows])

    accs, chosen = [], []
    outer = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    with threadpool_limits(1):
        for train, test in outer.split(x, y):
            mu, sd = x[train].mean(axis=0), x[train].std(axis=0)
            sd[sd == 0] = 1.0
            xs = (x - mu) / sd
            inner = StratifiedKFold(n_splits=inner_folds, shuffle=True, random_state=seed)
            splits = [(train[a], train[b]) for a, b in inner.split(xs[train], y[train])]
            scores = [float(np.mean([fit(c, a).score(xs[b], y[b]) for a, b in splits])) for c in C_GRID]
            best = C_GRID[int(np.argmax(scores))]
            accs.append(100.0 * fit(best, train).score(xs[test], y[test]))
            chosen.append(best)
    return SentenceTaskResult(task="", accuracy=float(np.mean(accs)), accuracy_std=float(np.std(accs)), folds=folds,
                              examples=int(y.shape[0]), classes=classes, chosen_c=chosen,
                              majority=100.0 * float(np.bincount(y).max()) / len(y))
