"""``wordspace train`` and ``wordspace demo``. The options of ``train`` are built from the
trainers' declared parameters (``wordspace.models.ALGORITHMS``): each flag is a parameter, its
type and choices come from the parameter's constraints, its help from the declaration, and the
help says which algorithms take it and with what default."""

from __future__ import annotations

import os
import time

from ..errors import InvalidParameterError
from ._common import add_storage_argument, extra_import, print_neighbors

#: train options that are not trainer parameters
_NOT_PARAMS = ("corpus", "out", "algorithm", "format", "kind", "quiet", "resume", "cluster", "sync_words", "overlap",
               "storage_options")
#: what may be given with --resume (the model keeps its other parameters)
_RESUME_OPTIONS = ("epochs", "alpha", "min_alpha", "workers")


def _option_kwargs(param) -> dict:
    """argparse ``type``/``choices`` (or a switch) for a declared parameter."""
    if set(param.choices()) == {True, False}:
        return {"action": "store_true"}
    if param.choices():
        kind = type(param.choices()[0])
        # words are matched loosely: --tags FIRST_COLUMN is --tags first-column
        return {"choices": list(param.choices()), "type": _loose if kind is str else kind}
    kind = param.number_type()
    return {"type": kind, "metavar": "N" if kind is int else "X"} if kind else {}


def _loose(text: str) -> str:
    return text.strip().lower().replace("_", "-")


#: options that may be given bare: the value they then take
_BARE = {"tags": "first-column"}


def _default_text(defaults: dict) -> str:
    shown = {a: d for a, d in defaults.items() if d is not None}
    if not shown:
        return ""
    if len(set(map(repr, shown.values()))) == 1 and len(shown) == len(defaults):
        return f"default {next(iter(shown.values()))}"
    return "default " + ", ".join(f"{a} {d}" for a, d in shown.items())


def add_parsers(sub) -> None:
    from ..io import FORMATS
    from ..models import ALGORITHMS, command_line_parameters

    p = sub.add_parser("train", help="train word vectors on text files",
                       description="Train word vectors on CORPUS (files or directories; .gz/.bz2/.xz read directly). "
                                   "Options left out take the algorithm's own default.")
    p.add_argument("corpus", nargs="+", metavar="CORPUS",
                   help="text files, directories, globs or URLs (s3://, gs://, hdfs://, https://), one sentence per line")
    p.add_argument("--out", required=True, metavar="PATH", output="path",
                   help="output: .bin word2vec binary, .txt/.vec word2vec text, anything else the native format")
    p.add_argument("--algorithm", choices=list(ALGORITHMS), default="word2vec", help="what to train (default word2vec)")
    every = set(ALGORITHMS)
    for name, (param, defaults) in command_line_parameters().items():
        which = "" if set(defaults) == every else "; " + ", ".join(defaults) + " only"
        default = "" if set(param.choices()) == {True, False} else _default_text(defaults)
        bare = {"nargs": "?", "const": _BARE[name]} if name in _BARE else {}
        p.add_argument("--" + name.replace("_", "-"), default=None, **_option_kwargs(param), **bare,
                       help=param.help + (f" ({default})" if default else "") + which
                       + (f"; bare --{name} means {_BARE[name]}" if bare else ""))
    p.add_argument("--format", choices=list(FORMATS), default=None, help="output format (default: from --out's extension)")
    kinds = list(dict.fromkeys(k for cls in ALGORITHMS.values() for k in cls.export_kinds))
    p.add_argument("--export", dest="kind", choices=kinds, default=None,
                   help="which vectors to write: " + "; ".join(f"{a}: {', '.join(c.export_kinds)}"
                                                               for a, c in ALGORITHMS.items())
                   + " (the first is the default)")
    p.add_argument("--resume", default=None, metavar="MODEL",
                   help="continue training MODEL (a native model written by wordspace train) on CORPUS: its words "
                        "keep their rows, new words reaching its min_count are added; with --epochs, --alpha, "
                        "--min-alpha and --workers only")
    p.add_argument("--cluster", default=None, metavar="ADDRESS",
                   help="count and train on a Dask cluster (extra [cluster]): tcp://HOST:PORT of a running scheduler, "
                        "or local:N to start N local worker processes; the corpus must be readable by every worker")
    p.add_argument("--sync-words", type=int, default=None, metavar="N",
                   help="with --cluster: words trained across the cluster between synchronisations (default 500000, "
                        "250000 for CBOW, times 2/K on K > 2 workers)")
    p.add_argument("--overlap", action="store_true",
                   help="with --cluster: train each round while the last round's exchange is in flight (hides the "
                        "network time at one more round of staleness; docs/scaling.md)")
    add_storage_argument(p)
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=cmd_train)

    p = sub.add_parser("demo", help="train on the bundled corpus and query the result",
                       description="Train skip-gram vectors on the bundled King James Bible "
                                   "(about 790k words), then show neighbours and an analogy.")
    p.add_argument("--out", default=None, metavar="PATH", output="path", help="also save the vectors here")
    p.add_argument("--epochs", type=int, default=5, help="passes over the corpus (default 5)")
    p.add_argument("--workers", type=int, default=None, help="threads (default: all cores)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=cmd_demo)


def cmd_train(args) -> int:
    from ..atomic import check_writable
    from ..io import format_for_path, replaceable_by
    from ..models import ALGORITHMS

    fmt = format_for_path(args.out, args.format)
    check_writable(args.out, "dir" if fmt == "native" else "file", replaceable_by(fmt))  # before training
    given = {k: v for k, v in vars(args).items() if k not in _NOT_PARAMS and not k.startswith("_")
             and k != "func" and k != "command" and v is not None}
    if args.resume is not None:
        if args.cluster is not None:
            raise InvalidParameterError("--resume continues a model on this machine; it does not take --cluster")
        return _resume(args, fmt, given)
    cls = ALGORITHMS[args.algorithm]
    accepted = set(cls.parameters())
    stray = sorted(k for k in given if k not in accepted)
    if stray:
        raise InvalidParameterError(
            f"--algorithm {args.algorithm} does not take " + ", ".join("--" + k.replace("_", "-") for k in stray)
            + "; see 'wordspace train --help' for which options apply to which algorithm", param=stray[0]
        )
    model = cls(progress=not args.quiet, **given)
    model.validate_params()  # parameter errors before reading a large corpus
    if args.kind is not None:
        model.check_export(args.kind)
    for flag, given_ in (("--sync-words", args.sync_words is not None), ("--overlap", args.overlap)):
        if given_ and args.cluster is None:
            raise InvalidParameterError(f"{flag} applies to training on a cluster; give --cluster too")
    t0 = time.perf_counter()
    if args.cluster is not None:
        from ..cluster import fit_on_cluster

        extra_import(lambda: fit_on_cluster(model, args.corpus, args.cluster, args.sync_words,
                                                    overlap=args.overlap))
    else:
        model.fit(args.corpus)
    _write(model, args, fmt, t0)
    return 0


def _write(model, args, fmt: str, t0: float) -> None:
    vectors = model.export(args.kind)
    if fmt == "native" and args.kind in (None, model.export_kinds[0]) and hasattr(model, "save"):
        model.save(args.out)  # the whole trainer: 'wordspace train --resume' continues from it
    else:
        vectors.save(args.out, format=fmt)
    run = model.run_stats_  # this run's, also when it continued a model (--resume)
    n = run.get("epochs")
    epochs = f"{n} epoch{'' if n == 1 else 's'}" if n is not None else "one factorisation"
    docs = getattr(model, "document_vectors_", None)
    what = (f"{len(vectors):,} {'documents' if vectors is docs else 'words'}"
            + (f" and {len(docs):,} documents" if docs is not None and vectors is not docs else ""))
    print(f"wrote {args.out} ({fmt}): {what} x {vectors.dim} dims; "
          f"{run['raw_tokens']:,} tokens, {epochs} in {time.perf_counter() - t0:.1f}s; "
          f"final loss {model.loss_history_[-1]:.4f}")
    st = model.corpus_stats_
    c = st.get("cluster")
    if c and "syncs" in c:
        lost = f"; {len(c['recovered'])} lost worker(s) replaced" if c.get("recovered") else ""
        sent, received = c["worker_bytes_sent_per_sync"], c["worker_bytes_received_per_sync"]
        print(f"cluster: {c['workers']} workers, {c['syncs']} synchronisations of {c['sync_words']:,} words; per "
              f"round each worker sent {sum(sent) / len(sent) / 1e6:.1f} MB and received "
              f"{sum(received) / len(received) / 1e6:.1f} MB, the driver {c['driver_bytes_per_sync'] / 1e3:.1f} kB"
              f"{lost}")


def _resume(args, fmt: str, given: dict) -> int:
    from ..models import load_trainer

    stray = sorted(k for k in given if k not in _RESUME_OPTIONS)
    if stray:
        raise InvalidParameterError(
            "--resume continues MODEL with the parameters it was trained with; it does not take "
            + ", ".join("--" + k.replace("_", "-") for k in stray) + " (only --epochs, --alpha, --min-alpha, --workers)",
            param=stray[0])
    model = load_trainer(args.resume)
    model.set_params(progress=not args.quiet, **({"workers": given["workers"]} if "workers" in given else {}))
    if args.kind is not None:
        model.check_export(args.kind)
    t0 = time.perf_counter()
    model.partial_fit(args.corpus, epochs=given.get("epochs"), alpha=given.get("alpha"), min_alpha=given.get("min_alpha"))
    _write(model, args, fmt, t0)
    return 0


def cmd_demo(args) -> int:
    from ..datasets import demo_corpus_path
    from ..models import Word2Vec

    path = demo_corpus_path()
    if args.out:
        from ..atomic import check_writable
        from ..io import format_for_path, replaceable_by

        fmt = format_for_path(args.out)
        check_writable(args.out, "dir" if fmt == "native" else "file", replaceable_by(fmt))  # before training
    print(f"training skip-gram on {os.path.basename(path)} (King James Bible, public domain) ...")
    model = Word2Vec(dim=100, window=5, min_count=5, epochs=args.epochs, workers=args.workers,
                     sample=1e-3, seed=1, progress=not args.quiet).fit(path)
    v = model.vectors_
    st = model.corpus_stats_
    print(f"{st['raw_tokens']:,} tokens, {len(v):,} words; loss per epoch: "
          + ", ".join(f"{x:.4f}" for x in model.loss_history_))
    for w in ("god", "david", "gold"):
        print_neighbors(f"nearest neighbours of {w!r}:", v.most_similar(w, k=5))
    print_neighbors("analogy man : king :: woman : ?", v.analogy("man", "king", "woman", k=5))
    if args.out:
        v.save(args.out)
        print(f"wrote {args.out}")
    return 0
