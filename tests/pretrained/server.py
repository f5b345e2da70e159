"""A real HTTP server on a loopback port for the download tests: it serves bytes by path, honours
Range requests, and can misbehave on purpose (drop the connection halfway, send wrong bytes,
answer 404 or 500, stall). It counts the requests it answers."""

from __future__ import annotations

import collections
import http.server
import threading
import time


class Behaviour:
    """How a path is served: ``drop_first`` connections are cut after half the body; ``fail_first``
    requests answer 503 (busy: transient); ``status`` answers every request with that status;
    ``stall`` seconds of silence after the first half; ``corrupt`` flips a byte; ``ranges``
    whether Range is honoured.

    Hostile ones: ``endless`` sends bytes without end and without a length; ``trickle`` sends one
    byte every that many seconds (never a gap long enough for a read timeout); ``redirect`` answers
    302 to that location (``file:///etc/passwd``, or its own path: a loop); ``always_416`` answers
    every ranged request 416 without saying the file's size; ``undeclared`` sends the body
    without a length and closes the connection after ``cut`` bytes of it (a cut at a line
    boundary looks whole)."""

    def __init__(self, data: bytes, drop_first: int = 0, fail_first: int = 0, status: int | None = None,
                 stall: float = 0.0, corrupt: bool = False, ranges: bool = True, endless: bool = False,
                 trickle: float = 0.0, redirect: str | None = None, always_416: bool = False,
                 undeclared: bool = False, cut: int | None = None):
        self.data, self.drop_first, self.fail_first, self.status = data, drop_first, fail_first, status
        self.stall, self.corrupt, self.ranges = stall, corrupt, ranges
        self.endless, self.trickle, self.redirect, self.always_416 = endless, trickle, redirect, always_416
        self.undeclared, self.cut = undeclared, cut


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):  # quiet
        pass

    def do_GET(self):  # noqa: N802 (http.server's name)
        srv = self.server
        with srv.lock:
            srv.requests[self.path] += 1
            srv.ranges_seen[self.path].append(self.headers.get("Range"))
            b = srv.files.get(self.path)
        if b is None:
            self.send_error(404)
            return
        if b.status is not None:
            self.send_error(b.status)
            return
        if b.fail_first > 0:
            b.fail_first -= 1
            self.send_error(503)
            return
        if self._hostile(b):
            return
        data = bytearray(b.data)
        if b.corrupt:
            data[len(data) // 2] ^= 0xFF
        start = 0
        rng = self.headers.get("Range")
        if rng and b.ranges and rng.startswith("bytes=") and rng.endswith("-"):
            start = int(rng[6:-1])
            if start >= len(data):
                self.send_response(416)
                self.send_header("Content-Range", f"bytes */{len(data)}")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
        else:
            self.send_response(200)
        body = bytes(data[start:])
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Accept-Ranges", "bytes")
        self.end_headers()
        if b.drop_first > 0 or b.stall:
            half = len(body) // 2
            self.wfile.write(body[:half])
            self.wfile.flush()
            if b.drop_first > 0:
                b.drop_first -= 1
                self.close_connection = True
                return  # the connection ends here: the client must resume with a Range request
            time.sleep(b.stall)
            self.wfile.write(body[half:])
            return
        self.wfile.write(body)


def _hostile(self, b) -> bool:
    """Serve ``b`` its hostile way; False when it has none."""
    try:
        if b.redirect is not None:
            self.send_response(302)
            self.send_header("Location", b.redirect)
            self.send_header("Content-Length", "0")
            self.end_headers()
        elif b.always_416 and self.headers.get("Range"):
            self.send_response(416)
            self.send_header("Content-Length", "0")
            self.end_headers()
        elif b.endless or b.trickle:
            self.send_response(200)
            self.send_header("Connection", "close")
            self.end_headers()
            self.close_connection = True
            chunk = b"0.5 " * 16384 if b.endless else b"7"
            while not self.server.stopping:
                self.wfile.write(chunk)
                self.wfile.flush()
                if b.trickle:
                    time.sleep(b.trickle)
        elif b.undeclared:
            self.send_response(200)
            self.send_header("Connection", "close")
            self.end_headers()
            self.close_connection = True
            self.wfile.write(b.data[: b.cut])
        else:
            return False
    except (BrokenPipeError, ConnectionResetError):  # the client gave up: what the test wants
        pass
    return True


_Handler._hostile = _hostile


class Server:
    """``with Server() as s: s.add("/x.gz", Behaviour(data)); s.url("/x.gz")``"""

    def __init__(self):
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.httpd.daemon_threads = True
        self.httpd.files = {}
        self.httpd.requests = collections.Counter()
        self.httpd.ranges_seen = collections.defaultdict(list)
        self.httpd.lock = threading.Lock()
        self.httpd.stopping = False
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.stopping = True
        self.httpd.shutdown()
        self.httpd.server_close()

    def add(self, path: str, behaviour: Behaviour) -> str:
        self.httpd.files[path] = behaviour
        return self.url(path)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}{path}"

    @property
    def requests(self):
        return self.httpd.requests

    @property
    def ranges_seen(self):
        return self.httpd.ranges_seen
