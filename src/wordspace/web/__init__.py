"""The web explorer (extra ``[web]``): ``create_app(vectors)`` builds a FastAPI app; ``serve``
runs it with uvicorn on loopback by default. The app itself is in ``wordspace.web.app``."""

from __future__ import annotations

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

    if not 0 <= port <= 65535:
        raise WordspaceError(f"--port must be in 0..65535, got {port}")
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


def serve(vectors, host: str = "127.0.0.1", port: int = 8000, log_level: str = "warning", allowed_hosts=()) -> None:
    """Serve ``vectors`` until interrupted. Binding to anything but loopback exposes the
    explorer to the network; the CLI says so when it happens. Requests are answered only for
    this machine's loopback names, ``host`` itself and ``allowed_hosts``."""
    try:
        import uvicorn
    except ImportError:
        raise ImportError("wordspace.web requires FastAPI and uvicorn; install with pip install 'wordspace[web]'") from None
    hosts = (*allowed_hosts, host) if host not in ("0.0.0.0", "::", "") else tuple(allowed_hosts)
    uvicorn.run(create_app(vectors, allowed_hosts=hosts), host=host, port=port, log_level=log_level)
