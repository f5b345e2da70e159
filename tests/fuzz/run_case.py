"""Run one fuzz case: open a (mutated) file with its reader, use what was read, and report.

    python run_case.py KIND PATH [REFERENCE_VECTORS]

Exit status: 0 loaded and used, 3 refused with a wordspace error (its message on stdout),
4 MemoryError. Anything else escaping is a failure: Python prints the traceback and exits 1; a
crash ends the process with a signal.
"""

import os
import sys
import tempfile

VECTOR_KINDS = ("word2vec-text", "glove-text", "word2vec-binary", "fasttext-bin", "fasttext-old", "fasttext-ftz",
                "compressed-text", "native", "native-compact", "native-quantized")


def use_vectors(path: str) -> None:
    import wordspace

    v = wordspace.load(path)
    v.norms()
    if len(v) > 1:
        key = v.keys[0]
        v[key]
        v.most_similar(key, k=min(3, len(v) - 1))
    if v.subwords is not None:
        v.subwords.vector("unseenword")
    with tempfile.TemporaryDirectory() as d:
        v.save(os.path.join(d, "again"))
        wordspace.load(os.path.join(d, "again")).norms()
        v.save(os.path.join(d, "again.bin"))
        wordspace.load(os.path.join(d, "again.bin")).norms()


def main() -> int:
    kind, path = sys.argv[1], sys.argv[2]
    from wordspace import WordspaceError

    try:
        if kind in VECTOR_KINDS:
            use_vectors(path)
            if kind == "fasttext-ftz":  # the classifier reads the same file
                from wordspace.io.fasttext_supervised import FastTextClassifier

                clf = FastTextClassifier.load(path)
                clf.predict_top(["the king", "unseen words here"], k=2)
                clf.test([["the"]], [["a"]], k=1)
        elif kind == "bpe":
            from wordspace.bpe import BPE

            bpe = BPE.load(path)
            assert bpe.decode(bpe.encode("the king and the queen")) == "the king and the queen"
        elif kind == "lm":
            from wordspace.nn import load_lm

            lm = load_lm(path)
            lm.layer_vectors([["the", "king"]])
        elif kind in ("analogies", "similarity"):
            import wordspace
            from wordspace.evaluate import analogy_benchmark, similarity_benchmark

            v = wordspace.load(sys.argv[3])
            if kind == "analogies":
                analogy_benchmark(v, path)
            else:
                similarity_benchmark(v, path)
        elif kind == "phrases":
            from wordspace.phrases import PhraseModel

            PhraseModel.load(path)
        elif kind == "classifier":
            from wordspace.supervised import SupervisedClassifier

            clf = SupervisedClassifier.load(path)
            clf.predict_top([["the", "king"]], k=1)
        elif kind == "catalogue":
            os.environ["WORDSPACE_CATALOGUE"] = path
            from wordspace.pretrained import list_models

            for row in list_models():
                "{name} {description}".format(**row)
        elif kind == "labels":
            from wordspace.probe import read_labels

            read_labels(path)
        elif kind == "dictionary":
            from wordspace.align import read_dictionary

            read_dictionary(path)
        elif kind == "weat":
            import wordspace
            from wordspace.bias import run_weat

            run_weat(wordspace.load(sys.argv[3]), path)
        else:
            raise SystemExit(f"unknown kind {kind!r}")
    except WordspaceError as exc:
        print(str(exc).splitlines()[0][:300] if str(exc) else type(exc).__name__)
        return 3
    except MemoryError:
        return 4
    return 0


if __name__ == "__main__":
    import warnings

    warnings.simplefilter("ignore")  # readers' warnings about skipped lines are not failures
    sys.exit(main())
