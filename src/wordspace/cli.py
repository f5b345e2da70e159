"""The ``wordspace`` command line: each sub-command parses, calls one public function, prints.

Exit codes: 0 success, 1 runtime error (bad input, unreadable or unwritable files, invalid
parameter values), 2 usage error (unknown option, missing argument), 130 interrupted.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time

__all__ = ["main"]


class _Parser(argparse.ArgumentParser):
    """argparse with "did you mean" for sub-commands; usage errors still exit 2."""

    def error(self, message):
        if "invalid choice" in message and "COMMAND" in message:
            import difflib

            bad = message.split("'")[1] if "'" in message else ""
            close = difflib.get_close_matches(bad, _COMMANDS, n=1)
            if close:
                message += f". Did you mean '{close[0]}'?"
        super().error(message)


_COMMANDS = ["train", "neighbors", "analogy", "similarity", "convert", "evaluate", "demo"]


#: --algorithm -> trainer class name in wordspace.models
ALGORITHMS = {"word2vec": "Word2Vec", "fasttext": "FastText", "glove": "GloVe", "ppmi-svd": "PPMISVD"}


def _add_train(sub):
    p = sub.add_parser("train", help="train word vectors on text files",
                       description="Train word vectors on CORPUS (files or directories; .gz/.bz2/.xz read directly). "
                                   "Options left out take the algorithm's own default.")
    p.add_argument("corpus", nargs="+", metavar="CORPUS")
    p.add_argument("--out", required=True, metavar="PATH",
                   help="output: .bin word2vec binary, .txt/.vec word2vec text, anything else the native format")
    p.add_argument("--algorithm", choices=list(ALGORITHMS), default="word2vec")
    p.add_argument("--architecture", choices=["skipgram", "cbow"], default=None, help="word2vec, fasttext (default skipgram)")
    p.add_argument("--loss", choices=["ns", "hs", "softmax"], default=None, help="word2vec (default ns); fasttext: ns")
    p.add_argument("--dim", type=int, default=None, help="vector dimension (default 100)")
    p.add_argument("--window", type=int, default=None, help="context window (default 5; glove 10)")
    p.add_argument("--negative", type=int, default=None, help="noise words per prediction (default 5)")
    p.add_argument("--ns-exponent", type=float, default=None, help="noise distribution exponent (0.75; fasttext 0.5)")
    p.add_argument("--sample", type=float, default=None, help="subsampling threshold (1e-3; fasttext 1e-4)")
    p.add_argument("--min-count", type=int, default=None, help="ignore rarer words (default 5)")
    p.add_argument("--max-vocab", type=int, default=None)
    p.add_argument("--epochs", type=int, default=None, help="passes (default 5; glove 15)")
    p.add_argument("--alpha", type=float, default=None,
                   help="initial learning rate (0.025 skip-gram; CBOW 0.075 with ns, 0.05 with hs or softmax; fasttext 0.05; glove 0.05)")
    p.add_argument("--min-alpha", type=float, default=None, help="final learning rate (default 0.0001)")
    p.add_argument("--min-n", type=int, default=None, help="fasttext: shortest character n-gram (default 3)")
    p.add_argument("--max-n", type=int, default=None, help="fasttext: longest character n-gram, 0 for none (default 6)")
    p.add_argument("--buckets", type=int, default=None, help="fasttext: n-gram hash buckets (default 2000000)")
    p.add_argument("--weighting", choices=["harmonic", "uniform", "linear"], default=None,
                   help="glove, ppmi-svd: weight of a pair at distance d: 1/d, 1, (window-d+1)/window "
                        "(default harmonic for glove, linear for ppmi-svd)")
    p.add_argument("--x-max", type=float, default=None, help="glove: weighting cut-off (default 100)")
    p.add_argument("--power", type=float, default=None, help="glove: weighting exponent (default 0.75)")
    p.add_argument("--memory", type=float, default=None,
                   help="glove, ppmi-svd: megabytes for counting co-occurrences (default 1024)")
    p.add_argument("--context-smoothing", type=float, default=None, help="ppmi-svd: context count exponent (default 0.75)")
    p.add_argument("--shift", type=float, default=None, help="ppmi-svd: subtract log(SHIFT) from PMI (default 1: none)")
    p.add_argument("--eigenvalue-power", type=float, default=None, help="ppmi-svd: vectors are U*S^p (default 0.5)")
    p.add_argument("--power-iterations", type=int, default=None, help="ppmi-svd: randomized SVD iterations (default 6)")
    p.add_argument("--workers", type=int, default=None, help="threads (default: all cores)")
    p.add_argument("--seed", type=int, default=None, help="random seed (default 1)")
    p.add_argument("--max-sentence-length", type=int, default=None, help="cut longer lines (default 10000 tokens)")
    p.add_argument("--format", choices=["native", "word2vec-binary", "word2vec-text"], default=None)
    p.add_argument("--export", choices=["input", "output", "average", "sum"], default=None,
                   help="which vectors to write: input (default), output or their average; glove: sum "
                        "(default, word + context), input (word), output (context) or average")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=_cmd_train)


#: train options that are not trainer parameters
_TRAIN_ONLY = {"corpus", "out", "algorithm", "format", "export", "quiet", "func", "command"}


def _cmd_train(args) -> int:
    from . import models
    from .errors import InvalidParameterError
    from .io import format_for_path
    from .io._atomic import _check_parent

    fmt = format_for_path(args.out, args.format)
    _check_parent(args.out)  # fail before training, not after
    cls = getattr(models, ALGORITHMS[args.algorithm])
    accepted = set(cls._param_names())
    given = {k: v for k, v in vars(args).items() if k not in _TRAIN_ONLY and v is not None}
    stray = sorted(k for k in given if k not in accepted)
    if stray:
        raise InvalidParameterError(
            f"--algorithm {args.algorithm} does not take " + ", ".join("--" + k.replace("_", "-") for k in stray)
            + "; see 'wordspace train --help' for which options apply to which algorithm"
        )
    model = cls(progress=not args.quiet, **given)
    model._validate_params()  # parameter errors before reading a large corpus
    if args.export is not None:
        kinds = ("input", "output", "average", "sum") if args.algorithm == "glove" else \
            ("input",) if args.algorithm == "ppmi-svd" else ("input", "output", "average")
        if args.export not in kinds:
            raise InvalidParameterError(f"--export {args.export} is not available for --algorithm {args.algorithm}; "
                                        f"choose {', '.join(kinds)}")
        if args.export != "input" and getattr(model, "loss", None) == "hs":
            raise InvalidParameterError(
                f"--export {args.export} needs one output row per word, which --loss hs does not have; "
                "use --loss ns or --export input"
            )
    t0 = time.perf_counter()
    model.fit(args.corpus)
    vectors = model.vectors_ if args.export is None or args.algorithm == "ppmi-svd" else model.export(args.export)
    vectors.save(args.out, format=fmt)
    st = model.corpus_stats_
    epochs = f"{model.epochs} epochs" if hasattr(model, "epochs") else "one factorisation"
    print(f"wrote {args.out} ({fmt}): {len(vectors):,} words x {vectors.dim} dims; "
          f"{st['raw_tokens']:,} tokens, {epochs} in {time.perf_counter() - t0:.1f}s; "
          f"final loss {model.loss_history_[-1]:.4f}")
    return 0


def _print_neighbors(title: str, answers) -> None:
    print(title)
    width = max((len(a.key) for a in answers), default=4)
    for rank, a in enumerate(answers, 1):
        print(f"  {rank:>3}  {a.key:<{width}}  {a.score:.4f}")


def _add_query(sub):
    p = sub.add_parser("neighbors", help="nearest neighbours of words")
    p.add_argument("vectors", metavar="VECTORS")
    p.add_argument("words", nargs="+", metavar="WORD")
    p.add_argument("-k", type=int, default=10)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_cmd_neighbors)

    p = sub.add_parser("analogy", help="A : B :: C : ?")
    p.add_argument("vectors", metavar="VECTORS")
    p.add_argument("a", metavar="A")
    p.add_argument("b", metavar="B")
    p.add_argument("c", metavar="C")
    p.add_argument("-k", type=int, default=10)
    p.add_argument("--method", choices=["add", "mul"], default="add")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_cmd_analogy)

    p = sub.add_parser("similarity", help="cosine similarity of two words")
    p.add_argument("vectors", metavar="VECTORS")
    p.add_argument("word1", metavar="WORD1")
    p.add_argument("word2", metavar="WORD2")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_cmd_similarity)

    p = sub.add_parser("convert", help="convert between vector formats")
    p.add_argument("input", metavar="IN")
    p.add_argument("output", metavar="OUT")
    p.add_argument("--limit", type=int, default=None, help="read only the first N vectors")
    p.add_argument("--format", choices=["native", "word2vec-binary", "word2vec-text"], default=None,
                   help="output format (default: from OUT's extension)")
    p.set_defaults(func=_cmd_convert)


def _load(path, **kw):
    from .vectors import Vectors

    return Vectors.load(path, **kw)


def _cmd_neighbors(args) -> int:
    v = _load(args.vectors)
    results = {w: v.most_similar(w, k=args.k) for w in args.words}
    if args.json:
        print(json.dumps({w: [{"key": a.key, "score": a.score} for a in ans] for w, ans in results.items()},
                         ensure_ascii=False, indent=2))
    else:
        for w, ans in results.items():
            _print_neighbors(f"neighbours of {w!r}:", ans)
    return 0


def _cmd_analogy(args) -> int:
    v = _load(args.vectors)
    ans = v.analogy(args.a, args.b, args.c, k=args.k, method=args.method)
    if args.json:
        print(json.dumps({"query": {"a": args.a, "b": args.b, "c": args.c}, "method": args.method,
                          "answers": [{"key": a.key, "score": a.score} for a in ans]}, ensure_ascii=False, indent=2))
    else:
        _print_neighbors(f"{args.a} : {args.b} :: {args.c} : ?  (3Cos{args.method.capitalize()})", ans)
    return 0


def _cmd_similarity(args) -> int:
    v = _load(args.vectors)
    s = v.similarity(args.word1, args.word2)
    if args.json:
        print(json.dumps({"word1": args.word1, "word2": args.word2, "similarity": s}, ensure_ascii=False))
    else:
        print(f"{s:.4f}")
    return 0


def _cmd_convert(args) -> int:
    from .io import format_for_path
    from .io._atomic import _check_parent

    if args.limit is not None and args.limit < 1:
        from .errors import InvalidParameterError

        raise InvalidParameterError(f"--limit must be an int in the range [1, inf). Got {args.limit} instead.")
    fmt = format_for_path(args.output, args.format)
    _check_parent(args.output)
    kw = {} if args.limit is None else {"limit": args.limit}
    v = _load(args.input, **kw)
    if args.limit is not None and len(v) > args.limit:
        from .vectors import Vectors

        v = Vectors(v.keys[: args.limit], v.matrix[: args.limit], None if v.counts is None else v.counts[: args.limit], v.metadata)
    v.save(args.output, format=fmt)
    print(f"wrote {args.output} ({fmt}): {len(v):,} keys x {v.dim} dims")
    return 0


def _add_evaluate(sub):
    p = sub.add_parser("evaluate", help="score vectors on analogy and word-similarity benchmarks",
                       description="Score VECTORS on analogy and similarity benchmarks. With no dataset "
                                   "options, every bundled set runs (google, wordsim353, simlex999).")
    p.add_argument("vectors", metavar="VECTORS")
    p.add_argument("--analogies", nargs="+", metavar="NAME_OR_FILE", default=None)
    p.add_argument("--similarity", nargs="+", metavar="NAME_OR_FILE", default=None)
    p.add_argument("--restrict-vocab", type=int, default=30_000,
                   help="analogies: candidates and questions limited to this many most frequent words (default 30000)")
    p.add_argument("--method", choices=["add", "mul"], default="add")
    p.add_argument("--oov", choices=["skip", "mean", "subwords"], default="skip",
                   help="unknown words: pairs left out (skip), scored with the mean similarity (mean, "
                        "similarity only), or given their subword vectors (subwords: fastText models; "
                        "analogy questions too)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_cmd_evaluate)


def _cmd_evaluate(args) -> int:
    import warnings

    from .evaluate import BUNDLED, analogy_benchmark, similarity_benchmark

    if args.restrict_vocab < 1:
        from .errors import InvalidParameterError

        raise InvalidParameterError(f"--restrict-vocab must be an int in the range [1, inf). Got {args.restrict_vocab} instead.")
    analogies, sims = args.analogies, args.similarity
    if analogies is None and sims is None:
        analogies = [n for n, (k, _) in BUNDLED.items() if k == "analogy"]
        sims = [n for n, (k, _) in BUNDLED.items() if k == "similarity"]
    v = _load(args.vectors)
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
        print(f"wordspace: warning: {w.message}", file=sys.stderr)
    if args.json:
        print(json.dumps(out, indent=2))
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


def _add_demo(sub):
    p = sub.add_parser("demo", help="train on the bundled corpus and query the result",
                       description="Train skip-gram vectors on the bundled King James Bible "
                                   "(about 790k words), then show neighbours and an analogy.")
    p.add_argument("--out", default=None, metavar="PATH", help="also save the vectors here")
    p.add_argument("--epochs", type=int, default=5)
    p.add_argument("--workers", type=int, default=None)
    p.add_argument("--quiet", action="store_true")
    p.set_defaults(func=_cmd_demo)


def _cmd_demo(args) -> int:
    from .datasets import demo_corpus_path
    from .models import Word2Vec

    path = demo_corpus_path()
    print(f"training skip-gram on {os.path.basename(path)} (King James Bible, public domain) ...")
    model = Word2Vec(dim=100, window=5, min_count=5, epochs=args.epochs, workers=args.workers,
                     sample=1e-3, seed=1, progress=not args.quiet).fit(path)
    v = model.vectors_
    st = model.corpus_stats_
    print(f"{st['raw_tokens']:,} tokens, {len(v):,} words; loss per epoch: "
          + ", ".join(f"{x:.3f}" for x in model.loss_history_))
    for w in ("god", "david", "gold"):
        _print_neighbors(f"nearest neighbours of {w!r}:", v.most_similar(w, k=5))
    _print_neighbors("analogy man : king :: woman : ?", v.analogy("man", "king", "woman", k=5))
    if args.out:
        v.save(args.out)
        print(f"wrote {args.out}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="wordspace", description="Train, query and convert word embeddings.")
    from . import __version__

    parser.add_argument("--version", action="version", version=f"wordspace {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True
    _add_train(sub)
    _add_query(sub)
    _add_evaluate(sub)
    _add_demo(sub)
    return parser


def main(argv=None) -> int:
    """Run the command line; returns the exit code (also used by the console script)."""
    import warnings

    from .errors import InvalidParameterError, WordspaceError

    parser = build_parser()
    args = parser.parse_args(argv)
    warnings.simplefilter("default")  # show library warnings (pruning, invalid UTF-8) once
    warnings.formatwarning = lambda msg, cat, *a, **k: f"wordspace: warning: {msg}\n"
    try:
        return args.func(args)
    except InvalidParameterError as exc:
        msg = str(exc)
        for name in vars(args):
            quoted = f"The '{name}' parameter of "
            if msg.startswith(quoted):
                cls_end = msg.index(" must ")
                msg = f"--{name.replace('_', '-')}" + msg[cls_end:] + f" (the '{name}' parameter of {msg[len(quoted):cls_end]})"
                break
        for name in vars(args):  # "max_n=3", "loss='ns'" elsewhere in the message -> "--max-n 3", "--loss ns"
            flag = "--" + name.replace("_", "-")
            msg = re.sub(rf"\b{name}='([^'\s]*)'", rf"{flag} \1", msg)
            msg = re.sub(rf"\b{name}=", f"{flag} ", msg)
        print(f"wordspace: error: {msg}", file=sys.stderr)
        return 1
    except WordspaceError as exc:
        print(f"wordspace: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("wordspace: interrupted; nothing was written", file=sys.stderr)
        return 130
    except MemoryError:
        print("wordspace: error: out of memory; lower --dim or --max-vocab, or use a machine with more RAM", file=sys.stderr)
        return 1
    except OSError as exc:
        where = f" '{exc.filename}'" if exc.filename else ""
        print(f"wordspace: error: {exc.strerror or exc}{where}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
