"""``wordspace plot``, ``projector`` (extra ``[viz]``) and ``serve`` (the web explorer, extra
``[web]``)."""

from __future__ import annotations

from ._common import add_vectors_argument, extra_import, load_vectors, warn, read_options


def add_parsers(sub) -> None:
    p = sub.add_parser("plot", help="draw a map of words, analogy arrows, or a teaching plot (extra [viz])",
                       description="Draw VECTORS to --out (.png, .svg, .pdf or a self-contained interactive .html). "
                                   "Choose one of --words, --top, --neighbors-of (a word map), --analogy, "
                                   "--history, --subsampling or --noise.")
    add_vectors_argument(p)
    what = p.add_mutually_exclusive_group(required=True)
    what.add_argument("--words", nargs="+", action="extend", metavar="WORD", help="these words (repeatable)")
    what.add_argument("--top", type=int, metavar="N", help="the N most frequent words")
    what.add_argument("--neighbors-of", nargs="+", action="extend", metavar="WORD",
                      help="these words and their -k nearest neighbours (repeatable)")
    what.add_argument("--analogy", nargs="+", action="extend", metavar="WORD",
                      help="pairs a b c d ...: arrows a->b, c->d, ... (repeatable)")
    what.add_argument("--history", action="store_true", help="the training history stored in a native model")
    what.add_argument("--subsampling", action="store_true", help="keep-probability against word frequency")
    what.add_argument("--noise", action="store_true", help="the unigram^power noise distribution against the unigram")
    p.add_argument("-k", type=int, default=10, help="neighbours per word with --neighbors-of (default 10)")
    p.add_argument("--method", choices=["pca", "tsne", "umap"], default="pca", help="projection (default pca)")
    p.add_argument("--dim", type=int, choices=[2, 3], default=2,
                   help="2 or 3: an .html map in 3-D is rotated by dragging; images show the first two")
    p.add_argument("--clusters", type=int, default=None, help="colour a map by this many k-means clusters")
    p.add_argument("--sample", type=float, default=1e-3, help="threshold for --subsampling (default 1e-3)")
    p.add_argument("--power", type=float, default=0.75, help="exponent for --noise (default 0.75)")
    p.add_argument("--seed", type=int, default=0, help="random seed of the projection (default 0)")
    p.add_argument("--out", required=True, metavar="FILE", output="file", help="the figure: .png, .svg, .pdf or .html")
    p.set_defaults(func=cmd_plot)

    p = sub.add_parser("projector", help="write vectors.tsv and metadata.tsv for the TensorFlow Embedding Projector")
    add_vectors_argument(p)
    p.add_argument("--out", required=True, metavar="DIR", output="dir", help="directory for vectors.tsv and metadata.tsv")
    p.add_argument("--limit", type=int, default=None, help="only the first N keys (the projector handles ~100k)")
    p.set_defaults(func=cmd_projector)

    p = sub.add_parser("serve", help="the web explorer on http://HOST:PORT (extra [web])")
    add_vectors_argument(p)
    p.add_argument("--host", default="127.0.0.1", help="interface (default 127.0.0.1: this machine only)")
    p.add_argument("--port", type=int, default=8000, help="TCP port (default 8000)")
    p.add_argument("--allow-host", nargs="+", action="extend", default=[], metavar="NAME",
                   help="also answer requests for this host name (besides localhost and --host); repeatable")
    p.set_defaults(func=cmd_serve)


def _plots():
    from ..viz import plots

    return plots


def cmd_plot(args) -> int:
    import os

    from ..atomic import check_writable
    from ..errors import InvalidParameterError

    plots = extra_import(_plots)
    ext = os.path.splitext(args.out)[1].lower()
    if ext not in plots.PLOT_EXTENSIONS:
        raise InvalidParameterError(f"--out must end in .png, .svg, .pdf or .html, got '{args.out}'")
    check_writable(args.out, "file", plots.is_plot_file)
    v = load_vectors(args.vectors, format=args.vectors_format, **read_options(args))
    if args.analogy:
        if len(args.analogy) < 4 or len(args.analogy) % 2:
            raise InvalidParameterError("--analogy takes pairs of words: A B C D [E F ...] draws A->B, C->D, ...")
        pairs = list(zip(args.analogy[0::2], args.analogy[1::2]))
        plot = plots.analogy_plot(v, pairs)
    elif args.history:
        plot = plots.history_plot(v.metadata)
    elif args.subsampling:
        plot = plots.subsampling_plot(v, sample=args.sample)
    elif args.noise:
        plot = plots.noise_plot(v, power=args.power)
    else:
        plot = extra_import(lambda: plots.word_map(v, args.words, top=args.top, neighbors_of=args.neighbors_of,
                                                   k=args.k, clusters=args.clusters, method=args.method,
                                                   dim=args.dim, seed=args.seed))
    extra_import(lambda: plot.save(args.out))
    shown = len(plot.data.get("words", [])) or len(plot.data.get("labels", []))
    print(f"wrote {args.out}: {plot.title}" + (f" ({shown} labelled)" if shown else ""))
    return 0


def cmd_projector(args) -> int:
    from ..atomic import check_writable
    from ..viz.projector import is_projector_dir, write_projector

    check_writable(args.out, "dir", is_projector_dir)
    v = load_vectors(args.vectors, format=args.vectors_format, **read_options(args))
    vp, mp = write_projector(v, args.out, args.limit)
    n = len(v) if args.limit is None else min(args.limit, len(v))
    print(f"wrote {vp} and {mp}: {n:,} keys x {v.dim} dims; load both at projector.tensorflow.org")
    return 0


def _web():
    from .. import web

    web.require()
    return web


def _unmapped(v):
    """The served vectors in this process's memory when they fit in a quarter of it: a model
    file truncated in place while the explorer runs (``cp new.npy model/``) would otherwise kill
    it with SIGBUS. A larger model stays mapped; then a fault is reported on stderr
    (faulthandler) instead of ending the process without a word, and the user is told once."""
    import faulthandler
    import os

    from ..io import in_memory, mapped_bytes

    mapped = mapped_bytes(v)
    if not mapped:
        return v
    try:
        budget = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE") // 4
    except (ValueError, OSError, AttributeError):
        budget = 1 << 30
    if mapped <= budget:
        return in_memory(v)
    faulthandler.enable()
    warn(f"serving {mapped / 2**30:.1f} GiB memory-mapped from {v.source or 'the model'}: do not overwrite its files in "
         "place while "
         "the explorer runs (write a new model and rename it over the old one, as wordspace's own writers do)")
    return v


def cmd_serve(args) -> int:
    web = extra_import(_web)
    web.check_address(args.host, args.port)  # a busy port is one line and exit 1, before loading
    v = load_vectors(args.vectors, format=args.vectors_format, **read_options(args))
    v = _unmapped(v)
    v.norms()  # a damaged model (NaN, infinity) is refused here, in one line, not request by request
    if args.host not in ("127.0.0.1", "localhost", "::1"):
        warn(f"serving on {args.host}: other machines can reach the explorer")
    print(f"serving {args.vectors} ({len(v):,} keys) on http://{args.host}:{args.port}/  (Ctrl-C stops)", flush=True)
    web.serve(v, host=args.host, port=args.port, allowed_hosts=args.allow_host)
    return 0
