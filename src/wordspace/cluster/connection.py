"""Reaching a Dask cluster: a ``distributed.Client`` given, a local cluster started
(``local:N``), or a running scheduler joined (``tcp://HOST:PORT``, probed first for Dask's
handshake so that another service there is one line, at once); its live workers; and the
results of actor calls whose workers may have died.
"""

from __future__ import annotations

import os
import time

from ..errors import ClusterError, InvalidParameterError

__all__ = ["connect", "workers_of", "wait_for_workers", "gather", "PROBE_SECONDS"]


def connect(cluster):
    """``(client, owned)`` for ``cluster``: a ``distributed.Client``, ``"tcp://HOST:PORT"`` of a
    running scheduler, or ``"local:N"`` (a local cluster of N worker processes, closed with the
    client when ``owned`` is true)."""
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise ImportError("training on a cluster needs Dask: pip install 'wordspace[cluster]'") from None
    if isinstance(cluster, Client):
        return cluster, False
    if not isinstance(cluster, str):
        raise InvalidParameterError(f"cluster must be 'local:N', a scheduler address such as tcp://HOST:PORT, or a "
                                    f"distributed.Client; got {type(cluster).__name__}", param="cluster")
    if cluster.startswith("local:"):
        try:
            n = int(cluster[6:])
        except ValueError:
            n = 0
        if n < 1:
            raise InvalidParameterError(f"cluster 'local:N' needs N >= 1 worker processes; got {cluster!r}",
                                        param="cluster")
        import logging

        threads = max(1, (os.cpu_count() or 1) // n)
        lc = LocalCluster(n_workers=n, threads_per_worker=threads, processes=True, dashboard_address=":0",
                          silence_logs=logging.CRITICAL)
        return Client(lc), True
    if "://" not in cluster:
        raise InvalidParameterError(f"cluster must be 'local:N' or a scheduler address such as tcp://HOST:PORT; got "
                                    f"{cluster!r}", param="cluster")
    if cluster.startswith("tcp://"):
        _probe_scheduler(cluster)
    try:
        return Client(cluster, timeout="20s"), True
    except (OSError, TimeoutError) as exc:
        raise ClusterError(f"cannot reach the Dask scheduler at {cluster}: {exc}; start one with 'dask scheduler' "
                           "and workers with 'dask worker ADDRESS'") from None


#: Seconds a scheduler has to greet a new connection (Dask's handshake comes at once).
PROBE_SECONDS = 5.0


def _probe_scheduler(address: str) -> None:
    """Refuse, in one line and within seconds, a ``tcp://`` address where no Dask scheduler
    listens. A Dask server greets every connection with its handshake (msgpack naming its
    ``pickle-protocol``) before anything is asked; an HTTP server waits silently for a request
    (Dask's client would then wait for minutes), and other services greet with their own bytes
    (which Dask's client reads as a frame length: an allocation of exabytes)."""
    import socket
    import time

    hostport = address[len("tcp://"):].rstrip("/")
    host, sep, port = hostport.rpartition(":")
    host = host.strip("[]")
    if not sep or not host or not port.isdigit() or not 1 <= int(port) <= 65535:
        raise InvalidParameterError(f"cluster address {address!r} is not tcp://HOST:PORT (a port in 1..65535)",
                                    param="cluster")
    try:
        sock = socket.create_connection((host, int(port)), timeout=PROBE_SECONDS)
    except OSError as exc:
        raise ClusterError(f"cannot reach the Dask scheduler at {address}: {exc.strerror or exc}; start one with 'dask "
                           "scheduler' and workers with 'dask worker ADDRESS'") from None
    data = b""
    try:
        deadline = time.monotonic() + PROBE_SECONDS
        while b"pickle-protocol" not in data and len(data) < 4096 and time.monotonic() < deadline:
            sock.settimeout(max(0.05, deadline - time.monotonic()))
            try:
                chunk = sock.recv(4096)
            except socket.timeout:
                break
            if not chunk:
                break
            data += chunk
    except OSError:
        pass
    finally:
        sock.close()
    if b"pickle-protocol" not in data:
        seen = f"it sent {data[:40]!r}" if data else f"it sent nothing within {PROBE_SECONDS:.0f} s (an HTTP server?)"
        raise ClusterError(f"{address} is not a Dask scheduler: {seen}; give the address 'dask scheduler' prints "
                           "(tcp://HOST:8786 by default)")


def workers_of(client) -> dict:
    """Live workers: address -> threads."""
    info = client.scheduler_info(n_workers=-1)["workers"] if _takes_n_workers(client) else client.scheduler_info()["workers"]
    return {addr: int(w.get("nthreads", 1)) for addr, w in sorted(info.items())}


def _takes_n_workers(client) -> bool:
    import inspect

    return "n_workers" in inspect.signature(client.scheduler_info).parameters


def wait_for_workers(client, timeout: float = 60.0) -> dict:
    t0 = time.perf_counter()
    while True:
        ws = workers_of(client)
        if ws:
            return ws
        if time.perf_counter() - t0 > timeout:
            raise ClusterError(f"the Dask cluster at {client.scheduler.address} has no workers (waited {timeout:.0f} s); "
                               "start some with 'dask worker ADDRESS'")
        time.sleep(0.2)




def gather(futures: list) -> tuple[list, list]:
    """Results of actor calls, and the positions of the ones that failed (their worker died)."""
    out, dead = [], []
    for k, f in enumerate(futures):
        try:
            out.append(f.result())
        except Exception:  # noqa: BLE001 (a lost worker surfaces as one of several comm errors)
            out.append(None)
            dead.append(k)
    return out, dead
