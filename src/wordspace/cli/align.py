"""``wordspace align``: cross-lingual alignment (``wordspace.align``)."""

from __future__ import annotations

from ._common import load_vectors, print_json


def add_parsers(sub) -> None:
    p = sub.add_parser("align", help="map source vectors onto a target space (cross-lingual alignment)",
                       description="Orthogonal Procrustes from a seed dictionary (identical strings when "
                                   "--train-dict is not given, none at all with --unsupervised), optional "
                                   "refinement on mutual nearest neighbours, "
                                   "precision@1/5/10 on a test dictionary; writes the mapped source vectors.")
    p.add_argument("src", metavar="SRC", help="source vectors (mapped)")
    p.add_argument("tgt", metavar="TGT", help="target vectors (the space mapped into)")
    p.add_argument("--train-dict", default=None, metavar="FILE", help="seed pairs 'source target' per line")
    p.add_argument("--test-dict", default=None, metavar="FILE", help="pairs to score (precision@1/5/10)")
    p.add_argument("--refine", type=int, default=0, metavar="N", help="refinement steps (default 0)")
    p.add_argument("--unsupervised", action="store_true",
                   help="no seed dictionary: start from the geometry of the two spaces (sorted similarity "
                        "distributions, Artetxe et al. 2018), then self-learning rounds")
    p.add_argument("--self-learning", type=int, default=20, metavar="N",
                   help="with --unsupervised: rounds of Procrustes and stochastic dictionary induction (default 20)")
    p.add_argument("--seed", type=int, default=0, help="with --unsupervised: seed of the rounds' random dropout")
    p.add_argument("--retrieval", choices=["csls", "nn"], default="csls",
                   help="translation retrieval: CSLS (default) or plain nearest neighbour")
    p.add_argument("--out", required=True, metavar="ALIGNED", output="path",
                   help="the mapped source vectors (any format)")
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    p.add_argument("--quiet", action="store_true", help="no progress output")
    p.set_defaults(func=cmd_align)


def cmd_align(args) -> int:
    from ..align import align, dictionary_path, read_dictionary
    from ..errors import InvalidParameterError
    from ..atomic import check_writable
    from ..io import format_for_path, replaceable_by

    if args.unsupervised and args.train_dict:
        raise InvalidParameterError("--unsupervised takes no seed dictionary: drop --train-dict or --unsupervised")
    fmt = format_for_path(args.out)
    check_writable(args.out, "dir" if fmt == "native" else "file", replaceable_by(fmt))
    for d in (args.train_dict, args.test_dict):
        if d is not None:
            dictionary_path(d)
    src, tgt = load_vectors(args.src), load_vectors(args.tgt)
    if src.dim != tgt.dim:
        raise InvalidParameterError(f"'{args.src}' has {src.dim} dimensions and '{args.tgt}' {tgt.dim}: an orthogonal "
                                    "map needs the same number; train both with the same --dim")
    notes = {}
    train = test = None
    if args.train_dict:
        train, n, _ = read_dictionary(args.train_dict, src, tgt)
        notes["train_dict"] = {"pairs": n, "usable": len(train)}
    if args.test_dict:
        test, n, _ = read_dictionary(args.test_dict, src, tgt)
        notes["test_dict"] = {"pairs": n, "usable": len(test)}
    result = align(src, tgt, train, refine=args.refine, retrieval=args.retrieval, test_pairs=test,
                   unsupervised=args.unsupervised, self_learning=args.self_learning, seed=args.seed,
                   progress=not args.quiet)
    result.mapped.save(args.out, format=fmt)
    if args.json:
        print_json({"seed_pairs": result.seed_pairs, "retrieval": args.retrieval, **notes, "steps": result.history})
        return 0
    seed = "none: unsupervised" if args.unsupervised else "identical strings" if train is None else args.train_dict
    print(f"{args.src} -> {args.tgt}: {result.seed_pairs:,} seed pairs ({seed}), retrieval {args.retrieval}")
    if test is not None:
        print(f"test dictionary: {notes['test_dict']['usable']:,} of {notes['test_dict']['pairs']:,} pairs in both vocabularies")
        print(f"  {'step':>4} {'pairs':>7} {'words':>6} {'P@1':>7} {'P@5':>7} {'P@10':>7}")
        for h in result.history:
            if "p@1" in h:
                print(f"  {h['step']:>4} {h['pairs']:>7,} {h['words']:>6,} {100 * h['p@1']:>6.2f}% "
                      f"{100 * h['p@5']:>6.2f}% {100 * h['p@10']:>6.2f}%")
            else:
                print(f"  {h['step']:>4} {h['pairs']:>7,}")
    print(f"wrote {args.out} ({fmt}): {len(result.mapped):,} keys x {result.mapped.dim} dims")
    return 0
