"""Projections (shapes, determinism), every plot's data and rendering (static images and the
self-contained HTML, opened offline in Chromium), the projector export and the plot CLI."""

import re

import numpy as np
import pytest

pytest.importorskip("matplotlib")


from wordspace import InvalidParameterError, KeyNotFoundError, Word2Vec  # noqa: E402
from wordspace.cli import main  # noqa: E402
from wordspace.viz import (analogy_plot, history_plot, noise_plot, project, select_words,  # noqa: E402
                           subsampling_plot, word_map, write_projector)


@pytest.fixture(scope="module")
def model(demo_corpus):
    return Word2Vec(dim=32, epochs=2, workers=2, progress=False).fit(demo_corpus)


@pytest.mark.parametrize("method", ["pca", "tsne", "umap"])
@pytest.mark.parametrize("dim", [2, 3])
def test_projection_shapes_and_determinism(model, method, dim):
    words = list(model.vectors_.keys[:40])
    a = project(model.vectors_, words, method=method, dim=dim, seed=3)
    b = project(model.vectors_, words, method=method, dim=dim, seed=3)
    assert a.shape == (40, dim) and np.isfinite(a).all()
    np.testing.assert_array_equal(a, b)


def test_pca_is_the_principal_plane(model):
    words = list(model.vectors_.keys[:50])
    m = model.vectors_.normalized()[:50].astype(np.float64)
    c = m - m.mean(axis=0)
    xy = project(model.vectors_, words)
    # the projection keeps as much variance as the top-2 singular values say
    s = np.linalg.svd(c, compute_uv=False)
    assert np.allclose((xy.astype(np.float64) ** 2).sum(), (s[:2] ** 2).sum(), rtol=1e-4)


def test_selection(model):
    v = model.vectors_
    words, groups = select_words(v, neighbors_of=["gold", "sheep"], k=5)
    assert words[0] == "gold" and groups[:6] == ["gold"] * 6 and "sheep" in words and len(words) <= 12
    assert select_words(v, top=7)[0] == list(v.keys[:7])
    with pytest.raises(InvalidParameterError, match="exactly one of"):
        select_words(v, words=["a"], top=3)
    with pytest.raises(KeyNotFoundError, match="Did you mean"):
        select_words(v, words=["gold", "goldd"])


def _texts(fig):
    return {t.get_text() for ax in fig.axes for t in ax.texts}


def test_word_map_labels_and_groups(model, tmp_path):
    p = word_map(model.vectors_, neighbors_of=["gold", "king"], k=6, method="pca")
    fig = p.figure()
    assert set(p.data["words"]) <= _texts(fig) and len(p.data["points"]) == len(p.data["words"])
    assert set(p.data["groups"]) == {"gold", "king"}
    for ext in ("png", "svg"):
        out = tmp_path / f"map.{ext}"
        p.save(out)
        assert out.stat().st_size > 5000
    clustered = word_map(model.vectors_, top=30, clusters=3)
    assert len(set(clustered.data["groups"])) == 3


def test_labels_do_not_overlap(model):
    p = word_map(model.vectors_, top=60)
    fig = p.figure()
    renderer = fig.canvas.get_renderer()
    boxes = [t.get_window_extent(renderer) for t in fig.axes[0].texts]
    overlaps = sum(a.overlaps(b) for i, a in enumerate(boxes) for b in boxes[i + 1 :])
    assert overlaps <= 2, overlaps


def test_analogy_arrows(model):
    p = analogy_plot(model.vectors_, [("man", "king"), ("woman", "queen")], extra=["prince"])
    assert p.data["arrows"] == [["man", "king"], ["woman", "queen"]]
    assert p.data["words"] == ["man", "king", "woman", "queen", "prince"]
    pts = {w: np.array(x) for w, x in zip(p.data["words"], p.data["points"])}
    # x is the mean offset: both arrows point right
    assert pts["king"][0] > pts["man"][0] and pts["queen"][0] > pts["woman"][0]
    ax = p.figure().axes[0]
    annotations = [c for c in ax.get_children() if type(c).__name__ == "Annotation"]
    assert len(annotations) == 2
    # each arrow has the colour its pair has in the legend (the legend is sorted: 'man : king' first)
    from matplotlib.colors import to_hex

    legend = {t.get_text(): to_hex(h.get_color()) for t, h in zip(ax.get_legend().get_texts(), ax.get_legend().legend_handles)}
    for (a, b), ann in zip(p.data["arrows"], annotations):
        assert to_hex(ann.arrow_patch.get_edgecolor()) == legend[f"{a} : {b}"]
    p2 = analogy_plot(model.vectors_, [("woman", "queen"), ("man", "king")])  # legend order differs from pair order
    ax = p2.figure().axes[0]
    legend = {t.get_text(): to_hex(h.get_color()) for t, h in zip(ax.get_legend().get_texts(), ax.get_legend().legend_handles)}
    anns = [c for c in ax.get_children() if type(c).__name__ == "Annotation"]
    assert [to_hex(a.arrow_patch.get_edgecolor()) for a in anns] == [legend["woman : queen"], legend["man : king"]]
    with pytest.raises(InvalidParameterError, match="at least two"):
        analogy_plot(model.vectors_, [("man", "king")])


def test_history_and_teaching_plots(model):
    h = history_plot(model.history_)
    assert h.data["loss"] == pytest.approx(model.loss_history_) and h.data["epochs"] == [1, 2]
    sub = subsampling_plot(model.vectors_, sample=1e-3)
    freq = np.array(sub.data["freq"])
    assert np.all(np.array(sub.data["keep"]) <= 1) and sub.data["labels"][0] == model.vectors_.keys[0]
    t = 1e-3
    np.testing.assert_allclose(sub.data["curve_keep"], np.minimum(1, (np.sqrt(np.array(sub.data["curve_freq"]) / t) + 1)
                                                                  * t / np.array(sub.data["curve_freq"])))
    assert freq.max() > 0.01
    n = noise_plot(model.vectors_, power=0.75)
    uni, noise = np.array(n.data["unigram"]), np.array(n.data["noise"])
    assert noise[0] < uni[0] and noise[-1] > uni[-1]  # flattened: frequent words down, rare words up
    for plot in (h, sub, n):
        fig = plot.figure()
        assert fig.axes and any(line.get_xydata().size for ax in fig.axes for line in ax.get_lines())


def test_html_is_self_contained_and_works_offline(model, tmp_path, browser):
    hostile = model.vectors_
    p = word_map(hostile, neighbors_of=["gold"], k=5)
    p.data["words"][1] = "<img src=x onerror=alert(1)>"  # a word that is HTML must stay text
    path = tmp_path / "map.html"
    p.save(path)
    text = path.read_text()
    # no external resources: no src/href/url(...)/@import pointing anywhere (the SVG namespace
    # identifier "http://www.w3.org/2000/svg" is a name, not a resource, and is allowed)
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//|url\(\s*["']?(https?:)?//|@import""", text)
    assert set(re.findall(r"https?://[^\s\"'<>]+", text)) <= {"http://www.w3.org/2000/svg"}
    page = browser.new_page()
    requests = []

    def guard(route):  # the page itself is a local file; anything else would be the network
        requests.append(route.request.url)
        return route.continue_() if route.request.url.startswith("file:") else route.abort()

    page.route("**/*", guard)
    page.goto(path.as_uri())
    page.wait_for_selector("svg#plot circle")
    assert page.locator("svg#plot circle").count() == len(p.data["words"])
    labels = page.locator("svg#plot text.label").all_text_contents()
    assert "<img src=x onerror=alert(1)>" in labels and page.locator("img").count() == 0
    assert [u for u in requests if not u.startswith("file:")] == []
    page.close()


def test_3d_map_rotates_and_zooms_in_chromium(model, tmp_path, browser):
    """``word_map(..., dim=3)`` saved as HTML draws every word; dragging rotates the points
    (their screen positions change, their order in depth too) and the wheel zooms (the spread
    grows); nothing is fetched. A screenshot is kept in test-artifacts/."""
    import os

    p = word_map(model.vectors_, top=60, dim=3)
    assert len(p.data["points"][0]) == 3
    path = tmp_path / "map3d.html"
    p.save(path)
    page = browser.new_page(viewport={"width": 1000, "height": 800})
    fetched = []
    page.route("**/*", lambda route: route.continue_() if route.request.url.startswith("file:")
               else (fetched.append(route.request.url), route.abort()))
    page.goto(path.as_uri())
    page.wait_for_selector("svg#plot circle")

    def positions():
        return page.eval_on_selector_all("svg#plot circle", "cs => cs.map(c => [c.dataset.word, "
                                                             "+c.getAttribute('cx'), +c.getAttribute('cy')])")

    before = {w: (x, y) for w, x, y in positions()}
    assert len(before) == 60 and "rotate" in page.inner_text(".note")
    box = page.locator("svg#plot").bounding_box()
    cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(cx, cy)
    page.mouse.down()
    page.mouse.move(cx + 150, cy + 60, steps=10)
    page.mouse.up()
    after = {w: (x, y) for w, x, y in positions()}
    moved = sum(abs(after[w][0] - before[w][0]) + abs(after[w][1] - before[w][1]) > 1 for w in before)
    assert moved > 50  # a rotation moves (nearly) every point on the screen
    spread = lambda pos: np.std([xy[0] for xy in pos.values()])  # noqa: E731
    page.mouse.wheel(0, -300)
    page.wait_for_timeout(100)
    zoomed = {w: (x, y) for w, x, y in positions()}
    assert spread(zoomed) > spread(after) * 1.1
    artifacts = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "test-artifacts")
    os.makedirs(artifacts, exist_ok=True)
    page.screenshot(path=os.path.join(artifacts, "map3d.png"))
    assert fetched == []
    page.close()


def test_projector_export(model, tmp_path):
    vp, mp = write_projector(model.vectors_, tmp_path / "proj", limit=50)
    from pathlib import Path

    rows = Path(vp).read_text().splitlines()
    meta = Path(mp).read_text().splitlines()
    assert len(rows) == 50 and len(rows[0].split("\t")) == 32 and meta[0] == "word\tcount"
    assert meta[1].split("\t")[0] == model.vectors_.keys[0] and len(meta) == 51
    np.testing.assert_allclose([float(x) for x in rows[3].split("\t")], model.vectors_.matrix[3], rtol=1e-5)


def test_cli(model, tmp_path, capsys):
    vec = tmp_path / "model"
    model.vectors_.save(vec)
    for argv in (["--neighbors-of", "gold", "-k", "5"], ["--top", "30", "--method", "tsne"], ["--words", "gold", "silver", "sheep"],
                 ["--analogy", "man", "king", "woman", "queen"], ["--history"], ["--subsampling"], ["--noise"]):
        for ext in ("png", "html"):
            out = tmp_path / f"p.{ext}"
            assert main(["plot", str(vec), *argv, "--out", str(out)]) == 0, argv
            assert out.stat().st_size > 1000
    capsys.readouterr()
    assert main(["plot", str(vec), "--top", "10", "--out", str(tmp_path / "x.jpg")]) == 1
    assert "must end in .png, .svg, .pdf or .html" in capsys.readouterr().err
    assert main(["plot", str(vec), "--analogy", "man", "king", "woman", "--out", str(tmp_path / "a.png")]) == 1
    assert main(["plot", str(vec), "--words", "gold", "zzzq", "--out", str(tmp_path / "a.png")]) == 1
    assert "not in the vocabulary" in capsys.readouterr().err
    assert main(["projector", str(vec), "--out", str(tmp_path / "pj"), "--limit", "20"]) == 0
    assert (tmp_path / "pj" / "metadata.tsv").read_text().count("\n") == 21


def test_analogy_plot_shows_the_offsets_as_they_are(model):
    """Two pairs are drawn in the plane their offsets span: the angle between the arrows is the
    angle between the offsets (unrelated pairs are not drawn parallel), each arrow has the
    offset's length, and the title gives the offset cosine."""
    v = model.vectors_
    for pairs in ([("man", "king"), ("woman", "queen")], [("man", "king"), ("gold", "sheep")]):
        p = analogy_plot(v, pairs)
        pts = {w: np.array(x) for w, x in zip(p.data["words"], p.data["points"])}
        arrows = [pts[b] - pts[a] for a, b in pairs]
        drawn = arrows[0] @ arrows[1] / np.linalg.norm(arrows[0]) / np.linalg.norm(arrows[1])
        u = v.normalized()
        true = [u[v.index_of(b)].astype(np.float64) - u[v.index_of(a)] for a, b in pairs]
        cos = true[0] @ true[1] / np.linalg.norm(true[0]) / np.linalg.norm(true[1])
        assert drawn == pytest.approx(cos, abs=1e-3) and p.data["offset_cosines"][0][1] == pytest.approx(cos, abs=1e-4)
        assert [np.linalg.norm(a) for a in arrows] == pytest.approx([np.linalg.norm(t) for t in true], abs=1e-3)
        assert f"offset cosine {cos:.2f}" in p.title and p.data["offset_shown"] == pytest.approx([1, 1], abs=1e-4)
    unrelated = analogy_plot(v, [("man", "king"), ("gold", "sheep")]).data["offset_cosines"][0][1]
    related = analogy_plot(v, [("man", "king"), ("woman", "queen")]).data["offset_cosines"][0][1]
    assert related > unrelated + 0.2
    three = analogy_plot(v, [("man", "king"), ("woman", "queen"), ("son", "daughter")])
    assert "offset cosines" in three.title and all(0 < s <= 1 + 1e-6 for s in three.data["offset_shown"])


def test_html_maps_have_a_colour_legend(model, tmp_path, browser):
    """A map coloured by group (the query words of --neighbors-of, projected with t-SNE) and an
    analogy plot name their colours in the HTML, as the images do."""
    page = browser.new_page()
    for name, plot, groups in (("tsne.html", word_map(model.vectors_, neighbors_of=["gold", "david"], k=5, method="tsne"),
                                2),
                               ("analogy.html", analogy_plot(model.vectors_, [("man", "king"), ("woman", "queen")]), 2)):
        path = tmp_path / name
        plot.save(path)
        page.goto(path.as_uri())
        page.wait_for_selector("svg#plot circle")
        assert page.locator("svg#plot rect.legend").count() == groups
        texts = page.locator("svg#plot text").all_text_contents()
        assert all(g in texts for g in {g for g in plot.data["groups"] if g is not None})
    page.close()
