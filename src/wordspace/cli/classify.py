"""``wordspace classify train|test|predict``: supervised text classification the fastText way
(``wordspace.supervised``), on files in fastText's format (``__label__X`` tokens)."""

from __future__ import annotations

import sys

from ._common import print_json


def add_parsers(sub) -> None:
    p = sub.add_parser("classify", help="supervised text classification (fastText's supervised mode)",
                       description="Train a classifier on lines like '__label__pos a fine film' (several labels per "
                                   "line allowed), test it (N, P@k, R@k) or predict labels.")
    cmds = p.add_subparsers(dest="classify_command", metavar="ACTION", parser_class=type(p),
                            help="train a classifier, test it, or predict with it")
    cmds.required = True
    t = cmds.add_parser("train", help="learn a classifier from a labelled file")
    t.add_argument("file", metavar="FILE", help="labelled text, one document per line")
    t.add_argument("--out", required=True, metavar="MODEL", output="dir", help="the classifier (a directory)")
    t.add_argument("--dim", type=int, default=100, help="vector dimension (default 100)")
    t.add_argument("--epochs", type=int, default=5, help="passes over the file (default 5)")
    t.add_argument("--alpha", "--lr", dest="alpha", type=float, default=0.1, metavar="X",
                   help="initial learning rate, falling to 0 (default 0.1; --lr, fastText's name, is the same)")
    t.add_argument("--word-ngrams", type=int, default=1, help="also use n-grams of up to this many words (default 1)")
    t.add_argument("--loss", choices=["softmax", "hs", "ova"], default="softmax",
                   help="softmax (default), hierarchical softmax, or one-vs-all for several labels per line")
    t.add_argument("--pretrained", default=None, metavar="VECTORS", help="start the word vectors from these")
    t.add_argument("--min-count", type=int, default=1, help="ignore words seen fewer times (default 1)")
    t.add_argument("--buckets", type=int, default=2_000_000, help="rows for hashed word n-grams (default 2000000)")
    t.add_argument("--workers", type=int, default=None, help="threads (default: all cores)")
    t.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    t.add_argument("--quiet", action="store_true", help="no progress bar")
    t.set_defaults(func=cmd_train, _parser=t)  # parameter errors name this parser's flags
    e = cmds.add_parser("test", help="precision and recall at k on a labelled file")
    e.add_argument("model", metavar="MODEL", help="a classifier written by 'classify train', or a fastText supervised .bin file")
    e.add_argument("file", metavar="FILE", help="labelled text")
    e.add_argument("-k", type=int, default=1, help="labels predicted per line (default 1)")
    e.add_argument("--json", action="store_true", help="print JSON")
    e.set_defaults(func=cmd_test, _parser=e)
    r = cmds.add_parser("predict", help="the most probable labels of each line")
    r.add_argument("model", metavar="MODEL", help="a classifier written by 'classify train', or a fastText supervised .bin file")
    r.add_argument("file", metavar="FILE", help="text, one document per line ('-': standard input)")
    r.add_argument("-k", type=int, default=1, help="labels per line (default 1)")
    r.add_argument("--threshold", type=float, default=0.0, help="only labels above this probability (default 0)")
    r.add_argument("--json", action="store_true", help="one JSON list of [label, probability] pairs per line")
    r.set_defaults(func=cmd_predict, _parser=r)


def cmd_train(args) -> int:
    import time

    from ..atomic import check_writable
    from ..supervised import SupervisedClassifier, is_classifier_dir, read_labeled

    check_writable(args.out, "dir", is_classifier_dir)
    read_labeled(args.file, limit=1)  # a missing, empty or binary file is named before anything else
    pretrained = None
    if args.pretrained:
        from ._common import load_vectors

        pretrained = load_vectors(args.pretrained)
    t = time.perf_counter()
    clf = SupervisedClassifier(dim=args.dim, epochs=args.epochs, alpha=args.alpha, word_ngrams=args.word_ngrams, loss=args.loss,
                               min_count=args.min_count, buckets=args.buckets, pretrained=pretrained,
                               workers=args.workers, seed=args.seed, progress=not args.quiet)
    clf.fit_file(args.file)
    clf.save(args.out)
    print(f"wrote {args.out}: {len(clf.classes_)} labels, {len(clf.words_):,} words, {time.perf_counter() - t:.1f}s; "
          f"loss per epoch {', '.join(f'{x:.4f}' for x in clf.loss_history_)}")
    return 0


def open_classifier(path):
    """A classifier written by ``wordspace classify train``, or a Facebook fastText supervised
    ``.bin`` file (read by ``wordspace.io.fasttext_supervised``)."""
    import os

    from ..io.fasttext_bin import is_fasttext_bin
    from ..io.fasttext_supervised import FastTextClassifier
    from ..supervised import SupervisedClassifier

    if os.path.isfile(path) and is_fasttext_bin(path):  # says so when it is a word-vector model
        return FastTextClassifier.load(path)
    return SupervisedClassifier.load(path)


def cmd_test(args) -> int:
    from ..supervised import read_labeled

    clf = open_classifier(args.model)
    docs, labels = read_labeled(args.file)
    unknown = sorted({x for y in labels for x in y} - set(clf.classes_))
    if unknown:
        print(f"wordspace: warning: {args.file}: {len(unknown)} label(s) the classifier never saw (for example "
              f"{unknown[0]!r}) count as misses", file=sys.stderr)
    res = clf.test(docs, labels, k=args.k)
    if args.json:
        print_json(res)
    else:
        print(f"N\t{res['n']}\nP@{args.k}\t{res['precision']:.3f}\nR@{args.k}\t{res['recall']:.3f}")
    return 0


def cmd_predict(args) -> int:
    import json

    from ..supervised import LABEL_PREFIX, read_labeled

    clf = open_classifier(args.model)
    if args.file == "-":
        docs = [[t for t in line.split() if not t.startswith(LABEL_PREFIX)] for line in sys.stdin if line.strip()]
    else:
        docs, _ = read_labeled(args.file)
    for row in clf.predict_top(docs, k=args.k, threshold=args.threshold):
        if args.json:
            print(json.dumps([[label, round(p, 6)] for label, p in row], ensure_ascii=False))
        else:
            print(" ".join(f"{LABEL_PREFIX}{label} {p:.4f}" for label, p in row))
    return 0
