"""``wordspace models`` (the catalogue of published vectors) and ``wordspace download NAME``
(fetch, verify and convert to the native format in the cache): ``wordspace.pretrained``."""

from __future__ import annotations

from ._common import print_json


def add_parsers(sub) -> None:
    p = sub.add_parser("models", help="list the published vectors wordspace knows by name",
                       description="The catalogue: name, download size, dimension, vocabulary, licence and whether the "
                                   "model is in the cache (WORDSPACE_HOME). Any of these names works wherever a "
                                   "VECTORS path does.")
    p.add_argument("--json", action="store_true", help="print JSON rows instead of a table")
    p.add_argument("--search", default=None, metavar="TEXT", help="only names or descriptions containing TEXT")
    p.set_defaults(func=cmd_models)

    p = sub.add_parser("download", help="fetch published vectors by name into the cache",
                       description="Download NAME (a catalogue name, or hf:OWNER/REPO/FILE), verify its checksum, "
                                   "and convert it to the native format in the cache; later loads open it in well under "
                                   "a second. Resumes an interrupted download.")
    p.add_argument("name", metavar="NAME", help="a name from 'wordspace models', or hf:OWNER/REPO/FILE")
    p.add_argument("--force", action="store_true", help="download again even if it is cached (checksums must still match)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=cmd_download)


def _size(n) -> str:
    if not n:
        return "?"
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return str(n)


def cmd_models(args) -> int:
    from ..pretrained import list_models

    rows = list_models(args.search)
    if args.json:
        print_json(rows)
        return 0
    if not rows:
        print("no model matches" + (f" {args.search!r}" if args.search else ""))
        return 0
    width = max(len(r["name"]) for r in rows)
    print(f"{'name':<{width}}  {'size':>9}  {'dim':>4}  {'vocab':>10}  {'cached':>6}  licence")
    for r in rows:
        vocab = f"{r['vocab']:,}" if r["vocab"] else "?"
        print(f"{r['name']:<{width}}  {_size(r['size']):>9}  {r['dim'] or '?':>4}  {vocab:>10}  "
              f"{'yes' if r['cached'] else 'no':>6}  {(r['licence'] or '?').split(' (')[0]}")
    return 0


def cmd_download(args) -> int:
    from ..pretrained import fetch
    from ..vectors import Vectors

    path = fetch(args.name, force=args.force, progress=not args.quiet)
    v = Vectors.load(path)
    print(f"{args.name}: {len(v):,} keys x {v.dim} dims, cached at {path}")
    return 0
