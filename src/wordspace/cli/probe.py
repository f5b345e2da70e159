"""``wordspace probe``: what a linear probe reads off each layer of a model (``wordspace.probe``,
extra ``[classify]``; transformers need ``[contextual]``, the language model ``[torch]``)."""

from __future__ import annotations

from ._common import add_storage_argument, extra_import, print_json


def add_parsers(sub) -> None:
    p = sub.add_parser("probe", help="linear probes per layer: part of speech, word sense, or your labels",
                       description="Fit a logistic-regression probe on each layer's word vectors and report its "
                                   "cross-validated accuracy, the majority-class baseline, and a control task (random "
                                   "labels per word type) that shows how much is memorisation. MODEL is static vectors "
                                   "(layer 0), a transformer checkpoint directory, or a language model written by "
                                   "'wordspace train-lm'.")
    p.add_argument("model", metavar="MODEL", help="vectors (file, model directory or published name), a transformers "
                   "checkpoint directory, or a 'wordspace train-lm' directory")
    p.add_argument("--task", required=True, metavar="TASK",
                   help="pos (WordNet's noun/verb/adjective/adverb), sense (bank, plant, cell, pitch, organ, mouse; "
                        "needs --corpus), or a file of 'word<TAB>label' lines")
    p.add_argument("--layers", default="all", metavar="all|N[,N...]", help="which layers (0 = embeddings; default all)")
    p.add_argument("--corpus", nargs="+", metavar="FILE", default=None,
                   help="text for contextual models' examples (default: the bundled demo corpus; the sense task needs "
                        "text where both senses occur, such as Wikipedia)")
    add_storage_argument(p)
    p.add_argument("--kind", choices=["auto", "static", "transformer", "lm"], default="auto",
                   help="what MODEL is (default: detected)")
    p.add_argument("--format", dest="vectors_format", default=None, help="read static vectors as this format")
    p.add_argument("--folds", type=int, default=5, help="cross-validation folds (default 5)")
    p.add_argument("--max-examples", type=int, default=None,
                   help="examples at most (default: 5000 words for static vectors, 2000 occurrences otherwise)")
    p.add_argument("--per-word", type=int, default=5, help="occurrences of one word at most (default 5)")
    p.add_argument("--seed", type=int, default=0, help="seed of the folds and the control task (default 0)")
    p.add_argument("--device", default=None, help="cpu, cuda... for contextual models (default: cuda when available)")
    p.add_argument("--workers", type=int, default=None, help="probes fitted at once (default: all cores)")
    p.add_argument("--plot", default=None, metavar="OUT", output="file",
                   help="write the per-layer plot (.png, .svg, .pdf or .html)")
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    p.set_defaults(func=cmd_probe)


def _layers(text: str):
    from ..errors import InvalidParameterError

    if text == "all":
        return None
    try:
        return [int(x) for x in text.split(",")]
    except ValueError:
        raise InvalidParameterError(f"--layers must be 'all' or layer numbers such as 0,3,6; got {text!r}") from None


def _imports():
    from ..probe import open_model, probe

    return open_model, probe


def cmd_probe(args) -> int:
    import os

    from ..atomic import check_writable
    from ..errors import InvalidParameterError

    layers = _layers(args.layers)
    if args.plot:
        from ..viz.plots import PLOT_EXTENSIONS, is_plot_file

        if os.path.splitext(args.plot)[1].lower() not in PLOT_EXTENSIONS:
            raise InvalidParameterError(f"--plot: cannot tell the plot format of '{args.plot}': use "
                                        + ", ".join(PLOT_EXTENSIONS))
        check_writable(args.plot, "file", is_plot_file)
    open_model, probe = extra_import(_imports)
    if args.task not in ("pos", "sense") and not os.path.isfile(args.task):
        raise InvalidParameterError(f"--task: {args.task!r} is neither pos, sense nor an existing label file")
    model = extra_import(lambda: open_model(args.model, args.kind, args.device, args.vectors_format))
    result = extra_import(lambda: probe(model, args.task, corpus=args.corpus, layers=layers, folds=args.folds,
                                        max_examples=args.max_examples, per_word=args.per_word, seed=args.seed,
                                        workers=args.workers))
    result.model = args.model
    if args.plot:
        from ..viz.plots import probe_plot

        extra_import(lambda: probe_plot(result).save(args.plot))
    if args.json:
        print_json(result.to_dict())
        return 0
    print(f"probe: {result.task}, {result.examples:,} examples of {result.words:,} words, {len(result.classes)} labels "
          f"({', '.join(f'{k} {v}' for k, v in result.classes.items())}), {result.folds}-fold cross-validation")
    if result.dropped:
        print(f"left out (fewer than {result.folds} examples): " + ", ".join(f"{k} {v}" for k, v in result.dropped.items()))
    print(f"majority baseline {result.majority:.3f}")
    print(f"{'layer':>5}  {'accuracy':>8}  {'± std':>6}  {'control':>7}  {'selectivity':>11}")
    for r in result.layers:
        print(f"{r['layer']:>5}  {r['accuracy']:>8.3f}  {r['accuracy_std']:>6.3f}  {r['control']:>7.3f}  "
              f"{r['selectivity']:>11.3f}")
    if args.plot:
        print(f"wrote {args.plot}")
    return 0
