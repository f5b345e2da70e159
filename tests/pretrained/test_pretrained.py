"""Pretrained vectors by name, against a real HTTP server on a loopback port (tests/pretrained/
server.py): every format and compression, resumed downloads, wrong bytes, 404, 500, a stalled
connection, offline mode, trust on first use, two processes at once, the command line, the
Hugging Face cache, and the shipped catalogue itself."""

import gzip
import hashlib
import io
import json
import os
import subprocess
import sys
import zipfile

import numpy as np
import pytest

import wordspace
from wordspace import pretrained
from wordspace.cli import main
from wordspace.errors import FormatError

from .server import Behaviour, Server

KEYS = [f"w{i}" for i in range(50)] + ["king", "queen", "Köln"]


@pytest.fixture(scope="module")
def vectors():
    rng = np.random.default_rng(0)
    return wordspace.Vectors(KEYS, rng.normal(size=(len(KEYS), 8)).astype(np.float32))


def _file_bytes(vectors, tmp_path, fmt: str) -> bytes:
    path = tmp_path / ("v.bin" if fmt == "word2vec-binary" else "v.txt")
    vectors.save(path)
    data = path.read_bytes()
    if fmt == "glove-text":  # GloVe's files have no header
        data = data.split(b"\n", 1)[1]
    return data


def _compress(data: bytes, compression: str, member: str = "vectors.txt") -> bytes:
    if compression == "gzip":
        return gzip.compress(data)
    if compression == "zip":
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as zf:
            zf.writestr("README", "not the vectors")
            zf.writestr(member, data)
        return buf.getvalue()
    return data


@pytest.fixture
def hub(tmp_path, monkeypatch):
    """A server, an empty cache and a catalogue file that tests fill with ``add``."""
    monkeypatch.setenv("WORDSPACE_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("WORDSPACE_CATALOGUE", str(tmp_path / "catalogue.json"))
    monkeypatch.delenv("WORDSPACE_OFFLINE", raising=False)
    monkeypatch.setattr(pretrained, "BACKOFF", 0.05)
    models = {}

    class Hub:
        home = tmp_path / "home"

        def add(self, name, payload, fmt, compression="none", checksum="md5", member=None, behaviour=None, size=True):
            path = f"/{name}.{compression}"
            url = server.add(path, behaviour or Behaviour(payload))
            e = {"url": url, "format": fmt, "compression": compression, "md5": None, "sha256": None,
                 "size": len(payload) if size else None, "dim": 8, "vocab": len(KEYS), "licence": "test",
                 "description": f"test model {name}"}
            if checksum == "md5":
                e["md5"] = hashlib.md5(payload).hexdigest()
            elif checksum == "sha256":
                e["sha256"] = hashlib.sha256(payload).hexdigest()
            if member:
                e["member"] = member
            models[name] = e
            (tmp_path / "catalogue.json").write_text(json.dumps({"models": models}))
            return path

    with Server() as server:
        h = Hub()
        h.server = server
        yield h


CASES = [("word2vec-binary", "gzip"), ("word2vec-text", "none"), ("word2vec-text", "gzip"), ("glove-text", "zip"),
         ("fasttext-vec", "gzip"), ("word2vec-binary", "zip")]


@pytest.mark.parametrize("fmt,compression", CASES)
def test_each_format_and_compression_loads_by_name_then_from_the_cache(hub, vectors, tmp_path, fmt, compression):
    raw = _file_bytes(vectors, tmp_path, fmt)
    path = hub.add("m", _compress(raw, compression), fmt, compression, member="vectors.txt" if compression == "zip" else None)
    v = wordspace.load("m")
    assert list(v.keys) == KEYS
    np.testing.assert_allclose(v.matrix, vectors.matrix, rtol=1e-6)
    assert isinstance(v.matrix, np.memmap) and v.metadata["pretrained"]["name"] == "m"
    again = wordspace.load("m", limit=5)  # the cache: no second request, and limit keeps the first N
    assert hub.server.requests[path] == 1 and list(again.keys) == KEYS[:5]
    assert os.listdir(hub.home / "models") == ["m"] and not os.listdir(hub.home / "downloads")


def test_names_are_resolved_by_wordspace_load_and_vectors_load_says_so(hub, vectors, tmp_path):
    """Vectors.load and the io readers open paths; a name given to Vectors.load is refused
    before any request, pointing at wordspace.load."""
    path = hub.add("m", _compress(_file_bytes(vectors, tmp_path, "word2vec-text"), "none"), "word2vec-text", "none")
    with pytest.raises(FormatError, match=r"'m' does not exist; to open published vectors by name, use "
                                          r"wordspace.load\('m'\)"):
        wordspace.Vectors.load("m")
    assert hub.server.requests.get(path, 0) == 0
    assert list(wordspace.load("m").keys) == KEYS


def test_a_native_model_in_a_zip(hub, vectors, tmp_path):
    vectors.save(tmp_path / "model")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name in os.listdir(tmp_path / "model"):
            zf.write(tmp_path / "model" / name, f"model/{name}")
    hub.add("nat", buf.getvalue(), "native", "zip", checksum="sha256", member="model")
    v = wordspace.load("nat")
    assert list(v.keys) == KEYS and v.metadata["pretrained"]["name"] == "nat"
    bad = io.BytesIO()
    with zipfile.ZipFile(bad, "w") as zf:
        zf.writestr("model/../../escape.txt", "out of the folder")
    hub.add("evil", bad.getvalue(), "native", "zip", checksum="sha256", member="model")
    with pytest.raises(wordspace.FormatError, match="never holds"):
        wordspace.load("evil")
    assert not (hub.home / "escape.txt").exists() and not (tmp_path / "escape.txt").exists()


def test_split_parts_are_joined_and_the_bar_shows_bytes(hub, vectors, tmp_path, capsys):
    payload = _compress(_file_bytes(vectors, tmp_path, "word2vec-binary"), "gzip")
    half = len(payload) // 2
    p1 = hub.add("parts", payload[:half], "word2vec-binary", "gzip")
    url2 = hub.server.add("/parts.2", Behaviour(payload[half:]))
    cat = json.loads((tmp_path / "catalogue.json").read_text())
    e = cat["models"]["parts"]
    e.update(url=[e["url"], url2], md5=hashlib.md5(payload).hexdigest(), size=len(payload))
    (tmp_path / "catalogue.json").write_text(json.dumps(cat))
    assert main(["download", "parts"]) == 0
    err = capsys.readouterr().err
    assert "B/s" in err and "(1/2)" in err and "(2/2)" in err
    np.testing.assert_allclose(wordspace.load("parts").matrix, vectors.matrix)
    assert hub.server.requests[p1] == 1 and hub.server.requests["/parts.2"] == 1


def test_fasttext_bin_keeps_subwords(hub, tmp_path):
    from tests.fuzz.seeds import fasttext_bin

    with open(fasttext_bin(str(tmp_path)), "rb") as fh:
        raw = fh.read()
    hub.add("ft", gzip.compress(raw), "fasttext-bin", "gzip")
    v = wordspace.load("ft")
    assert v.subwords is not None and v["unseenword"].shape == (4,)


def test_a_dropped_connection_resumes_with_range(hub, vectors, tmp_path):
    payload = _compress(_file_bytes(vectors, tmp_path, "word2vec-binary"), "gzip")
    path = hub.add("m", payload, "word2vec-binary", "gzip", behaviour=Behaviour(payload, drop_first=1))
    v = wordspace.load("m")
    np.testing.assert_allclose(v.matrix, vectors.matrix)
    seen = hub.server.ranges_seen[path]
    assert seen[0] is None and seen[1] == f"bytes={len(payload) // 2}-"


def test_a_stalled_connection_times_out_and_resumes(hub, vectors, tmp_path, monkeypatch):
    monkeypatch.setenv("WORDSPACE_TIMEOUT", "0.5")
    payload = _file_bytes(vectors, tmp_path, "word2vec-text")
    path = hub.add("m", payload, "word2vec-text", behaviour=Behaviour(payload, stall=3.0))
    b = hub.server.httpd.files[path]
    b.stall = 3.0

    def unstall(*_):  # the second attempt is served normally
        b.stall = 0.0

    import threading

    threading.Timer(1.5, unstall).start()
    v = wordspace.load("m")
    assert list(v.keys) == KEYS and hub.server.requests[path] >= 2


@pytest.mark.parametrize("setting", ["abc", "0", "-5", "inf"])
def test_a_bad_timeout_setting_is_named_before_any_request(hub, vectors, tmp_path, monkeypatch, setting):
    monkeypatch.setenv("WORDSPACE_TIMEOUT", setting)
    path = hub.add("m", _file_bytes(vectors, tmp_path, "word2vec-text"), "word2vec-text")
    with pytest.raises(wordspace.InvalidParameterError, match="WORDSPACE_TIMEOUT"):
        wordspace.load("m")
    assert hub.server.requests.get(path, 0) == 0


@pytest.mark.parametrize("behaviour,match,requests", [
    (dict(corrupt=True), "does not match: MD5", 1),
    (dict(status=404), "404", 1),
    (dict(status=503), "failed 5 times", 5),
    (dict(status=500), "500", 1),
])
def test_failures_leave_nothing_in_the_cache(hub, vectors, tmp_path, behaviour, match, requests):
    payload = _compress(_file_bytes(vectors, tmp_path, "word2vec-text"), "gzip")
    path = hub.add("m", payload, "word2vec-text", "gzip", behaviour=Behaviour(payload, **behaviour))
    with pytest.raises(pretrained.DownloadError, match=match):
        wordspace.load("m")
    assert hub.server.requests[path] == requests
    assert not os.path.exists(hub.home / "models" / "m") and not os.listdir(hub.home / "downloads")


def test_transient_server_errors_are_retried(hub, vectors, tmp_path):
    payload = _file_bytes(vectors, tmp_path, "word2vec-text")
    path = hub.add("m", payload, "word2vec-text", behaviour=Behaviour(payload, fail_first=2))
    assert len(wordspace.load("m")) == len(KEYS) and hub.server.requests[path] == 3


def test_offline_mode_never_touches_the_network(hub, vectors, tmp_path, monkeypatch, capsys):
    payload = _file_bytes(vectors, tmp_path, "word2vec-text")
    path = hub.add("m", payload, "word2vec-text")
    monkeypatch.setenv("WORDSPACE_OFFLINE", "1")
    code = main(["neighbors", "m", "king"])
    err = capsys.readouterr().err
    assert code == 1 and "WORDSPACE_OFFLINE" in err and "not in the cache" in err and hub.server.requests[path] == 0
    monkeypatch.delenv("WORDSPACE_OFFLINE")
    wordspace.load("m")
    monkeypatch.setenv("WORDSPACE_OFFLINE", "1")
    assert len(wordspace.load("m")) == len(KEYS)  # cached models load offline


def test_trust_on_first_use(hub, vectors, tmp_path, capsys):
    payload = _file_bytes(vectors, tmp_path, "word2vec-text")
    path = hub.add("m", payload, "word2vec-text", checksum=None, size=False)
    assert main(["download", "m"]) == 0
    record = json.loads((hub.home / "trust" / "m.json").read_text())
    assert record["sha256"] == hashlib.sha256(payload).hexdigest()
    hub.server.httpd.files[path].data = payload.replace(b"king", b"kong")  # the publisher's file changed
    capsys.readouterr()
    assert main(["download", "m", "--force"]) == 1
    assert "first download" in capsys.readouterr().err
    assert "king" in wordspace.load("m")  # the verified model is still there


def test_free_disk_is_checked_before_starting(hub, vectors, tmp_path, monkeypatch):
    payload = _file_bytes(vectors, tmp_path, "word2vec-text")
    path = hub.add("m", payload, "word2vec-text")
    monkeypatch.setattr(pretrained.shutil, "disk_usage", lambda p: type("U", (), {"free": 10})())
    with pytest.raises(pretrained.DownloadError, match="free"):
        wordspace.load("m")
    assert hub.server.requests[path] == 0


def test_two_processes_download_once(hub, vectors, tmp_path):
    payload = _compress(_file_bytes(vectors, tmp_path, "word2vec-binary"), "gzip")
    path = hub.add("m", payload, "word2vec-binary", "gzip", behaviour=Behaviour(payload, stall=1.0))
    code = "import wordspace, sys; v = wordspace.load('m'); print(len(v))"
    procs = [subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(2)]
    outs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outs
    assert [o.strip() for o, _ in outs] == [str(len(KEYS))] * 2
    assert hub.server.requests[path] == 1


def test_models_and_download_commands(hub, vectors, tmp_path, capsys):
    payload = _file_bytes(vectors, tmp_path, "word2vec-text")
    hub.add("tiny-vectors", payload, "word2vec-text")
    assert main(["models", "--json", "--search", "TINY"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["name"] for r in rows] == ["tiny-vectors"] and rows[0]["cached"] is False and rows[0]["dim"] == 8
    assert main(["download", "tiny-vectors"]) == 0
    assert "tiny-vectors" in capsys.readouterr().out
    assert main(["models"]) == 0
    table = capsys.readouterr().out
    assert "tiny-vectors" in table and "yes" in table
    assert main(["neighbors", "tiny-vectors", "king", "-k", "2"]) == 0
    assert main(["download", "no-such-model"]) == 1
    assert "not in the catalogue" in capsys.readouterr().err


def test_an_existing_path_wins_over_a_name(hub, vectors, tmp_path, monkeypatch):
    payload = _file_bytes(vectors, tmp_path, "word2vec-text")
    path = hub.add("m", payload, "word2vec-text")
    monkeypatch.chdir(tmp_path)
    wordspace.Vectors(["a", "b"], np.eye(2, dtype=np.float32)).save(tmp_path / "m")
    assert list(wordspace.load("m").keys) == ["a", "b"] and hub.server.requests[path] == 0


def test_hugging_face_names_use_its_cache(tmp_path, vectors):
    """An hf: name resolved offline from a Hugging Face cache laid out as huggingface_hub lays it
    (in a fresh process: huggingface_hub reads its settings when it is imported)."""
    pytest.importorskip("huggingface_hub")
    cache = tmp_path / "hf"
    commit = "0" * 40
    snap = cache / "models--someone--vecs" / "snapshots" / commit
    snap.mkdir(parents=True)
    vectors.save(snap / "vectors.bin")
    (cache / "models--someone--vecs" / "refs").mkdir()
    (cache / "models--someone--vecs" / "refs" / "main").write_text(commit)
    env = {**os.environ, "HF_HUB_CACHE": str(cache), "HF_HUB_OFFLINE": "1", "WORDSPACE_HOME": str(tmp_path / "home")}
    code = ("import sys, wordspace, numpy as np\n"
            "v = wordspace.load('hf:someone/vecs/vectors.bin')\n"
            "np.save(sys.argv[1], np.asarray(v.matrix))\n"
            "try:\n    wordspace.load('hf:someone/other/vectors.bin')\n"
            "except wordspace.pretrained.DownloadError as e:\n    print('refused:', e)\n")
    out = subprocess.run([sys.executable, "-c", code, str(tmp_path / "m.npy")], env=env, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    np.testing.assert_array_equal(np.load(tmp_path / "m.npy"), vectors.matrix)
    assert "refused:" in out.stdout and "offline" in out.stdout
    assert os.listdir(tmp_path / "home" / "hf") == ["someone--vecs"]


def test_the_shipped_catalogue_is_well_formed():
    from urllib.parse import urlparse

    path = pretrained._builtin_catalogue()
    with open(path, encoding="utf-8") as fh:
        pairs = json.load(fh, object_pairs_hook=lambda kv: kv)  # keep duplicates visible
    models = dict(pairs)["models"]
    names = [n for n, _ in models]
    assert len(names) == len(set(names)), "duplicate names"
    for name, e in models:
        e = dict(e)
        pretrained.check_entry(name, e, path)
        for field in ("url", "format", "compression", "size", "dim", "vocab", "licence", "description"):
            assert field in e, (name, field)
        assert "md5" in e and "sha256" in e and e["checksum_published"] == bool(e["md5"] or e["sha256"])
        u = urlparse(e["url"])
        assert u.scheme == "https" and u.netloc and u.path, name
    names = set(names)
    gensim_models = {"word2vec-google-news-300", "glove-wiki-gigaword-50", "glove-wiki-gigaword-100",
                     "glove-wiki-gigaword-200", "glove-wiki-gigaword-300", "glove-twitter-25", "glove-twitter-50",
                     "glove-twitter-100", "glove-twitter-200", "fasttext-wiki-news-subwords-300",
                     "conceptnet-numberbatch-17-06-300", "word2vec-ruscorpora-300"}
    assert gensim_models <= names
    assert {"glove.6B.50d", "glove.42B.300d", "glove.840B.300d", "glove.twitter.27B.25d",
            "fasttext-crawl-300d-2M-subword", "fasttext-wiki-news-300d-1M", "numberbatch-en-19.08"} <= names
    assert len([n for n in names if n.startswith("cc.") and n.endswith(".300")]) >= 157
    assert {"cc.en.300", "cc.en.300.bin", "cc.ko.300.bin"} <= names


def test_a_host_that_cannot_be_reached_is_said_at_once_in_one_line(hub, vectors, tmp_path, capsys):
    """Nothing listens on the port: the connection is refused, which trying again does not
    change: one request, one short line, no promise to resume (nothing arrived)."""
    import socket
    import time

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # free once closed: connections to it are refused
    hub.add("m", b"x", "word2vec-text")
    cat = json.loads((tmp_path / "catalogue.json").read_text())
    cat["models"]["m"]["url"] = f"http://127.0.0.1:{port}/m.txt"
    (tmp_path / "catalogue.json").write_text(json.dumps(cat))
    t0 = time.perf_counter()
    assert main(["download", "m"]) == 1
    err = capsys.readouterr().err
    assert time.perf_counter() - t0 < 3 and len(err.strip().splitlines()) == 1 and len(err) < 200, err
    assert "cannot connect to '127.0.0.1'" in err and "nothing was downloaded" in err and "resume" not in err


def test_a_name_that_does_not_resolve_is_permanent():
    """The resolver's failure (socket.gaierror under urllib3's and requests' wrappers) is told
    apart from a dropped connection."""
    import requests
    import urllib3

    inner = socket_gaierror = __import__("socket").gaierror(-2, "Name or service not known")
    try:
        raise urllib3.exceptions.NewConnectionError(None, f"Failed to resolve: {inner}") from socket_gaierror
    except urllib3.exceptions.NewConnectionError as e:
        wrapped = requests.ConnectionError(urllib3.exceptions.MaxRetryError(None, "/x", e))
    assert "cannot resolve the host name 'example.org'" in pretrained._permanent_failure(wrapped, "https://example.org/x")
    assert pretrained._permanent_failure(requests.ConnectionError("Connection aborted."), "https://example.org/x") is None


# -- a hostile server ------------------------------------------------------------------------------
def _nothing_left(hub, name="m"):
    return not os.path.exists(hub.home / "models" / name) and not os.listdir(hub.home / "downloads")


def test_an_endless_body_stops_at_what_the_model_can_hold(hub, vectors, tmp_path):
    """No size anywhere: the entry's 53 keys of 8 numbers bound the file (about 1 MB, generous),
    and the endless body is cut there, in one line; nothing is kept to resume."""
    import time

    path = hub.add("m", b"", "glove-text", checksum="md5", size=False, behaviour=Behaviour(b"", endless=True))
    t0 = time.perf_counter()
    with pytest.raises(pretrained.DownloadError, match="without declaring its size, more than the model can hold"):
        wordspace.load("m")
    assert time.perf_counter() - t0 < 30 and hub.server.requests[path] == 1 and _nothing_left(hub)


def test_a_trickle_counts_as_a_stall(hub, vectors, monkeypatch):
    """One byte every 0.3 s never leaves a gap of WORDSPACE_TIMEOUT=1 s between two bytes, but
    fewer than 1 kB a second is a stall: retried, then refused; nothing is kept."""
    import time

    monkeypatch.setenv("WORDSPACE_TIMEOUT", "1")
    path = hub.add("m", b"", "glove-text", checksum="md5", size=False, behaviour=Behaviour(b"", trickle=0.3))
    t0 = time.perf_counter()
    with pytest.raises(pretrained.DownloadError, match=r"failed 5 times \(only \d+ bytes arrived in 1 s"):
        wordspace.load("m")
    assert time.perf_counter() - t0 < 40 and hub.server.requests[path] == 5 and _nothing_left(hub)


def test_a_gzip_bomb_stops_at_what_the_model_can_hold(hub, vectors, tmp_path):
    """The checksum matches (the publisher's own file is the bomb): 64 MB of zeros in 64 kB of
    gzip is stopped while unpacking at the entry's bound, and nothing is cached."""
    bomb = gzip.compress(b"\0" * (64 << 20), 9)
    hub.add("m", bomb, "glove-text", "gzip")
    with pytest.raises(pretrained.DownloadError, match="unpacks to more than"):
        wordspace.load("m")
    assert _nothing_left(hub)


@pytest.mark.parametrize("where,match", [("file:///etc/passwd", "not http"), (None, "in a loop")])
def test_redirects_elsewhere_or_in_a_loop_are_permanent(hub, vectors, tmp_path, where, match):
    payload = _file_bytes(vectors, tmp_path, "word2vec-text")
    path = hub.add("m", payload, "word2vec-text")
    hub.server.httpd.files[path] = Behaviour(payload, redirect=where or path)
    with pytest.raises(pretrained.DownloadError, match=match) as info:
        wordspace.load("m")
    assert "resume" not in str(info.value) and hub.server.requests[path] <= 31 and _nothing_left(hub)
    assert len(hub.server.requests) == 1  # one attempt: not retried for 15 s


def test_a_416_is_not_taken_for_the_end_of_a_download(hub, vectors, tmp_path):
    """The connection drops halfway; the server answers the resume with 416 and no size: what
    arrived is not taken as the whole file, the download starts again and is verified."""
    payload = _compress(_file_bytes(vectors, tmp_path, "word2vec-binary"), "gzip")
    path = hub.add("m", payload, "word2vec-binary", "gzip", behaviour=Behaviour(payload, drop_first=1, always_416=True))
    v = wordspace.load("m")
    np.testing.assert_allclose(v.matrix, vectors.matrix)
    assert hub.server.ranges_seen[path][:2] == [None, f"bytes={len(payload) // 2}-"] and hub.server.requests[path] == 3


def test_a_download_cut_short_without_a_length_is_not_pinned_as_trusted(hub, vectors, tmp_path):
    """No checksum, no size, no Content-Length: a body cut at a line boundary reads as a whole
    (smaller) GloVe file. It is used, with a warning, but its hash is not pinned, so the real file
    is accepted when it arrives whole."""
    payload = _file_bytes(vectors, tmp_path, "glove-text")
    cut = payload.index(b"\n", len(payload) // 2) + 1
    path = hub.add("m", payload, "glove-text", checksum=None, size=False, behaviour=Behaviour(payload, undeclared=True,
                                                                                             cut=cut))
    with pytest.warns(UserWarning, match="cannot be told from a whole one"):
        short = wordspace.load("m")
    assert len(short) < len(KEYS) and not (hub.home / "trust" / "m.json").exists()
    hub.server.httpd.files[path] = Behaviour(payload)
    pretrained.fetch("m", force=True, progress=False)
    assert len(wordspace.load("m")) == len(KEYS)
