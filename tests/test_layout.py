"""The package's layering, read from the source with ``ast`` (what each module imports): the
rules docs/design.md states, checked so that a change which breaks one fails here."""

import ast
import os
import sys

import pytest

SRC = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "src", "wordspace")


def _modules():
    for root, _, files in os.walk(SRC):
        for f in files:
            if f.endswith(".py"):
                path = os.path.join(root, f)
                rel = os.path.relpath(path, os.path.dirname(SRC))[:-3].replace(os.sep, ".")
                yield (rel[: -len(".__init__")] if rel.endswith(".__init__") else rel), path


MODULES = dict(_modules())


def _imports(module: str):
    """``(imported module, names)`` for every import in ``module`` (relative ones resolved)."""
    path = MODULES[module]
    package = module if path.endswith("__init__.py") else module.rsplit(".", 1)[0]
    with open(path, encoding="utf-8") as fh:
        tree = ast.parse(fh.read())
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                yield a.name, []
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            yield target, [a.name for a in node.names]


def _under(module: str, prefix: str) -> bool:
    return module == prefix or module.startswith(prefix + ".")


@pytest.mark.parametrize("module", sorted(m for m in MODULES if _under(m, "wordspace.bpe") or _under(m, "wordspace.evaluate")
                                          or _under(m, "wordspace.nn") or _under(m, "wordspace.vectors")
                                          or _under(m, "wordspace.io") or _under(m, "wordspace.index")))
def test_tokenizer_evaluation_nn_vectors_and_io_do_not_import_trainers(module):
    bad = [m for m, _ in _imports(module) if _under(m, "wordspace.models")]
    assert not bad, f"{module} imports {bad}"


@pytest.mark.parametrize("module", sorted(m for m in MODULES if _under(m, "wordspace._kernels")))
def test_kernels_import_only_numpy_numba_and_each_other(module):
    """llvmlite is Numba's own code generator (a prefetch intrinsic is written in its IR);
    functools caches the per-width kernels; ``_cache`` hashes the kernels' source files (hashlib,
    os) to key Numba's cache."""
    allowed = ("numpy", "numba", "llvmlite", "math", "types", "functools")
    if module == "wordspace._kernels._cache":
        allowed += ("hashlib", "os")
    bad = [m for m, _ in _imports(module) if not (m.split(".")[0] in allowed or _under(m, "wordspace._kernels"))]
    assert not bad, f"{module} imports {bad}"


@pytest.mark.parametrize("module", sorted(m for m in MODULES if _under(m, "wordspace.cli")))
def test_cli_uses_only_public_names(module):
    """No private module (a path part starting with '_', other than the CLI's own _common) and no
    private name is imported by the command line."""
    for target, names in _imports(module):
        if not _under(target, "wordspace") or _under(target, "wordspace.cli"):
            continue
        parts = target.split(".")
        assert not any(p.startswith("_") for p in parts), f"{module} imports private module {target}"
        private = [n for n in names if n.startswith("_") and not (n.startswith("__") and n.endswith("__"))]
        assert not private, f"{module} imports private names {private} from {target}"


def test_cli_holds_no_numerical_work():
    """Commands parse, call the library and print: the CLI never imports NumPy."""
    for module in (m for m in MODULES if _under(m, "wordspace.cli")):
        assert not [t for t, _ in _imports(module) if t.split(".")[0] == "numpy"], module


def test_modules_stay_small():
    """STYLE.md's signal to split: no module over about 800 lines."""
    big = {}
    for module, path in MODULES.items():
        with open(path, encoding="utf-8") as fh:
            n = sum(1 for _ in fh)
        if n > 800:
            big[module] = n
    assert not big, big



def _import_graph() -> dict:
    """Module -> the package modules it imports, at any depth (inside functions too): an import
    made late to dodge a cycle is still a dependency. ``from . import x`` names the module ``x``."""
    graph = {}
    for module in MODULES:
        edges = set()
        for target, names in _imports(module):
            subs = [f"{target}.{n}" for n in names if f"{target}.{n}" in MODULES]
            for t in subs or [target]:
                if t in MODULES and t != module:
                    edges.add(t)
        graph[module] = edges
    return graph


def _cycles(graph: dict) -> list:
    """The strongly connected components of more than one module (Tarjan's algorithm)."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_cycle_finder_finds_a_cycle_through_a_package():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a", "d"}, "d": set(), "e": {"e"}}
    assert _cycles(graph) == [["a", "b", "c"]]


def test_no_import_cycles():
    """No module reaches itself through imports: each layer can be read, tested and replaced
    without the ones above it (docs/design.md, "Layers")."""
    cycles = _cycles(_import_graph())
    graph = _import_graph()
    detail = [[f"{m} -> {sorted(set(graph[m]) & set(c))}" for m in c] for c in cycles]
    assert not cycles, detail


TESTS = os.path.dirname(os.path.abspath(__file__))


def test_every_test_folder_is_a_package():
    """A test folder without ``__init__.py`` is imported under its bare name, so a distribution
    of that name (``transformers`` installs one called ``kernels``) shadows it and collection
    fails on a fresh machine. Folders holding Python files are packages of ``tests``."""
    missing = [os.path.relpath(root, TESTS) for root, _, files in os.walk(TESTS)
               if "__pycache__" not in root and any(f.endswith(".py") for f in files)
               and "__init__.py" not in files]
    assert not missing, f"add __init__.py to {missing}"


def test_tests_import_each_other_through_the_tests_package():
    """Helpers are imported as ``tests.x``, never by a bare folder or module name that an
    installed distribution could also provide."""
    local = {os.path.splitext(n)[0] for n in os.listdir(TESTS) if n != "__init__.py"
             and (n.endswith(".py") or os.path.isdir(os.path.join(TESTS, n)))} - set(sys.stdlib_module_names)
    bad = []
    for root, _, files in os.walk(TESTS):
        for f in (f for f in files if f.endswith(".py")):
            path = os.path.join(root, f)
            with open(path, encoding="utf-8") as fh:
                tree = ast.parse(fh.read())
            for node in ast.walk(tree):
                names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                         else [node.module or ""] if isinstance(node, ast.ImportFrom) and not node.level else [])
                bad += [f"{os.path.relpath(path, TESTS)}: {n}" for n in names if n.split(".")[0] in local]
    assert not bad, bad
