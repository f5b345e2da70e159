"""The web explorer over a real loopback socket (uvicorn): every endpoint, hostile and
malformed input (never a 500), escaping, and the page itself in headless Chromium."""

import json
import os
import socket
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

import numpy as np
import pytest

pytest.importorskip("fastapi")
uvicorn = pytest.importorskip("uvicorn")


from wordspace import Vectors, Word2Vec  # noqa: E402
from wordspace.web import create_app  # noqa: E402

HOSTILE = "<script>alert(1)</script>"
ARTIFACTS = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "test-artifacts")


@pytest.fixture(scope="module")
def vectors(demo_corpus):
    v = Word2Vec(dim=32, epochs=2, workers=2, progress=False).fit(demo_corpus).vectors_
    # add keys that are HTML and markup-ish, close to 'gold' so they show up in its neighbourhood
    extra = [HOSTILE, "a&b", '"quoted"']
    rows = np.stack([v["gold"] * 0.99 + 0.01 * v["silver"]] * 3)
    return Vectors(list(v.keys) + extra, np.concatenate([v.matrix, rows]), metadata=v.metadata)


@pytest.fixture(scope="module")
def server(vectors):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    srv = uvicorn.Server(uvicorn.Config(create_app(vectors), host="127.0.0.1", port=port, log_level="error"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    for _ in range(200):
        if srv.started:
            break
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(timeout=10)


def get(base, path, **params):
    query = urllib.parse.urlencode(params, doseq=True)
    try:
        with urllib.request.urlopen(f"{base}{path}{'?' + query if query else ''}", timeout=20) as r:
            return r.status, r.headers, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()


def test_endpoints(server, vectors):
    status, headers, body = get(server, "/api/neighbors", word="gold", k=5)
    res = json.loads(body)
    assert status == 200 and [n["key"] for n in res["neighbors"]] == [n.key for n in vectors.most_similar("gold", k=5)]
    assert "default-src 'self'" in headers["content-security-policy"] and headers["x-content-type-options"] == "nosniff"
    res = json.loads(get(server, "/api/analogy", a="man", b="king", c="woman", k=3, method="mul")[2])
    assert [n["key"] for n in res["answers"]] == [n.key for n in vectors.analogy("man", "king", "woman", k=3, method="mul")]
    res = json.loads(get(server, "/api/similarity", a="gold", b="silver")[2])
    assert res["similarity"] == pytest.approx(vectors.similarity("gold", "silver"), abs=1e-6)
    res = json.loads(get(server, "/api/odd-one-out", words=["gold", "silver", "brass", "sheep"])[2])
    assert res["odd"] == vectors.doesnt_match(["gold", "silver", "brass", "sheep"])
    res = json.loads(get(server, "/api/map", word="gold", k=8)[2])
    assert len(res["points"]) == 9 and res["points"][0]["key"] == "gold" and "z" not in res["points"][0]
    res3 = json.loads(get(server, "/api/map", word="gold", k=8, dim=3)[2])
    xyz = np.array([[p["x"], p["y"], p["z"]] for p in res3["points"]])
    assert res3["dim"] == 3 and xyz.shape == (9, 3) and xyz[:, 2].std() > 0
    np.testing.assert_allclose(np.abs(xyz[:, :2]), np.abs([[p["x"], p["y"]] for p in res["points"]]), atol=1e-5)
    res = json.loads(get(server, "/api/complete", prefix="gol", n=5)[2])
    assert res["keys"] and all(k.startswith("gol") for k in res["keys"])
    info = json.loads(get(server, "/api/info")[2])
    assert info["keys"] == len(vectors) and info["dim"] == 32
    spec = json.loads(get(server, "/openapi.json")[2])
    assert {"/api/neighbors", "/api/analogy", "/api/similarity", "/api/odd-one-out", "/api/map"} <= set(spec["paths"])


@pytest.mark.parametrize("path,params,status", [
    ("/api/neighbors", {"word": "goldd"}, 404),
    ("/api/neighbors", {"word": "gold", "k": 0}, 422),
    ("/api/neighbors", {"word": "gold", "k": 10**12}, 422),
    ("/api/neighbors", {"word": "gold", "k": "ten"}, 422),
    ("/api/neighbors", {"word": "x" * 10_000}, 422),
    ("/api/neighbors", {}, 422),
    ("/api/neighbors", {"word": "<b>not a word</b>"}, 404),
    ("/api/analogy", {"a": "man", "b": "king", "c": "woman", "method": "div"}, 422),
    ("/api/analogy", {"a": "man", "b": "king"}, 422),
    ("/api/odd-one-out", {"words": ["gold", "silver"]}, 422),
    ("/api/odd-one-out", {"words": ["gold"] * 50}, 422),
    ("/api/odd-one-out", {"words": ["gold", "silver", "y" * 200]}, 422),
    ("/api/map", {"word": "gold", "k": 51}, 422),
    ("/api/map", {"word": "gold", "dim": 4}, 422),
    ("/api/complete", {"prefix": ""}, 422),
    ("/api/similarity", {"a": "gold", "b": "\x00\u202e"}, 404),
])
def test_bad_and_hostile_input_is_answered_in_json(server, path, params, status):
    got, headers, body = get(server, path, **params)
    assert got == status
    assert headers["content-type"].startswith("application/json")
    assert "error" in json.loads(body)


def test_unknown_words_come_with_suggestions(server):
    status, _, body = get(server, "/api/neighbors", word="goldd")
    res = json.loads(body)
    assert status == 404 and "gold" in res["suggestions"] and "'goldd' is not in the vocabulary" in res["error"]


@pytest.mark.parametrize("path", ["/assets/../src/wordspace/cli.py", "/assets/..%2f..%2fsetup.py", "/assets/app.py",
                                  "/assets/%2e%2e%2fapp.py", "/../../etc/passwd", "/api/../../etc/passwd", "/assets/"])
def test_path_tricks(server, path):
    status, _, body = get(server, path)
    assert status == 404 and b"import" not in body and b"root:" not in body


def test_html_in_words_stays_data(server):
    status, headers, body = get(server, "/api/neighbors", word=HOSTILE, k=3)
    assert status == 200 and headers["content-type"].startswith("application/json")
    assert json.loads(body)["word"] == HOSTILE


def test_page_in_a_real_browser(server, browser):
    page = browser.new_page(viewport={"width": 1200, "height": 1100})
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("dialog", lambda d: (errors.append("dialog: " + d.message), d.dismiss()))
    page.goto(server + "/")
    page.wait_for_selector("#info:not(:empty)")  # selectors, not eval: the page's CSP forbids eval
    page.fill("#word", "gol")
    page.wait_for_selector("#completions option", state="attached")
    assert "gold" in [o.get_attribute("value") for o in page.query_selector_all("#completions option")]
    page.fill("#word", "gold")
    page.click("#search-form button")
    page.wait_for_selector("#neighbours li")
    items = page.locator("#neighbours li").count()
    assert items == 15 and page.locator("#map circle").count() == 16
    shown = page.locator("#map text").all_text_contents()
    assert shown[0] == "gold" and HOSTILE in shown  # the HTML key is shown as text...
    assert page.locator("#map script, #neighbours script").count() == 0  # ...and never parsed
    page.fill("#a", "man")
    page.fill("#b", "king")
    page.fill("#c", "woman")
    page.click("#analogy-form button")
    page.wait_for_selector("#analogy-answers li")
    assert page.locator("#analogy-answers li").count() == 10
    page.fill("#w1", "gold")
    page.fill("#w2", "silver")
    page.click("#compare-form button")
    page.locator("#similarity", has_text="cosine similarity of gold and silver").wait_for()
    page.fill("#word", "goldd")
    page.click("#search-form button")
    page.wait_for_selector("#search-error button")
    assert "gold" in page.locator("#search-error button").all_text_contents()
    page.fill("#word", "gold")
    page.click("#search-form button")
    page.wait_for_selector("#neighbours li")
    flat = page.eval_on_selector_all("#map circle", "cs => cs.map(c => [+c.getAttribute('cx'), +c.getAttribute('cy')])")
    radii = lambda: set(page.eval_on_selector_all("#map circle", "cs => cs.map(c => c.getAttribute('r'))"))  # noqa: E731

    def until(test):  # the page's policy forbids the string evaluation wait_for_function uses
        for _ in range(100):
            if test():
                return
            page.wait_for_timeout(50)
        raise AssertionError("the map did not change")

    page.check("#map3d")  # the same neighbourhood in 3-D: dragging rotates it, the wheel zooms
    until(lambda: radii() - {"4", "6"})  # 3-D circles are sized by depth
    where = lambda: sorted(page.eval_on_selector_all("#map circle", "cs => cs.map(c => [+c.getAttribute('cx'), "  # noqa: E731
                                                                    "+c.getAttribute('cy')])"))
    before = where()
    box = page.locator("#map").bounding_box()
    page.mouse.move(box["x"] + 200, box["y"] + 200)
    page.mouse.down()
    page.mouse.move(box["x"] + 320, box["y"] + 240, steps=8)
    page.mouse.up()
    after = where()
    assert len(after) == 16 and after != before and sorted(flat) != after
    page.mouse.wheel(0, -300)
    page.wait_for_timeout(100)
    assert np.std([x for x, _ in where()]) > np.std([x for x, _ in after])
    page.screenshot(path=os.path.join(ARTIFACTS, "explorer-3d.png")) if os.path.isdir(ARTIFACTS) else None
    page.uncheck("#map3d")
    until(lambda: radii() and radii() <= {"4", "6"})
    os.makedirs(ARTIFACTS, exist_ok=True)
    shot = os.path.join(ARTIFACTS, "explorer.png")
    page.screenshot(path=shot, full_page=True)
    assert os.path.getsize(shot) > 10_000 and errors == []
    page.close()


def test_odd_one_out_takes_comma_separated_words(server, vectors):
    status, _, body = get(server, "/api/odd-one-out", words="gold,silver,brass,sheep")
    res = json.loads(body)
    assert status == 200 and res["odd"] == vectors.doesnt_match(["gold", "silver", "brass", "sheep"])
    assert res["words"] == ["gold", "silver", "brass", "sheep"]
    assert get(server, "/api/odd-one-out", words="gold,silver")[0] == 422
    assert get(server, "/api/odd-one-out", words=",".join(["gold"] * 21))[0] == 422


def test_deep_links_open_what_they_name(server, vectors, browser):
    """/?word=, /?a=&b=&c=, /?w1=&w2= and /?odd= run their query as the page loads, and a query
    run from the forms puts its own link in the address bar."""
    page = browser.new_page(viewport={"width": 1200, "height": 1100})
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(server + "/?word=gold&k=7")
    page.wait_for_selector("#neighbours li")
    assert page.locator("#neighbours li").count() == 7 and page.input_value("#word") == "gold"
    page.goto(server + "/?a=man&b=king&c=woman")
    page.wait_for_selector("#analogy-answers li")
    first = vectors.analogy("man", "king", "woman", k=1)[0].key
    assert page.locator("#analogy-answers li").first.text_content().startswith(first)
    page.goto(server + "/?w1=gold&w2=silver")
    page.locator("#similarity", has_text="cosine similarity of gold and silver").wait_for()
    page.goto(server + "/?odd=gold,silver,brass,sheep")
    page.locator("#odd", has_text="odd one out").wait_for()
    assert page.locator("#odd").text_content().endswith(vectors.doesnt_match(["gold", "silver", "brass", "sheep"]))
    page.fill("#word", "silver")
    page.click("#search-form button")
    page.wait_for_selector("#neighbours li")
    assert "word=silver" in page.url
    assert errors == []
    page.close()


def _serve_process(model, tmp_path):
    """``wordspace serve MODEL`` as its own process on a free port; ``(process, base url, its log's path)``."""
    import subprocess
    import sys

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    err = tmp_path / "serve.err"
    with open(err, "wb") as fh:  # the server writes its log there; this process keeps no handle
        proc = subprocess.Popen([sys.executable, "-m", "wordspace.cli", "serve", str(model), "--port", str(port)],
                                stdout=subprocess.DEVNULL, stderr=fh)
    base = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            if get(base, "/api/info")[0] == 200:
                break
        except OSError:
            pass
        time.sleep(0.1)
    return proc, base, err


def test_a_flood_of_half_sent_connections_leaves_the_explorer_reachable(vectors, tmp_path):
    """1,000 connections that send half a request head and wait: the explorer still answers a
    real request at once (the oldest waiting connections are closed past 256, every one after
    10 s), and its log holds a few lines, not a traceback per connection."""
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and hard < 1200:
        pytest.skip(f"this process may open only {hard} files")
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(hard, 4096)), hard))
    vectors.save(tmp_path / "m")
    proc, base, err = _serve_process(tmp_path / "m", tmp_path)
    port = int(base.rsplit(":", 1)[1])
    socks = []
    try:
        for _ in range(1000):
            s = socket.create_connection(("127.0.0.1", port), timeout=10)
            s.sendall(b"GET /api/info HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
            socks.append(s)
        t0 = time.perf_counter()
        status, _, body = get(base, "/api/neighbors", word="gold", k=3)
        assert status == 200 and len(json.loads(body)["neighbors"]) == 3
        assert time.perf_counter() - t0 < 5
        assert proc.poll() is None
    finally:
        for s in socks:
            s.close()
        proc.terminate()
        proc.wait(timeout=30)
    log = err.read_bytes()
    assert len(log) < 4000 and b"Traceback" not in log, log[-2000:]


def test_the_explorer_survives_its_model_being_truncated_in_place(vectors, tmp_path):
    """``cp new.npy model/`` truncates the mapped file: the served copy is in memory, so the
    explorer keeps answering instead of dying of SIGBUS without a word."""
    vectors.save(tmp_path / "m")
    proc, base, err = _serve_process(tmp_path / "m", tmp_path)
    try:
        with open(tmp_path / "m" / "vectors.npy", "r+b") as fh:
            fh.truncate(128)
        status, _, body = get(base, "/api/neighbors", word="gold", k=3)
        assert status == 200 and proc.poll() is None
    finally:
        proc.terminate()
        proc.wait(timeout=30)


@pytest.mark.parametrize("port", ["0", "70000", "-1"])
def test_a_port_out_of_range_is_one_line(vectors, tmp_path, port, capsys):
    from wordspace.cli import main

    vectors.save(tmp_path / "m")
    assert main(["serve", str(tmp_path / "m"), "--port", port]) == 1
    assert "--port must be in 1..65535" in capsys.readouterr().err
