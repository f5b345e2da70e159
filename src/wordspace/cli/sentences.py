"""``wordspace embed``: one vector per line of a file (``wordspace.sentences``)."""

from __future__ import annotations

import os
import sys
import time

from ._common import print_json, warn



def add_parsers(sub) -> None:
    p = sub.add_parser("embed", help="one vector per line of a file: sentence and document vectors",
                       description="Embed each line of FILE with MODEL: word vectors (any file or published name "
                                   "'load' reads) pooled by --method, a Doc2Vec model (vectors inferred), or an "
                                   "encoder folder written by --save-encoder. Writes one float32 row per line, in "
                                   "order: .npy, or text by extension (.tsv, .txt), or '-' for text on standard "
                                   "output; OUT.json describes the rows.")
    p.add_argument("model", metavar="MODEL", help="word vectors (file, model folder or published name), a Doc2Vec "
                                                   "model, or a saved encoder folder")
    p.add_argument("file", metavar="FILE", help="text, one sentence or document per line ('-': standard input)")
    p.add_argument("--out", required=True, metavar="OUT", output="file",
                   help="the vectors: .npy (NumPy), .tsv or .txt (text), '-' (text on standard output)")
    p.add_argument("--method", choices=["auto", "mean", "sif", "usif", "fasttext", "infer", "tokens"], default="auto",
                   help="mean, sif (Arora et al. 2017), usif (Ethayarajh 2018), fasttext (mean of unit vectors, "
                        "fastText's get_sentence_vector), infer (Doc2Vec), tokens (a static sentence model: its own "
                        "tokenizer, the mean of the tokens' rows, unit length, as model2vec); auto: infer for Doc2Vec, "
                        "tokens for a static sentence model (wordspace distill, a model2vec folder), sif for vectors "
                        "with word counts, mean otherwise")
    p.add_argument("--components-from", default=None, metavar="FILE",
                   help="sif/usif: fit the common components on the lines of this file instead of FILE's")
    p.add_argument("--sif-a", type=float, default=1e-3, metavar="X", help="SIF's a (default 0.001)")
    p.add_argument("--frequencies", default=None, metavar="FILE",
                   help="word counts (a word and a count per line) for vectors without counts (sif, usif); "
                        "otherwise the wordfreq package is asked when installed")
    p.add_argument("--language", default="en", metavar="CODE", help="wordfreq's language (default en)")
    p.add_argument("--lowercase", action="store_true", help="lower-case the lines first")
    p.add_argument("--save-encoder", default=None, metavar="DIR", output="dir",
                   help="also write the fitted encoder (settings and components) here, for 'wordspace embed DIR'")
    p.add_argument("--json", action="store_true", help="print a JSON summary")
    p.set_defaults(func=cmd_embed)


def cmd_embed(args) -> int:
    from ..atomic import check_writable
    from ..io.rows import OUTPUT_FORMAT, description_path, owns_description, owns_sentence_vectors
    from ..io.rows import write_description, write_npy, write_rows, write_text_rows
    from ..sentences import is_encoder_dir

    text_out = args.out == "-" or os.path.splitext(args.out)[1].lower() in (".tsv", ".txt")
    if args.out != "-":
        check_writable(args.out, "file", owns_sentence_vectors)
        check_writable(description_path(args.out), "file", owns_description)
    if args.save_encoder:
        check_writable(args.save_encoder, "dir", is_encoder_dir)
    t0 = time.perf_counter()
    encoder = open_encoder(args.model, method=args.method, sif_a=args.sif_a, frequencies=args.frequencies,
                           language=args.language, lowercase=args.lowercase)
    fit = None
    if args.components_from is not None:
        encoder.fit_file(args.components_from)
        fit = False

    def embed(out=None):
        x = encoder.encode_file(args.file, fit=fit, out=out)
        if x.shape[0] == 0:
            from ..errors import FormatError

            raise FormatError(f"'{args.file}' holds no line to embed")
        return x

    if text_out:
        x = embed()
        if args.out == "-":
            write_text_rows(sys.stdout.buffer, x)
            sys.stdout.flush()
        else:
            size = write_rows(args.out, x, True)
    else:  # the rows are made in a memory map of the new file: no second copy, no size limit but the disk's
        x, size = write_npy(args.out, embed)
    stats = dict(getattr(encoder, "last_stats_", {}))
    if stats.get("empty"):
        warn(f"{stats['empty']:,} of {stats['lines']:,} lines have no word the model knows; their rows are zero")
    meta = {"format": OUTPUT_FORMAT, "version": 1, "rows": int(x.shape[0]), "dim": int(x.shape[1]),
            "source": os.path.abspath(args.file) if args.file != "-" else "-", **encoder.metadata(),
            "empty_rows": int(stats.get("empty", 0))}
    if args.out != "-":
        meta["bytes"] = size
        write_description(args.out, meta)
    if args.save_encoder:
        encoder.save(args.save_encoder)
    meta["seconds"] = time.perf_counter() - t0
    summary = sys.stderr if args.out == "-" else sys.stdout
    if args.json:
        if args.out == "-":
            import json

            print(json.dumps(meta, ensure_ascii=False), file=sys.stderr)
        else:
            print_json(meta)
    else:
        where = "standard output" if args.out == "-" else args.out
        print(f"wrote {where}: {x.shape[0]:,} rows x {x.shape[1]} dims ({meta['method']}"
              + (f", weights from {meta['weights_source']}" if meta.get("weights_source") else "")
              + f") in {meta['seconds']:.2f}s", file=summary)
    return 0


def open_encoder(ref, **settings):
    """The encoder ``wordspace embed`` and ``wordspace evaluate --task`` use for MODEL: a saved
    encoder folder as it was saved, otherwise a new one over the model (opened once)."""
    from ..sentences import SentenceEncoder, is_encoder_dir

    if os.path.isdir(ref) and is_encoder_dir(ref):
        return SentenceEncoder.load(ref)
    enc = SentenceEncoder(ref, **settings)
    enc.dim  # the model is read (and the method checked against it) before any text
    return enc
