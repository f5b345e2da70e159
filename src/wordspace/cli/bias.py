"""``wordspace bias`` and ``wordspace debias``: what associations a model learned, and hard
debiasing (``wordspace.bias``)."""

from __future__ import annotations

from ._common import add_vectors_argument, load_vectors, print_json, read_options


def add_parsers(sub) -> None:
    p = sub.add_parser("bias", help="Word Embedding Association Tests and the gender direction",
                       description="The Word Embedding Association Test (Caliskan et al. 2017) for each --test (the "
                                   "paper's weat1 ... weat10 by default, or a JSON file of your own sets): effect size "
                                   "and permutation p-value; and the direct gender bias of Bolukbasi et al.'s "
                                   "profession words (mean |cos| with the she-he direction).")
    add_vectors_argument(p)
    p.add_argument("--test", nargs="+", action="extend", metavar="NAME_OR_FILE",
                   help="bundled test names (weat1 ... weat10) or JSON files with 'targets' and 'attributes' "
                        "(repeatable; default: all bundled tests)")
    p.add_argument("--permutations", type=int, default=100_000,
                   help="random splits for the p-value when there are more than this many (default 100000)")
    p.add_argument("--seed", type=int, default=0, help="seed of the random splits (default 0)")
    p.add_argument("--lowercase", action="store_true",
                   help="lower-case the word sets first (for models of lower-cased text; several tests use names)")
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    p.set_defaults(func=cmd_bias)
    p = sub.add_parser("debias", help="hard debiasing (Bolukbasi et al. 2016)",
                       description="Neutralise every word that is not gender-specific along the gender direction "
                                   "and equalise the paper's pairs; writes unit vectors to OUT (any format).")
    add_vectors_argument(p)
    p.add_argument("--out", required=True, metavar="OUT", output="path", help="the debiased vectors")
    p.set_defaults(func=cmd_debias)


def cmd_bias(args) -> int:
    from ..bias import direct_bias, gender_direction, gender_lists, run_weat, weat_tests
    from ..errors import InvalidParameterError

    v = load_vectors(args.vectors, format=args.vectors_format, **read_options(args))
    results, skipped = [], []
    names = args.test or list(weat_tests())
    for name in names:
        try:
            results.append(run_weat(v, name, permutations=args.permutations, seed=args.seed,
                                    lowercase=args.lowercase))
        except InvalidParameterError as exc:
            if args.test:  # a test the user asked for: its problem is the answer
                raise InvalidParameterError(f"test {name}: {exc}") from None
            skipped.append((name, str(exc)))
    try:
        g = gender_direction(v)
        professions = [p[0] for p in gender_lists()["professions"]]
        gender = {"direct_bias": direct_bias(v, professions, g),
                  "professions": sum(p in v for p in professions)}
    except InvalidParameterError as exc:
        gender = {"error": str(exc)}
    if args.json:
        print_json({"tests": [r.to_dict() for r in results], "skipped": dict(skipped), "gender": gender})
        return 0
    print(f"{'test':<8} {'targets':<52} {'attributes':<30} {'d':>6} {'p':>8}  words")
    for r in results:
        t1, t2, a1, a2 = r.sets
        n = sum(len(w) for w in r.sets.values())
        lost = sum(len(w) for w in r.missing.values())
        print(f"{r.name:<8} {(t1 + ' vs ' + t2)[:52]:<52} {(a1 + ' vs ' + a2)[:30]:<30} {r.effect_size:>6.2f} "
              f"{r.p_value:>8.2g}  {n}" + (f" ({lost} not in the model)" if lost else ""))
    for name, why in skipped:
        print(f"{name:<8} skipped: {why}")
    if "error" in gender:
        print(f"gender direction: {gender['error']}")
    else:
        print(f"direct gender bias of {gender['professions']} profession words: {gender['direct_bias']:.4f} "
              "(mean |cos| with the she-he direction)")
    return 0


def cmd_debias(args) -> int:
    from ..atomic import check_writable
    from ..bias import hard_debias
    from ..io import format_for_path, replaceable_by

    fmt = format_for_path(args.out)
    check_writable(args.out, "dir" if fmt == "native" else "file", replaceable_by(fmt))
    v = load_vectors(args.vectors, format=args.vectors_format, **read_options(args))
    out = hard_debias(v)
    out.save(args.out, format=fmt)
    info = out.metadata["debiased"]
    print(f"wrote {args.out} ({fmt}): {len(out):,} unit vectors; {info['neutralized']:,} words neutralised, "
          f"{info['equalized_pairs']} pairs equalised")
    return 0
