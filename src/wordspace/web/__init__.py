"""The web explorer (extra ``[web]``): ``create_app(vectors)`` builds a FastAPI app; ``serve``
runs it with uvicorn on loopback by default. The app itself is in ``wordspace.web.app``."""

from __future__ import annotations

__all__ = ["create_app", "serve"]


def create_app(vectors, title: str = "wordspace explorer"):
    from .app import create_app as _create

    return _create(vectors, title)


def serve(vectors, host: str = "127.0.0.1", port: int = 8000, log_level: str = "warning") -> None:
    """Serve ``vectors`` until interrupted. Binding to anything but loopback exposes the
    explorer to the network; the CLI says so when it happens."""
    try:
        import uvicorn
    except ImportError:
        raise ImportError("wordspace.web requires FastAPI and uvicorn; install with pip install 'wordspace[web]'") from None
    uvicorn.run(create_app(vectors), host=host, port=port, log_level=log_level)
