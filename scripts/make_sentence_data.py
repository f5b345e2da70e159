"""Write src/wordspace/data/sentences/{mr,subj}.txt.gz, the sentence classification tasks of
``wordspace evaluate --task mr|subj``, from the NLTK data packages of Pang and Lee's datasets
(``sentence_polarity.zip``: rt-polarity.pos/.neg, v1.0; ``subjectivity.zip``: quote.tok.gt9.5000
and plot.tok.gt9.5000, v1.0; both CC BY 4.0, Bo Pang and Lillian Lee):

    python scripts/make_sentence_data.py ../shared/data/sentiment

Each output line is fastText's format, ``__label__pos text`` (MR: pos, neg; SUBJ: subj for the
quotes, obj for the plot summaries), the classes in the order of the original files, every line
kept and its text unchanged apart from surrounding whitespace. gzip's header holds no name or
time, so the files are byte for byte reproducible.
"""

import gzip
import io
import os
import sys
import zipfile

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src", "wordspace", "data", "sentences")
TASKS = {
    "mr": ("sentence_polarity.zip", [("sentence_polarity/rt-polarity.pos", "pos"),
                                     ("sentence_polarity/rt-polarity.neg", "neg")]),
    "subj": ("subjectivity.zip", [("subjectivity/quote.tok.gt9.5000", "subj"),
                                  ("subjectivity/plot.tok.gt9.5000", "obj")]),
}


def main(root: str) -> None:
    os.makedirs(OUT, exist_ok=True)
    for task, (archive, members) in TASKS.items():
        lines = []
        with zipfile.ZipFile(os.path.join(root, archive)) as zf:
            for member, label in members:
                text = zf.read(member).decode("utf-8")
                lines += [f"__label__{label} {line.strip()}" for line in text.splitlines() if line.strip()]
        raw = io.BytesIO()
        with gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=9) as gz:
            gz.write(("\n".join(lines) + "\n").encode("utf-8"))
        with open(os.path.join(OUT, f"{task}.txt.gz"), "wb") as fh:
            fh.write(raw.getvalue())
        print(f"{task}: {len(lines)} lines")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else os.path.join("..", "shared", "data", "sentiment"))
