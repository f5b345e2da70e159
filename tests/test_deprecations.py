"""Old parameter names: every one listed in docs/api.md ("Deprecated names"), each still working
with a DeprecationWarning that names its replacement and the release that removes it, and none
kept past that release."""

import os
import re
import warnings

import numpy as np
import pytest

import wordspace
from wordspace._deprecation import REGISTRY
from wordspace._validation import Declared
from wordspace.errors import InvalidParameterError
from wordspace.supervised import SupervisedClassifier

DOCS = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "docs", "api.md")


def _declared_classes():
    seen, todo = [], [Declared]
    while todo:
        cls = todo.pop()
        for sub in cls.__subclasses__():
            if sub not in seen:
                seen.append(sub)
                todo.append(sub)
    return seen


def _renamed():
    """``(class, old, new, removal)`` for every old name a class declares itself."""
    return [(cls, old, new, removal) for cls in _declared_classes()
            for old, (new, removal) in vars(cls).get("_renamed", {}).items()]


def _version(text: str) -> tuple:
    return tuple(int(x) for x in re.findall(r"\d+", text)[:3])


def _other_value(cls, name):
    default = cls.defaults()[name]
    return default / 2 if isinstance(default, float) else default + 1


def _functions():
    """``(module, name, removal)`` of every deprecated function (imported so they register)."""
    import wordspace.textfiles  # noqa: F401

    return [(*name.rsplit(".", 1), removal) for name, (_, removal) in REGISTRY.items()]


def test_the_docs_list_exactly_the_old_names_of_the_code():
    with open(DOCS, encoding="utf-8") as fh:
        text = fh.read()
    table = text[text.index("## Deprecated names"):]
    rows = re.findall(r"^\| `(\w+)` \| `[^`]+` \| `([\w.]+)`[^|]*\| ([\d.]+) \|$", table, flags=re.M)
    assert rows, "docs/api.md has no table of deprecated names"
    code = [(old, cls.__name__, removal) for cls, old, _, removal in _renamed()]
    code += [(name, module, removal) for module, name, removal in _functions()]
    assert sorted(rows) == sorted(code)


@pytest.mark.parametrize("module,name,removal", _functions())
def test_a_deprecated_function_warns_and_has_a_removal_date(module, name, removal):
    import importlib

    assert _version(removal) > _version(wordspace.__version__), f"{module}.{name} was to be removed in {removal}"
    fn = getattr(importlib.import_module(module), name)
    assert f"{module}.{name}" in REGISTRY and fn.__doc__ and "deprecated" in fn.__doc__
    with pytest.warns(DeprecationWarning, match=rf"{re.escape(module)}\.{name} is deprecated.*wordspace {removal}"):
        try:
            fn({}) if name != "get_storage_options" else fn()
        except TypeError:
            pass


@pytest.mark.parametrize("cls,old,new,removal", _renamed(), ids=lambda x: getattr(x, "__name__", str(x)))
def test_an_old_name_works_warns_and_has_a_removal_date(cls, old, new, removal):
    assert _version(removal) > _version(wordspace.__version__), (
        f"{cls.__name__}'s old name {old!r} was to be removed in {removal}; remove it")
    value = _other_value(cls, new)
    with pytest.warns(DeprecationWarning, match=rf"'{old}' is now called '{new}'.*removed in wordspace {removal}"):
        obj = cls(**{old: value})
    assert getattr(obj, new) == value and old not in obj.get_params()
    with pytest.warns(DeprecationWarning, match=f"'{new}'"):
        obj.set_params(**{old: value * 2})
    assert getattr(obj, new) == value * 2
    with pytest.warns(DeprecationWarning, match=f"'{new}'"):
        assert getattr(obj, old) == value * 2
    with pytest.warns(DeprecationWarning):
        setattr(obj, old, value)
    assert getattr(obj, new) == value and old not in vars(obj)
    with pytest.warns(DeprecationWarning), pytest.raises(InvalidParameterError, match=f"give {new} or .*{old}, not both"):
        cls(**{old: value, new: value * 3})


def test_the_new_name_is_silent_and_an_unknown_one_is_a_type_error():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        SupervisedClassifier(alpha=0.2).set_params(alpha=0.3)
    with pytest.raises(TypeError, match="unexpected keyword argument 'rate'"):
        SupervisedClassifier(rate=0.2)
    with pytest.raises(InvalidParameterError, match="'rate' is not a parameter"):
        SupervisedClassifier().set_params(rate=0.2)


def test_lr_trains_the_classifier_alpha_trains():
    texts = [["good", "film", "great"], ["bad", "film", "awful"], ["great", "acting"], ["awful", "plot"]] * 20
    labels = ["pos", "neg", "pos", "neg"] * 20
    a = SupervisedClassifier(dim=8, epochs=3, alpha=0.3, workers=1).fit(texts, labels)
    with pytest.warns(DeprecationWarning):
        b = SupervisedClassifier(dim=8, epochs=3, lr=0.3, workers=1)
    b.fit(texts, labels)
    c = SupervisedClassifier(dim=8, epochs=3, workers=1).fit(texts, labels)
    assert np.array_equal(a.input_matrix_, b.input_matrix_)
    assert not np.array_equal(a.input_matrix_, c.input_matrix_)  # the rate reached training


def test_the_command_line_takes_alpha_and_lr(tmp_path, capsys):
    from wordspace.cli import main

    data = tmp_path / "train.txt"
    data.write_text("".join(f"__label__{'pos' if i % 2 else 'neg'} {'good great' if i % 2 else 'bad awful'} film\n"
                            for i in range(40)), encoding="utf-8")
    losses = []
    for flag in ("--alpha", "--lr"):
        out = tmp_path / flag.strip("-")
        assert main(["classify", "train", str(data), "--out", str(out), "--dim", "8", "--epochs", "2", flag, "0.4",
                     "--workers", "1", "--quiet"]) == 0
        losses.append(capsys.readouterr().out.split("loss per epoch")[1])
    assert losses[0] == losses[1]
    assert main(["classify", "train", str(data), "--out", str(tmp_path / "bad"), "--alpha", "0"]) == 1
    assert "--alpha must be a float in the range (0, 1000)" in capsys.readouterr().err
