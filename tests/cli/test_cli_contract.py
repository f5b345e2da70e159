"""Command-line behaviour a new user trips over: help on every option, options that accumulate
when repeated, batch neighbours, a busy port, plots of files without history, what a conversion
drops, and long phases that say what they are doing."""

import json
import socket

import pytest

from wordspace.cli import build_parser, main


def _parsers(parser):
    yield parser
    for action in parser._actions:
        for sub in (getattr(action, "choices", None) or {}).values() if isinstance(getattr(action, "choices", None), dict) else ():
            yield from _parsers(sub)


def test_every_option_has_help():
    missing = [(p.prog, a.dest) for p in _parsers(build_parser()) for a in p._actions
               if a.help in (None, "") and a.dest not in ("help", "version", "command", "bpe_command")]
    assert not missing, missing


def test_train_options_come_from_the_trainers():
    """A parameter declared by a trainer is a flag, with the trainer's help and default."""
    from wordspace.models import ALGORITHMS

    train = next(p for p in _parsers(build_parser()) if p.prog.endswith(" train"))
    first_help = {}
    for algo, cls in ALGORITHMS.items():
        defaults = cls.defaults()
        for name, param in cls.parameters().items():
            if not param.cli:
                continue
            first_help.setdefault(name, param.help)
            action = next(a for a in train._actions if "--" + name.replace("_", "-") in a.option_strings)
            assert first_help[name] in action.help
            if defaults[name] is not None and not isinstance(defaults[name], bool):  # switches: off unless given
                assert str(defaults[name]) in action.help, (name, algo, action.help)
    assert not [a for a in train._actions if a.option_strings and a.dest not in first_help
                and a.dest not in ("help", "out", "algorithm", "format", "kind", "quiet", "resume", "cluster", "sync_words",
                                       "overlap", "storage_options")]


def test_repeated_options_accumulate(trained, run):
    code, out, _ = run(["evaluate", trained, "--similarity", "wordsim353", "--similarity", "simlex999", "--json"])
    assert code == 0 and set(json.loads(out)["similarity"]) == {"wordsim353", "simlex999"}
    code, out2, _ = run(["evaluate", trained, "--similarity", "wordsim353", "simlex999", "--json"])
    assert json.loads(out2) == json.loads(out)


def test_neighbors_answers_many_words_as_single_queries_do(trained, run):
    import wordspace

    words = ["god", "king", "gold", "david", "earth"]
    code, out, _ = run(["neighbors", trained, *words, "-k", "4", "--json"])
    got = json.loads(out)
    v = wordspace.load(trained)
    for w in words:
        single = v.most_similar(w, k=4)
        assert [a["key"] for a in got[w]] == [n.key for n in single]
        assert [a["score"] for a in got[w]] == pytest.approx([n.score for n in single], rel=1e-5)


def test_analogy_command_reports_most_similar_scores(trained, run):
    import wordspace

    code, out, _ = run(["analogy", trained, "man", "king", "woman", "-k", "3", "--json"])
    answers = json.loads(out)["answers"]
    ms = wordspace.load(trained).most_similar(positive=["king", "woman"], negative=["man"], k=3)
    assert [a["key"] for a in answers] == [m.key for m in ms]
    assert [a["score"] for a in answers] == pytest.approx([m.score for m in ms], rel=1e-5)


def test_serve_on_a_busy_port_is_one_line_and_exit_1(trained, run):
    pytest.importorskip("fastapi")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen(1)
        port = s.getsockname()[1]
        code, out, err = run(["serve", trained, "--port", str(port)])
    assert code == 1 and "serving" not in out and err.count("\n") == 1
    assert f"127.0.0.1:{port}" in err and "in use" in err and "--port" in err


def test_plot_history_of_a_file_without_history(trained, tmp_path, run):
    pytest.importorskip("matplotlib")
    code, _, err = run(["plot", trained, "--history", "--out", str(tmp_path / "h.png")])
    assert code == 1 and "no training history" in err and "keep vectors only" in err


def test_convert_says_what_a_format_drops(tmp_path, corpus, capsys, run):
    model = tmp_path / "ft"
    assert main(["train", corpus, "--algorithm", "fasttext", "--out", str(model), "--dim", "8", "--epochs", "1",
                 "--buckets", "1000", "--quiet"]) == 0
    capsys.readouterr()
    code, _, err = run(["convert", str(model), str(tmp_path / "ft.bin")])
    assert code == 0 and "subword n-gram vectors" in err and "word counts" in err


def test_a_long_phase_says_what_it_is_doing(capsys):
    import time

    from wordspace.progress import phase

    with phase("quick work", after=5.0):
        pass
    with phase("slow work", after=0.05):
        time.sleep(0.3)
    err = capsys.readouterr().err
    assert "quick work" not in err
    assert "wordspace: slow work ..." in err and "slow work: done in" in err


def test_ppmi_factorisation_shows_progress(tmp_path, corpus, run):
    code, _, err = run(["train", corpus, "--algorithm", "ppmi-svd", "--out", str(tmp_path / "p.bin"), "--dim", "10"])
    assert code == 0 and "svd" in err and "product" in err


def test_the_command_exits_quickly_with_its_output_and_code(tmp_path, demo_corpus):
    """``python -m wordspace.cli`` (and the console script, ``wordspace.cli:run``) skips the
    interpreter's teardown: everything printed still arrives, exit handlers still run, the
    exit code is the command's, and a reader that goes away early is no error."""
    import subprocess
    import sys

    model = tmp_path / "m"
    assert main(["train", demo_corpus, "--out", str(model), "--dim", "8", "--epochs", "1", "--quiet"]) == 0
    words = ["god", "jesus", "king", "david", "moses"] * 400  # a long answer through a pipe
    out = subprocess.run([sys.executable, "-m", "wordspace.cli", "neighbors", str(model), *words, "-k", "3", "--json"],
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    assert set(json.loads(out.stdout)) == set(words[:5])  # the whole document arrived
    bad = subprocess.run([sys.executable, "-m", "wordspace.cli", "neighbors", str(model), "no-such-word-here"],
                         capture_output=True, text=True, timeout=300)
    assert bad.returncode == 1 and "not in the vocabulary" in bad.stderr
    marker = tmp_path / "atexit-ran"
    code = ("import atexit, pathlib, sys; atexit.register(pathlib.Path(sys.argv[1]).write_text, 'yes'); "
            f"sys.argv = ['wordspace', 'neighbors', {str(model)!r}, 'god']; from wordspace.cli import run; run()")
    done = subprocess.run([sys.executable, "-c", code, str(marker)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0 and len(done.stdout.splitlines()) >= 10 and marker.read_text() == "yes"
    head = subprocess.Popen([sys.executable, "-m", "wordspace.cli", "neighbors", str(model), *words, "-k", "3"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    head.stdout.read(10)
    head.stdout.close()  # the reader goes away, as `| head -c 10` does
    assert head.wait(timeout=300) == 0
    with head.stderr:
        assert b"Traceback" not in head.stderr.read()


def test_the_command_table_names_every_command_with_its_module():
    """``main`` builds only the parser of the command given (``COMMANDS``); the table must say
    where every command is defined, or a command would be missing from its own parser."""
    from importlib import import_module

    from wordspace.cli import _GROUPS, COMMANDS
    from wordspace.cli._common import Parser

    found = {}
    for group in _GROUPS:
        parser = Parser(prog="wordspace")
        sub = parser.add_subparsers(dest="command", parser_class=Parser)
        import_module(f"wordspace.cli.{group}").add_parsers(sub)
        found.update({name: group for name in sub.choices})
    assert found == COMMANDS
