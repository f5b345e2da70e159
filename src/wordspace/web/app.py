"""The explorer: a FastAPI app over one :class:`wordspace.Vectors`, loaded once.

JSON API under ``/api`` (described at ``/openapi.json`` and ``/docs``), and one page at ``/``
with its script and style under ``/assets``. Every parameter is validated (lengths, ranges);
unknown words answer 404 with suggestions; other errors answer JSON, never a stack trace.
Calls only the public API of ``Vectors`` and ``wordspace.viz.project``.
"""

from __future__ import annotations

import bisect
import html
import threading
from importlib import resources
from typing import Annotated

import numpy as np

try:
    from fastapi import FastAPI, Query, Request
    from fastapi.exceptions import RequestValidationError
    from fastapi.responses import HTMLResponse, JSONResponse, Response
except ImportError:  # pragma: no cover - exercised only without the extra
    raise ImportError("wordspace.web requires FastAPI and uvicorn; install with pip install 'wordspace[web]'") from None

from .._validation import Options, check_param
from ..errors import InvalidParameterError, KeyNotFoundError, WordspaceError

__all__ = ["create_app", "MAX_K", "MAX_WORD"]

MAX_K = 100  # neighbours per answer
MAX_WORD = 100  # characters per word
MAX_WORDS = 20  # words in an odd-one-out query
ASSETS = {"app.js": "text/javascript; charset=utf-8", "app.css": "text/css; charset=utf-8"}
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; "
                               "frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}

Word = Annotated[str, Query(min_length=1, max_length=MAX_WORD, description="a key of the vectors")]
K = Annotated[int, Query(ge=1, le=MAX_K, description=f"answers, 1..{MAX_K}")]


def _static(name: str) -> str:
    return resources.files("wordspace.web").joinpath("static", name).read_text(encoding="utf-8")


class _Completer:
    """Prefix search over the keys: a sorted copy, built on first use (in a thread at start-up)."""

    def __init__(self, vectors, limit: int = 2_000_000):
        self.vectors = vectors
        self.limit = limit
        self._sorted = None
        self._lock = threading.Lock()

    def build(self):
        with self._lock:
            if self._sorted is None:
                n = min(len(self.vectors), self.limit)
                self._sorted = sorted(self.vectors.keys[:n])
        return self._sorted

    def __call__(self, prefix: str, n: int) -> list[str]:
        keys = self.build()
        i = bisect.bisect_left(keys, prefix)
        out = []
        while i < len(keys) and len(out) < n and keys[i].startswith(prefix):
            out.append(keys[i])
            i += 1
        return out


#: From this many keys on, the explorer searches with ``QuantizedIndex`` (int8 scan, exact
#: re-ranking): exact float32 search reads the whole matrix per query (1.2 GB for 1M x 300).
QUANTIZE_FROM = 200_000


#: Host names always accepted (a browser on this machine); others must be allowed explicitly, so
#: that a web page elsewhere cannot reach a loopback explorer through DNS rebinding.
LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")
MAX_ERROR_CHARS = 300  # error texts are cut to this: an error never echoes a large request back


def _host_name(header: str) -> str:
    """The host of a ``Host`` header, without its port (``[::1]:8000`` -> ``::1``)."""
    header = header.strip().lower()
    if header.startswith("["):
        return header[1 : header.find("]")] if "]" in header else header
    return header.rsplit(":", 1)[0] if header.count(":") == 1 else header


def _short(text: str) -> str:
    return text if len(text) <= MAX_ERROR_CHARS else text[: MAX_ERROR_CHARS - 3] + "..."


def create_app(vectors, title: str = "wordspace explorer", index="auto", allowed_hosts=()) -> FastAPI:
    """The app for ``vectors`` (opened once; native models stay memory-mapped).

    ``index``: "auto" (``QuantizedIndex`` from ``QUANTIZE_FROM`` keys on, else exact), "exact",
    "quantized", or an index object (see ``wordspace.index``). ``allowed_hosts``: host names the
    app answers besides this machine's loopback names (requests naming another ``Host`` get 400).
    Vectors holding NaN or infinity are refused here, before anything is served.
    """
    from ..index import ExactIndex, QuantizedIndex

    allowed = {h.lower().strip("[]") for h in (*LOCAL_HOSTS, *allowed_hosts)}
    app = FastAPI(title=title, version="1", description="Neighbours, analogies, similarity and maps of word vectors.",
                  docs_url=None, redoc_url=None)
    if index == "auto":
        index = "quantized" if len(vectors) >= QUANTIZE_FROM else "exact"
    if isinstance(index, str):
        check_param("index", index, [Options(("auto", "exact", "quantized"))], "create_app")
        index = QuantizedIndex() if index == "quantized" else ExactIndex()
    vectors.set_index(index).index()  # build it now, not during the first request
    # One query at a time: each already uses every core (compiled parallel kernels), and Numba's
    # fallback threading layer ("workqueue") must not be entered from two threads at once.
    compute = threading.Lock()
    complete = _Completer(vectors)
    threading.Thread(target=complete.build, daemon=True).start()

    @app.middleware("http")
    async def headers(request: Request, call_next):
        if _host_name(request.headers.get("host", "")) not in allowed:
            response = JSONResponse({"error": "this explorer does not answer for that host name; start it with "
                                              "--allow-host NAME to serve NAME"}, status_code=400)
        else:
            response = await call_next(request)
        response.headers.update(SECURITY_HEADERS)
        return response

    @app.exception_handler(KeyNotFoundError)
    async def unknown_word(request: Request, exc: KeyNotFoundError):
        word = exc.args[1] if len(exc.args) > 1 else None
        return JSONResponse({"error": _short(str(exc)), "suggestions": vectors.suggest(word) if word else []},
                            status_code=404)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError):
        errors = [{"loc": [str(x)[:MAX_WORD] for x in e.get("loc", ())][:5], "msg": _short(str(e.get("msg", ""))),
                   "type": str(e.get("type", ""))[:50]} for e in exc.errors()[:10]]  # the input is never echoed
        problems = "; ".join(f"{'.'.join(e['loc'][1:]) or 'request'}: {e['msg']}" for e in errors)
        return JSONResponse({"error": _short(problems), "detail": errors}, status_code=422)

    @app.exception_handler(WordspaceError)
    async def bad_parameter(request: Request, exc: WordspaceError):
        return JSONResponse({"error": _short(str(exc))}, status_code=422)

    @app.get("/docs", response_class=HTMLResponse, include_in_schema=False)
    def docs():
        """The API described on a page with no script: it works under the page's own policy."""
        rows = []
        for path, ops in app.openapi().get("paths", {}).items():
            for method, op in ops.items():
                params = ", ".join(f"{p['name']}{'' if p.get('required') else '?'}" for p in op.get("parameters", []))
                rows.append(f"<tr><td><code>{method.upper()} {html.escape(path)}</code></td><td><code>"
                            f"{html.escape(params)}</code></td><td>{html.escape(op.get('description') or op.get('summary') or '')}"
                            "</td></tr>")
        return HTMLResponse(f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{html.escape(app.title)} API"
                            "</title><link rel='stylesheet' href='/assets/app.css'></head><body><h1>"
                            f"{html.escape(app.title)} API</h1><p>JSON over GET; the machine-readable description is "
                            "<a href='/openapi.json'>/openapi.json</a>.</p><table><tr><th>request</th><th>parameters"
                            "</th><th>answer</th></tr>" + "".join(rows) + "</table></body></html>")

    @app.exception_handler(Exception)
    async def any_error(request: Request, exc: Exception):  # never a stack trace to the client
        return JSONResponse({"error": f"internal error ({type(exc).__name__})"}, status_code=500)

    def known(word: str) -> str:
        if word not in vectors:
            raise KeyNotFoundError(f"{word!r} is not in the vocabulary ({len(vectors):,} keys)", word)
        return word

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def page():
        return HTMLResponse(_static("index.html"))

    @app.get("/assets/{name}", include_in_schema=False)
    def asset(name: str):
        if name not in ASSETS:  # a fixed list: no paths, no traversal
            return JSONResponse({"error": "no such asset"}, status_code=404)
        return Response(_static(name), media_type=ASSETS[name])

    @app.get("/api/info")
    def info():
        """Size of the vocabulary, dimension and what the model says about itself."""
        meta = vectors.metadata or {}
        return {"keys": len(vectors), "dim": vectors.dim, "algorithm": meta.get("algorithm"),
                "subwords": vectors.subwords is not None, "max_k": MAX_K}

    @app.get("/api/complete")
    def autocomplete(prefix: Annotated[str, Query(min_length=1, max_length=MAX_WORD)],
                     n: Annotated[int, Query(ge=1, le=50)] = 10):
        """Keys that start with ``prefix``, in sorted order."""
        return {"prefix": prefix, "keys": complete(prefix, n)}

    @app.get("/api/neighbors")
    def neighbors(word: Word, k: K = 10):
        """The ``k`` nearest keys by cosine similarity."""
        known(word)
        with compute:
            near = vectors.most_similar(word, k=k)
        return {"word": word, "neighbors": [{"key": n.key, "score": n.score} for n in near]}

    @app.get("/api/analogy")
    def analogy(a: Word, b: Word, c: Word, k: K = 10,
                method: Annotated[str, Query(pattern="^(add|mul)$")] = "add"):
        """``a : b :: c : ?`` with 3CosAdd or 3CosMul."""
        for w in (a, b, c):
            known(w)
        with compute:
            ans = vectors.analogy(a, b, c, k=k, method=method)
        return {"a": a, "b": b, "c": c, "method": method, "answers": [{"key": n.key, "score": n.score} for n in ans]}

    @app.get("/api/similarity")
    def similarity(a: Word, b: Word):
        """Cosine similarity of two keys."""
        known(a)
        known(b)
        with compute:
            return {"a": a, "b": b, "similarity": vectors.similarity(a, b)}

    @app.get("/api/odd-one-out")
    def odd_one_out(words: Annotated[list[str], Query(min_length=1, max_length=MAX_WORDS,
                                                      description="3 to 20 words: words=a,b,c or words=a&words=b&...")]):
        """The word least like the others: 3 to 20 words, comma-separated (``words=a,b,c``) or
        as repeated ``words=``."""
        if len(words) == 1:
            words = words[0].split(",")
        words = [w.strip() for w in words]
        if not 3 <= len(words) <= MAX_WORDS:
            raise InvalidParameterError(f"give 3 to {MAX_WORDS} words (words=a,b,c); got {len(words)}")
        for w in words:
            if not 1 <= len(w) <= MAX_WORD:
                raise InvalidParameterError(f"each word must have 1 to {MAX_WORD} characters")
            known(w)
        with compute:
            return {"words": words, "odd": vectors.doesnt_match(words)}

    @app.get("/api/map")
    def neighbourhood_map(word: Word, k: Annotated[int, Query(ge=2, le=50)] = 15,
                          dim: Annotated[int, Query(ge=2, le=3)] = 2):
        """PCA coordinates (``dim`` 2 or 3: x, y and z) of ``word`` and its ``k`` nearest
        neighbours."""
        from ..viz.project import project

        known(word)
        with compute:
            near = vectors.most_similar(word, k=k)
            keys = [word] + [n.key for n in near]
            xyz = np.asarray(project(vectors, keys, method="pca", dim=dim))
        scores = [1.0] + [n.score for n in near]
        names = ("x", "y", "z")[:dim]
        return {"word": word, "dim": dim, "points": [{"key": w, **{a: float(v) for a, v in zip(names, row)}, "score": float(s)}
                                                     for w, row, s in zip(keys, xyz, scores)]}

    return app
