"""Progress reporting on stderr: a bar for work that can be counted (:func:`progress_bar`) and
a notice for a phase that cannot (:func:`phase`), so that nothing longer than two seconds runs
silently. Anything may import this module; it imports only tqdm (when a bar is made).
"""

from __future__ import annotations

import contextlib
import sys
import threading
import time

__all__ = ["progress_bar", "phase", "announce_compilation", "QUIET_AFTER"]

#: A phase that ends sooner than this many seconds prints nothing.
QUIET_AFTER = 2.0


def progress_bar(total: int, enabled: bool, desc: str, unit: str = "w"):
    """A tqdm bar on stderr counting ``unit`` (a no-op object when disabled)."""
    from tqdm.auto import tqdm

    return tqdm(total=total, unit=unit, unit_scale=True, file=sys.stderr, disable=not enabled,
                desc=desc, dynamic_ncols=True, mininterval=0.5, leave=True)


@contextlib.contextmanager
def phase(desc: str, enabled: bool = True, after: float = QUIET_AFTER):
    """Announce ``desc`` on stderr if the enclosed work is still running after ``after``
    seconds, and then say when it ended; quick phases stay silent."""
    if not enabled:
        yield
        return
    shown = threading.Event()
    t0 = time.perf_counter()

    def announce():
        shown.set()
        print(f"wordspace: {desc} ...", file=sys.stderr, flush=True)

    timer = threading.Timer(after, announce)
    timer.daemon = True
    timer.start()
    try:
        yield
    finally:
        timer.cancel()
        if shown.is_set():
            print(f"wordspace: {desc}: done in {time.perf_counter() - t0:.1f}s", file=sys.stderr, flush=True)


def announce_compilation(bar, kernel) -> None:
    """Say in ``bar`` what the wait is when ``kernel`` (a compiled dispatcher) has not run in this
    process yet: its first call compiles it, or loads it from the on-disk cache."""
    if not getattr(kernel, "signatures", True):
        bar.set_postfix_str("preparing the compiled kernels (slow on the very first run only)")
        bar.refresh()
