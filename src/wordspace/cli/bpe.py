"""``wordspace bpe train|encode|decode``: the byte-level BPE tokenizer (``wordspace.bpe``)."""

from __future__ import annotations

import sys
import time

from ._common import Parser, add_storage_argument


def add_parsers(sub) -> None:
    p = sub.add_parser("bpe", help="byte-level BPE: train a subword vocabulary, encode and decode text",
                       description="Byte-level BPE tokenizer. Encoded text is one line per input line, tokens "
                                   "separated by spaces (GPT-2's printable byte alphabet, a space is 'Ġ'), ready "
                                   "for 'wordspace train'.")
    bsub = p.add_subparsers(dest="bpe_command", metavar="ACTION", parser_class=Parser)
    bsub.required = True
    t = bsub.add_parser("train", help="learn merges from text files")
    t.add_argument("corpus", nargs="+", metavar="CORPUS", help="text files, directories, globs or URLs")
    add_storage_argument(t)
    t.add_argument("--vocab-size", type=int, required=True, help="256 bytes + merges + special tokens")
    t.add_argument("--out", required=True, metavar="FILE", output="file", help="the tokenizer (JSON)")
    t.add_argument("--special-token", nargs="+", action="extend", default=[], metavar="TOKEN",
                   help="a token never split (repeatable), e.g. '<|endoftext|>'")
    t.add_argument("--min-frequency", type=int, default=2, help="stop when no pair occurs this often (default 2)")
    t.add_argument("--quiet", action="store_true", help="no progress bar")
    t.set_defaults(func=cmd_bpe_train)
    for name, helptext in (("encode", "text -> tokens"), ("decode", "tokens -> text")):
        e = bsub.add_parser(name, help=helptext,
                            description=f"'wordspace bpe {name} FILE [TEXT ...]': FILE is the tokenizer and the text "
                                        f"comes from the TEXT files or standard input; or 'wordspace bpe {name} TEXT ... "
                                        "--model FILE'.")
        e.add_argument("files", nargs="+", metavar="FILE", help="the tokenizer, then text files (or standard input)")
        e.add_argument("--model", default=None, metavar="MODEL",
                       help="the tokenizer (written by 'wordspace bpe train'); without it, the first FILE is")
        e.add_argument("--out", default=None, metavar="OUT", output="file",
                       help="write here instead of standard output")
        e.add_argument("--ids", action="store_true", help="integer token ids instead of printable tokens")
        e.set_defaults(func=cmd_bpe_encode if name == "encode" else cmd_bpe_decode)


def cmd_bpe_train(args) -> int:
    from ..atomic import check_writable
    from ..bpe import BPE, is_tokenizer_file, read_lines

    check_writable(args.out, "file", is_tokenizer_file)
    t0 = time.perf_counter()
    bpe = BPE.train(read_lines(args.corpus), args.vocab_size, special_tokens=args.special_token,
                    min_frequency=args.min_frequency, progress=not args.quiet)
    bpe.save(args.out)
    print(f"wrote {args.out}: {len(bpe):,} tokens ({len(bpe.merges):,} merges) in {time.perf_counter() - t0:.1f}s")
    return 0


def _bpe_stream(args, convert) -> int:
    from ..atomic import atomic_file
    from ..bpe import BPE, read_lines

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


def cmd_bpe_encode(args) -> int:
    if args.ids:
        return _bpe_stream(args, lambda bpe, line: " ".join(map(str, bpe.encode(line))))
    return _bpe_stream(args, lambda bpe, line: " ".join(bpe.tokenize(line)))


def cmd_bpe_decode(args) -> int:
    from ..errors import InvalidParameterError

    def ids(line):
        try:
            return [int(x) for x in line.split()]
        except ValueError:
            raise InvalidParameterError(f"--ids expects integer token ids, got {line[:60]!r}") from None

    if args.ids:
        return _bpe_stream(args, lambda bpe, line: bpe.decode(ids(line)))
    return _bpe_stream(args, lambda bpe, line: bpe.detokenize(line.split()))
