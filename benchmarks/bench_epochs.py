"""Training time alone (the epochs, not reading or counting), before and after a change.

    python benchmarks/bench_epochs.py --baseline SRC [--loss hs] [--architecture skipgram]
        [--words 10000000] [--epochs 3] [--workers 2] [--pairs 6]

Each pair runs one child process on this checkout's ``src`` and one on ``SRC`` (the ``src``
folder of an earlier commit's worktree), in turn; each child fits ``Word2Vec`` on the first
``--words`` words of ``../shared/data/corpus/wiki.txt.gz`` (dim 100, window 5, sample 1e-4,
min_count 5) and reports the seconds from the start of training to the end of its last epoch,
from the trainer's callbacks (loading the kernels' cached code included; a warm-up child per
tree compiles and caches them first). Printed: each pair's two times and their ratio (before /
after), then the median ratio. The pairs are what to read on a machine whose speed drifts
between runs; they take turns at which tree runs first, so that an order effect cannot pass for
a change (with this checkout's tree on both sides, six pairs with the same tree first gave a
median of 0.92).
"""
import argparse
import os
import statistics
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from _common import prepare_corpus  # noqa: E402

CHILD = """
import sys, time
import wordspace
from wordspace.callbacks import Callback
corpus, loss, arch, epochs, workers = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
marks = []
class Marks(Callback):
    def on_train_begin(self, model):
        marks.append(time.perf_counter())
    def on_epoch_end(self, model, epoch, logs):
        marks.append(time.perf_counter())
wordspace.Word2Vec(dim=100, window=5, sample=1e-4, min_count=5, epochs=epochs, loss=loss, architecture=arch,
                   workers=workers, callbacks=[Marks()]).fit(corpus)
print(marks[-1] - marks[0])
"""


def child(src: str, corpus: str, args) -> float:
    env = dict(os.environ, PYTHONPATH=src)
    out = subprocess.run([sys.executable, "-c", CHILD, corpus, args.loss, args.architecture, str(args.epochs),
                          str(args.workers)], env=env, capture_output=True, text=True, check=True)
    return float(out.stdout.split()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--baseline", required=True, metavar="SRC")
    ap.add_argument("--loss", default="hs", choices=["ns", "hs"])
    ap.add_argument("--architecture", default="skipgram", choices=["skipgram", "cbow"])
    ap.add_argument("--words", type=int, default=10_000_000)
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--pairs", type=int, default=6)
    args = ap.parse_args()
    after = os.path.join(HERE, "..", "src")
    with tempfile.TemporaryDirectory(prefix="ws-epochs-") as tmp:
        corpus = os.path.join(tmp, "corpus.txt")
        prepare_corpus(args.words, corpus)
        for src in (after, args.baseline):  # compile and cache the kernels outside the timings
            child(src, corpus, args)
        ratios = []
        for i in range(args.pairs):
            # (see the module docstring: the same tree first in every pair gave 0.92 with no change)
            if i % 2 == 0:
                a, b = child(after, corpus, args), child(args.baseline, corpus, args)
            else:
                b, a = child(args.baseline, corpus, args), child(after, corpus, args)
            ratios.append(b / a)
            first = "after" if i % 2 == 0 else "before"
            print(f"pair {i + 1}: after {a:.2f} s, before {b:.2f} s, before / after {b / a:.3f} ({first} first)",
                  flush=True)
    print(f"median before / after: {statistics.median(ratios):.3f}")


if __name__ == "__main__":
    main()
