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
