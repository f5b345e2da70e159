"""Text preparation: the compiled kernel against a slow Python reference written from the rules
(random Unicode strings and real text), the trainer options, the metadata they leave, and query
words mapped the same way."""

import random
import unicodedata

import pytest

import wordspace
from wordspace.textprep import TextPreparation

JOINERS = "'-\u2019\u2010\u2011"


def _is_word(ch):
    return unicodedata.category(ch)[0] in "LMN" and ch not in JOINERS


def ref_tokens(text, lowercase=False, words=False, numbers=False):
    """The rules, one character at a time (simple lower-case mapping; code points above U+FFFF
    are word characters and keep their case)."""
    out = []
    chars = list(text)
    for i, ch in enumerate(chars):
        cp = ord(ch)
        if numbers and unicodedata.category(ch) == "Nd" and cp < 0x10000:
            if not (out and out[-1] == "0" and i > 0 and unicodedata.category(chars[i - 1]) == "Nd"):
                out.append("0")
            continue
        if words and ch != "\n" and cp < 0x10000:
            if ch in JOINERS:
                prev_ok = i > 0 and (_is_word(chars[i - 1]) or ord(chars[i - 1]) >= 0x10000)
                next_ok = i + 1 < len(chars) and (_is_word(chars[i + 1]) or ord(chars[i + 1]) >= 0x10000)
                out.append(ch if prev_ok and next_ok else " ")
                continue
            if not _is_word(ch):
                out.append(" ")
                continue
        if lowercase and cp < 0x10000 and len(ch.lower()) == 1:
            ch = ch.lower()
        out.append(ch)
    return "".join(out).split()


ALPHABET = ("abcXYZ019 \n,.;'-’‐!?\"()[]" "ÉéßİıΩω東京タワーحبЖж٣٤" "\U0001F600\U00010400" "ﬁ\u0301")


@pytest.mark.parametrize("lowercase,words,numbers", [(True, False, False), (False, True, False),
                                                     (True, True, True), (False, False, True)])
def test_kernel_matches_the_rules_on_random_text(lowercase, words, numbers):
    rng = random.Random(7)
    prep = TextPreparation(lowercase=lowercase, tokenizer="words" if words else "whitespace", numbers=numbers)
    for _ in range(300):
        text = "".join(rng.choice(ALPHABET) for _ in range(rng.randint(0, 40)))
        assert prep.tokens(text) == ref_tokens(text, lowercase, words, numbers), repr(text)


def test_kernel_matches_the_rules_on_real_text(demo_sentences):
    prep = TextPreparation(lowercase=True, tokenizer="words")
    text = "It's New-York's 'quoted' -dash- Straße ÉCOLE don't " + " ".join(" ".join(s) for s in demo_sentences[:200])
    assert prep.tokens(text) == ref_tokens(text, True, True)


def test_normalisation_and_invalid_bytes():
    assert TextPreparation(normalize="NFKC", lowercase=True).tokens("ﬁle ＡＢＣ") == ["file", "abc"]
    assert TextPreparation(lowercase=True).prepare_bytes(b"ABC\xff\xfeDEF") == b"abc\xff\xfedef"
    with pytest.raises(wordspace.InvalidParameterError, match="'tokenizer'"):
        TextPreparation(tokenizer="bert")


def test_a_model_trained_lowercased_answers_capitalised_queries(tmp_path, demo_corpus):
    m = wordspace.Word2Vec(dim=16, epochs=1, lowercase=True, tokenizer="words", workers=1,
                           progress=False).fit(demo_corpus)
    v = m.vectors_
    assert v.metadata["text"] == {"lowercase": True, "tokenizer": "words", "normalize": None, "numbers": False}
    assert all(w == w.lower() for w in v.keys[:2000])
    v.save(tmp_path / "m")
    back = wordspace.load(tmp_path / "m")
    assert back.similarity("King", "QUEEN") == pytest.approx(back.similarity("king", "queen"))
    assert [n.key for n in back.most_similar("God", k=3)] == [n.key for n in back.most_similar("god", k=3)]


def test_command_line_options(tmp_path, run, corpus):
    text = tmp_path / "raw.txt"
    text.write_text("The KING said: \"Hello, World!\" In 1984, the king's men came.\n" * 50)
    code, out, err = run(["train", str(text), "--out", str(tmp_path / "v"), "--lowercase", "--tokenizer", "words",
                          "--numbers", "--min-count", "1", "--dim", "8", "--epochs", "1", "--quiet"])
    assert code == 0, err
    keys = set(wordspace.load(tmp_path / "v").keys)
    assert {"the", "king", "said", "hello", "world", "0", "king's"} <= keys and "KING" not in keys and "," not in keys
