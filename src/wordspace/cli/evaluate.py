"""``wordspace evaluate``: analogy and word-similarity benchmarks (``wordspace.evaluate``)."""

from __future__ import annotations

from ._common import add_vectors_argument, load_vectors, print_json, warn, read_options


def add_parsers(sub) -> None:
    p = sub.add_parser("evaluate", help="score vectors on analogy, word-similarity and sentence benchmarks",
                       description="Score VECTORS on analogy and similarity benchmarks, or, with --task, as a "
                                   "sentence encoder on SentEval-style classification tasks. With no dataset or "
                                   "task option, every bundled word set runs (google, wordsim353, simlex999).")
    add_vectors_argument(p)
    p.add_argument("--analogies", nargs="+", action="extend", metavar="NAME_OR_FILE", default=None,
                   help="analogy datasets: bundled names (google) or files; repeatable")
    p.add_argument("--similarity", nargs="+", action="extend", metavar="NAME_OR_FILE", default=None,
                   help="word-similarity datasets: bundled names (wordsim353, simlex999) or files; repeatable")
    p.add_argument("--restrict-vocab", type=int, default=30_000,
                   help="analogies: candidates and questions limited to this many most frequent words (default 30000)")
    p.add_argument("--method", choices=["add", "mul", "auto", "mean", "sif", "usif", "fasttext", "infer", "tokens"], default=None,
                   help="analogies: 3CosAdd (add, the default) or 3CosMul (mul); --task: how sentences are embedded "
                        "(as 'wordspace embed --method'; default auto)")
    p.add_argument("--task", action="append", default=None, metavar="NAME_OR_FILE",
                   help="sentence classification: mr (sentence polarity), subj (subjectivity), or a file of "
                        "'__label__X text' lines; 10 stratified folds, logistic regression with the L2 strength "
                        "chosen by inner cross-validation (SentEval's protocol); repeatable. VECTORS may then also "
                        "be a Doc2Vec model or a saved encoder")
    p.add_argument("--folds", type=int, default=10, metavar="N", help="--task: outer and inner folds (default 10)")
    p.add_argument("--oov", choices=["skip", "mean", "subwords"], default="skip",
                   help="unknown words: pairs left out (skip), scored with the mean similarity (mean, "
                        "similarity only), or given their subword vectors (subwords: fastText models; "
                        "analogy questions too)")
    p.add_argument("--json", action="store_true", help="print JSON instead of tables")
    p.set_defaults(func=cmd_evaluate)


def cmd_evaluate(args) -> int:
    import warnings

    from ..evaluate import BUNDLED, analogy_benchmark, similarity_benchmark

    sentence_methods = ("auto", "mean", "sif", "usif", "fasttext", "infer")
    if args.task:
        if args.method in ("add", "mul"):
            from ..errors import InvalidParameterError

            raise InvalidParameterError(f"--method {args.method} is for analogies; with --task give one of "
                                        + ", ".join(sentence_methods), param="method")
        if args.analogies is None and args.similarity is None:
            return _tasks(args)
    elif args.method in sentence_methods:
        from ..errors import InvalidParameterError

        raise InvalidParameterError(f"--method {args.method} is how sentences are embedded; it applies with --task "
                                    "(analogies take add or mul)", param="method")
    method = args.method if args.method in ("add", "mul") else "add"

    if args.restrict_vocab < 1:
        from ..errors import InvalidParameterError

        raise InvalidParameterError(param="restrict_vocab", rule="an int in the range [1, inf)", value=args.restrict_vocab)
    analogies, sims = args.analogies, args.similarity
    if analogies is None and sims is None:
        analogies = [n for n, (k, _) in BUNDLED.items() if k == "analogy"]
        sims = [n for n, (k, _) in BUNDLED.items() if k == "similarity"]
    v = load_vectors(args.vectors, format=args.vectors_format, **read_options(args))
    out = {"analogy": {}, "similarity": {}}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for d in analogies or []:
            r = analogy_benchmark(v, d, method=method, restrict_vocab=args.restrict_vocab,
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
        print(f"\nanalogies (3Cos{method.capitalize()}, {args.restrict_vocab:,} most frequent words)")
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


def _tasks(args) -> int:
    """``--task``: VECTORS as a sentence encoder on classification tasks."""
    from ..evaluate.sentences import REFERENCE, read_task, sentence_benchmark
    from .sentences import open_encoder

    for t in args.task:  # every task is checked before the model is read
        read_task(t)
    from ..sentences import SentenceEncoder

    base = open_encoder(args.vectors, method=args.method or "auto")
    saved = hasattr(base, "components_")  # a saved encoder keeps its components for every task
    results = {}
    for t in args.task:
        # otherwise each task fits its own components, on its own sentences (the model is read once)
        encoder = base if saved else SentenceEncoder(**{**base.get_params(), "model": base.opened_model()})
        r = sentence_benchmark(encoder, t, folds=args.folds, inner_folds=args.folds)
        results[r.task] = r.to_dict()
    if args.json:
        print_json({"tasks": results})
        return 0
    print(f"{args.vectors}: sentence tasks ({args.folds} folds, logistic regression, L2 chosen by inner "
          "cross-validation)")
    print(f"  {'task':<16} {'method':<9} {'accuracy':>9} {'std':>6} {'majority':>9} {'examples':>9} {'no word':>8}"
          f" {'reference':>10}")
    for name, r in results.items():
        ref = REFERENCE.get(name)
        print(f"  {name:<16} {r['method']:<9} {r['accuracy']:>8.2f}% {r['accuracy_std']:>6.2f} {r['majority']:>8.1f}% "
              f"{r['examples']:>9,} {r['empty']:>8,} {(f'{ref:.1f}%' if ref else '-'):>10}")
    if any(name in REFERENCE for name in results):
        print("  reference: SentEval's GloVe bag of words (840B tokens of Common Crawl), for scale only")
    return 0
