"""``wordspace phrases``: find collocations and write the corpus with them joined
(``wordspace.phrases``)."""

from __future__ import annotations

import time

from ._common import add_storage_argument


def add_parsers(sub) -> None:
    p = sub.add_parser("phrases", help="join frequent collocations (new york -> new_york)",
                       description="Find phrases in CORPUS (Mikolov et al. 2013's score, or normalised PMI) and write "
                                   "the corpus with them joined to --out, one sentence per line. --passes 2 also joins "
                                   "phrases of phrases (new_york times -> new_york_times). --save-model keeps the "
                                   "phrases for 'wordspace train --phrases'.")
    p.add_argument("corpus", nargs="+", metavar="CORPUS", help="text files, directories, globs or URLs")
    add_storage_argument(p)
    p.add_argument("--out", required=True, metavar="FILE", output="file", help="the corpus with phrases joined")
    p.add_argument("--min-count", type=int, default=5, help="ignore words and pairs seen fewer times (default 5)")
    p.add_argument("--threshold", type=float, default=None,
                   help="a pair scoring above this is a phrase (default 10 with --scoring default, which takes a "
                        "positive number; 0.5 with --scoring npmi, which takes [-1, 1])")
    p.add_argument("--passes", type=int, default=1, help="rounds of joining (default 1)")
    p.add_argument("--scoring", choices=["default", "npmi"], default="default",
                   help="default: Mikolov et al.'s score; npmi: normalised pointwise mutual information")
    p.add_argument("--delimiter", default="_", help="what joins the words of a phrase (default _)")
    p.add_argument("--save-model", default=None, metavar="PATH", output="file",
                   help="also write the phrases found (JSON)")
    p.add_argument("--lowercase", action="store_true", help="lower-case the text first (as train --lowercase)")
    p.add_argument("--tokenizer", choices=["whitespace", "words"], default="whitespace",
                   help="how text is split into tokens (as train --tokenizer)")
    p.set_defaults(func=cmd_phrases)


def cmd_phrases(args) -> int:
    from ..atomic import check_writable
    from ..phrases import is_phrase_file, learn_phrases, write_corpus
    from ..textprep import TextPreparation

    check_writable(args.out, "file")
    if args.save_model:
        check_writable(args.save_model, "file", is_phrase_file)
    t0 = time.perf_counter()
    prep = TextPreparation(lowercase=args.lowercase, tokenizer=args.tokenizer)
    model, encoded = learn_phrases(args.corpus, min_count=args.min_count, threshold=args.threshold,
                                   passes=args.passes, scoring=args.scoring, delimiter=args.delimiter,
                                   preparation=prep)
    write_corpus(encoded, args.out)
    if args.save_model:
        model.save(args.save_model)
    top = sorted(model.passes[0].items(), key=lambda kv: -kv[1])[:5] if model.passes else []
    print(f"wrote {args.out}: {len(model):,} phrases in {len(model.passes)} pass(es), {encoded.n_tokens:,} tokens, "
          f"{time.perf_counter() - t0:.1f}s" + (f"; e.g. {', '.join(args.delimiter.join(p) for p, _ in top)}" if top
                                                 else ""))
    return 0
