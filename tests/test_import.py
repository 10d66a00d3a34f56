"""`import lib` finds this repository's package from any working directory."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT

PROBE = "import lib, sys; print(lib.__file__); print(lib.surprise(0.5, base=2))"


def import_from(cwd: Path) -> list[str]:
    result = subprocess.run([sys.executable, "-c", PROBE], cwd=cwd, capture_output=True, text=True, check=True)
    return result.stdout.split()


@pytest.mark.parametrize("where", ["repo", "chapters", "tests", "stray_lib", "root"])
def test_import_lib_gets_the_real_package(where, tmp_path):
    if where == "stray_lib":
        (tmp_path / "lib").mkdir()  # an unrelated folder called lib must not shadow the package
        (tmp_path / "lib" / "libfoo.so").write_bytes(b"")
        cwd = tmp_path
    else:
        cwd = {"repo": REPO_ROOT, "chapters": REPO_ROOT / "chapters", "tests": REPO_ROOT / "tests",
               "root": Path("/")}[where]
    path, value = import_from(cwd)
    assert Path(path) == REPO_ROOT / "lib" / "__init__.py"
    assert value == "1.0"


def lib_imports() -> dict[str, set[str]]:
    """Each module of lib (by name) and the lib modules it imports anywhere, function bodies included."""
    import ast

    graph = {}
    for path in sorted((REPO_ROOT / "lib").glob("*.py")):
        name = path.stem
        found = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("lib"):
                parts = node.module.split(".")
                found |= {parts[1]} if len(parts) > 1 else {alias.name for alias in node.names}
            elif isinstance(node, ast.Import):
                found |= {alias.name.split(".")[1] for alias in node.names if alias.name.startswith("lib.")}
        graph[name] = found - {name}
    return graph


def is_machinery(name: str) -> bool:
    """The naming rule: a module of the book's machinery says so first thing in its docstring."""
    import ast

    doc = ast.get_docstring(ast.parse((REPO_ROOT / "lib" / f"{name}.py").read_text(encoding="utf-8")))
    return doc.startswith("Book machinery")


def test_lib_is_two_layers_with_no_upward_arrow_and_no_cycle():
    graph = lib_imports()
    maths = {m for m in graph if m not in ("__init__", "_validate") and not is_machinery(m)}
    machinery = {m for m in graph if m not in ("__init__", "_validate") and is_machinery(m)}
    assert {"style", "explorer", "exercises", "feedback"} <= machinery
    assert {"information", "logits", "losses", "coding", "ngram", "training", "calibration", "markov"} <= maths
    assert graph["_validate"] == set(), "the input gate imports nothing from lib"
    for module in maths:
        assert not graph[module] & machinery, f"lib.{module} (maths) imports the book's machinery"
    visiting, done = set(), set()

    def visit(module, path):
        assert module not in visiting, "import cycle: " + " -> ".join(path + [module])
        if module in done:
            return
        visiting.add(module)
        for imported in graph.get(module, ()):
            visit(imported, path + [module])
        visiting.discard(module)
        done.add(module)

    for module in graph:
        visit(module, [])


def test_every_module_says_which_chapters_it_serves():
    import ast

    for path in sorted((REPO_ROOT / "lib").glob("*.py")):
        if path.stem in ("__init__", "_validate"):
            continue
        first = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))).splitlines()[0]
        assert "chapter" in first, f"lib/{path.name}: the first docstring line names no chapter: {first}"
