"""``wordspace neighbors``, ``analogy``, ``similarity``, ``convert`` and ``quantize``: queries
answered by ``Vectors``, conversions by ``wordspace.io``, product quantisation by
``wordspace.quantize``."""

from __future__ import annotations

from ._common import add_key_decoding_arguments, add_vectors_argument, extra_import, load_vectors, print_json, print_neighbors, warn, read_options


def add_parsers(sub) -> None:
    from ..io import FORMATS, READ_FORMATS

    p = sub.add_parser("neighbors", help="nearest neighbours of words",
                       description="Nearest neighbours of each WORD, answered in one batch.")
    add_vectors_argument(p)
    p.add_argument("words", nargs="+", metavar="WORD", help="words to look up")
    p.add_argument("-k", type=int, default=10, help="neighbours per word (default 10)")
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    p.add_argument("--cluster", default=None, metavar="ADDRESS",
                   help="search a native model too large for one machine with its rows spread over a Dask cluster "
                        "(tcp://HOST:PORT or local:N; extra [cluster]); every worker must be able to read VECTORS")
    p.set_defaults(func=cmd_neighbors)

    p = sub.add_parser("analogy", help="A : B :: C : ?")
    add_vectors_argument(p)
    p.add_argument("a", metavar="A", help="first word of the known pair")
    p.add_argument("b", metavar="B", help="second word of the known pair")
    p.add_argument("c", metavar="C", help="first word of the asked pair")
    p.add_argument("-k", type=int, default=10, help="answers (default 10)")
    p.add_argument("--method", choices=["add", "mul"], default="add", help="3CosAdd (default) or 3CosMul")
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    p.set_defaults(func=cmd_analogy)

    p = sub.add_parser("similarity", help="cosine similarity of two words")
    add_vectors_argument(p)
    p.add_argument("word1", metavar="WORD1", help="a word")
    p.add_argument("word2", metavar="WORD2", help="another word")
    p.add_argument("--json", action="store_true", help="print JSON instead of a number")
    p.set_defaults(func=cmd_similarity)

    p = sub.add_parser("convert", help="convert between vector formats")
    p.add_argument("input", metavar="IN", help="a vectors file, a model directory, or the name of published vectors "
                   "(format detected)")
    p.add_argument("--input-format", choices=list(READ_FORMATS), default=None,
                   help="read IN as this format instead of detecting it")
    add_key_decoding_arguments(p)
    p.add_argument("output", metavar="OUT", output="path", help="where to write")
    p.add_argument("--limit", type=int, default=None, help="keep only the first N vectors")
    p.add_argument("--format", choices=list(FORMATS), default=None,
                   help="output format (default: from OUT's extension)")
    p.set_defaults(func=cmd_convert)

    p = sub.add_parser("quantize", help="product-quantise vectors into a small native model (as fastText's quantize)",
                       description="Cut every vector into DIM/DSUB subvectors, find CENTROIDS centres per subspace by "
                                   "k-means on a sample of the rows, and store each row as one byte per subspace "
                                   "(with a fastText model's n-gram rows). OUT is a native model directory that "
                                   "'wordspace' reads as ordinary vectors; it is for querying, not further training.")
    add_vectors_argument(p)
    p.add_argument("--out", required=True, metavar="DIR", output="dir", help="the quantised native model directory")
    p.add_argument("--dsub", type=int, default=2, help="dimensions per subvector (default 2, as fastText); must divide dim")
    p.add_argument("--centroids", type=int, default=256, help="centres per subspace, at most 256 (default 256)")
    p.add_argument("--sample", type=int, default=65_536, help="rows k-means is trained on (default 65536)")
    p.add_argument("--iterations", type=int, default=15, help="k-means rounds (default 15)")
    p.add_argument("--seed", type=int, default=0, help="seed of the sample and the starting centres (default 0)")
    p.set_defaults(func=cmd_quantize)


def cmd_neighbors(args) -> int:
    if args.cluster is not None:
        from ..cluster import ShardedIndex

        with extra_import(lambda: ShardedIndex(args.vectors, args.cluster)) as index:
            answers = index.most_similar_batch(args.words, k=args.k)
    else:
        v = load_vectors(args.vectors, format=args.vectors_format, **read_options(args))
        answers = v.most_similar_batch(args.words, k=args.k)
    results = dict(zip(args.words, answers))
    if args.json:
        print_json({w: [{"key": a.key, "score": a.score} for a in ans] for w, ans in results.items()})
    else:
        for w, ans in results.items():
            print_neighbors(f"neighbours of {w!r}:", ans)
    return 0


def cmd_analogy(args) -> int:
    v = load_vectors(args.vectors, format=args.vectors_format, **read_options(args))
    ans = v.analogy(args.a, args.b, args.c, k=args.k, method=args.method)
    if args.json:
        print_json({"query": {"a": args.a, "b": args.b, "c": args.c}, "method": args.method,
                    "answers": [{"key": a.key, "score": a.score} for a in ans]})
    else:
        print_neighbors(f"{args.a} : {args.b} :: {args.c} : ?  (3Cos{args.method.capitalize()})", ans)
    return 0


def cmd_similarity(args) -> int:
    v = load_vectors(args.vectors, format=args.vectors_format, **read_options(args))
    s = v.similarity(args.word1, args.word2)
    if args.json:
        print_json({"word1": args.word1, "word2": args.word2, "similarity": s})
    else:
        print(f"{s:.4f}")
    return 0


def cmd_quantize(args) -> int:
    import os

    from ..atomic import check_writable
    from ..errors import InvalidParameterError
    from ..io import format_for_path, replaceable_by
    from ..quantize import quantize

    if format_for_path(args.out) != "native":
        raise InvalidParameterError(f"--out: quantised vectors are written as a native model directory; '{args.out}' "
                                    "names another format (drop the .bin/.txt/.vec extension)")
    check_writable(args.out, "dir", replaceable_by("native"))
    v = load_vectors(args.vectors, format=args.vectors_format, **read_options(args))
    q = quantize(v, dsub=args.dsub, centroids=args.centroids, sample=args.sample, iterations=args.iterations,
                 seed=args.seed)
    q.save(args.out, format="native")
    size = sum(os.path.getsize(os.path.join(args.out, f)) for f in os.listdir(args.out))
    err = q.metadata["quantized"]["relative_error"]
    print(f"wrote {args.out}: {len(q):,} vectors x {q.dim} dims as {q.dim // args.dsub} bytes each"
          + (f" (+ {q.subwords.matrix.shape[0]:,} n-gram rows)" if q.subwords is not None else "")
          + f", {size / 1e6:.1f} MB; relative error of the word vectors {err:.4f}")
    return 0


def cmd_convert(args) -> int:
    from ..atomic import check_writable
    from ..errors import InvalidParameterError
    from ..io import dropped_by, format_for_path, replaceable_by

    if args.limit is not None and args.limit < 1:
        raise InvalidParameterError(param="limit", rule="an int in the range [1, inf)", value=args.limit)
    fmt = format_for_path(args.output, args.format)
    check_writable(args.output, "dir" if fmt == "native" else "file", replaceable_by(fmt))
    v = load_vectors(args.input, format=args.input_format, **read_options(args),
                     **({} if args.limit is None else {"limit": args.limit}))
    for what in dropped_by(v, fmt):
        warn(f"{args.output} ({fmt}) keeps no {what}")
    v.save(args.output, format=fmt)
    print(f"wrote {args.output} ({fmt}): {len(v):,} keys x {v.dim} dims")
    return 0
