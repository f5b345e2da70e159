"""Plots of embeddings and of training: a word map, analogy arrows, the training history, and
the two teaching plots of word2vec (subsampling, the noise distribution).

Each function returns a :class:`Plot`: the data behind the figure (words, coordinates, series)
plus two renderers, ``figure()`` (matplotlib, for PNG/SVG/PDF) and ``to_html()`` (one
self-contained HTML file: the data inline as JSON and an inline script that draws SVG, with
hover and zoom; nothing is fetched from the network). ``save(path)`` picks by extension.
"""

from __future__ import annotations

import html
import json
import os
from dataclasses import dataclass, field

import numpy as np

from ..atomic import atomic_file
from .._validation import Interval, check_param
from ..errors import InvalidParameterError, WordspaceError
from ..vocab import keep_probabilities, noise_distribution
from .project import project, select_words

__all__ = ["Plot", "word_map", "analogy_plot", "history_plot", "subsampling_plot", "noise_plot", "probe_plot",
           "is_plot_file", "PLOT_EXTENSIONS"]

#: the file types a plot is written as
PLOT_EXTENSIONS = (".png", ".svg", ".pdf", ".html", ".htm")
_MAGIC = {".png": (b"\x89PNG",), ".pdf": (b"%PDF",), ".svg": (b"<?xml", b"<svg"), ".html": (b"<!DOCTYPE html", b"<html"),
          ".htm": (b"<!DOCTYPE html", b"<html")}
#: Every plot wordspace writes carries this in its metadata (PNG text, SVG and PDF creator, an
#: HTML generator tag): it is what tells our figure from yours, so that only ours is replaced.
GENERATOR = "wordspace plot"


def is_plot_file(path: str) -> bool:
    """Whether an existing file is a plot wordspace wrote, of the type its extension names (so
    that writing a plot over it loses no one's image or page)."""
    from ..untrusted import open_regular

    magic = _MAGIC.get(os.path.splitext(path)[1].lower(), ())
    try:
        with open_regular(path, "a plot") as fh:
            head = fh.read(1 << 16)
            fh.seek(max(0, os.fstat(fh.fileno()).st_size - (1 << 16)))
            tail = fh.read(1 << 16)
    except (OSError, ValueError, WordspaceError):
        return False
    stripped = head.lstrip()
    mark = GENERATOR.encode()
    return any(stripped[: len(m)].lower() == m.lower() for m in magic) and (mark in head or mark in tail)

PALETTE = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22"]


@dataclass
class Plot:
    """A plot's data and its renderers. ``kind`` is "map", "analogy", "history", "subsampling"
    or "noise"; ``data`` is JSON-compatible (what the figure shows, for checks and re-use)."""

    kind: str
    title: str
    data: dict = field(default_factory=dict)

    def save(self, path) -> str:
        """``.html`` -> :meth:`to_html`; ``.png``/``.svg``/``.pdf`` -> matplotlib. Atomic."""
        path = os.fspath(path)
        ext = os.path.splitext(path)[1].lower()
        if ext in (".html", ".htm"):
            with atomic_file(path, "w", replaceable=is_plot_file) as fh:
                fh.write(self.to_html())
            return path
        if ext not in (".png", ".svg", ".pdf"):
            raise InvalidParameterError(f"cannot tell the plot format of '{path}': use .png, .svg, .pdf or .html")
        fig = self.figure()
        meta = {"Software": GENERATOR} if ext == ".png" else {"Creator": GENERATOR}
        try:
            with atomic_file(path, "wb", replaceable=is_plot_file) as fh:
                fig.savefig(fh, format=ext[1:], dpi=150, bbox_inches="tight", metadata=meta)
        finally:
            import matplotlib.pyplot as plt

            plt.close(fig)
        return path

    # -- matplotlib ----------------------------------------------------------------------------
    def figure(self):
        try:
            import matplotlib

            matplotlib.use("Agg", force=False) if matplotlib.get_backend().lower() != "agg" else None
            import matplotlib.pyplot as plt
        except ImportError:
            raise ImportError("plots require matplotlib; install with pip install 'wordspace[viz]'") from None
        fig, ax = plt.subplots(figsize=(9, 7) if self.kind in ("map", "analogy") else (8, 5))
        getattr(self, f"_draw_{self.kind}")(fig, ax)
        ax.set_title(self.title)
        return fig

    def _draw_map(self, fig, ax):
        pts = np.array(self.data["points"])
        groups = self.data["groups"]
        names = sorted({g for g in groups if g is not None})
        colors = [PALETTE[names.index(g) % len(PALETTE)] if g is not None else "#444444" for g in groups]
        ax.scatter(pts[:, 0], pts[:, 1], c=colors, s=18, zorder=2)
        texts = [ax.text(x, y, w, fontsize=9, zorder=3) for (x, y), w in zip(pts[:, :2], self.data["words"])]
        _repel(fig, ax, texts, pts[:, :2])
        if names:
            from matplotlib.lines import Line2D

            ax.legend(handles=[Line2D([], [], marker="o", ls="", color=PALETTE[i % len(PALETTE)], label=str(g))
                               for i, g in enumerate(names)], loc="best", fontsize=8)
        ax.set_xticks([])
        ax.set_yticks([])

    def _draw_analogy(self, fig, ax):
        ax.set_aspect("equal", adjustable="datalim")  # parallel offsets must look parallel
        self._draw_map(fig, ax)
        pts = {w: p for w, p in zip(self.data["words"], self.data["points"])}
        names = sorted({g for g in self.data["groups"] if g is not None})  # the legend's order
        for a, b in self.data["arrows"]:
            group = f"{a} : {b}"
            color = PALETTE[names.index(group) % len(PALETTE)] if group in names else "#444444"
            ax.annotate("", xy=pts[b][:2], xytext=pts[a][:2], zorder=1,
                        arrowprops={"arrowstyle": "->", "color": color, "lw": 1.8})
        ax.set_xlabel(self.data.get("xlabel", ""))
        ax.set_ylabel(self.data.get("ylabel", ""))

    def _draw_history(self, fig, ax):
        epochs = self.data["epochs"]
        ax.plot(epochs, self.data["loss"], "o-", color=PALETTE[0], label="loss")
        ax.set_xlabel("epoch")
        ax.set_ylabel("loss", color=PALETTE[0])
        scores = self.data["scores"]
        if scores:
            ax2 = ax.twinx()
            for i, (name, values) in enumerate(scores.items()):
                ax2.plot(epochs, values, "s--", color=PALETTE[(i + 1) % len(PALETTE)], label=name)
            ax2.set_ylabel("score")
            ax2.legend(loc="center right", fontsize=8)

    def _draw_subsampling(self, fig, ax):
        ax.semilogx(self.data["curve_freq"], self.data["curve_keep"], color=PALETTE[0], label="formula")
        ax.scatter(self.data["freq"], self.data["keep"], s=6, color=PALETTE[1], alpha=0.4, label="vocabulary words")
        for w, f, k in zip(self.data["labels"], self.data["label_freq"], self.data["label_keep"]):
            ax.annotate(w, (f, k), fontsize=8, xytext=(3, 3), textcoords="offset points")
        ax.axvline(self.data["sample"], color="#999999", ls=":", label=f"sample = {self.data['sample']:g}")
        ax.set_xlabel("word frequency (count / total)")
        ax.set_ylabel("probability of keeping an occurrence")
        ax.legend(fontsize=8)

    def _draw_noise(self, fig, ax):
        ax.loglog(self.data["rank"], self.data["unigram"], color=PALETTE[0], label="unigram")
        ax.loglog(self.data["rank"], self.data["noise"], color=PALETTE[1], label=f"unigram^{self.data['power']:g}")
        for w, r, p in zip(self.data["labels"], self.data["label_rank"], self.data["label_noise"]):
            ax.annotate(w, (r, p), fontsize=8, xytext=(3, 3), textcoords="offset points")
        ax.set_xlabel("word rank")
        ax.set_ylabel("probability of drawing the word")
        ax.legend(fontsize=8)

    def _draw_probe(self, fig, ax):
        layers = self.data["layers"]
        ax.errorbar(layers, self.data["accuracy"], yerr=self.data["accuracy_std"], fmt="o-", color=PALETTE[0],
                    capsize=3, label="probe")
        ax.plot(layers, self.data["control"], "s--", color=PALETTE[1], label="control task")
        ax.axhline(self.data["majority"], color="#777777", ls=":", label="majority baseline")
        ax.set_xticks(layers)
        ax.set_ylim(0, 1.02)
        ax.set_xlabel("layer (0 = embeddings)")
        ax.set_ylabel("cross-validated accuracy")
        ax.legend(fontsize=8, loc="lower right")

    # -- HTML ----------------------------------------------------------------------------------
    def to_html(self) -> str:
        payload = json.dumps({"kind": self.kind, "title": self.title, "data": self.data}, ensure_ascii=False)
        payload = payload.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")  # inert in <script>
        return (_HTML.replace("%TITLE%", html.escape(self.title)).replace("%GENERATOR%", GENERATOR)
                .replace("%DATA%", payload).replace("%SCRIPT%", _script()))


def _repel(fig, ax, texts, points, iterations: int = 200) -> None:
    """Move labels apart until their boxes no longer overlap (or ``iterations`` pass), then draw
    a thin line from each moved label to its point. Works in display coordinates."""
    if len(texts) < 2:
        return
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    to_disp, to_data = ax.transData.transform, ax.transData.inverted().transform
    pos = to_disp(np.asarray(points, dtype=np.float64)) + np.array([4.0, 4.0])
    anchor = pos.copy()
    sizes = np.array([[t.get_window_extent(renderer).width, t.get_window_extent(renderer).height] for t in texts])
    for _ in range(iterations):
        lo, hi = pos, pos + sizes
        ox = np.minimum(hi[:, None, 0], hi[None, :, 0]) - np.maximum(lo[:, None, 0], lo[None, :, 0])
        oy = np.minimum(hi[:, None, 1], hi[None, :, 1]) - np.maximum(lo[:, None, 1], lo[None, :, 1])
        hit = (ox > 0) & (oy > 0)
        np.fill_diagonal(hit, False)
        if not hit.any():
            break
        centre = pos + sizes / 2
        side = np.sign(centre[:, None, :] - centre[None, :, :])  # which way each label of a pair goes
        order = np.where(np.arange(len(pos))[:, None] < np.arange(len(pos))[None, :], -1.0, 1.0)[..., None]
        side = np.where(side == 0, order, side)  # centres level on an axis: the earlier label goes first
        along_x = ox < oy  # separate along the axis where the overlap is smaller
        step = np.where(along_x, ox, oy) / 2 + 0.5
        shift = np.stack([np.where(hit & along_x, step, 0.0), np.where(hit & ~along_x, step, 0.0)], axis=-1) * side
        pos = pos + shift.sum(axis=1)
    for t, p, a, moved in zip(texts, to_data(pos), to_data(anchor), pos - anchor):
        t.set_position(p)
        if np.hypot(*moved) > 12:  # a label pushed away from its point gets a leader line
            ax.plot([a[0], p[0]], [a[1], p[1]], color="#bbbbbb", lw=0.5, zorder=1)


# -- the plots ---------------------------------------------------------------------------------
def word_map(vectors, words=None, *, top: int | None = None, neighbors_of=None, k: int = 10, groups=None,
             clusters: int | None = None, method: str = "pca", dim: int = 2, seed: int = 0) -> Plot:
    """A labelled map of words. Choose the words with ``words``, ``top`` or ``neighbors_of``
    (see :func:`select_words`); colour them by ``groups`` (one label per word), by the query
    word (``neighbors_of``), or by ``clusters`` k-means clusters of their vectors."""
    keys, auto = select_words(vectors, words, top, neighbors_of, k)
    if groups is not None:
        groups = list(groups)
        if len(groups) != len(keys):
            raise InvalidParameterError(f"got {len(groups)} groups for {len(keys)} words")
    elif clusters:
        groups = [f"cluster {c}" for c in _kmeans(vectors.normalized()[[vectors.index_of(w) for w in keys]], clusters, seed)]
    else:
        groups = auto
    coords = project(vectors, keys, method=method, dim=dim, seed=seed)
    return Plot("map", f"{len(keys)} words, {method.upper() if method == 'pca' else method} projection",
                {"words": keys, "points": coords.round(5).tolist(), "groups": [None if g is None else str(g) for g in groups],
                 "method": method, "dim": dim})


def _kmeans(m: np.ndarray, k: int, seed: int, iterations: int = 50) -> np.ndarray:
    """Plain k-means (k-means++ start) on rows of ``m``; returns cluster ids."""
    check_param("clusters", k, [Interval(int, 1, m.shape[0])])
    rng = np.random.default_rng(seed)
    centres = [m[rng.integers(m.shape[0])]]
    for _ in range(1, k):
        d = np.min(((m[:, None] - np.array(centres)[None]) ** 2).sum(-1), axis=1)
        centres.append(m[rng.choice(m.shape[0], p=d / d.sum()) if d.sum() > 0 else rng.integers(m.shape[0])])
    c = np.array(centres)
    for _ in range(iterations):
        lab = np.argmin(((m[:, None] - c[None]) ** 2).sum(-1), axis=1)
        new = np.array([m[lab == j].mean(axis=0) if (lab == j).any() else c[j] for j in range(k)])
        if np.allclose(new, c):
            break
        c = new
    return lab


def analogy_plot(vectors, pairs, extra=()) -> Plot:
    """Arrows ``a -> b`` for each pair (``[("man", "king"), ("woman", "queen")]``), drawn in the
    plane that shows the offsets ``b - a`` of the unit vectors as they are, and the cosines
    between the offsets (the title gives them).

    With two pairs the plane is the one the two offsets span, so each arrow has its true length
    and the angle between the arrows is the true angle between the offsets: parallel offsets
    look parallel, unrelated ones do not. With more pairs it is the plane of the offsets' first
    two (uncentred) principal directions, the best any plane can do; ``offset_shown`` in the
    data says what share of each offset's length it keeps. The x axis points along the mean
    offset. ``extra`` words are placed in the same plane."""
    pairs = [tuple(p) for p in pairs]
    if len(pairs) < 2 or any(len(p) != 2 for p in pairs):
        raise InvalidParameterError("analogy_plot needs at least two (a, b) pairs")
    u = vectors.normalized()
    vec = lambda w: np.asarray(u[vectors.index_of(w)], dtype=np.float64)  # noqa: E731
    offsets = np.stack([vec(b) - vec(a) for a, b in pairs])  # (pairs, dim)
    lengths = np.linalg.norm(offsets, axis=1)
    units = offsets / np.where(lengths > 0, lengths, 1.0)[:, None]
    cosines = units @ units.T
    _, sv, vt = np.linalg.svd(offsets, full_matrices=False)
    e1 = vt[0] if offsets.mean(axis=0) @ vt[0] >= 0 else -vt[0]
    if len(sv) > 1 and sv[1] > 1e-6 * max(sv[0], 1e-12):
        e2 = vt[1]
    else:  # the offsets are parallel: spread the pairs apart along the direction between them
        spread = vec(pairs[-1][0]) - vec(pairs[0][0])
        e2 = spread - (spread @ e1) * e1
        if np.linalg.norm(e2) < 1e-9:
            e2 = np.linalg.svd(np.stack([vec(w) for p in pairs for w in p]), full_matrices=False)[2][1]
            e2 = e2 - (e2 @ e1) * e1
        e2 /= np.linalg.norm(e2)
    basis = np.stack([e1, e2])
    shown = np.linalg.norm(offsets @ basis.T, axis=1) / np.where(lengths > 0, lengths, 1.0)
    words = list(dict.fromkeys([w for p in pairs for w in p] + list(extra)))
    pts = np.array([basis @ vec(w) for w in words])
    groups = []
    for w in words:
        g = next((f"{a} : {b}" for a, b in pairs if w in (a, b)), None)
        groups.append(g)
    upper = cosines[np.triu_indices(len(pairs), 1)]
    agreement = (f"offset cosine {upper[0]:.2f}" if len(pairs) == 2 else
                 f"offset cosines {upper.min():.2f} to {upper.max():.2f}, mean {upper.mean():.2f}")
    return Plot("analogy", " :: ".join(f"{a} : {b}" for a, b in pairs) + f" ({agreement})",
                {"words": words, "points": pts.round(5).tolist(), "groups": groups, "arrows": [list(p) for p in pairs],
                 "offset_cosines": cosines.round(5).tolist(), "offset_shown": shown.round(5).tolist(),
                 "xlabel": "along the mean offset b - a",
                 "ylabel": "the offsets' second direction" if len(pairs) > 2 or sv[1] > 1e-6 * max(sv[0], 1e-12)
                 else "between the pairs"})


def history_plot(history) -> Plot:
    """Loss and per-epoch evaluation scores from a trainer's ``history_`` (or a saved model's
    ``metadata["history"]``/``["loss_history"]``)."""
    if isinstance(history, dict):
        history = history.get("history") or [{"epoch": i + 1, "loss": x} for i, x in enumerate(history.get("loss_history", []))]
    if not history:
        raise InvalidParameterError("there is no training history to plot: only native models written by wordspace train "
                                    "keep one (word2vec, GloVe and fastText files keep vectors only)")
    epochs = [int(h.get("epoch", i + 1)) for i, h in enumerate(history)]
    skip = {"epoch", "loss", "words", "seconds", "words_per_sec", "alpha"}
    names = [k for k in history[0] if k not in skip and isinstance(history[0][k], (int, float))]
    return Plot("history", "training history", {"epochs": epochs, "loss": [float(h["loss"]) for h in history],
                                                "scores": {n: [float(h.get(n, np.nan)) for h in history] for n in names}})


def probe_plot(result) -> Plot:
    """Accuracy per layer of a :class:`wordspace.probe.ProbeResult` (or its ``to_dict()``), with
    the control task and the majority baseline."""
    r = result.to_dict() if hasattr(result, "to_dict") else dict(result)
    rows = r["layers"]
    return Plot("probe", f"probing: {r['task']} ({r['examples']:,} examples, {len(r['classes'])} labels)",
                {"layers": [row["layer"] for row in rows], "accuracy": [row["accuracy"] for row in rows],
                 "accuracy_std": [row["accuracy_std"] for row in rows], "control": [row["control"] for row in rows],
                 "majority": r["majority"]})


def _label_words(words, n=8):
    """About ``n`` words spread evenly over the frequency ranks (log scale), to label."""
    idx = np.unique(np.geomspace(1, len(words), num=min(n, len(words))).astype(int) - 1)
    return [int(i) for i in idx]


def subsampling_plot(vectors_or_counts, sample: float = 1e-3, words=None) -> Plot:
    """word2vec's subsampling from a real vocabulary: the probability of keeping an occurrence
    against the word's frequency, :math:`\\min(1, (\\sqrt{f/t} + 1)\\, t / f)` with ``t = sample``."""
    counts, words = _counts(vectors_or_counts, words)
    freq = counts / counts.sum()
    keep = keep_probabilities(counts, sample)
    curve_f = np.geomspace(freq.min(), freq.max(), 200)
    curve_k = np.minimum(1.0, (np.sqrt(curve_f / sample) + 1) * sample / curve_f)
    lab = _label_words(words)
    step = max(1, len(words) // 3000)  # at most ~3,000 points
    return Plot("subsampling", f"frequent-word subsampling (sample = {sample:g})",
                {"sample": sample, "freq": freq[::step].tolist(), "keep": keep[::step].tolist(),
                 "curve_freq": curve_f.tolist(), "curve_keep": curve_k.tolist(),
                 "labels": [words[i] for i in lab], "label_freq": [float(freq[i]) for i in lab],
                 "label_keep": [float(keep[i]) for i in lab]})


def noise_plot(vectors_or_counts, power: float = 0.75, words=None) -> Plot:
    """The negative-sampling distribution ``count ** power`` (normalised) against the raw
    unigram distribution, by frequency rank, from a real vocabulary: frequent words are drawn
    less often than their share, rare words more."""
    counts, words = _counts(vectors_or_counts, words)
    order = np.argsort(-counts, kind="stable")
    counts, words = counts[order], [words[i] for i in order]
    uni = counts / counts.sum()
    noise = noise_distribution(counts, power)
    ranks = np.arange(1, len(counts) + 1)
    step = max(1, len(counts) // 3000)
    lab = _label_words(words)
    return Plot("noise", f"noise distribution: unigram^{power:g} against unigram",
                {"power": power, "rank": ranks[::step].tolist(), "unigram": uni[::step].tolist(),
                 "noise": noise[::step].tolist(), "labels": [words[i] for i in lab],
                 "label_rank": [int(ranks[i]) for i in lab], "label_noise": [float(noise[i]) for i in lab]})


def _counts(source, words):
    from ..vectors import Vectors

    if isinstance(source, Vectors):
        if source.counts is None:
            raise InvalidParameterError("these vectors have no word counts (word2vec files do not store them); use "
                                        "vectors trained by wordspace or saved in its native format")
        return np.asarray(source.counts, dtype=np.float64), list(source.keys)
    counts = np.asarray(source, dtype=np.float64)
    if counts.ndim != 1 or counts.size < 2 or (counts <= 0).any():
        raise InvalidParameterError("counts must be a 1-D array of at least two positive numbers")
    return counts, list(words) if words is not None else [str(i) for i in range(len(counts))]


# -- the HTML template ---------------------------------------------------------------------------
def _script() -> str:
    from importlib import resources

    return resources.files("wordspace.viz").joinpath("plot.js").read_text(encoding="utf-8")


_HTML = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="%GENERATOR%">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'">
<title>%TITLE%</title>
<style>
body{font:14px system-ui,sans-serif;margin:1em;color:#222}
#plot{width:100%;height:80vh;border:1px solid #ddd;cursor:grab;user-select:none}
#tip{position:fixed;pointer-events:none;background:#fff;border:1px solid #999;padding:2px 6px;font-size:12px;display:none}
.label{font-size:11px}.axis{stroke:#999}.note{color:#666;font-size:12px}
</style></head>
<body><h2 id="title"></h2><div class="note">Drag to pan, wheel to zoom, hover a point for its word.</div>
<svg id="plot"></svg><div id="tip"></div>
<script type="application/json" id="data">%DATA%</script>
<script>%SCRIPT%</script>
</body></html>
"""
