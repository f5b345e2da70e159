"""Published vectors by name: the catalogue, a safe resumable download, and a cache of native
models that later loads open in well under a second.

``wordspace.load("glove-wiki-gigaword-50")`` finds the name in the catalogue
(``data/catalogue.json``, or the file named by ``WORDSPACE_CATALOGUE``), downloads the file once
(HTTP Range resume, retries with backoff, a stall timeout, a lock so two processes never fetch
the same name at once, free disk checked first), verifies its checksum before anything is used,
reads it with the hardened readers (downloaded bytes are untrusted input) and converts it to the
native format under ``WORDSPACE_HOME``. ``hf:OWNER/REPO[/FILE]`` names go through
``huggingface_hub`` (its cache, offline mode and token). Nothing unverified is ever left where a
later load would use it.

Plumbing comes from well-kept libraries: ``requests`` (HTTP), ``filelock`` (the lock),
``platformdirs`` (the default cache folder), ``tqdm`` (the progress bar).
"""

from __future__ import annotations

import contextlib
import errno
import gzip
import hashlib
import json
import os
import shutil
import socket
import sys
import time
import zipfile
import zlib
from dataclasses import dataclass

from .errors import FormatError, InvalidParameterError, WordspaceError

__all__ = ["DownloadError", "IncompleteDownload", "catalogue", "cache_home", "is_model_name", "fetch", "cached_path", "list_models",
           "load", "FORMATS", "COMPRESSIONS"]

#: ``format`` values of a catalogue entry (the names ``--format`` uses), and the reader each needs
FORMATS = {"word2vec-binary": "word2vec-binary", "word2vec-text": "word2vec-text", "glove-text": "word2vec-text",
           "fasttext-vec": "word2vec-text", "fasttext-bin": "fasttext-bin", "native": "native"}
COMPRESSIONS = ("none", "gzip", "zip")
REQUIRED = ("url", "format", "compression")
HF_PREFIX = "hf:"
MAX_CATALOGUE_BYTES = 64 << 20

#: Seconds without a byte before a connection counts as stalled; attempts per download; the first
#: pause between attempts (doubled each time).
TIMEOUT = 30.0  # WORDSPACE_TIMEOUT overrides it
ATTEMPTS = 5
BACKOFF = 1.0
CHUNK = 1 << 20
#: Bytes a download may reach when neither the catalogue nor its entry's size says more.
MAX_DOWNLOAD = 64 << 30
#: A connection that delivers fewer bytes than this in WORDSPACE_TIMEOUT seconds counts as stalled
#: (a trickle of a byte a second never trips a timeout between two bytes).
STALL_BYTES = 1024


class DownloadError(WordspaceError, OSError):
    """A download failed (network, server, checksum) or is forbidden (offline mode)."""


class IncompleteDownload(DownloadError):
    """Every attempt ended early; what arrived is kept, and the next attempt resumes after it."""


# -- the catalogue -------------------------------------------------------------------------------
def _builtin_catalogue() -> str:
    return os.path.join(os.path.dirname(os.path.abspath(__file__)), "data", "catalogue.json")


def catalogue() -> dict:
    """``name -> entry`` of the catalogue in use: the file ``WORDSPACE_CATALOGUE`` names, or the
    one shipped with wordspace. Each entry is checked (``check_entry``)."""
    from .untrusted import parse_json, read_regular

    path = os.environ.get("WORDSPACE_CATALOGUE") or _builtin_catalogue()
    if not os.path.lexists(path):
        raise FormatError(f"catalogue '{path}' (WORDSPACE_CATALOGUE) does not exist")
    doc = parse_json(read_regular(path, "a catalogue of published vectors", MAX_CATALOGUE_BYTES),
                     f"catalogue '{path}'", "a catalogue of published vectors")
    if not isinstance(doc, dict) or not isinstance(doc.get("models"), dict):
        raise FormatError(f"catalogue '{path}' must be an object whose 'models' maps each name to its entry")
    for name, e in doc["models"].items():
        check_entry(name, e, path)
    return doc["models"]


def check_entry(name: str, e, where: str = "the catalogue") -> None:
    """Raise :class:`FormatError` unless ``e`` is a well-formed catalogue entry."""
    if not isinstance(name, str) or not name or name.startswith(HF_PREFIX) or "/" in name or name in (".", ".."):
        raise FormatError(f"{where}: {name!r} is not a usable model name")
    if not isinstance(e, dict):
        raise FormatError(f"{where}: the entry of {name!r} must be an object")
    missing = [k for k in REQUIRED if k not in e]
    if missing or not ("sha256" in e or "md5" in e):
        raise FormatError(f"{where}: the entry of {name!r} lacks {', '.join(missing) or 'sha256 or md5'}")
    urls = e["url"] if isinstance(e["url"], list) else [e["url"]]
    if not urls or not all(isinstance(u, str) and u.startswith(("http://", "https://")) for u in urls):
        raise FormatError(f"{where}: the url of {name!r} must be an http(s) URL or a list of them (split parts)")
    if e["format"] not in FORMATS:
        raise FormatError(f"{where}: {name!r} has format {e['format']!r}; one of {', '.join(FORMATS)}")
    if e["compression"] not in COMPRESSIONS:
        raise FormatError(f"{where}: {name!r} has compression {e['compression']!r}; one of {', '.join(COMPRESSIONS)}")
    if e["compression"] == "zip" and not isinstance(e.get("member"), str):
        raise FormatError(f"{where}: {name!r} is a zip archive, so it needs 'member', the file to read in it")
    for key, length in (("md5", 32), ("sha256", 64)):
        v = e.get(key)
        if v is not None and not (isinstance(v, str) and len(v) == length and all(c in "0123456789abcdef" for c in v)):
            raise FormatError(f"{where}: the {key} of {name!r} must be {length} lower-case hex digits or null")
    for key in ("size", "dim", "vocab"):
        v = e.get(key)
        if v is not None and (not isinstance(v, int) or isinstance(v, bool) or not 1 <= v <= 1 << 50):
            raise FormatError(f"{where}: the {key} of {name!r} must be a positive whole number or null")
    for key in ("description", "licence", "source", "member"):
        if e.get(key) is not None and not isinstance(e[key], str):
            raise FormatError(f"{where}: the {key} of {name!r} must be text or null")


def is_model_name(name) -> bool:
    """Whether ``name`` is a catalogue name or a Hugging Face ``hf:`` name (not a path)."""
    if not isinstance(name, str):
        return False
    if name.startswith(HF_PREFIX):
        return True
    try:
        return name in catalogue()
    except FormatError:
        return False


# -- the cache -----------------------------------------------------------------------------------
def cache_home() -> str:
    """``WORDSPACE_HOME``, or the platform's user cache folder for wordspace."""
    home = os.environ.get("WORDSPACE_HOME")
    if not home:
        import platformdirs

        home = platformdirs.user_cache_dir("wordspace", appauthor=False)
    return os.path.abspath(os.path.expanduser(home))


def _offline() -> bool:
    return os.environ.get("WORDSPACE_OFFLINE", "").strip().lower() not in ("", "0", "false", "no")


def _timeout() -> float:
    """Seconds without a byte before a connection counts as stalled (``WORDSPACE_TIMEOUT``)."""
    text = os.environ.get("WORDSPACE_TIMEOUT", "").strip()
    try:
        value = float(text) if text else TIMEOUT
    except ValueError:
        value = float("nan")
    if not 0 < value < float("inf"):
        raise InvalidParameterError(f"WORDSPACE_TIMEOUT={text!r} is not a number of seconds above 0; set it to "
                                    f"a number such as 60, or unset it for the default of {TIMEOUT:g}")
    return value


def _model_dir(name: str) -> str:
    return os.path.join(cache_home(), "models", name)


def cached_path(name: str) -> str | None:
    """The native model of ``name`` in the cache, or None when it is not there (complete)."""
    from .atomic import recover
    from .io.native import owns_native_dir

    path = _model_dir(name)
    recover(path)
    return path if owns_native_dir(path) else None


def list_models(search: str | None = None) -> list[dict]:
    """The catalogue as rows (name, size, dim, vocab, licence, cached, description), filtered by a
    case-insensitive ``search`` over names and descriptions."""
    rows = []
    for name, e in catalogue().items():
        text = f"{name} {e.get('description', '')} {e.get('source', '')}".lower()
        if search and search.lower() not in text:
            continue
        rows.append({"name": name, "size": e.get("size"), "dim": e.get("dim"), "vocab": e.get("vocab"),
                     "format": e["format"], "licence": e.get("licence"), "cached": cached_path(name) is not None,
                     "checksum": "sha256" if e.get("sha256") else "md5" if e.get("md5") else "first use",
                     "description": e.get("description", "")})
    for name, e in hub_models().items():  # static sentence models on the Hugging Face Hub, fetched by hf: name
        text = f"{name} {e.get('description', '')}".lower()
        if search and search.lower() not in text:
            continue
        rows.append({"name": name, "size": None, "dim": e.get("dim"), "vocab": e.get("vocab"), "format": e["format"],
                     "licence": e.get("licence"), "cached": False, "checksum": "the Hub's",
                     "description": e.get("description", "")})
    return rows


def hub_models() -> dict:
    """The catalogue's ``hub_models``: ``hf:`` names of published static sentence models (model2vec's
    potion models) with their dimension, licence and description."""
    from .untrusted import parse_json, read_regular

    path = os.environ.get("WORDSPACE_CATALOGUE") or _builtin_catalogue()
    doc = parse_json(read_regular(path, "a catalogue of published vectors", MAX_CATALOGUE_BYTES), f"catalogue '{path}'",
                     "a catalogue of published vectors")
    out = doc.get("hub_models", {}) if isinstance(doc, dict) else {}
    if not isinstance(out, dict) or not all(isinstance(k, str) and k.startswith(HF_PREFIX) and isinstance(v, dict)
                                            and isinstance(v.get("format"), str) for k, v in out.items()):
        raise FormatError(f"catalogue '{path}': 'hub_models' must map hf:OWNER/REPO names to entries with a format")
    return out


# -- downloading ---------------------------------------------------------------------------------
@dataclass
class _Expect:
    size: int | None
    md5: str | None
    sha256: str | None


def _trust_path(name: str) -> str:
    return os.path.join(cache_home(), "trust", name + ".json")


def _read_trust(name: str) -> dict | None:
    from .untrusted import parse_json, read_regular

    path = _trust_path(name)
    if not os.path.lexists(path):
        return None
    doc = parse_json(read_regular(path, "a trust record", 1 << 16), f"'{path}'", "a trust record")
    if not (isinstance(doc, dict) and isinstance(doc.get("sha256"), str) and len(doc["sha256"]) == 64):
        raise FormatError(f"'{path}' is damaged (no SHA-256 of the first download): delete it to trust the next "
                          "download of this model")
    return doc


def _write_trust(name: str, url, sha256: str, size: int) -> None:
    from .atomic import atomic_file

    path = _trust_path(name)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with atomic_file(path, "w") as fh:
        json.dump({"url": url, "sha256": sha256, "size": size, "recorded": time.strftime("%Y-%m-%dT%H:%M:%SZ",
                                                                                         time.gmtime())}, fh)


def _hash_file(path: str) -> tuple[str, str]:
    md5, sha = hashlib.md5(usedforsecurity=False), hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(CHUNK), b""):
            md5.update(block)
            sha.update(block)
    return md5.hexdigest(), sha.hexdigest()


def _byte_bar(total, desc: str, enabled: bool, initial: int = 0):
    from tqdm.auto import tqdm

    return tqdm(total=total, initial=initial, unit="B", unit_scale=True, unit_divisor=1024, file=sys.stderr,
                disable=not enabled, desc=desc, dynamic_ncols=True, mininterval=0.5, leave=True)


class _Transient(Exception):
    """A failure the next attempt may not meet (a dropped or stalled connection, a busy server)."""


def _download(url: str, dest: str, size: int | None, desc: str, progress: bool, limit: int | None = None):
    """Fetch ``url`` into ``dest`` (appending to what a previous attempt left, with a Range
    request), retrying transient failures with backoff. Returns ``(final size, whether the
    length was declared)`` (by the catalogue or the server; without it, a connection that closes
    early leaves a shorter file nobody can tell from the whole one).

    Transient: a connection dropped or stalled mid-body (no byte for ``WORDSPACE_TIMEOUT``
    seconds, or fewer than ``STALL_BYTES`` in that long: a trickle), 429, 502, 503, 504.
    Permanent, so said at once: a host that does not resolve or refuses the connection, a
    redirect loop or to another scheme, any other error status. A body is never allowed past
    its declared size, nor, undeclared, past ``limit`` bytes; what arrived is kept for a resume
    only when the file is known to have more (a declared size)."""
    import requests
    import urllib3

    pause = BACKOFF
    timeout = _timeout()
    declared = size
    last_error = None
    for attempt in range(1, ATTEMPTS + 1):
        have = os.path.getsize(dest) if os.path.exists(dest) else 0
        if declared is not None and have == declared:
            return have, True
        headers = {"Range": f"bytes={have}-"} if have else {}
        try:
            with requests.get(url, headers=headers, stream=True, timeout=(timeout, timeout)) as r:
                if r.status_code == 416 and have:  # the Range starts at or past the end: done only if it is the end
                    total = _total_length(r, 0)
                    if total is not None and total == have:
                        return have, True
                    os.unlink(dest)  # what we hold does not fit the file any more: start again
                    raise _Transient(f"{r.status_code} {r.reason} to a resume from byte {have:,}")
                if r.status_code in (429, 502, 503, 504):
                    raise _Transient(f"{r.status_code} {r.reason}")
                if r.status_code not in (200, 206):
                    hint = ": the file is not there; check the catalogue entry's url" if r.status_code in (
                        404, 403, 410) else ""
                    raise DownloadError(f"{url} answered {r.status_code} {r.reason}{hint}")
                resumed = r.status_code == 206
                if not resumed:
                    have = 0
                total = _total_length(r, have)
                if declared is not None and total is not None and total != declared:
                    raise DownloadError(f"{url} is {total:,} bytes, but the catalogue says {declared:,}: a different "
                                        "or damaged file; nothing was cached")
                declared = declared if declared is not None else total
                cap = declared if declared is not None else limit
                bar = _byte_bar(declared, desc, progress, have)
                try:
                    with open(dest, "ab" if resumed else "wb") as fh:
                        _receive(r, fh, bar, cap, url, timeout, declared is not None)
                finally:
                    bar.close()
            got = os.path.getsize(dest)
            if declared is None or got == declared:
                return got, declared is not None
            last_error = f"the connection ended after {got:,} of {declared:,} bytes"
        except (DownloadError, KeyboardInterrupt):
            raise
        except _Transient as exc:
            last_error = str(exc)
        except urllib3.exceptions.HTTPError as exc:  # the body broke off or stalled while streaming
            last_error = f"{type(exc).__name__}: {_first_line(exc)}"
        except requests.RequestException as exc:
            permanent = _permanent_failure(exc, url)
            if permanent:
                kept = os.path.getsize(dest) if os.path.exists(dest) else 0
                raise DownloadError(permanent + (f"; the {kept:,} bytes that arrived earlier are kept for the next try"
                                                 if kept and declared else "; nothing was downloaded")) from None
            last_error = f"{type(exc).__name__}: {_first_line(exc)}"
        except OSError as exc:
            if exc.errno == errno.ENOSPC:
                raise DownloadError(f"the disk holding '{dest}' is full; free some space or set WORDSPACE_HOME to "
                                    "another disk") from None
            last_error = f"{type(exc).__name__}: {_first_line(exc)}"
        if attempt < ATTEMPTS:
            time.sleep(pause)
            pause *= 2
    kept = os.path.getsize(dest) if os.path.exists(dest) else 0
    if kept and declared:
        raise IncompleteDownload(f"downloading {url} failed {ATTEMPTS} times ({last_error}); {kept:,} of {declared:,} "
                                 "bytes are kept: run the same command again to resume")
    raise DownloadError(f"downloading {url} failed {ATTEMPTS} times ({last_error}); nothing was kept")


def _first_line(exc) -> str:
    text = str(exc).strip()
    return text.splitlines()[0][:200] if text else ""


def _receive(r, fh, bar, cap: int | None, url: str, timeout: float, declared: bool) -> None:
    """Write the body of ``r`` to ``fh``: never past ``cap`` bytes, and a trickle (fewer than
    ``STALL_BYTES`` in ``timeout`` seconds) counts as a stall."""
    window_start, window_bytes = time.monotonic(), 0
    for block in _blocks(r):
        fh.write(block)
        bar.update(len(block))
        if cap is not None and fh.tell() > cap:
            fh.truncate(0)
            what = f"its declared {cap:,} bytes" if declared else (
                f"{cap:,} bytes without declaring its size, more than the model can hold")
            raise DownloadError(f"{url} sent more than {what}; nothing was kept")
        window_bytes += len(block)
        now = time.monotonic()
        if now - window_start >= timeout:
            if window_bytes < STALL_BYTES:
                raise _Transient(f"only {window_bytes} bytes arrived in {now - window_start:.0f} s (WORDSPACE_TIMEOUT)")
            window_start, window_bytes = now, 0


def _permanent_failure(exc, url: str) -> str | None:
    """A one-line reason when ``exc`` cannot go away by trying again: the host does not resolve
    or refuses connections, a redirect loops or leaves HTTP(S), the URL is malformed."""
    import urllib.parse

    import requests
    import urllib3

    host = urllib.parse.urlsplit(url).hostname or url
    if isinstance(exc, requests.TooManyRedirects):
        return f"{url} redirects in a loop"
    if isinstance(exc, (requests.exceptions.InvalidSchema, requests.exceptions.MissingSchema)):
        return f"{url} redirects to a location that is not http(s) ({_first_line(exc)[:80]})"
    if isinstance(exc, (requests.exceptions.InvalidURL, requests.exceptions.InvalidHeader)):
        return f"{url} cannot be fetched: {_first_line(exc)[:120]}"
    if not isinstance(exc, requests.ConnectionError) or isinstance(exc, requests.exceptions.ChunkedEncodingError):
        return None
    seen, e = set(), exc
    while e is not None and id(e) not in seen:  # the cause, however requests and urllib3 wrapped it
        seen.add(id(e))
        if isinstance(e, socket.gaierror) or type(e).__name__ == "NameResolutionError":
            return f"cannot resolve the host name '{host}' (no network, or a wrong name)"
        if isinstance(e, (urllib3.exceptions.NewConnectionError, ConnectionRefusedError)):
            text = str(e)
            if "Name or service not known" in text or "getaddrinfo" in text or "nodename" in text:
                return f"cannot resolve the host name '{host}' (no network, or a wrong name)"
            return f"cannot connect to '{host}' ({text.rsplit(':', 1)[-1].strip()[:60] or 'refused'})"
        if isinstance(e, urllib3.exceptions.ConnectTimeoutError):
            return f"cannot connect to '{host}': no answer within WORDSPACE_TIMEOUT"
        nxt = getattr(e, "reason", None)
        if not isinstance(nxt, BaseException):
            nxt = next((a for a in getattr(e, "args", ()) if isinstance(a, BaseException)), None)
        e = nxt or e.__cause__ or e.__context__
    return None


def _blocks(r):
    """The body in blocks as they arrive (``read1``): when the connection drops, every byte that
    did arrive has been yielded, so the next attempt resumes after it."""
    raw = r.raw
    read1 = getattr(raw, "read1", None)
    if read1 is None:  # pragma: no cover - urllib3 1.x
        yield from r.iter_content(CHUNK)
        return
    while True:
        block = read1(CHUNK)
        if not block:
            return
        yield block


def _total_length(r, offset: int) -> int | None:
    rng = r.headers.get("Content-Range", "")
    if "/" in rng and rng.rsplit("/", 1)[1].strip().isdigit():
        return int(rng.rsplit("/", 1)[1])
    length = r.headers.get("Content-Length")
    return offset + int(length) if length and length.isdigit() else None


def _max_download() -> int:
    """Bytes a download of unknown size may reach (``WORDSPACE_MAX_DOWNLOAD``, default 64 GiB)."""
    text = os.environ.get("WORDSPACE_MAX_DOWNLOAD", "").strip()
    try:
        value = int(float(text)) if text else MAX_DOWNLOAD
    except (ValueError, OverflowError):
        value = 0
    if value < 1:
        raise InvalidParameterError(f"WORDSPACE_MAX_DOWNLOAD={text!r} is not a number of bytes above 0; set it to a "
                                    f"number such as 2e10, or unset it for the default of {MAX_DOWNLOAD:,}")
    return value


def size_bound(e: dict) -> int:
    """The most bytes the file of catalogue entry ``e`` can hold, unpacked (its download, compressed,
    is smaller): its stated size when the publisher states one, else what ``vocab`` keys of ``dim``
    numbers can take in its format (generous: long keys, 32 characters per number in text, a
    fastText model's n-gram buckets and output matrix), else ``WORDSPACE_MAX_DOWNLOAD``. A body
    or an unpacked archive past it is refused: an endless response or a decompression bomb
    stops there instead of filling the disk."""
    vocab, dim, fmt = e.get("vocab"), e.get("dim"), e.get("format")
    if not vocab or not dim:
        return _max_download()
    keys = vocab * 1024
    if fmt == "word2vec-binary":
        body = vocab * (4 * dim + 2)
    elif fmt == "fasttext-bin":
        body = 2 * (vocab + 4_000_000) * dim * 4
    elif fmt == "native":
        body = 2 * vocab * dim * 4
    else:
        body = vocab * dim * 32
    return min(_max_download(), keys + body + (1 << 20))


def _check_disk(path: str, need: int | None, name: str) -> None:
    if not need:
        return
    os.makedirs(path, exist_ok=True)
    free = shutil.disk_usage(path).free
    if free < need:
        raise DownloadError(f"{name} needs about {need / 2**30:.1f} GiB in '{path}' (download and conversion), but only "
                            f"{free / 2**30:.1f} GiB are free; free some space or set WORDSPACE_HOME to another disk")


def _unpack(archive: str, e: dict, work: str, name: str) -> str:
    """The file to read: ``archive`` itself, its gzip stream, or its zip member, written beside
    it (bounded by the free disk, so a decompression bomb cannot fill it)."""
    comp = e["compression"]
    if comp == "none":
        return archive
    out = os.path.join(work, "unpacked")
    free = min(shutil.disk_usage(work).free, size_bound(e))  # a bomb stops at what the model can hold
    if e.get("format") == "native":
        return _unpack_native(archive, e, out, free, name)
    try:
        if comp == "gzip":
            src = gzip.open(archive, "rb")
        else:
            zf = zipfile.ZipFile(archive)
            try:
                info = zf.getinfo(e["member"])
            except KeyError:
                raise FormatError(f"the archive of {name} holds no member {e['member']!r}; members: "
                                  f"{', '.join(zf.namelist()[:5])}") from None
            if info.file_size > free:
                raise DownloadError(f"{name}: {e['member']} unpacks to {info.file_size:,} bytes; at most {free:,} are "
                                    "free or possible for this model")
            src = zf.open(info)
        with src, open(out, "wb") as dst:
            written = 0
            for block in iter(lambda: src.read(CHUNK), b""):
                written += len(block)
                if written > free:
                    raise DownloadError(f"{name} unpacks to more than {free:,} bytes, more than the disk has free or "
                                        "the model can hold (a damaged or hostile archive); nothing was cached")
                dst.write(block)
    except DownloadError:  # (an OSError too) a bound was met: said as it is
        raise
    except (OSError, EOFError, zipfile.BadZipFile, zlib.error) as exc:
        raise FormatError(f"the downloaded file of {name} cannot be unpacked as {comp} ({exc})") from None
    return out


def _unpack_native(archive: str, e: dict, out: str, free: int, name: str) -> str:
    """A native model directory from a zip archive: the members under ``member/`` (regular files
    only, no absolute paths, no ``..``, no links), their total size bounded by the free disk."""
    if e["compression"] != "zip":
        raise FormatError(f"{name}: a native model is a directory, so it is published as a zip archive (compression "
                          f"'zip', member the folder); the catalogue says {e['compression']!r}")
    prefix = e["member"].rstrip("/") + "/"
    try:
        with zipfile.ZipFile(archive) as zf:
            members = [i for i in zf.infolist() if i.filename.startswith(prefix) and not i.is_dir()]
            if not members:
                raise FormatError(f"the archive of {name} holds no folder {e['member']!r}")
            if sum(i.file_size for i in members) > free:
                raise DownloadError(f"{name} unpacks to more than the {free:,} free bytes; free some space")
            os.makedirs(out)
            for info in members:
                rel = info.filename[len(prefix):]
                is_link = (info.external_attr >> 16) & 0o170000 == 0o120000
                if not rel or "/" in rel or rel in (".", "..") or "\\" in rel or is_link:
                    raise FormatError(f"the archive of {name} holds {info.filename!r}, which a model folder never "
                                      "holds (a nested path or a link)")
                with zf.open(info) as src, open(os.path.join(out, rel), "wb") as dst:
                    shutil.copyfileobj(src, dst, CHUNK)
    except DownloadError:  # (an OSError too) a bound was met: said as it is
        raise
    except (OSError, EOFError, zipfile.BadZipFile, zlib.error) as exc:
        raise FormatError(f"the downloaded file of {name} cannot be unpacked as zip ({exc})") from None
    return out


def fetch(name: str, *, force: bool = False, progress: bool = True) -> str:
    """The cached native model of a catalogue or ``hf:`` name, downloading and converting it first
    when needed; returns its path. ``force`` downloads again (a published checksum, or the one
    recorded at the first download, must still match)."""
    if name.startswith(HF_PREFIX):
        return _fetch_hf(name, force=force, progress=progress)
    models = catalogue()
    if name not in models:
        import difflib

        close = difflib.get_close_matches(name, list(models), n=3)
        raise InvalidParameterError(f"{name!r} is not in the catalogue ({len(models)} models; 'wordspace models' lists "
                                    "them)" + (". Did you mean " + ", ".join(map(repr, close)) + "?" if close else ""))
    e = models[name]
    if not force and cached_path(name):
        return cached_path(name)
    if _offline():
        raise DownloadError(f"{name} is not in the cache ('{cache_home()}') and WORDSPACE_OFFLINE forbids downloading "
                            "it; run 'wordspace download " + name + "' where the network is reachable")
    import filelock

    home = cache_home()
    os.makedirs(os.path.join(home, "locks"), exist_ok=True)
    with filelock.FileLock(os.path.join(home, "locks", name + ".lock")):
        if not force and cached_path(name):  # another process fetched it while we waited
            return cached_path(name)
        return _fetch_locked(name, e, progress)


def _fetch_locked(name: str, e: dict, progress: bool) -> str:
    home = cache_home()
    work = os.path.join(home, "downloads", name)
    os.makedirs(work, exist_ok=True)
    urls = e["url"] if isinstance(e["url"], list) else [e["url"]]
    size = e.get("size")
    native_guess = (e.get("vocab") or 0) * ((e.get("dim") or 0) * 4 + 16)
    _check_disk(work, (size or 0) * (4 if e["compression"] != "none" else 2) + native_guess or None, name)
    parts = []
    bound = size_bound(e)
    declared = True
    try:
        for i, url in enumerate(urls):
            part = os.path.join(work, f"part{i}.download")
            _, known = _download(url, part, size if len(urls) == 1 else None,
                                 name + (f" ({i + 1}/{len(urls)})" if len(urls) > 1 else ""), progress, limit=bound)
            declared = declared and (known or size is not None)
            parts.append(part)
    except BaseException as exc:
        # bytes that arrived stay for the next attempt to resume (loads never read them); a
        # refused download (404, wrong size) or one that brought nothing leaves no trace
        resumable = isinstance(exc, (IncompleteDownload, KeyboardInterrupt))
        if not resumable or not any(os.path.getsize(os.path.join(work, f)) for f in os.listdir(work)):
            shutil.rmtree(work, ignore_errors=True)
        raise
    archive = parts[0]
    if len(parts) > 1:  # split parts are one file
        archive = os.path.join(work, "joined.download")
        with open(archive, "wb") as out:
            for p in parts:
                with open(p, "rb") as fh:
                    shutil.copyfileobj(fh, out, CHUNK)
    try:
        got = os.path.getsize(archive)
        md5, sha = _hash_file(archive)
        trusted = _read_trust(name)
        problems = []
        if size is not None and got != size:
            problems.append(f"{got:,} bytes where the catalogue says {size:,}")
        if e.get("md5") and md5 != e["md5"]:
            problems.append(f"MD5 {md5} where the publisher's is {e['md5']}")
        if e.get("sha256") and sha != e["sha256"]:
            problems.append(f"SHA-256 {sha} where the publisher's is {e['sha256']}")
        if not e.get("md5") and not e.get("sha256") and trusted and trusted["sha256"] != sha:
            problems.append(f"SHA-256 {sha} where the first download (recorded {trusted.get('recorded', '?')}) had "
                            f"{trusted['sha256']}: the file changed since")
        if problems:
            raise DownloadError(f"the download of {name} does not match: {'; '.join(problems)}. Nothing was cached; "
                                "try again later, or report the catalogue entry if it persists")
        readable = _unpack(archive, e, work, name)
        fmt = FORMATS[e["format"]]
        from .progress import phase
        from .vectors import Vectors

        with phase(f"converting {name} to the native format", progress):
            vectors = Vectors.load(readable, format=fmt)
            vectors.metadata = {**vectors.metadata, "pretrained": {"name": name, "url": e["url"], "sha256": sha,
                                                                   "licence": e.get("licence"),
                                                                   "description": e.get("description")}}
            os.makedirs(os.path.join(home, "models"), exist_ok=True)
            vectors.save(_model_dir(name), format="native")
        if not e.get("md5") and not e.get("sha256") and not trusted:
            if declared:
                _write_trust(name, e["url"], sha, got)  # trust on first use: every later download must match
            else:  # a body cut short at a line boundary reads as whole: pinning its hash would refuse the real file
                import warnings

                warnings.warn(f"{name}: the server did not state the file's length and the catalogue has no checksum, "
                              "so a cut-short download cannot be told from a whole one; its hash is not recorded as "
                              "trusted", stacklevel=2)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)  # nothing unverified or half-converted stays behind
        raise
    shutil.rmtree(work, ignore_errors=True)
    return _model_dir(name)


# -- Hugging Face Hub ------------------------------------------------------------------------------
_VECTOR_SUFFIXES = (".bin", ".vec", ".txt", ".gz", ".w2v", ".kv.vectors.npy")


def _fetch_hf(name: str, *, force: bool, progress: bool) -> str:
    """``hf:OWNER/REPO[/FILE]``: the file through huggingface_hub (its cache, ``HF_HUB_OFFLINE``,
    token), then converted to native once, keyed by the snapshot it came from."""
    try:
        from huggingface_hub import HfApi, hf_hub_download
    except ImportError:
        raise ImportError("hf: names need huggingface_hub; install with pip install 'wordspace[hub]'") from None
    spec = name[len(HF_PREFIX):].strip("/")
    parts = spec.split("/")
    if len(parts) < 2 or not all(parts):
        raise InvalidParameterError(f"{name!r} is not a Hugging Face name; write hf:OWNER/REPO or hf:OWNER/REPO/FILE")
    repo, filename = "/".join(parts[:2]), "/".join(parts[2:]) or None
    offline = _offline() or os.environ.get("HF_HUB_OFFLINE", "").strip() not in ("", "0")
    try:
        if filename is None:
            listed = HfApi().list_repo_files(repo) if not offline else []
            if offline or {"model.safetensors", "tokenizer.json"} <= set(listed):
                return _fetch_model2vec(name, repo, offline, force)
            files = [f for f in listed if f.endswith(_VECTOR_SUFFIXES)]
            if len(files) != 1:
                raise InvalidParameterError(f"{name}: give the file to load, hf:{repo}/FILE (vector files there: "
                                            f"{', '.join(files[:8]) or 'none'})")
            filename = files[0]
        path = hf_hub_download(repo, filename, local_files_only=offline, force_download=force)
    except WordspaceError:
        raise
    except Exception as exc:  # noqa: BLE001 (huggingface_hub raises many kinds; any is a failed download here)
        raise DownloadError(f"cannot fetch {name} from the Hugging Face Hub"
                            + (" (offline: not in its cache)" if offline else "")
                            + f": {type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}") from None
    snapshot = hashlib.sha256(os.path.realpath(path).encode()).hexdigest()[:16]
    target = os.path.join(cache_home(), "hf", repo.replace("/", "--"), filename.replace("/", "--") + "-" + snapshot)
    from .io.native import owns_native_dir

    if not force and owns_native_dir(target):
        return target
    from .vectors import Vectors

    readable = path
    if path.endswith(".gz"):
        os.makedirs(os.path.dirname(target), exist_ok=True)
        readable = _unpack(path, {"compression": "gzip"}, os.path.dirname(target), name)
    try:
        vectors = Vectors.load(readable)
        vectors.metadata = {**vectors.metadata, "pretrained": {"name": name, "repo": repo, "file": filename}}
        os.makedirs(os.path.dirname(target), exist_ok=True)
        vectors.save(target, format="native")
    finally:
        if readable != path:
            with contextlib.suppress(OSError):
                os.unlink(readable)
    return target


def _fetch_model2vec(name: str, repo: str, offline: bool, force: bool) -> str:
    """A model2vec repository (``model.safetensors``, ``tokenizer.json``, ``config.json``) through
    huggingface_hub's cache, converted once to a native static sentence model."""
    from huggingface_hub import snapshot_download

    folder = snapshot_download(repo, allow_patterns=["model.safetensors", "tokenizer.json", "config.json"],
                               local_files_only=offline, force_download=force)
    snapshot = hashlib.sha256(os.path.realpath(folder).encode()).hexdigest()[:16]
    target = os.path.join(cache_home(), "hf", repo.replace("/", "--"), "model2vec-" + snapshot)
    from .io.native import owns_native_dir

    if not force and owns_native_dir(target):
        return target
    from .vectors import Vectors

    vectors = Vectors.load(folder, format="model2vec")
    vectors.metadata = {**vectors.metadata, "pretrained": {"name": name, "repo": repo}}
    os.makedirs(os.path.dirname(target), exist_ok=True)
    vectors.save(target, format="native")
    return target


def load(path, format=None, **kwargs):
    """Load vectors from ``path`` in any supported format (detected from the content), or by the
    name of published vectors: ``load("glove-wiki-gigaword-50")`` downloads, verifies and converts
    them once, and every later load opens the memory-mapped copy in the cache (``limit=N`` keeps
    the N most frequent words; ``progress=False`` hides the download's bar). A path that exists
    always wins over a name. This is the one place where a name becomes a path (``wordspace.load``
    is this function)."""
    from .vectors import Vectors

    path = os.fspath(path)
    progress = kwargs.pop("progress", True)
    if not os.path.lexists(path):
        if not is_model_name(path):
            raise FormatError(f"'{path}' does not exist, and it is not a name in the catalogue of published vectors "
                              "('wordspace models' lists them)")
        path, format = fetch(path, progress=progress), "native"
    return Vectors.load(path, format=format, **kwargs)
