"""Numba's on-disk cache of the kernels follows every kernel source: a kernel whose machine code
includes a function of another file is compiled again when that file changes (Numba alone keys
it by its own file, and ran the old code)."""

import os
import shutil
import subprocess
import sys

import wordspace

# pre-tokens of more than 7 bytes are told apart by w2vbin.same_bytes, compiled into bpe.count_into
PROBE = ("import sys; sys.path.insert(0, sys.argv[1]); import wordspace; assert wordspace.__file__.startswith(sys.argv[1]); "
         "from wordspace.bpe import _count_pretokens; "
         "print(sorted(_count_pretokens(['abcdefghij abcdefghij abcdefghij'], 1).values()))")


def _run(root):
    env = {k: v for k, v in os.environ.items() if k != "NUMBA_CACHE_DIR"}
    out = subprocess.run([sys.executable, "-c", PROBE, str(root)], capture_output=True, text=True, env=env,
                         check=True)
    return out.stdout.strip()


def test_a_kernel_is_compiled_again_when_a_file_it_calls_changes(tmp_path):
    root = tmp_path / "src"
    shutil.copytree(os.path.dirname(wordspace.__file__), root / "wordspace",
                    ignore=shutil.ignore_patterns("__pycache__"))
    assert _run(root) == "[1, 2]"  # "abcdefghij" once, " abcdefghij" twice
    assert _run(root) == "[1, 2]"  # from the cache this time
    assert any(name.endswith(".nbi") for name in os.listdir(root / "wordspace" / "_kernels" / "__pycache__"))
    helper = root / "wordspace" / "_kernels" / "w2vbin.py"
    text = helper.read_text()
    head = "def same_bytes("
    assert head in text
    body = text.index(":\n", text.index(head)) + 2
    # no two keys are ever equal any more: the second " abcdefghij" gets an entry of its own,
    # and the dict built from the entries keeps the last one seen (count 1)
    helper.write_text(text[:body] + "    return False\n" + text[body:])
    assert _run(root) == "[1, 1]"


def test_the_fingerprint_is_the_sources_and_only_them(tmp_path):
    """Two copies of the sources in other places share one key; a comment added to any one
    file changes it."""
    from wordspace._kernels._cache import fingerprint

    here = os.path.dirname(wordspace._kernels.__file__)
    a, b = tmp_path / "a", tmp_path / "b"
    for copy in (a, b):
        shutil.copytree(here, copy, ignore=shutil.ignore_patterns("__pycache__"))
    assert fingerprint(str(a)) == fingerprint(str(b))
    with open(b / "windows.py", "a") as fh:
        fh.write("\n# changed\n")
    assert fingerprint(str(b)) != fingerprint(str(a))
