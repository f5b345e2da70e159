"""``wordspace train-lm`` (the BiLSTM language model, extra ``[torch]``) and ``wordspace
contextual`` (per-layer vectors of a transformer, extra ``[contextual]``)."""

from __future__ import annotations

import time

from ._common import add_storage_argument, extra_import, print_json


def add_parsers(sub) -> None:
    _add_contextual(sub)
    p = sub.add_parser("train-lm", help="train an ELMo-style BiLSTM language model (extra [torch])",
                       description="Train forward and backward LSTM language models over word tokens (BPE-encoded "
                                   "text works too). Shows held-out perplexity per epoch and checkpoints to DIR after "
                                   "each epoch; --resume continues from DIR.")
    p.add_argument("corpus", nargs="+", metavar="CORPUS", help="text files, directories, globs or URLs")
    add_storage_argument(p)
    p.add_argument("--out", required=True, metavar="DIR", output="dir",
                   help="the model directory (checkpointed after each epoch)")
    p.add_argument("--dim", type=int, default=128, help="embedding and projection size (default 128)")
    p.add_argument("--hidden", type=int, default=256, help="LSTM cell size (default 256)")
    p.add_argument("--layers", type=int, default=2, help="LSTM layers per direction (default 2)")
    p.add_argument("--dropout", type=float, default=0.1, help="dropout between layers (default 0.1)")
    p.add_argument("--epochs", type=int, default=5, help="passes over the corpus (default 5)")
    p.add_argument("--batch-tokens", type=int, default=4096, help="tokens per batch (default 4096)")
    p.add_argument("--seq-len", type=int, default=64, help="longest segment, in words (default 64)")
    p.add_argument("--lr", type=float, default=2e-3, help="Adam's learning rate (default 0.002)")
    p.add_argument("--max-vocab", type=int, default=30_000, help="largest vocabulary (default 30000)")
    p.add_argument("--min-count", type=int, default=3, help="ignore words seen fewer times (default 3)")
    p.add_argument("--heldout", type=float, default=0.02, help="share of segments held out (default 0.02)")
    p.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    p.add_argument("--workers", type=int, default=None, help="CPU threads")
    p.add_argument("--device", default=None, help="cpu, cuda... (default: cuda when available)")
    p.add_argument("--resume", action="store_true", help="continue the run checkpointed in --out")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=cmd_train_lm)


def cmd_train_lm(args) -> int:
    from ..atomic import check_writable

    train_lm, is_lm_dir = extra_import(_lm_imports)
    check_writable(args.out, "dir", is_lm_dir)
    t0 = time.perf_counter()
    lm = train_lm(args.corpus, args.out, dim=args.dim, hidden=args.hidden, layers=args.layers, dropout=args.dropout,
                  epochs=args.epochs, batch_tokens=args.batch_tokens, seq_len=args.seq_len, lr=args.lr,
                  max_vocab=args.max_vocab, min_count=args.min_count, heldout=args.heldout, seed=args.seed,
                  device=args.device, workers=args.workers, resume=args.resume, progress=not args.quiet)
    last = lm.history[-1]["heldout_perplexity"] if lm.history else None
    ppl = f"; held-out perplexity forward {last['forward']:.1f}, backward {last['backward']:.1f}" if last else ""
    print(f"wrote {args.out}: {len(lm.vocab):,} tokens, {len(lm.history)} epochs in {time.perf_counter() - t0:.1f}s{ppl}")
    return 0


def _add_contextual(sub) -> None:
    p = sub.add_parser("contextual", help="per-layer word vectors of a transformer or a train-lm model (extra [contextual])",
                       description="With one sentence: for --word, its nearest other words of the sentence at each "
                                   "layer. With two sentences: the cosine, at each layer, between --word in the first "
                                   "and in the second (the 'river bank' / 'savings bank' test).")
    p.add_argument("model_dir", metavar="MODEL", help="a local transformers model folder, a language model written by "
                   "'wordspace train-lm', or hf:OWNER/NAME on the Hugging Face Hub (fetched through transformers' cache; "
                   "HF_HUB_OFFLINE=1 uses the cache only)")
    p.add_argument("--sentence", action="append", required=True, metavar="TEXT", help="once or twice")
    p.add_argument("--word", default=None, metavar="W", help="the word to follow (default: the first one both sentences share)")
    p.add_argument("--layer", default="all", metavar="all|N", help="one layer (0 = embeddings) or all (default)")
    p.add_argument("-k", type=int, default=3, help="nearest words shown per layer (default 3)")
    p.add_argument("--device", default=None, help="cpu, cuda... (default: cuda when available)")
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    p.set_defaults(func=cmd_contextual)


def _lm_imports():
    from ..nn.lm_train import is_lm_dir, train_lm

    return train_lm, is_lm_dir


def _contextual_imports():
    from ..contextual import cosine_by_layer, nearest_by_layer, open_layers

    return open_layers, cosine_by_layer, nearest_by_layer


def cmd_contextual(args) -> int:
    from ..errors import InvalidParameterError

    if len(args.sentence) > 2:
        raise InvalidParameterError("--sentence is given once (nearest words) or twice (compare a word in both)")
    open_layers, cosine_by_layer, nearest_by_layer = extra_import(_contextual_imports)
    tl = extra_import(lambda: open_layers(args.model_dir, device=args.device))
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
            print_json(result)
        else:
            print(f"cosine of {word!r} in the two sentences, by layer (0 = embeddings):")
            for row in result["layers"]:
                print(f"  layer {row['layer']:>2}  {row['cosine']:.4f}")
        return 0
    s = sents[0]
    result = {"word": word, "layers": nearest_by_layer(s, word, layers, args.k)}
    if args.json:
        print_json(result)
    else:
        print(f"nearest other words to {word!r} (position {s.index(word)}), by layer (0 = embeddings):")
        for row in result["layers"]:
            print(f"  layer {row['layer']:>2}  " + "  ".join(f"{n['word']} {n['cosine']:.3f}" for n in row["nearest"]))
    return 0
