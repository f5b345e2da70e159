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


_COMMANDS = ["train", "neighbors", "analogy", "similarity", "convert", "evaluate", "bpe", "align", "train-lm",
             "contextual", "plot", "projector", "serve", "demo"]


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
    v = _load(args.input, **({} if args.limit is None else {"limit": args.limit}))
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


def _add_bpe(sub):
    p = sub.add_parser("bpe", help="byte-level BPE: train a subword vocabulary, encode and decode text",
                       description="Byte-level BPE tokenizer. Encoded text is one line per input line, tokens "
                                   "separated by spaces (GPT-2's printable byte alphabet, a space is 'Ġ'), ready "
                                   "for 'wordspace train'.")
    bsub = p.add_subparsers(dest="bpe_command", metavar="ACTION", parser_class=_Parser)
    bsub.required = True
    t = bsub.add_parser("train", help="learn merges from text files")
    t.add_argument("corpus", nargs="+", metavar="CORPUS")
    t.add_argument("--vocab-size", type=int, required=True, help="256 bytes + merges + special tokens")
    t.add_argument("--out", required=True, metavar="FILE", help="the tokenizer (JSON)")
    t.add_argument("--special-token", action="append", default=[], metavar="TOKEN",
                   help="a token never split (repeatable), e.g. '<|endoftext|>'")
    t.add_argument("--min-frequency", type=int, default=2, help="stop when no pair occurs this often (default 2)")
    t.add_argument("--quiet", action="store_true")
    t.set_defaults(func=_cmd_bpe_train)
    for name, helptext in (("encode", "text -> tokens"), ("decode", "tokens -> text")):
        e = bsub.add_parser(name, help=helptext,
                            description=f"'wordspace bpe {name} FILE [TEXT ...]': FILE is the tokenizer and the text "
                                        f"comes from the TEXT files or standard input; or 'wordspace bpe {name} TEXT ... "
                                        "--model FILE'.")
        e.add_argument("files", nargs="+", metavar="FILE")
        e.add_argument("--model", default=None, metavar="MODEL",
                       help="the tokenizer (written by 'wordspace bpe train'); without it, the first FILE is")
        e.add_argument("--out", default=None, metavar="OUT", help="write here instead of standard output")
        e.add_argument("--ids", action="store_true", help="integer token ids instead of printable tokens")
        e.set_defaults(func=_cmd_bpe_encode if name == "encode" else _cmd_bpe_decode)


def _cmd_bpe_train(args) -> int:
    from .bpe import BPE, read_lines
    from .io._atomic import _check_parent

    _check_parent(args.out)
    t0 = time.perf_counter()
    bpe = BPE.train(read_lines(args.corpus), args.vocab_size, special_tokens=args.special_token,
                    min_frequency=args.min_frequency, progress=not args.quiet)
    bpe.save(args.out)
    print(f"wrote {args.out}: {len(bpe):,} tokens ({len(bpe.merges):,} merges) in {time.perf_counter() - t0:.1f}s")
    return 0


def _bpe_stream(args, convert) -> int:
    from .bpe import BPE, read_lines
    from .io._atomic import atomic_file

    model, inputs = (args.model, args.files) if args.model else (args.files[0], args.files[1:])
    bpe = BPE.load(model)

    def lines():
        if not inputs:  # the text comes from standard input
            for line in sys.stdin:
                yield line.rstrip("\n")
            return
        for block in read_lines(inputs):
            yield from block.splitlines()

    if args.out is None:
        for line in lines():
            sys.stdout.write(convert(bpe, line) + "\n")
        return 0
    with atomic_file(args.out, "w") as fh:
        for line in lines():
            fh.write(convert(bpe, line) + "\n")
    return 0


def _cmd_bpe_encode(args) -> int:
    if args.ids:
        return _bpe_stream(args, lambda bpe, line: " ".join(map(str, bpe.encode(line))))
    return _bpe_stream(args, lambda bpe, line: " ".join(bpe.tokenize(line)))


def _cmd_bpe_decode(args) -> int:
    from .errors import InvalidParameterError

    def ids(line):
        try:
            return [int(x) for x in line.split()]
        except ValueError:
            raise InvalidParameterError(f"--ids expects integer token ids, got {line[:60]!r}") from None

    if args.ids:
        return _bpe_stream(args, lambda bpe, line: bpe.decode(ids(line)))
    return _bpe_stream(args, lambda bpe, line: bpe.detokenize(line.split()))


def _add_align(sub):
    p = sub.add_parser("align", help="map source vectors onto a target space (cross-lingual alignment)",
                       description="Orthogonal Procrustes from a seed dictionary (identical strings when "
                                   "--train-dict is not given), optional refinement on mutual nearest neighbours, "
                                   "precision@1/5/10 on a test dictionary; writes the mapped source vectors.")
    p.add_argument("src", metavar="SRC")
    p.add_argument("tgt", metavar="TGT")
    p.add_argument("--train-dict", default=None, metavar="FILE", help="seed pairs 'source target' per line")
    p.add_argument("--test-dict", default=None, metavar="FILE", help="pairs to score (precision@1/5/10)")
    p.add_argument("--refine", type=int, default=0, metavar="N", help="refinement steps (default 0)")
    p.add_argument("--retrieval", choices=["csls", "nn"], default="csls")
    p.add_argument("--out", required=True, metavar="ALIGNED", help="the mapped source vectors (any format)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_cmd_align)


def _cmd_align(args) -> int:
    from .align import align, dictionary_path, read_dictionary
    from .io import format_for_path
    from .io._atomic import _check_parent

    fmt = format_for_path(args.out)
    _check_parent(args.out)
    for d in (args.train_dict, args.test_dict):
        if d is not None:
            dictionary_path(d)
    src, tgt = _load(args.src), _load(args.tgt)
    notes = {}
    train = test = None
    if args.train_dict:
        train, n, _ = read_dictionary(args.train_dict, src, tgt)
        notes["train_dict"] = {"pairs": n, "usable": len(train)}
    if args.test_dict:
        test, n, _ = read_dictionary(args.test_dict, src, tgt)
        notes["test_dict"] = {"pairs": n, "usable": len(test)}
    result = align(src, tgt, train, refine=args.refine, retrieval=args.retrieval, test_pairs=test)
    result.mapped.save(args.out, format=fmt)
    if args.json:
        print(json.dumps({"seed_pairs": result.seed_pairs, "retrieval": args.retrieval, **notes,
                          "steps": result.history}, indent=2))
        return 0
    seed = "identical strings" if train is None else args.train_dict
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


def _add_train_lm(sub):
    p = sub.add_parser("train-lm", help="train an ELMo-style BiLSTM language model (extra [torch])",
                       description="Train forward and backward LSTM language models over word tokens (BPE-encoded "
                                   "text works too). Shows held-out perplexity per epoch and checkpoints to DIR after "
                                   "each epoch; --resume continues from DIR.")
    p.add_argument("corpus", nargs="+", metavar="CORPUS")
    p.add_argument("--out", required=True, metavar="DIR")
    p.add_argument("--dim", type=int, default=128, help="embedding and projection size (default 128)")
    p.add_argument("--hidden", type=int, default=256, help="LSTM cell size (default 256)")
    p.add_argument("--layers", type=int, default=2)
    p.add_argument("--dropout", type=float, default=0.1)
    p.add_argument("--epochs", type=int, default=5)
    p.add_argument("--batch-tokens", type=int, default=4096, help="tokens per batch (default 4096)")
    p.add_argument("--seq-len", type=int, default=64, help="longest segment, in words (default 64)")
    p.add_argument("--lr", type=float, default=2e-3, help="Adam's learning rate (default 0.002)")
    p.add_argument("--max-vocab", type=int, default=30_000)
    p.add_argument("--min-count", type=int, default=3)
    p.add_argument("--heldout", type=float, default=0.02, help="share of segments held out (default 0.02)")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--workers", type=int, default=None, help="CPU threads")
    p.add_argument("--device", default=None, help="cpu, cuda... (default: cuda when available)")
    p.add_argument("--resume", action="store_true", help="continue the run checkpointed in --out")
    p.add_argument("--quiet", action="store_true")
    p.set_defaults(func=_cmd_train_lm)


def _cmd_train_lm(args) -> int:
    from .io._atomic import _check_parent

    try:
        from .nn.lm_train import train_lm
    except ImportError as exc:
        from .errors import WordspaceError

        raise WordspaceError(str(exc)) from None
    _check_parent(args.out)
    t0 = time.perf_counter()
    lm = train_lm(args.corpus, args.out, dim=args.dim, hidden=args.hidden, layers=args.layers, dropout=args.dropout,
                  epochs=args.epochs, batch_tokens=args.batch_tokens, seq_len=args.seq_len, lr=args.lr,
                  max_vocab=args.max_vocab, min_count=args.min_count, heldout=args.heldout, seed=args.seed,
                  device=args.device, workers=args.workers, resume=args.resume, progress=not args.quiet)
    last = lm.history[-1]["heldout_perplexity"] if lm.history else None
    ppl = f"; held-out perplexity forward {last['forward']:.1f}, backward {last['backward']:.1f}" if last else ""
    print(f"wrote {args.out}: {len(lm.vocab):,} tokens, {len(lm.history)} epochs in {time.perf_counter() - t0:.1f}s{ppl}")
    return 0


def _add_contextual(sub):
    p = sub.add_parser("contextual", help="per-layer word vectors of a local transformer (extra [contextual])",
                       description="With one sentence: for --word, its nearest other words of the sentence at each "
                                   "layer. With two sentences: the cosine, at each layer, between --word in the first "
                                   "and in the second (the 'river bank' / 'savings bank' test).")
    p.add_argument("model_dir", metavar="MODEL_DIR")
    p.add_argument("--sentence", action="append", required=True, metavar="TEXT", help="once or twice")
    p.add_argument("--word", default=None, metavar="W", help="the word to follow (default: the first one both sentences share)")
    p.add_argument("--layer", default="all", metavar="all|N", help="one layer (0 = embeddings) or all (default)")
    p.add_argument("-k", type=int, default=3, help="nearest words shown per layer (default 3)")
    p.add_argument("--device", default=None)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_cmd_contextual)


def _cmd_contextual(args) -> int:
    import numpy as np

    from .errors import InvalidParameterError, WordspaceError

    if len(args.sentence) > 2:
        raise InvalidParameterError("--sentence is given once (nearest words) or twice (compare a word in both)")
    try:
        from .contextual import TransformerLayers, cosine_by_layer
        tl = TransformerLayers(args.model_dir, device=args.device)
    except ImportError as exc:
        raise WordspaceError(str(exc)) from None
    sents = tl.batch(args.sentence)
    word = args.word
    if word is None:
        common = [w for w in sents[0].words if all(w in s.words for s in sents)]
        if len(sents) == 1 or not common:
            raise InvalidParameterError("give --word (a word of " + ("both sentences" if len(sents) > 1 else "the sentence") + ")")
        word = common[0]
    if args.layer == "all":
        layers = list(range(tl.n_layers))
    else:
        try:
            layers = [int(args.layer)]
        except ValueError:
            raise InvalidParameterError(f"--layer must be 'all' or a number 0..{tl.n_layers - 1}, got {args.layer!r}") from None
        if not 0 <= layers[0] < tl.n_layers:
            raise InvalidParameterError(f"--layer must be in 0..{tl.n_layers - 1} for this model, got {layers[0]}")
    if len(sents) == 2:
        cos = cosine_by_layer(sents[0].of(word), sents[1].of(word))
        result = {"word": word, "layers": [{"layer": i, "cosine": float(cos[i])} for i in layers]}
        if args.json:
            print(json.dumps(result, ensure_ascii=False, indent=2))
        else:
            print(f"cosine of {word!r} in the two sentences, by layer (0 = embeddings):")
            for row in result["layers"]:
                print(f"  layer {row['layer']:>2}  {row['cosine']:.4f}")
        return 0
    s = sents[0]
    i = s.index(word)
    result = {"word": word, "layers": []}
    for layer in layers:
        m = s.vectors[layer]
        u = m / np.maximum(np.linalg.norm(m, axis=1, keepdims=True), 1e-12)
        sims = u @ u[i]
        order = [j for j in np.argsort(-sims) if j != i][: args.k]
        result["layers"].append({"layer": layer, "nearest": [{"word": s.words[j], "position": int(j),
                                                              "cosine": float(sims[j])} for j in order]})
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=2))
    else:
        print(f"nearest other words to {word!r} (position {i}), by layer (0 = embeddings):")
        for row in result["layers"]:
            print(f"  layer {row['layer']:>2}  " + "  ".join(f"{n['word']} {n['cosine']:.3f}" for n in row["nearest"]))
    return 0


def _add_viz(sub):
    p = sub.add_parser("plot", help="draw a map of words, analogy arrows, or a teaching plot (extra [viz])",
                       description="Draw VECTORS to --out (.png, .svg, .pdf or a self-contained interactive .html). "
                                   "Choose one of --words, --top, --neighbors-of (a word map), --analogy, "
                                   "--history, --subsampling or --noise.")
    p.add_argument("vectors", metavar="VECTORS")
    what = p.add_mutually_exclusive_group(required=True)
    what.add_argument("--words", nargs="+", metavar="WORD", help="these words")
    what.add_argument("--top", type=int, metavar="N", help="the N most frequent words")
    what.add_argument("--neighbors-of", nargs="+", metavar="WORD", help="these words and their -k nearest neighbours")
    what.add_argument("--analogy", nargs="+", metavar="WORD", help="pairs a b c d ...: arrows a->b, c->d, ...")
    what.add_argument("--history", action="store_true", help="the training history stored in a native model")
    what.add_argument("--subsampling", action="store_true", help="keep-probability against word frequency")
    what.add_argument("--noise", action="store_true", help="the unigram^power noise distribution against the unigram")
    p.add_argument("-k", type=int, default=10, help="neighbours per word with --neighbors-of (default 10)")
    p.add_argument("--method", choices=["pca", "tsne", "umap"], default="pca")
    p.add_argument("--dim", type=int, choices=[2, 3], default=2, help="2 or 3 (the figure shows the first two)")
    p.add_argument("--clusters", type=int, default=None, help="colour a map by this many k-means clusters")
    p.add_argument("--sample", type=float, default=1e-3, help="threshold for --subsampling (default 1e-3)")
    p.add_argument("--power", type=float, default=0.75, help="exponent for --noise (default 0.75)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", required=True, metavar="FILE")
    p.set_defaults(func=_cmd_plot)

    p = sub.add_parser("projector", help="write vectors.tsv and metadata.tsv for the TensorFlow Embedding Projector")
    p.add_argument("vectors", metavar="VECTORS")
    p.add_argument("--out", required=True, metavar="DIR")
    p.add_argument("--limit", type=int, default=None, help="only the first N keys (the projector handles ~100k)")
    p.set_defaults(func=_cmd_projector)

    p = sub.add_parser("serve", help="the web explorer on http://HOST:PORT (extra [web])")
    p.add_argument("vectors", metavar="VECTORS")
    p.add_argument("--host", default="127.0.0.1", help="interface (default 127.0.0.1: this machine only)")
    p.add_argument("--port", type=int, default=8000)
    p.set_defaults(func=_cmd_serve)


def _viz_import():
    from .errors import WordspaceError

    try:
        from . import viz
        from .viz import plots
    except ImportError as exc:
        raise WordspaceError(str(exc)) from None
    return viz, plots


def _cmd_plot(args) -> int:
    from .errors import InvalidParameterError
    from .io._atomic import _check_parent

    _, plots = _viz_import()
    ext = os.path.splitext(args.out)[1].lower()
    if ext not in (".png", ".svg", ".pdf", ".html", ".htm"):
        raise InvalidParameterError(f"--out must end in .png, .svg, .pdf or .html, got '{args.out}'")
    _check_parent(args.out)
    v = _load(args.vectors)
    try:
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
            plot = plots.word_map(v, args.words, top=args.top, neighbors_of=args.neighbors_of, k=args.k,
                                  clusters=args.clusters, method=args.method, dim=args.dim, seed=args.seed)
    except ImportError as exc:
        from .errors import WordspaceError

        raise WordspaceError(str(exc)) from None
    plot.save(args.out)
    shown = len(plot.data.get("words", [])) or len(plot.data.get("labels", []))
    print(f"wrote {args.out}: {plot.title}" + (f" ({shown} labelled)" if shown else ""))
    return 0


def _cmd_projector(args) -> int:
    from .viz.projector import write_projector

    v = _load(args.vectors)
    vp, mp = write_projector(v, args.out, args.limit)
    n = len(v) if args.limit is None else min(args.limit, len(v))
    print(f"wrote {vp} and {mp}: {n:,} keys x {v.dim} dims; load both at projector.tensorflow.org")
    return 0


def _cmd_serve(args) -> int:
    from .errors import WordspaceError

    try:
        from .web import serve
        import fastapi  # noqa: F401  (fail here, with the install hint, not inside uvicorn)
    except ImportError:
        raise WordspaceError("wordspace serve requires FastAPI and uvicorn; install with pip install 'wordspace[web]'") from None
    v = _load(args.vectors)
    if args.host not in ("127.0.0.1", "localhost", "::1"):
        print(f"wordspace: warning: serving on {args.host}: other machines can reach the explorer", file=sys.stderr)
    print(f"serving {args.vectors} ({len(v):,} keys) on http://{args.host}:{args.port}/  (Ctrl-C stops)", flush=True)
    serve(v, host=args.host, port=args.port)
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
    parser = _Parser(prog="wordspace", description="Word embeddings: train, query, measure, see, convert and use them.")
    from . import __version__

    parser.add_argument("--version", action="version", version=f"wordspace {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True
    _add_train(sub)
    _add_query(sub)
    _add_evaluate(sub)
    _add_bpe(sub)
    _add_align(sub)
    _add_train_lm(sub)
    _add_contextual(sub)
    _add_viz(sub)
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
