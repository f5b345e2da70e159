"""``wordspace distill`` (a static sentence model from a transformer, ``wordspace.distillation``) and
``wordspace export`` (a model in another toolkit's format: model2vec)."""

from __future__ import annotations

import time

from ._common import print_json


def add_parsers(sub) -> None:
    p = sub.add_parser("distill", help="a static sentence model distilled from a transformer (extra [distill])",
                       description="Distil TEACHER (a sentence-transformers or Hugging Face folder, or "
                                   "hf:OWNER/REPO) into a static table of token vectors that embeds sentences "
                                   "hundreds of times faster: every token of the teacher's vocabulary (plus whole "
                                   "words with --vocabulary or --vocabulary-from) embedded by the teacher, PCA to "
                                   "--dim, SIF weights; with --fit-corpus, then trained so that each corpus "
                                   "sentence's pooled vector matches the teacher's. The model is a native wordspace "
                                   "model carrying its tokenizer: 'wordspace embed MODEL FILE', 'wordspace "
                                   "neighbors MODEL WORD', 'wordspace export MODEL --to model2vec DIR'.")
    p.add_argument("teacher", metavar="TEACHER", help="a local sentence-transformers / Hugging Face model folder "
                                                       "(safetensors weights, tokenizer.json), or hf:OWNER/REPO")
    p.add_argument("--out", required=True, metavar="MODEL", output="dir", help="the model folder to write")
    p.add_argument("--dim", type=int, default=256, metavar="N", help="dimensions kept by PCA (default 256)")
    voc = p.add_mutually_exclusive_group()
    voc.add_argument("--vocabulary", default=None, metavar="FILE",
                     help="whole words to add (one per line; words the tokenizer would split become tokens)")
    voc.add_argument("--vocabulary-from", default=None, metavar="CORPUS",
                     help="add the --vocab-size most frequent words of this corpus that the tokenizer splits")
    p.add_argument("--vocab-size", type=int, default=50_000, metavar="N",
                   help="--vocabulary-from: how many whole words to add (default 50000)")
    p.add_argument("--fit-corpus", default=None, metavar="CORPUS", nargs="+",
                   help="stage two: train the table on these texts (files, folders, URLs) so that sentence vectors "
                        "match the teacher's")
    p.add_argument("--epochs", type=int, default=2, metavar="N", help="--fit-corpus: passes (default 2)")
    p.add_argument("--batch-size", type=int, default=64, metavar="N", help="--fit-corpus: sentences per step "
                                                                            "(default 64)")
    p.add_argument("--learning-rate", type=float, default=3e-3, metavar="X", help="--fit-corpus: Adam's rate "
                                                                                  "(default 0.003)")
    p.add_argument("--max-words", type=int, default=32, metavar="N",
                   help="--fit-corpus: lines are cut into pieces of at most N words (default 32)")
    p.add_argument("--max-sentences", type=int, default=None, metavar="N",
                   help="--fit-corpus: use at most N pieces, spread evenly over the corpus (the teacher's time "
                        "grows with them)")
    p.add_argument("--cache", default=None, metavar="DIR",
                   help="--fit-corpus: where the teacher's sentence vectors are kept (default: under WORDSPACE_HOME); "
                        "a stopped run resumes from it")
    p.add_argument("--pooling", choices=["teacher", "mean", "cls"], default="teacher",
                   help="how the teacher's outputs are pooled: as its sentence-transformers configuration says "
                        "(teacher, the default; mean for a plain Hugging Face folder), or forced")
    p.add_argument("--sif-a", type=float, default=1e-4, metavar="X",
                   help="SIF's a (default 0.0001, model2vec's; 0.001 classifies better and agrees less with the "
                        "teacher)")
    p.add_argument("--device", default=None, metavar="DEV", help="cpu, cuda, cuda:1... (default: cuda when available)")
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    p.add_argument("--json", action="store_true", help="print a JSON summary")
    p.set_defaults(func=cmd_distill)

    p = sub.add_parser("export", help="write a model in another toolkit's format (model2vec)",
                       description="Write MODEL (a static sentence model: made by 'wordspace distill', or read from a "
                                   "model2vec folder) as a model2vec folder (model.safetensors, tokenizer.json, "
                                   "config.json, modules.json) that model2vec's StaticModel.from_pretrained and "
                                   "sentence-transformers' StaticEmbedding load. For word-vector formats, see "
                                   "'wordspace convert'.")
    p.add_argument("model", metavar="MODEL", help="a static sentence model folder (or a model2vec folder)")
    p.add_argument("--to", required=True, choices=["model2vec"], help="the format (model2vec)")
    p.add_argument("out", metavar="DIR", output="dir", help="the folder to write")
    p.set_defaults(func=cmd_export)


def cmd_distill(args) -> int:
    from ..atomic import check_writable
    from ..distillation import distill
    from ..io.native import owns_native_dir

    check_writable(args.out, "dir", owns_native_dir)
    t0 = time.perf_counter()
    model = distill(args.teacher, dim=args.dim, vocabulary=args.vocabulary, vocabulary_from=args.vocabulary_from,
                    vocab_size=args.vocab_size, fit_corpus=args.fit_corpus, epochs=args.epochs,
                    batch_size=args.batch_size, learning_rate=args.learning_rate, max_words=args.max_words,
                    max_sentences=args.max_sentences, pooling=args.pooling, device=args.device, sif_a=args.sif_a,
                    cache=args.cache, progress=not args.quiet)
    model.save(args.out, format="native")
    from ..tokenized import SENTENCE_META

    meta = model.metadata[SENTENCE_META]
    summary = {"out": args.out, "tokens": len(model), "dim": model.dim, "seconds": round(time.perf_counter() - t0, 2),
               **{k: v for k, v in meta.items() if k not in ("pooling", "normalize")}}
    if args.json:
        print_json(summary)
    else:
        extra = ""
        if meta.get("stage") == 2 and "held_out_cosine_after" in meta:
            extra = (f"; cosine with the teacher on {meta['held_out_pieces']:,} held-out pieces "
                     f"{meta['held_out_cosine_before']:.3f} -> {meta['held_out_cosine_after']:.3f}")
        print(f"wrote {args.out}: {len(model):,} tokens x {model.dim} dims ({meta['added_words']:,} whole words added, "
              f"stage {meta['stage']}, teacher pooling {meta['teacher_pooling']}){extra} in {summary['seconds']:.1f}s")
    return 0


def cmd_export(args) -> int:
    from ..atomic import check_writable
    from ..pretrained import load
    from ..tokenized import owns_model2vec_dir, write_model2vec

    check_writable(args.out, "dir", owns_model2vec_dir, inputs=(args.model,))
    model = load(args.model)
    write_model2vec(model, args.out, inputs=(args.model,))
    print(f"wrote {args.out} (model2vec): {len(model):,} tokens x {model.dim} dims")
    return 0
