"""How the epoch kernels are compiled: each epoch function once serially and once with
``prange`` in parallel, under names of their own, and, for the usual vector widths, again with
the width as a compile-time constant (the window updates of ``_kernels.windows`` twinned with
``DIM`` set). Every kernel module hands out its kernels through ``select(kind, parallel, dim)``
built by :func:`selector`.
"""

import functools
import types

from numba import njit

__all__ = ["SPECIALISED_DIMS", "twin", "variants", "width_namespace", "selector"]

#: Vector widths with kernels of their own (compiled on first use, then cached on disk).
SPECIALISED_DIMS = frozenset((50, 100, 128, 200, 256, 300))


def twin(fn, suffix, namespace=None):
    """A copy of ``fn`` under another qualified name (and, given ``namespace``, with those
    globals). Numba's on-disk cache is keyed by the qualified name, not by compile flags or
    globals: compiling one function object both serially and in parallel with ``cache=True``
    lets either variant load the other's machine code (seen here: the "serial" kernel ran blocks
    on two threads and lost bit-reproducibility), so every variant gets its own name."""
    glb = fn.__globals__ if namespace is None else namespace
    copy = types.FunctionType(fn.__code__, glb, fn.__name__ + suffix, fn.__defaults__, fn.__closure__)
    copy.__qualname__ = fn.__qualname__ + suffix
    copy.__doc__ = fn.__doc__
    return copy


def variants(fn, suffix="", namespace=None):
    """``(serial, parallel)``: ``fn`` compiled without and with ``prange`` threads."""
    return (njit(twin(fn, suffix + "_serial", namespace), cache=True, fastmath=True),
            njit(twin(fn, suffix + "_parallel", namespace), cache=True, fastmath=True, parallel=True))


@functools.lru_cache(maxsize=None)
def _width_windows(dim: int) -> dict:
    """The window updates compiled for vectors of ``dim``, under names of their own."""
    from . import windows

    namespace = dict(vars(windows))
    namespace["DIM"] = dim
    namespace["STACK"] = -(-dim // 16) * 16
    for name in ("sg_window", "cbow_window"):
        namespace[name] = njit(twin(vars(windows)[name].py_func, f"_d{dim}", namespace), cache=True, fastmath=True)
    return namespace


def width_namespace(module_globals: dict, dim: int) -> dict:
    """A copy of ``module_globals`` (a kernel module's) in which ``DIM`` is ``dim`` and the
    window updates are the copies compiled for that width: functions twinned into it are
    compiled for vectors of ``dim``."""
    windows = _width_windows(dim)
    namespace = dict(module_globals)
    namespace.update(DIM=dim, STACK=windows["STACK"], sg_window=windows["sg_window"],
                     cbow_window=windows["cbow_window"])
    return namespace


def selector(generic: dict, build_width):
    """``select(kind, parallel, dim=None)`` over ``generic`` (``kind -> (serial, parallel)``)
    and, for a width in ``SPECIALISED_DIMS``, ``build_width(dim) -> {kind: (serial, parallel)}``
    (kinds it lacks use the generic kernel)."""
    cached = functools.lru_cache(maxsize=None)(build_width)

    def select(kind: str, parallel: bool, dim: int | None = None):
        """The compiled epoch kernel of ``kind``, threaded or not; for vectors of ``dim`` in
        ``SPECIALISED_DIMS``, the copy compiled for that width."""
        pair = generic[kind]
        if dim in SPECIALISED_DIMS:
            pair = cached(dim).get(kind, pair)
        return pair[1 if parallel else 0]

    return select
