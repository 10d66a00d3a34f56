"""Shared fixtures: seeded random inputs, so every run checks the same numbers; the book built once.

The suite runs on parallel workers (pytest-xdist, ``-n auto --dist loadgroup`` in
pyproject.toml). What must share one process is grouped here (`xdist_group`): the cells
of one notebook under nbval (one kernel runs them in order), every test that reads the
built book (one build), the JupyterLab tests (one server), the problem sets' gradings.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import yaml
from filelock import FileLock

REPO_ROOT = Path(__file__).resolve().parent.parent


def toc_pages() -> list[str]:
    """Every page of the table of contents, in reading order, the landing page first."""
    toc = yaml.safe_load((REPO_ROOT / "_toc.yml").read_text())
    return [toc["root"]] + [entry["file"] for part in toc["parts"] for entry in part["chapters"]]


#: The chapter notebooks' names, in order.
CHAPTER_STEMS = [path.stem for path in sorted((REPO_ROOT / "chapters").glob("*.ipynb"))]


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(20261123)


def random_distributions(rng: np.random.Generator, n: int, k: int, zeros: bool = False) -> np.ndarray:
    """``n`` random distributions over ``k`` outcomes (rows sum to 1)."""
    weights = rng.gamma(0.7, size=(n, k))
    if zeros:
        weights[rng.random((n, k)) < 0.2] = 0.0
        weights[:, 0] += 0.1  # keep every row non-empty
    return weights / weights.sum(axis=1, keepdims=True)


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist reads the groups
def pytest_collection_modifyitems(config, items) -> None:
    """Put the tests that must share a process (see the module docstring) in one xdist group."""
    for item in items:
        group = None
        if item.path.suffix == ".ipynb":
            group = f"nbval-{item.path.stem}"
        elif "html" in item.fixturenames:
            group = "book"
        elif item.path.name == "test_jupyterlab.py":
            group = "jupyterlab"
        elif "assignment" in item.fixturenames:
            # One worker grades every problem set, at most two `otter run`s at a time as before:
            # with one group per set, four ran at once and one grading hung (2026-12-06, load ~20).
            group = "assignments"
        if group is not None:
            item.add_marker(pytest.mark.xdist_group(group))


def built_once(tmp_path_factory, name: str, build) -> Path:
    """``build(folder)`` once per test run, shared by all xdist workers (a file lock).

    Every worker has its own temporary folder under one shared parent; the first to take
    the lock builds there, the others wait for it and reuse the result.
    """
    shared = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        shared = shared.parent
    folder, done = shared / name, shared / f"{name}.done"
    with FileLock(str(shared / f"{name}.lock")):
        if not done.exists():
            folder.mkdir(exist_ok=True)
            build(folder)
            done.touch()
    return folder


@pytest.fixture(scope="session")
def html(tmp_path_factory) -> Path:
    """The whole book, built once per test run into a fresh folder, warnings as errors."""
    def build(out: Path) -> None:
        jupyter_book = Path(sys.executable).parent / "jupyter-book"
        command = [str(jupyter_book if jupyter_book.exists() else shutil.which("jupyter-book")),
                   "build", str(REPO_ROOT), "--path-output", str(out), "-W", "-n", "--keep-going"]
        result = subprocess.run(command, capture_output=True, text=True, cwd=REPO_ROOT)
        assert result.returncode == 0, result.stdout[-5000:] + result.stderr[-5000:]

    return built_once(tmp_path_factory, "book", build) / "_build" / "html"
