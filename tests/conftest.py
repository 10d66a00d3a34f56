"""Shared fixtures: seeded random inputs, so every run checks the same numbers."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import yaml

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


@pytest.fixture(scope="session")
def html(tmp_path_factory) -> Path:
    """The whole book, built once per test run into a fresh folder, warnings as errors."""
    out = tmp_path_factory.mktemp("book")
    jupyter_book = Path(sys.executable).parent / "jupyter-book"
    command = [str(jupyter_book if jupyter_book.exists() else shutil.which("jupyter-book")),
               "build", str(REPO_ROOT), "--path-output", str(out), "-W", "-n", "--keep-going"]
    result = subprocess.run(command, capture_output=True, text=True, cwd=REPO_ROOT)
    assert result.returncode == 0, result.stdout[-5000:] + result.stderr[-5000:]
    return out / "_build" / "html"
