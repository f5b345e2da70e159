"""Cross-lingual alignment: map one embedding space onto another with an orthogonal matrix.

Orthogonal Procrustes from a seed dictionary, MUSE-style refinement on mutual nearest
neighbours, CSLS retrieval (Conneau et al. 2018) and plain nearest neighbours, seed
dictionaries from identical strings, and precision@k on a test dictionary. Works on two
:class:`wordspace.Vectors`; the result is another ``Vectors`` (the mapped source).
"""

from __future__ import annotations

import gzip
import io
import os
from dataclasses import dataclass, field

import numpy as np

from ._validation import Interval, LIMITS, Options, check_param, validate_params
from .errors import FormatError, InvalidParameterError
from .index import top_k
from .progress import phase, progress_bar
from .vectors import Vectors

__all__ = ["Alignment", "align", "procrustes", "csls_scores", "read_dictionary", "identical_pairs",
           "translation_precision", "normalize_embeddings", "unsupervised_seed"]

#: Rows of scores computed at once (bounds memory to about BLOCK x n_target floats).
BLOCK = 2048


def normalize_embeddings(m: np.ndarray) -> np.ndarray:
    """MUSE's ``renorm,center,renorm``: unit rows, subtract the mean row, unit rows again."""
    def unit(x):
        n = np.linalg.norm(x, axis=1, keepdims=True)
        n[n == 0] = 1.0
        return x / n

    m = unit(np.asarray(m, dtype=np.float32))
    m = m - m.mean(axis=0, keepdims=True)
    return unit(m).astype(np.float32)


def procrustes(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """The orthogonal ``W`` minimising ``||x W - y||_F`` (rows are paired vectors).

    With ``U S V^T`` the SVD of ``x^T y``, ``W = U V^T`` (Schönemann 1966).
    """
    if x.shape != y.shape or x.ndim != 2:
        raise InvalidParameterError(f"procrustes needs two (n, dim) arrays of the same shape, got {x.shape} and {y.shape}")
    u, _, vt = np.linalg.svd(np.asarray(x, np.float64).T @ np.asarray(y, np.float64))
    return (u @ vt).astype(np.float32)


def _mean_top_sim(queries: np.ndarray, keys: np.ndarray, k: int) -> np.ndarray:
    """For each query row, the mean cosine of its ``k`` nearest key rows (unit rows)."""
    out = np.empty(queries.shape[0], dtype=np.float32)
    for s in range(0, queries.shape[0], BLOCK):
        _, sc = top_k(np.ascontiguousarray(queries[s : s + BLOCK] @ keys.T), k)
        out[s : s + BLOCK] = sc.mean(axis=1)
    return out


def csls_scores(src: np.ndarray, tgt: np.ndarray, k: int = 10, r_src: np.ndarray | None = None,
                r_tgt: np.ndarray | None = None):
    """Block generator of CSLS scores: ``2 cos(x, y) - r_T(x) - r_S(y)``.

    ``r_T(x)`` is the mean cosine of source row ``x`` with its ``k`` nearest target rows and
    ``r_S(y)`` that of target row ``y`` with its ``k`` nearest source rows (unit rows in both).
    Yields ``(start, scores)`` for blocks of source rows; pass precomputed ``r_src`` (the
    ``r_T`` of ``src``) and ``r_tgt`` to avoid recomputing them.
    """
    if r_src is None:
        r_src = _mean_top_sim(src, tgt, k)
    if r_tgt is None:
        r_tgt = _mean_top_sim(tgt, src, k)
    for s in range(0, src.shape[0], BLOCK):
        yield s, 2 * (src[s : s + BLOCK] @ tgt.T) - r_src[s : s + BLOCK, None] - r_tgt[None, :]


def _retrieve(src: np.ndarray, tgt: np.ndarray, k: int, retrieval: str, csls_k: int = 10):
    """Top ``k`` target rows for every source row: ``(ids, scores)`` (fewer columns when there
    are fewer than ``k`` targets)."""
    k = min(k, tgt.shape[0])
    ids = np.empty((src.shape[0], k), dtype=np.int64)
    scores = np.empty((src.shape[0], k), dtype=np.float32)
    if retrieval == "nn":
        blocks = ((s, src[s : s + BLOCK] @ tgt.T) for s in range(0, src.shape[0], BLOCK))
    else:
        blocks = csls_scores(src, tgt, csls_k)
    for s, block in blocks:
        i, sc = top_k(np.ascontiguousarray(block, dtype=np.float32), k)
        ids[s : s + len(i)], scores[s : s + len(i)] = i, sc
    return ids, scores


def read_dictionary(path: str, src: Vectors | None = None, tgt: Vectors | None = None, lower: bool = False):
    """Word pairs ``(source, target)`` of a bilingual dictionary file (MUSE's format: two words
    per line separated by whitespace; ``.gz`` read directly). With ``src``/``tgt``, pairs whose
    words are not in those vectors are dropped. Returns ``(pairs, n_lines, n_dropped)``."""
    from .untrusted import open_regular

    pairs, n = [], 0
    try:
        with open_regular(path, "a dictionary file") as raw, (
                gzip.open(raw, "rt", encoding="utf-8") if str(path).endswith(".gz")
                else io.TextIOWrapper(raw, encoding="utf-8")) as fh:
            for lineno, line in enumerate(fh, 1):
                parts = line.split()
                if not parts:
                    continue
                if len(parts) != 2:
                    raise FormatError(f"'{path}' line {lineno}: expected 'source target', got {line.strip()[:80]!r}")
                n += 1
                a, b = (parts[0].lower(), parts[1].lower()) if lower else parts
                pairs.append((a, b))
    except FileNotFoundError:
        raise FormatError(f"dictionary '{path}' does not exist") from None
    except UnicodeDecodeError as exc:
        raise FormatError(f"dictionary '{path}' is not UTF-8 ({exc.reason})") from None
    if n == 0:
        raise FormatError(f"dictionary '{path}' holds no word pairs")
    kept = [(a, b) for a, b in pairs if (src is None or a in src) and (tgt is None or b in tgt)]
    return kept, n, n - len(kept)


def identical_pairs(src: Vectors, tgt: Vectors, limit: int | None = None) -> list[tuple[str, str]]:
    """A seed dictionary of the strings both vocabularies contain (numbers, names, loanwords),
    in source frequency order, at most ``limit`` of them."""
    out = []
    for k in src.keys:
        if k in tgt:
            out.append((k, k))
            if limit is not None and len(out) >= limit:
                break
    return out


def translation_precision(mapped: np.ndarray, tgt_unit: np.ndarray, src_index, tgt_index, pairs,
                          ks=(1, 5, 10), retrieval: str = "csls", csls_k: int = 10) -> dict:
    """Precision@k of translating the source words of ``pairs`` (a source word counts once,
    correct when any of its gold translations is among the top k). ``mapped`` holds the mapped,
    unit-length source rows; ``src_index``/``tgt_index`` map words to rows."""
    gold: dict = {}
    for a, b in pairs:
        gold.setdefault(src_index[a], set()).add(tgt_index[b])
    if not gold:
        raise InvalidParameterError("no pair of the test dictionary has both words in the vocabularies")
    rows = np.array(sorted(gold), dtype=np.int64)
    kmax = min(max(ks), tgt_unit.shape[0])
    if retrieval == "nn":
        ids, _ = _retrieve(mapped[rows], tgt_unit, kmax, "nn")
    else:  # r_S(y) needs every mapped source row, not only the test words
        r_tgt = _mean_top_sim(tgt_unit, mapped, csls_k)
        r_src = _mean_top_sim(mapped[rows], tgt_unit, csls_k)
        ids = np.empty((len(rows), kmax), dtype=np.int64)
        for s, block in csls_scores(mapped[rows], tgt_unit, csls_k, r_src, r_tgt):
            ids[s : s + BLOCK] = top_k(np.ascontiguousarray(block, dtype=np.float32), kmax)[0]
    out = {"words": len(rows)}
    for k in ks:
        hit = [bool(gold[r] & set(ids[i, :k].tolist())) for i, r in enumerate(rows)]
        out[f"p@{k}"] = float(np.mean(hit))
    return out


@dataclass
class Alignment:
    """The result of :func:`align`: the map, the mapped source vectors and the scores."""

    W: np.ndarray  # (dim, dim) orthogonal; mapped = normalize(src) @ W
    mapped: Vectors
    seed_pairs: int
    history: list = field(default_factory=list)  # per refinement step: dictionary size and scores


def _mutual_pairs(mapped: np.ndarray, tgt: np.ndarray, n_max: int, retrieval: str, csls_k: int = 10):
    """Mutual nearest neighbours among the ``n_max`` most frequent words of each side."""
    s, t = mapped[:n_max], tgt[:n_max]
    fwd, _ = _retrieve(s, t, 1, retrieval, csls_k)
    bwd, _ = _retrieve(t, s, 1, retrieval, csls_k)
    fwd, bwd = fwd[:, 0], bwd[:, 0]
    src_ids = np.flatnonzero(bwd[fwd] == np.arange(len(fwd)))
    return src_ids, fwd[src_ids]


def _sorted_similarities(m: np.ndarray) -> np.ndarray:
    """Each word's similarity distribution, sorted: the rows of ``sqrt(M M^T)`` sorted and
    normalised (Artetxe et al. 2018). A rotation of the space leaves them unchanged, so words
    of two spaces that are roughly rotations of each other get similar rows."""
    u, s, _ = np.linalg.svd(np.asarray(m, np.float64), full_matrices=False)
    sims = (u * s) @ u.T  # the square root of the Gram matrix
    sims.sort(axis=1)
    return normalize_embeddings(sims)


def unsupervised_seed(S: np.ndarray, T: np.ndarray, vocab: int = 4000, csls_k: int = 10):
    """A seed dictionary from the geometry of two spaces alone (Artetxe, Labaka and Agirre 2018,
    "A robust self-learning method for fully unsupervised cross-lingual mappings"): the
    ``vocab`` most frequent words of each side are described by their sorted similarity
    distributions, and each source word is paired with the target word whose distribution is
    closest (CSLS). ``S`` and ``T`` are normalised embeddings, most frequent words first.
    Returns ``(source rows, target rows)``."""
    n = min(vocab, S.shape[0], T.shape[0])
    xs, zs = _sorted_similarities(S[:n]), _sorted_similarities(T[:n])
    ids, _ = _retrieve(xs, zs, 1, "csls", csls_k)
    return np.arange(n), ids[:, 0]


def _self_learning(S, T, s_ids, t_ids, vocab: int, csls_k: int, rounds: int, seed: int, bar=None):
    """Procrustes and dictionary induction in turn, from a rough seed: each round maps with the
    current dictionary, then pairs every one of the ``vocab`` most frequent words of each side
    with its best CSLS match in the other (both directions), keeping each candidate score with
    probability ``p`` (0.1 doubling to 1: stochastic dictionary induction, which lets a poor
    seed escape its first answers). Returns the last map and dictionary."""
    rng = np.random.default_rng(seed)
    n_s, n_t = min(vocab, S.shape[0]), min(vocab, T.shape[0])
    schedule = [p for p in (0.1, 0.2, 0.4, 0.8, 1.0) for _ in range(max(1, rounds // 5))]
    W = procrustes(S[s_ids], T[t_ids])
    for keep in schedule:
        mapped = S[:n_s] @ W
        pairs = []
        for a, b in ((mapped, T[:n_t]), (T[:n_t], mapped)):
            r_a, r_b = _mean_top_sim(a, b, csls_k), _mean_top_sim(b, a, csls_k)
            best = np.empty(a.shape[0], dtype=np.int64)
            for s, block in csls_scores(a, b, csls_k, r_a, r_b):
                if keep < 1.0:
                    block = np.where(rng.random(block.shape, dtype=np.float32) < keep, block, -np.inf)
                best[s : s + block.shape[0]] = np.argmax(block, axis=1)
            pairs.append(best)
        fwd, bwd = pairs
        s_ids = np.concatenate([np.arange(n_s), bwd])
        t_ids = np.concatenate([fwd, np.arange(n_t)])
        W = procrustes(S[s_ids], T[t_ids])
        if bar is not None:
            bar.set_postfix_str(f"keep={keep:g}", refresh=False)
            bar.update(1)
    return W, s_ids, t_ids


def align(src: Vectors, tgt: Vectors, train_pairs=None, *, refine: int = 0, retrieval: str = "csls",
          test_pairs=None, refine_vocab: int = 15_000, csls_k: int = 10, seed_limit: int = 5000,
          unsupervised: bool = False, unsupervised_vocab: int = 4000, self_learning: int = 20,
          seed: int = 0, progress: bool = False) -> Alignment:
    """Map ``src`` onto ``tgt`` with orthogonal Procrustes, optionally refined.

    Parameters
    ----------
    src, tgt : Vectors
        Both spaces, most frequent words first; they must have the same dimension.
    train_pairs : list of (str, str) or None
        Seed dictionary. None uses the identical strings of both vocabularies (at most
        ``seed_limit`` of them), as MUSE's ``identical_char`` seed does.
    refine : int, default=0
        Refinement steps: each builds a new dictionary from mutual nearest neighbours
        (``retrieval``) among the ``refine_vocab`` most frequent words and re-runs Procrustes.
    retrieval : {"csls", "nn"}, default="csls"
        CSLS or plain nearest neighbour, for refinement and for the scores.
    progress : bool, default=False
        Show the refinement steps (and any scoring longer than two seconds) on stderr.
    test_pairs : list of (str, str) or None
        When given, precision@1/5/10 of the seed map and of the final map are kept in
        ``history`` (intermediate steps record their dictionary size only: CSLS over large
        vocabularies is the expensive part).
    unsupervised : bool, default=False
        No seed dictionary at all (``train_pairs`` must be None): the first map comes from the
        geometry of the two spaces (:func:`unsupervised_seed` over the ``unsupervised_vocab``
        most frequent words), then ``self_learning`` rounds of Procrustes and stochastic
        dictionary induction over the ``refine_vocab`` most frequent words, then ``refine``
        steps as with a seed dictionary. ``seed`` fixes the random dropout of the rounds.
    """
    check_param("retrieval", retrieval, [Options(("csls", "nn"))], "align")
    validate_params({"refine": refine, "refine_vocab": refine_vocab, "csls_k": csls_k, "seed_limit": seed_limit},
                    {"refine": [Interval(int, 0, LIMITS["iterations"])], "refine_vocab": [Interval(int, 1, LIMITS["size"])],
                     "csls_k": [Interval(int, 1, LIMITS["size"])], "seed_limit": [Interval(int, 1, LIMITS["size"])]},
                    "align")
    if src.dim != tgt.dim:
        raise InvalidParameterError(f"the source has {src.dim} dimensions and the target {tgt.dim}; they must match: "
                                    "train both with the same --dim")
    if unsupervised:
        if train_pairs is not None:
            raise InvalidParameterError("an unsupervised alignment takes no seed dictionary; drop train_pairs "
                                        "(--train-dict) or unsupervised (--unsupervised)")
        validate_params({"unsupervised_vocab": unsupervised_vocab, "self_learning": self_learning},
                        {"unsupervised_vocab": [Interval(int, 2, LIMITS["size"])],
                         "self_learning": [Interval(int, 0, LIMITS["iterations"])]},
                        "align")
        if min(len(src), len(tgt)) < 2:
            raise InvalidParameterError("an unsupervised alignment needs at least 2 words on each side")
    elif train_pairs is None:
        train_pairs = identical_pairs(src, tgt, seed_limit)
    S = normalize_embeddings(src.matrix)
    T = normalize_embeddings(tgt.matrix)
    if unsupervised:
        with phase("a seed from the geometry of the two spaces", progress):
            si, ti = unsupervised_seed(S, T, unsupervised_vocab, csls_k)
        bar = progress_bar(max(1, self_learning // 5) * 5 if self_learning else 0, progress and self_learning > 0,
                           "self-learning", unit="round")
        try:
            if self_learning:
                _, si, ti = _self_learning(S, T, si, ti, refine_vocab, csls_k, self_learning, seed, bar)
        finally:
            bar.close()
        train_pairs = list(zip(si.tolist(), ti.tolist()))
    else:
        train_pairs = [(a, b) for a, b in train_pairs if a in src and b in tgt]
        if len(train_pairs) < 2:
            raise InvalidParameterError(
                f"the seed dictionary has {len(train_pairs)} usable pair(s) (both words in the vocabularies); "
                "give a larger dictionary"
            )
        si = np.array([src.index_of(a) for a, _ in train_pairs])
        ti = np.array([tgt.index_of(b) for _, b in train_pairs])
    history = []

    def score(step, n_pairs, W, final):
        entry = {"step": step, "pairs": n_pairs}
        if test_pairs and (step == 0 or final):
            mapped = S @ W
            entry.update(translation_precision(mapped, T, src.key_to_index, tgt.key_to_index, test_pairs, retrieval=retrieval,
                                               csls_k=csls_k))
        history.append(entry)

    W = procrustes(S[si], T[ti])
    with phase("scoring the initial mapping", progress):
        score(0, len(train_pairs), W, refine == 0)
    bar = progress_bar(refine, progress and refine > 0, "refinement", unit="step")
    try:
        for step in range(1, refine + 1):
            s_ids, t_ids = _mutual_pairs(S @ W, T, refine_vocab, retrieval, csls_k)
            if len(s_ids) < 2:
                if test_pairs:
                    history[-1].update(translation_precision(S @ W, T, src.key_to_index, tgt.key_to_index, test_pairs,
                                                             retrieval=retrieval, csls_k=csls_k))
                break
            W = procrustes(S[s_ids], T[t_ids])
            score(step, len(s_ids), W, step == refine)
            bar.set_postfix_str(f"pairs={len(s_ids):,}", refresh=False)
            bar.update(1)
    finally:
        bar.close()
    meta = {**src.metadata, "aligned_to": tgt.metadata.get("source", "target"), "alignment": {
        "method": "procrustes", "refine": refine, "retrieval": retrieval, "seed_pairs": len(train_pairs),
        "unsupervised": bool(unsupervised), "history": history}}
    mapped = Vectors(src.keys, S @ W, counts=src.counts, metadata=meta)
    return Alignment(W, mapped, len(train_pairs), history)


def dictionary_path(path: str) -> str:
    """Check a dictionary path early (the CLI fails before loading large vectors)."""
    if not os.path.isfile(path):
        raise FormatError(f"dictionary '{path}' does not exist")
    return path
