"""A sweep of hostile values through every numeric option of every command.

The cases are generated from the command line itself (``wordspace.cli.command_parsers``: every
option whose type is int or float, of every command), so a new command or option cannot skip
the sweep; each command runs from a template of valid, tiny inputs (``templates``) with one
option set to a hostile value (``VALUES``: huge, negative, zero, NaN, infinite, not a number).

What must hold for every case: the command ends within ``TIMEOUT`` seconds with exit 0 (the
value was valid), 1 (refused or failed, one line) or 2 (a usage error), and nothing it prints is
"unexpected" (the catch-all for errors wordspace did not foresee) or a traceback.

Cases run in worker processes, several to a process; ``faulthandler`` ends a worker whose case
runs past the timeout (a compiled loop cannot be interrupted otherwise), and the case is
reported as a hang.

    python -m tests.fuzz.params [--only COMMAND] [--jobs 2]
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import subprocess
import sys
import tempfile

#: What every numeric option is given, one at a time.
VALUES = ("-1", "0", "1e400", "nan", "inf", "-inf", "1e308", "99999999999999999999", "-99999999999999999999", "abc")
#: Seconds a case may take (training on the tiny corpus takes well under one).
TIMEOUT = 60.0
#: Commands that need what a test machine does not offer in a sweep: ``serve`` would serve
#: until stopped when its values are valid (its port is swept by its own test), ``download``
#: and ``models`` reach for the network or the catalogue only.
SKIP = {"wordspace serve", "wordspace download"}

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))


def make_teacher(path: str, words) -> str:
    """A 2-layer BERT of width 32 with random weights and a WordPiece tokenizer of ``words`` (plus
    BERT's special tokens, two reserved slots and single letters), saved as transformers saves a
    model (safetensors, tokenizer.json): a teacher for ``wordspace distill``, built without a download."""
    import torch
    import transformers
    from tokenizers import Tokenizer, normalizers, pre_tokenizers, processors
    from tokenizers.models import WordPiece

    vocab = {}
    letters = "abcdefghijklmnopqrstuvwxyz"
    for t in ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "[unused0]", "[unused1]", *words, *letters,
              *("##" + c for c in letters)]:
        vocab.setdefault(t, len(vocab))
    tok = Tokenizer(WordPiece(vocab, unk_token="[UNK]"))
    tok.normalizer = normalizers.BertNormalizer(lowercase=True)
    tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tok.post_processor = processors.TemplateProcessing(single="[CLS] $A [SEP]", pair="[CLS] $A [SEP] $B [SEP]",
                                                       special_tokens=[("[CLS]", vocab["[CLS]"]),
                                                                       ("[SEP]", vocab["[SEP]"])])
    os.makedirs(path, exist_ok=True)
    tok.save(os.path.join(path, "tokenizer.json"))
    torch.manual_seed(0)
    cfg = transformers.BertConfig(vocab_size=len(vocab), hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
                                  intermediate_size=64, max_position_embeddings=128)
    transformers.BertModel(cfg).eval().save_pretrained(path, safe_serialization=True)
    return path


def make_inputs(d: str) -> dict:
    """Tiny valid inputs for every command, written under ``d``: ``{name: path}``."""
    import numpy as np

    import wordspace
    from wordspace.bpe import BPE
    from wordspace.datasets import demo_corpus_path
    from wordspace.phrases import learn_phrases

    with gzip.open(demo_corpus_path(), "rt", encoding="utf-8") as fh:
        lines = [next(fh) for _ in range(400)]
    os.makedirs(d, exist_ok=True)
    p = {"corpus": os.path.join(d, "corpus.txt")}
    with open(p["corpus"], "w", encoding="utf-8") as fh:
        fh.writelines(lines)
    model = wordspace.Word2Vec(dim=8, epochs=1, min_count=2, workers=1, sample=0, progress=False).fit(p["corpus"])
    p["model"] = os.path.join(d, "model")
    model.save(p["model"])
    p["vectors"] = os.path.join(d, "vectors.bin")
    model.vectors_.save(p["vectors"])
    p["target"] = os.path.join(d, "target.bin")
    rng = np.random.default_rng(0)
    wordspace.Vectors(list(model.vectors_.keys), model.vectors_.matrix + rng.normal(0, 0.01, model.vectors_.matrix.shape)
                      .astype(np.float32)).save(p["target"])
    keys = list(model.vectors_.keys)
    p["dict"] = os.path.join(d, "dict.txt")
    with open(p["dict"], "w", encoding="utf-8") as fh:
        fh.write("".join(f"{k} {k}\n" for k in keys[:60]))
    p["labelled"] = os.path.join(d, "labelled.txt")
    with open(p["labelled"], "w", encoding="utf-8") as fh:
        fh.write("".join(f"__label__{'a' if i % 2 else 'b'} {line}" for i, line in enumerate(lines[:200])))
    from wordspace.supervised import SupervisedClassifier

    p["classifier"] = os.path.join(d, "clf")
    SupervisedClassifier(dim=8, epochs=1, workers=1).fit_file(p["labelled"]).save(p["classifier"])
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        p["bpe"] = os.path.join(d, "bpe.json")
        BPE.train(lines, 300).save(p["bpe"])
        p["phrases"] = os.path.join(d, "phrases.json")
        learn_phrases(p["corpus"], min_count=2)[0].save(p["phrases"])
    p["labels"] = os.path.join(d, "labels.tsv")
    with open(p["labels"], "w", encoding="utf-8") as fh:
        fh.write("".join(f"{k}\t{'x' if i % 2 else 'y'}\n" for i, k in enumerate(keys[:80])))
    try:
        from wordspace.nn.lm_train import train_lm
    except ImportError:
        pass
    else:
        p["lm"] = os.path.join(d, "lm")
        train_lm(p["corpus"], p["lm"], dim=8, hidden=8, layers=1, epochs=1, min_count=1, heldout=0.1,
                 batch_tokens=512, progress=False)
    p["teacher"] = make_teacher(os.path.join(d, "teacher"), keys[:200])
    from wordspace import distill

    p["static"] = os.path.join(d, "static")
    distill(p["teacher"], dim=4, progress=False).save(p["static"])
    p["out"] = os.path.join(d, "out")
    return p


def templates(p: dict) -> dict:
    """``{command: argv}``: a valid run of each command on the tiny inputs (outputs under
    ``p["out"]``, a folder made fresh for each case)."""
    o = p["out"]
    corpus, vec, model = p["corpus"], p["vectors"], p["model"]
    quiet = ["--quiet"]
    return {
        "wordspace train": ["train", corpus, "--out", f"{o}/v.bin", "--dim", "8", "--epochs", "1", "--min-count", "2",
                            "--workers", "1", *quiet],
        "wordspace demo": ["demo", "--epochs", "1", "--workers", "1", "--quiet"],
        "wordspace phrases": ["phrases", corpus, "--out", f"{o}/j.txt", "--min-count", "2"],
        "wordspace neighbors": ["neighbors", vec, "god", "-k", "3"],
        "wordspace analogy": ["analogy", vec, "god", "lord", "man", "-k", "3"],
        "wordspace similarity": ["similarity", vec, "god", "lord"],
        "wordspace convert": ["convert", vec, f"{o}/c.txt"],
        "wordspace quantize": ["quantize", vec, "--out", f"{o}/q", "--dsub", "2", "--centroids", "4", "--iterations",
                               "2"],
        "wordspace models": ["models"],
        "wordspace evaluate": ["evaluate", vec],
        "wordspace bias": ["bias", vec, "--test", "weat1"],
        "wordspace debias": ["debias", vec, "--out", f"{o}/d.bin"],
        "wordspace probe": ["probe", vec, "--task", p["labels"], "--folds", "2"],
        "wordspace classify train": ["classify", "train", p["labelled"], "--out", f"{o}/clf", "--dim", "8", "--epochs",
                                     "1", "--quiet"],
        "wordspace classify test": ["classify", "test", p["classifier"], p["labelled"]],
        "wordspace classify predict": ["classify", "predict", p["classifier"], p["labelled"]],
        "wordspace bpe train": ["bpe", "train", corpus, "--vocab-size", "300", "--out", f"{o}/b.json", *quiet],
        "wordspace bpe encode": ["bpe", "encode", p["bpe"], corpus, "--out", f"{o}/e.txt"],
        "wordspace bpe decode": ["bpe", "decode", p["bpe"], corpus, "--out", f"{o}/e.txt"],
        "wordspace align": ["align", vec, p["target"], "--train-dict", p["dict"], "--test-dict", p["dict"], "--out",
                            f"{o}/a.bin"],
        "wordspace train-lm": ["train-lm", corpus, "--out", f"{o}/lm", "--dim", "8", "--hidden", "8", "--layers", "1",
                               "--epochs", "1", "--min-count", "1", "--batch-tokens", "512", *quiet],
        "wordspace contextual": ["contextual", p.get("lm", model), "--sentence", "in the beginning god",
                                 "--word", "god", "-k", "2"],
        "wordspace plot": ["plot", vec, "--top", "20", "--out", f"{o}/p.svg"],
        "wordspace projector": ["projector", vec, "--out", f"{o}/proj"],
        "wordspace embed": ["embed", model, corpus, "--out", f"{o}/s.npy", "--method", "sif"],
        "wordspace distill": ["distill", p["teacher"], "--out", f"{o}/dm", "--dim", "4", *quiet],
        "wordspace export": ["export", p["static"], "--to", "model2vec", f"{o}/m2v"],
    }


def cases(p: dict, only: str | None = None) -> list[dict]:
    """Every (command, numeric option, hostile value) case, from the parser itself."""
    from wordspace.cli import build_parser, command_parsers

    base = templates(p)
    out = []
    missing = []
    for parser in command_parsers(build_parser()):
        name = parser.prog
        if name in SKIP or (only and name != only):
            continue
        if name not in base:
            missing.append(name)
            continue
        for action in parser._actions:
            if not action.option_strings or action.type not in (int, float):
                continue
            flag = max(action.option_strings, key=len)
            for value in VALUES:
                out.append({"command": name, "flag": flag, "value": value, "argv": base[name] + [flag, value]})
    if missing:
        raise AssertionError(f"commands without a sweep template (add them to templates()): {missing}")
    return out


def worker(case_file: str, result_file: str, start: int, timeout: float) -> None:
    """Run cases from ``start`` in this process, one JSON line of result each."""
    import contextlib
    import faulthandler
    import io
    import shutil

    from wordspace.cli import main

    with open(case_file, encoding="utf-8") as fh:
        todo = json.load(fh)
    with open(result_file, "a", encoding="utf-8") as res:
        for i in range(start, len(todo)):
            c = todo[i]
            out_dir = c["out"]
            shutil.rmtree(out_dir, ignore_errors=True)
            os.makedirs(out_dir)
            res.write(json.dumps({"index": i, "started": True}) + "\n")
            res.flush()
            faulthandler.dump_traceback_later(timeout, exit=True)
            err, std = io.StringIO(), io.StringIO()
            try:
                with contextlib.redirect_stderr(err), contextlib.redirect_stdout(std):
                    code = main(c["argv"])
            except SystemExit as exc:  # argparse's usage errors
                code = exc.code if isinstance(exc.code, int) else 2
            except BaseException as exc:  # noqa: BLE001 (anything escaping main is a finding)
                code, err = "escaped", io.StringIO(f"{type(exc).__name__}: {exc}")
            faulthandler.cancel_dump_traceback_later()
            res.write(json.dumps({"index": i, "code": code, "stderr": err.getvalue()[-2000:]}) + "\n")
            res.flush()


def run(only: str | None = None, jobs: int = 2, timeout: float = TIMEOUT, workdir: str | None = None) -> dict:
    """Run the sweep; returns ``{"cases": n, "by_code": {...}, "failures": [...]}``."""
    import concurrent.futures

    own = workdir is None
    workdir = workdir or tempfile.mkdtemp(prefix="wordspace-params-")
    inputs = make_inputs(workdir)
    todo = cases(inputs, only)
    shards = [todo[k::jobs] for k in range(jobs)]

    def run_shard(k: int, shard: list) -> list:
        case_file = os.path.join(workdir, f"cases{k}.json")
        result_file = os.path.join(workdir, f"results{k}.jsonl")
        for j, c in enumerate(shard):
            c["out"] = os.path.join(workdir, f"out{k}")
            c["argv"] = [a.replace(inputs["out"], c["out"]) for a in c["argv"]]
        with open(case_file, "w", encoding="utf-8") as fh:
            json.dump(shard, fh)
        done: dict = {}
        start = 0
        env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""),
                   WORDSPACE_OFFLINE="1", MPLBACKEND="Agg")
        while start < len(shard):
            subprocess.run([sys.executable, "-c", "import sys; from tests.fuzz.params import worker; "
                            "worker(sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4]))",
                            case_file, result_file, str(start), str(timeout)], cwd=workdir, env=env,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=timeout * (len(shard) + 2))
            last_started = None
            with open(result_file, encoding="utf-8") as fh:
                for line in fh:
                    r = json.loads(line)
                    if r.get("started"):
                        last_started = r["index"]
                    else:
                        done[r["index"]] = r
            if last_started is not None and last_started not in done:  # the worker died in this case
                done[last_started] = {"index": last_started, "code": "hang or crash", "stderr": ""}
            start = max(done) + 1 if done else len(shard)
        return [{**shard[i], **done[i]} for i in sorted(done)]

    try:
        with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as pool:
            results = [r for part in pool.map(run_shard, range(jobs), shards) for r in part]
    finally:
        if own:
            import shutil

            shutil.rmtree(workdir, ignore_errors=True)
    by_code: dict = {}
    failures = []
    for r in results:
        by_code[str(r["code"])] = by_code.get(str(r["code"]), 0) + 1
        text = r["stderr"]
        if r["code"] not in (0, 1, 2) or "unexpected" in text or "Traceback" in text:
            failures.append({k: r[k] for k in ("command", "flag", "value", "code")} | {"stderr": text[-400:]})
    return {"cases": len(results), "by_code": by_code, "failures": failures}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--only", default=None, help="one command, as 'wordspace train'")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--timeout", type=float, default=TIMEOUT)
    args = ap.parse_args()
    result = run(args.only, args.jobs, args.timeout)
    print(json.dumps({"cases": result["cases"], "by_code": result["by_code"]}))
    for f in result["failures"]:
        print(json.dumps(f), file=sys.stderr)
    sys.exit(1 if result["failures"] else 0)


if __name__ == "__main__":
    sys.path.insert(0, ROOT)
    main()
