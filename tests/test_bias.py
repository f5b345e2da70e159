"""Bias: WEAT against a brute-force reference (effect size, exact and random p-values), the
bundled word sets, the gender direction on a space where it is known, hard debiasing's two
promises (neutral words orthogonal to the direction, equalised pairs equidistant from them),
and the bias/debias commands with their bad inputs."""

import json
from itertools import combinations

import numpy as np
import pytest

from wordspace import FormatError, InvalidParameterError, Vectors
from wordspace.bias import direct_bias, gender_direction, gender_lists, hard_debias, run_weat, weat, weat_tests
from wordspace.cli import main


def _space(seed=0, dim=12, words=()):
    rng = np.random.default_rng(seed)
    keys = list(dict.fromkeys(words))
    return Vectors(keys, rng.normal(size=(len(keys), dim)).astype(np.float32))


def _reference(v, X, Y, A, B):
    u = lambda w: v[w] / np.linalg.norm(v[w])  # noqa: E731
    s = {w: np.mean([u(w) @ u(a) for a in A]) - np.mean([u(w) @ u(b) for b in B]) for w in X + Y}
    effect = (np.mean([s[x] for x in X]) - np.mean([s[y] for y in Y])) / np.std([s[w] for w in X + Y], ddof=1)
    stat = sum(s[x] for x in X) - sum(s[y] for y in Y)
    both = X + Y
    splits = [sum(s[w] for w in c) - sum(s[w] for w in both if w not in c) for c in combinations(both, len(X))]
    return effect, stat, np.mean([t >= stat - 1e-12 for t in splits])


def test_weat_equals_a_brute_force_reference():
    X, Y, A, B = ["x1", "x2", "x3", "x4"], ["y1", "y2", "y3", "y4"], ["a1", "a2", "a3"], ["b1", "b2"]
    v = _space(words=X + Y + A + B + ["other"])
    effect, stat, p = _reference(v, X, Y, A, B)
    r = weat(v, X, Y, A, B + ["not-in-the-model"])
    assert r.exact and r.splits == 70 and r.missing == {"B": ["not-in-the-model"]}
    assert r.effect_size == pytest.approx(effect, rel=1e-5) and r.statistic == pytest.approx(stat, rel=1e-5)
    assert r.p_value == pytest.approx(p)
    rand = weat(v, X, Y, A, B, permutations=50, seed=3)  # fewer than the 70 splits: random ones
    assert not rand.exact and rand.splits == 50 and 0 < rand.p_value <= 1 and abs(rand.p_value - p) < 0.3
    swapped = weat(v, Y, X, A, B)
    assert swapped.effect_size == pytest.approx(-r.effect_size, rel=1e-6)
    with pytest.raises(InvalidParameterError, match="attribute set 'A'"):
        weat(v, X, Y, ["nope", "nada"], B)
    with pytest.raises(InvalidParameterError, match="permutations"):
        weat(v, X, Y, A, B, permutations=0)


def test_bundled_sets_files_and_lowercasing(tmp_path):
    tests = weat_tests()
    assert list(tests) == [f"weat{i}" for i in range(1, 11)]
    assert tests["weat1"]["targets"][0]["name"] == "Flowers" and len(tests["weat1"]["targets"][0]["words"]) == 25
    assert tests["weat7"]["human_iat"]["d"] == "0.82" and tests["weat8"]["human_iat"]["d"] == "1.47"
    t = tests["weat6"]
    words = [w for s in t["targets"] + t["attributes"] for w in s["words"]]
    v = _space(words=[w.lower() for w in words])
    with pytest.raises(InvalidParameterError, match="'Male names'"):
        run_weat(v, "weat6")  # the names are capitalised; the model is not
    r = run_weat(v, "weat6", lowercase=True)
    assert sum(len(w) for w in r.sets.values()) == len(set(w.lower() for w in words))
    own = {"name": "mine", "targets": [{"name": "T1", "words": words[:4]}, {"name": "T2", "words": words[4:8]}],
           "attributes": [{"name": "A1", "words": words[16:20]}, {"name": "A2", "words": words[20:24]}]}
    path = tmp_path / "mine.json"
    path.write_text(json.dumps(own))
    assert run_weat(v, str(path), lowercase=True).name == "mine"
    path.write_text('{"targets": [1, 2]}')
    with pytest.raises(FormatError, match="needs 'targets' and 'attributes'"):
        run_weat(v, str(path))
    with pytest.raises(FormatError, match="neither a bundled WEAT test"):
        run_weat(v, str(tmp_path / "missing.json"))


def test_gender_direction_and_hard_debias():
    rng = np.random.default_rng(1)
    dim = 16
    g = np.zeros(dim)
    g[0] = 1.0
    lists = gender_lists()
    pairs = lists["definitional_pairs"][:6]
    keys, rows = [], []
    for a, b in pairs:  # she/he ...: a shared meaning plus or minus the gender direction
        base = rng.normal(size=dim)
        base[0] = 0
        keys += [a, b]
        rows += [base + 2 * g, base - 2 * g]
    neutral = ["doctor", "nurse", "engineer", "table", "river"]
    for w in neutral:
        keys.append(w)
        rows.append(rng.normal(size=dim) + rng.normal() * g)
    eq = [("king", "queen"), ("brother", "sister")]
    for a, b in eq:
        base = rng.normal(size=dim)
        keys += [a, b]
        rows += [base - 1.5 * g + 0.3 * rng.normal(size=dim), base + 1.5 * g]
    v = Vectors(keys, np.array(rows, dtype=np.float32))
    d = gender_direction(v, pairs)
    assert abs(d[0]) > 0.999 and d[0] > 0  # oriented he -> she
    assert direct_bias(v, neutral, d) > 0.05
    out = hard_debias(v, definitional=pairs, equalize=eq, gender_specific=[w for p in pairs for w in p] + [w for p in eq for w in p])
    u = out.matrix.astype(np.float64)
    assert np.allclose(np.linalg.norm(u, axis=1), 1, atol=1e-5)
    assert direct_bias(out, neutral, d) < 1e-5  # neutral words lost their gender component
    for a, b in eq:  # each neutral word is as close to both words of an equalised pair
        ia, ib = out.index_of(a), out.index_of(b)
        for w in neutral:
            iw = out.index_of(w)
            assert u[iw] @ u[ia] == pytest.approx(u[iw] @ u[ib], abs=1e-5)
    assert out.metadata["debiased"]["equalized_pairs"] == 2
    with pytest.raises(InvalidParameterError, match="no definitional pair"):
        gender_direction(_space(words=["a", "b"]))


def test_bias_and_debias_commands(tmp_path, demo_corpus, capsys):
    from wordspace import Word2Vec

    v = Word2Vec(dim=24, epochs=2, workers=2, progress=False).fit(demo_corpus).vectors_
    v.save(tmp_path / "m.bin")
    sets = {"name": "kjv", "targets": [{"name": "Kings", "words": ["king", "david", "solomon"]},
                                      {"name": "Prophets", "words": ["prophet", "elijah", "elisha"]}],
            "attributes": [{"name": "War", "words": ["sword", "battle", "war"]},
                           {"name": "Word", "words": ["word", "spake", "said"]}]}
    (tmp_path / "kjv.json").write_text(json.dumps(sets))
    assert main(["bias", str(tmp_path / "m.bin"), "--test", str(tmp_path / "kjv.json"), "--json"]) == 0
    res = json.loads(capsys.readouterr().out)
    assert res["tests"][0]["name"] == "kjv" and res["tests"][0]["exact"] and "direct_bias" in res["gender"]
    assert main(["bias", str(tmp_path / "m.bin")]) == 0  # bundled tests: those without words are skipped
    out = capsys.readouterr().out
    assert "weat1" in out and "skipped" in out and "direct gender bias" in out
    assert main(["bias", str(tmp_path / "m.bin"), "--test", "weat3"]) == 1  # asked for: its problem is the answer
    assert "test weat3: no word of the target set 'European American names'" in capsys.readouterr().err
    assert main(["bias", str(tmp_path / "m.bin"), "--test", str(tmp_path / "nope.json")]) == 1
    assert "neither a bundled WEAT test" in capsys.readouterr().err
    assert main(["debias", str(tmp_path / "m.bin"), "--out", str(tmp_path / "d.bin")]) == 0
    assert "pairs equalised" in capsys.readouterr().out
    d = Vectors.load(tmp_path / "d.bin")
    assert len(d) == len(v) and np.allclose(np.linalg.norm(d.matrix, axis=1), 1, atol=1e-4)
    (tmp_path / "thesis.txt").write_text("my thesis")
    assert main(["debias", str(tmp_path / "m.bin"), "--out", str(tmp_path / "thesis.txt")]) == 1
    assert (tmp_path / "thesis.txt").read_text() == "my thesis"
