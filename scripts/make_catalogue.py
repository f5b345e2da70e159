"""Write src/wordspace/data/catalogue.json, the catalogue of published vectors that
``wordspace.load(NAME)`` and ``wordspace download NAME`` know by name.

    python scripts/make_catalogue.py

Sources of each field: gensim-data's ``list.json`` (names, file sizes, MD5 checksums, licences:
the same names as ``gensim.downloader``, so code written for it maps directly); the Stanford
GloVe page (archives and members); fastText's English and 157-language pages (file names,
CC BY-SA 3.0); ConceptNet Numberbatch's README (CC BY-SA 4.0). Where a publisher gives no
checksum, the entry says so (``sha256``/``md5`` null) and the first download's SHA-256 is kept
and required of every later download (trust on first use, docs/pretrained.md); where it gives no
size, the server's declared length is checked instead.
"""

import json
import os

OUT = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "src", "wordspace", "data",
                   "catalogue.json")

GENSIM = "https://github.com/RaRe-Technologies/gensim-data/releases/download/{name}/{name}.gz"
PDDL = "PDDL 1.0 (http://opendatacommons.org/licenses/pddl/)"
CC_BY_SA_3 = "CC BY-SA 3.0 (https://creativecommons.org/licenses/by-sa/3.0/)"

# name: (md5, size, format, dim, vocab, licence, description) from gensim-data's list.json
GENSIM_MODELS = {
    "fasttext-wiki-news-subwords-300": ("de2bb3a20c46ce65c9c131e1ad9a77af", 1005007116, "fasttext-vec", 300, 999999,
                                        CC_BY_SA_3, "fastText vectors trained with subword information on Wikipedia 2017, "
                                        "UMBC webbase and statmt.org news (16B tokens); 1M words"),
    "conceptnet-numberbatch-17-06-300": ("fd642d457adcd0ea94da0cd21b150847", 1225497562, "word2vec-text", 300, 1917247,
                                         "CC BY-SA 4.0 (https://github.com/commonsense/conceptnet-numberbatch/blob/master/LICENSE.txt)",
                                         "ConceptNet Numberbatch 17.06: multilingual vectors from ConceptNet, word2vec, "
                                         "GloVe and OpenSubtitles by retrofitting (keys /c/LANG/word)"),
    "word2vec-ruscorpora-300": ("9bdebdc8ae6d17d20839dd9b5af10bc4", 208427381, "word2vec-binary", 300, 184973,
                                "CC BY 4.0 (https://creativecommons.org/licenses/by/4.0/)",
                                "word2vec skip-gram on the Russian National Corpus (250M words), lemmatised with "
                                "Universal POS tags"),
    "word2vec-google-news-300": ("a5e5354d40acb95f9ec66d5977d140ef", 1743563840, "word2vec-binary", 300, 3000000,
                                 "not stated by the publisher (Google's word2vec archive)",
                                 "word2vec on part of Google News (about 100B words): 3M words and phrases"),
    "glove-wiki-gigaword-50": ("c289bc5d7f2f02c6dc9f2f9b67641813", 69182535, "word2vec-text", 50, 400000, PDDL,
                               "GloVe on Wikipedia 2014 + Gigaword 5 (6B tokens, uncased), 50 dims"),
    "glove-wiki-gigaword-100": ("40ec481866001177b8cd4cb0df92924f", 134300434, "word2vec-text", 100, 400000, PDDL,
                                "GloVe on Wikipedia 2014 + Gigaword 5 (6B tokens, uncased), 100 dims"),
    "glove-wiki-gigaword-200": ("59652db361b7a87ee73834a6c391dfc1", 264336934, "word2vec-text", 200, 400000, PDDL,
                                "GloVe on Wikipedia 2014 + Gigaword 5 (6B tokens, uncased), 200 dims"),
    "glove-wiki-gigaword-300": ("29e9329ac2241937d55b852e8284e89b", 394362229, "word2vec-text", 300, 400000, PDDL,
                                "GloVe on Wikipedia 2014 + Gigaword 5 (6B tokens, uncased), 300 dims"),
    "glove-twitter-25": ("50db0211d7e7a2dcd362c6b774762793", 109885004, "word2vec-text", 25, 1193514, PDDL,
                         "GloVe on 2B tweets (27B tokens, uncased), 25 dims"),
    "glove-twitter-50": ("c168f18641f8c8a00fe30984c4799b2b", 209216938, "word2vec-text", 50, 1193514, PDDL,
                         "GloVe on 2B tweets (27B tokens, uncased), 50 dims"),
    "glove-twitter-100": ("b04f7bed38756d64cf55b58ce7e97b15", 405932991, "word2vec-text", 100, 1193514, PDDL,
                          "GloVe on 2B tweets (27B tokens, uncased), 100 dims"),
    "glove-twitter-200": ("e52e8392d1860b95d5308a525817d8f9", 795373100, "word2vec-text", 200, 1193514, PDDL,
                          "GloVe on 2B tweets (27B tokens, uncased), 200 dims"),
    "__testing_word2vec-matrix-synopsis": ("534dcb8b56a360977a269b7bfc62d124", None, "word2vec-text", 50, None,
                                           "not stated", "gensim-data's test vectors (the Matrix synopsis)"),
}

GLOVE = "https://nlp.stanford.edu/data/{file}"
# name: (archive, member, dim, vocab, description)
STANFORD = {
    **{f"glove.6B.{d}d": ("glove.6B.zip", f"glove.6B.{d}d.txt", d, 400000,
                          f"GloVe on Wikipedia 2014 + Gigaword 5 (6B tokens, uncased), {d} dims, the original release")
       for d in (50, 100, 200, 300)},
    "glove.42B.300d": ("glove.42B.300d.zip", "glove.42B.300d.txt", 300, 1917494,
                       "GloVe on Common Crawl (42B tokens, uncased), 300 dims"),
    "glove.840B.300d": ("glove.840B.300d.zip", "glove.840B.300d.txt", 300, 2196017,
                        "GloVe on Common Crawl (840B tokens, cased), 300 dims"),
    **{f"glove.twitter.27B.{d}d": ("glove.twitter.27B.zip", f"glove.twitter.27B.{d}d.txt", d, 1193514,
                                   f"GloVe on 2B tweets (27B tokens, uncased), {d} dims, the original release")
       for d in (25, 50, 100, 200)},
}

FASTTEXT_EN = "https://dl.fbaipublicfiles.com/fasttext/vectors-english/{file}"
ENGLISH = {  # name: (archive, member, format, vocab, description)
    "fasttext-wiki-news-300d-1M": ("wiki-news-300d-1M.vec.zip", "wiki-news-300d-1M.vec", "fasttext-vec", 999994,
                                   "fastText on Wikipedia 2017, UMBC webbase and statmt.org news (16B tokens)"),
    "fasttext-wiki-news-300d-1M-subword": ("wiki-news-300d-1M-subword.vec.zip", "wiki-news-300d-1M-subword.vec",
                                           "fasttext-vec", 999994,
                                           "fastText with subword information on Wikipedia 2017, UMBC and news (16B tokens)"),
    "fasttext-crawl-300d-2M": ("crawl-300d-2M.vec.zip", "crawl-300d-2M.vec", "fasttext-vec", 1999995,
                               "fastText on Common Crawl (600B tokens)"),
    "fasttext-crawl-300d-2M-subword": ("crawl-300d-2M-subword.zip", "crawl-300d-2M-subword.bin", "fasttext-bin",
                                       2000000, "fastText with subword information on Common Crawl (600B tokens): "
                                                "the binary model, so unseen words get vectors"),
}

CC = "https://dl.fbaipublicfiles.com/fasttext/vectors-crawl/cc.{lang}.300.{ext}.gz"
CC_LANGUAGES = (  # the 157 languages of fastText's table, and English
    "af als am an ar arz as ast az azb ba bar bcl be bg bh bn bo bpy br bs ca ce ceb ckb co cs cv cy da de diq dv el "
    "eml en eo es et eu fa fi fr frr fy ga gd gl gom gu gv he hi hif hr hsb ht hu hy ia id ilo io is it ja jv ka kk km "
    "kn ko ku ky la lb li lmo lt lv mai mg mhr min mk ml mn mr mrj ms mt mwl my myv mzn nah nap nds ne new nl nn no nso "
    "oc or os pa pam pfl pl pms pnb ps pt qu rm ro ru sa sah sc scn sco sd sh si sk sl so sq sr su sv sw ta te tg th tk "
    "tl tr tt ug uk ur uz vec vi vls vo wa war xmf yi yo zea zh"
).split()

NUMBERBATCH = "https://conceptnet.s3.amazonaws.com/downloads/2019/numberbatch/{file}"
CC_BY_SA_4 = "CC BY-SA 4.0 (https://github.com/commonsense/conceptnet-numberbatch/blob/master/LICENSE.txt)"


def entry(url, fmt, compression, dim, vocab, licence, description, md5=None, size=None, member=None, source=""):
    e = {"url": url, "format": fmt, "compression": compression, "md5": md5, "sha256": None,
         "checksum_published": md5 is not None, "size": size, "dim": dim, "vocab": vocab, "licence": licence,
         "description": description, "source": source}
    if member:
        e["member"] = member
    return e


def build() -> dict:
    models = {}
    for name, (md5, size, fmt, dim, vocab, lic, desc) in GENSIM_MODELS.items():
        models[name] = entry(GENSIM.format(name=name), fmt, "gzip", dim, vocab, lic, desc, md5=md5, size=size,
                             source="gensim-data")
    for name, (archive, member, dim, vocab, desc) in STANFORD.items():
        models[name] = entry(GLOVE.format(file=archive), "glove-text", "zip", dim, vocab, PDDL, desc, member=member,
                             source="Stanford NLP (nlp.stanford.edu/projects/glove)")
    for name, (archive, member, fmt, vocab, desc) in ENGLISH.items():
        models[name] = entry(FASTTEXT_EN.format(file=archive), fmt, "zip", 300, vocab, CC_BY_SA_3, desc, member=member,
                             source="fastText (fasttext.cc/docs/en/english-vectors.html)")
    for lang in CC_LANGUAGES:
        desc = f"fastText CBOW vectors for language '{lang}' trained on Common Crawl and Wikipedia (300 dims)"
        models[f"cc.{lang}.300"] = entry(CC.format(lang=lang, ext="vec"), "fasttext-vec", "gzip", 300, 2000000,
                                         CC_BY_SA_3, desc + "; the text vectors", source="fastText (fasttext.cc/docs/en/crawl-vectors.html)")
        models[f"cc.{lang}.300.bin"] = entry(CC.format(lang=lang, ext="bin"), "fasttext-bin", "gzip", 300, 2000000,
                                             CC_BY_SA_3, desc + "; the binary model with subword vectors for unseen words",
                                             source="fastText (fasttext.cc/docs/en/crawl-vectors.html)")
    models["numberbatch-en-19.08"] = entry(NUMBERBATCH.format(file="numberbatch-en-19.08.txt.gz"), "word2vec-text",
                                           "gzip", 300, 516782, CC_BY_SA_4,
                                           "ConceptNet Numberbatch 19.08, English terms only",
                                           source="ConceptNet (github.com/commonsense/conceptnet-numberbatch)")
    models["numberbatch-19.08"] = entry(NUMBERBATCH.format(file="numberbatch-19.08.txt.gz"), "word2vec-text", "gzip",
                                        300, 9161912, CC_BY_SA_4,
                                        "ConceptNet Numberbatch 19.08, multilingual (keys /c/LANG/term)",
                                        source="ConceptNet (github.com/commonsense/conceptnet-numberbatch)")
    return {"schema": 1, "models": dict(sorted(models.items()))}


if __name__ == "__main__":
    doc = build()
    with open(OUT, "w", encoding="utf-8") as fh:
        json.dump(doc, fh, indent=1, ensure_ascii=False)
        fh.write("\n")
    print(f"wrote {OUT}: {len(doc['models'])} models")
