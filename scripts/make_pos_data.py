"""Write src/wordspace/data/probe/wordnet_pos.tsv.gz, the part-of-speech lexicon of
``wordspace probe --task pos``, from Debian's ``wordnet-base`` package (WordNet 3.0, Princeton
University; the WordNet 3.0 licence, which permits redistribution with its notice):

    apt-get install wordnet-base
    python scripts/make_pos_data.py /usr/share/wordnet

WordNet lists lemmas of four open classes (noun, verb, adjective with its satellites, adverb)
and, in ``cntlist.rev``, how often each sense was tagged in the SemCor corpus. A word is kept
with one label when it is a single lower-case alphabetic token and either belongs to one class
only or has at least 90% of at least 5 tagged occurrences in one class (``bank``: noun; ``run``:
verb...). Single letters are left out, and so are words of two or three letters that SemCor
tagged fewer than twice: WordNet's short lemmas are often abbreviations and symbols (``he``:
helium, ``it``, ``who``). Irregular forms from the exception lists (``went``, ``children``) take the
label of their lemma when they are not lemmas themselves. Only the word and its label are kept.
"""

import gzip
import os
import re
import sys

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src", "wordspace", "data", "probe",
                   "wordnet_pos.tsv.gz")
CLASSES = {"noun": "NOUN", "verb": "VERB", "adj": "ADJ", "adv": "ADV"}
SS_TYPES = {"1": "NOUN", "2": "VERB", "3": "ADJ", "4": "ADV", "5": "ADJ"}  # 5: adjective satellite
WORD = re.compile(r"[a-z]+\Z")


def main(root: str) -> None:
    classes: dict = {}  # word -> the classes WordNet lists it in
    for name, label in CLASSES.items():
        with open(os.path.join(root, f"index.{name}"), encoding="latin-1") as fh:
            for line in fh:
                word = line.split(" ", 1)[0]
                if not line.startswith(" ") and WORD.match(word):  # lines opening with a space: the licence
                    classes.setdefault(word, set()).add(label)
    tagged: dict = {}  # word -> {label: occurrences tagged in SemCor}
    with open(os.path.join(root, "cntlist.rev"), encoding="latin-1") as fh:
        for line in fh:  # sense_key sense_number tag_count; sense_key = lemma%ss_type:...
            key, _, count = line.split()
            word, rest = key.split("%", 1)
            if word in classes:
                label = SS_TYPES[rest[0]]
                tagged.setdefault(word, {}).setdefault(label, 0)
                tagged[word][label] += int(count)
    labels = {}
    for word, cls in classes.items():
        by = tagged.get(word, {})
        total = sum(by.values())
        if len(word) == 1 or (len(word) <= 3 and total < 2):
            continue  # letters, and short lemmas SemCor never saw: abbreviations and symbols ("he", "it", "who")
        if len(cls) == 1:
            labels[word] = next(iter(cls))
        elif total >= 5 and max(by.values()) >= 0.9 * total:
            labels[word] = max(by, key=by.get)
    for name, label in CLASSES.items():
        with open(os.path.join(root, f"{name}.exc"), encoding="latin-1") as fh:
            for line in fh:
                form, *lemmas = line.split()
                if WORD.match(form) and form not in classes and any(labels.get(lm) == label for lm in lemmas):
                    labels.setdefault(form, label)
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with gzip.GzipFile(OUT, "wb", mtime=0) as fh:
        fh.write("".join(f"{w}\t{labels[w]}\n" for w in sorted(labels)).encode())
    counts = {lab: sum(1 for v in labels.values() if v == lab) for lab in CLASSES.values()}
    print(f"wrote {OUT}: {len(labels):,} words {counts}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "/usr/share/wordnet")
