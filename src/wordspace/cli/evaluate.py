"""``wordspace evaluate``: analogy and word-similarity benchmarks (``wordspace.evaluate``)."""

from __future__ import annotations

from ._common import add_vectors_argument, load_vectors, print_json, warn


def add_parsers(sub) -> None:
    p = sub.add_parser("evaluate", help="score vectors on analogy and word-similarity benchmarks",
                       description="Score VECTORS on analogy and similarity benchmarks. With no dataset "
                                   "options, every bundled set runs (google, wordsim353, simlex999).")
    add_vectors_argument(p)
    p.add_argument("--analogies", nargs="+", action="extend", metavar="NAME_OR_FILE", default=None,
                   help="analogy datasets: bundled names (google) or files; repeatable")
    p.add_argument("--similarity", nargs="+", action="extend", metavar="NAME_OR_FILE", default=None,
                   help="word-similarity datasets: bundled names (wordsim353, simlex999) or files; repeatable")
    p.add_argument("--restrict-vocab", type=int, default=30_000,
                   help="analogies: candidates and questions limited to this many most frequent words (default 30000)")
    p.add_argument("--method", choices=["add", "mul"], default="add", help="3CosAdd (default) or 3CosMul")
    p.add_argument("--oov", choices=["skip", "mean", "subwords"], default="skip",
                   help="unknown words: pairs left out (skip), scored with the mean similarity (mean, "
                        "similarity only), or given their subword vectors (subwords: fastText models; "
                        "analogy questions too)")
    p.add_argument("--json", action="store_true", help="print JSON instead of tables")
    p.set_defaults(func=cmd_evaluate)


def cmd_evaluate(args) -> int:
    import warnings

    from ..evaluate import BUNDLED, analogy_benchmark, similarity_benchmark

    if args.restrict_vocab < 1:
        from ..errors import InvalidParameterError

        raise InvalidParameterError(param="restrict_vocab", rule="an int in the range [1, inf)", value=args.restrict_vocab)
    analogies, sims = args.analogies, args.similarity
    if analogies is None and sims is None:
        analogies = [n for n, (k, _) in BUNDLED.items() if k == "analogy"]
        sims = [n for n, (k, _) in BUNDLED.items() if k == "similarity"]
    v = load_vectors(args.vectors, format=args.vectors_format)
    out = {"analogy": {}, "similarity": {}}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for d in analogies or []:
            r = analogy_benchmark(v, d, method=args.method, restrict_vocab=args.restrict_vocab,
                                  oov="subwords" if args.oov == "subwords" else "skip")
            out["analogy"][r.dataset] = r.to_dict()
        for d in sims or []:
            r = similarity_benchmark(v, d, oov=args.oov)
            out["similarity"][r.dataset] = r.to_dict()
    for w in caught:
        warn(str(w.message))
    if args.json:
        print_json(out)
        return 0
    print(f"{args.vectors}: {len(v):,} keys x {v.dim} dims")
    if out["analogy"]:
        print(f"\nanalogies (3Cos{args.method.capitalize()}, {args.restrict_vocab:,} most frequent words)")
        print(f"  {'dataset':<22} {'accuracy':>8} {'semantic':>9} {'syntactic':>9} {'answered':>9} {'oov':>6}")
        for name, r in out["analogy"].items():
            print(f"  {name:<22} {100 * r['accuracy']:>7.2f}% {100 * r['semantic']['accuracy']:>8.2f}% "
                  f"{100 * r['syntactic']['accuracy']:>8.2f}% {r['total']:>9,} {r['oov']:>6,}")
    if out["similarity"]:
        print(f"\nword similarity (out-of-vocabulary pairs: {args.oov})")
        print(f"  {'dataset':<22} {'spearman':>8} {'pearson':>8} {'pairs':>6} {'oov':>5}")
        for name, r in out["similarity"].items():
            print(f"  {name:<22} {r['spearman']:>8.4f} {r['pearson']:>8.4f} {r['pairs']:>6} {r['oov']:>5}")
    return 0
