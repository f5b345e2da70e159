"""The web explorer (extra ``[web]``): ``create_app(vectors)`` builds a FastAPI app; ``serve``
runs it with uvicorn on loopback by default. The app itself is in ``wordspace.web.app``."""

from __future__ import annotations

import logging

__all__ = ["create_app", "serve", "require", "check_address"]


def require() -> None:
    """Raise ImportError with the install hint unless FastAPI and uvicorn are installed."""
    try:
        import fastapi  # noqa: F401
        import uvicorn  # noqa: F401
    except ImportError:
        raise ImportError("wordspace serve requires FastAPI and uvicorn; install with pip install 'wordspace[web]'") from None


def check_address(host: str, port: int) -> None:
    """Raise a wordspace error, before anything is loaded, when ``host:port`` cannot be served
    (a busy port, an address of another machine, a port out of range)."""
    import socket

    from ..errors import WordspaceError

    if not 1 <= port <= 65535:
        raise WordspaceError(f"--port must be in 1..65535, got {port}")
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise WordspaceError(f"cannot serve on {host}: {exc.strerror or exc}") from None
    family, _, _, _, addr = infos[0]
    with socket.socket(family, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(addr)
        except OSError as exc:
            reason = "the port is in use" if exc.errno in (98, 48, 10048) else (exc.strerror or str(exc))
            raise WordspaceError(f"cannot serve on {host}:{port}: {reason}; choose another with --port") from None


def create_app(vectors, title: str = "wordspace explorer", allowed_hosts=()):
    from .app import create_app as _create

    return _create(vectors, title, allowed_hosts=allowed_hosts)


#: Seconds a connection may take to send a whole request head (the request line and headers);
#: after that it is closed. A browser sends its head at once; a client that trickles it (or sends
#: half and waits) only holds a connection.
HEADER_TIMEOUT = 10.0
#: Open connections at most. Past this, the oldest connection still waiting for its request head
#: is closed, so a flood of idle, half-sent connections cannot make the explorer unreachable
#: (nor exhaust the process's file descriptors).
MAX_CONNECTIONS = 256


def serve(vectors, host: str = "127.0.0.1", port: int = 8000, log_level: str = "warning", allowed_hosts=()) -> None:
    """Serve ``vectors`` until interrupted. Binding to anything but loopback exposes the
    explorer to the network; the CLI says so when it happens. Requests are answered only for
    this machine's loopback names, ``host`` itself and ``allowed_hosts``. Connections are bounded
    in number (``MAX_CONNECTIONS``) and in the time they take to send a request head
    (``HEADER_TIMEOUT``), and the server's log says each kind of event in one line (then how
    often it recurs), never with a traceback per connection."""
    try:
        import uvicorn
    except ImportError:
        raise ImportError("wordspace.web requires FastAPI and uvicorn; install with pip install 'wordspace[web]'") from None
    hosts = (*allowed_hosts, host) if host not in ("0.0.0.0", "::", "") else tuple(allowed_hosts)
    config = uvicorn.Config(create_app(vectors, allowed_hosts=hosts), host=host, port=port, log_level=log_level,
                            http=guarded_protocol(), timeout_keep_alive=5, access_log=False)
    once = OncePerKind()
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access", "asyncio"):
        logging.getLogger(name).addFilter(once)
    uvicorn.Server(config).run()


class OncePerKind(logging.Filter):
    """One line per kind of event: the first record of each kind passes (without its traceback),
    later ones are counted and said again, with the count, at the 10th, 100th, 1,000th... A
    thousand broken connections are a line or three, not megabytes of tracebacks."""

    def __init__(self):
        super().__init__()
        self.seen: dict = {}

    def filter(self, record: logging.LogRecord) -> bool:
        key = (record.name, record.levelno, str(record.msg)[:120])
        n = self.seen.get(key, 0) + 1
        self.seen[key] = n
        record.exc_info, record.exc_text, record.stack_info = None, None, None
        if n == 1:
            return True
        if n in (10, 100, 1000) or (n > 1000 and n % 10_000 == 0):
            record.msg, record.args = f"{record.getMessage()} ({n:,} times so far)", ()
            return True
        return False


def guarded_protocol():
    """uvicorn's h11 protocol with the two bounds above."""
    import time

    from uvicorn.protocols.http.h11_impl import H11Protocol

    log = logging.getLogger("uvicorn.error")

    class GuardedH11Protocol(H11Protocol):
        waiting: dict = {}  # protocol -> when it began waiting for a request head (all connections)

        def connection_made(self, transport):
            super().connection_made(transport)
            self._await_head()
            if len(self.connections) > MAX_CONNECTIONS:
                others = [p for p in self.waiting if p is not self]
                if others:
                    oldest = min(others, key=self.waiting.__getitem__)
                    log.warning("more than %d connections: closed the oldest one still waiting for its request",
                                MAX_CONNECTIONS)
                    oldest._close_waiting()

        def _await_head(self):
            self.waiting[self] = time.monotonic()
            self._head_timer = self.loop.call_later(HEADER_TIMEOUT, self._too_slow)

        def _got_head(self):
            self.waiting.pop(self, None)
            timer = getattr(self, "_head_timer", None)
            if timer is not None:
                timer.cancel()
                self._head_timer = None

        def _close_waiting(self):
            self._got_head()
            self.transport.close()

        def _too_slow(self):
            if self in self.waiting:
                log.warning("closed a connection that sent no whole request within %.0f s", HEADER_TIMEOUT)
                self._close_waiting()

        def handle_events(self):
            before = self.cycle
            super().handle_events()
            if self.cycle is not before:  # a new request head arrived
                self._got_head()

        def on_response_complete(self):
            super().on_response_complete()
            if not self.transport.is_closing():  # keep-alive: the next request head gets its own deadline
                self._await_head()

        def connection_lost(self, exc):
            self._got_head()
            super().connection_lost(exc)

    return GuardedH11Protocol
