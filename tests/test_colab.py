"""Each chapter's hidden first code cell installs lib in Colab, and does nothing anywhere else.

Colab itself cannot be reached from CI, so the rest is checked on the notebook: nothing in a
chapter relies on what only JupyterLab (or only the book build) provides.
"""

from __future__ import annotations

import re
import subprocess
import sys
import types

import nbformat
import pytest
import yaml

from tests.conftest import REPO_ROOT

NOTEBOOKS = sorted((REPO_ROOT / "chapters").glob("*.ipynb"))
REPOSITORY = yaml.safe_load((REPO_ROOT / "_config.yml").read_text())["repository"]["url"]


def colab_cell(path):
    first_code = next(c for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code")
    return first_code


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_guard_installs_lib_only_in_colab(path, monkeypatch):
    cell = colab_cell(path)
    assert "remove-cell" in cell.metadata["tags"]  # hidden on the website
    calls = []
    monkeypatch.setattr(subprocess, "run", lambda *args, **kwargs: calls.append(args[0]))

    monkeypatch.delitem(sys.modules, "google.colab", raising=False)
    exec(cell.source, {})
    assert calls == []  # Binder, Jupyter, the book build: silent

    monkeypatch.setitem(sys.modules, "google.colab", types.ModuleType("google.colab"))
    exec(cell.source, {})
    assert len(calls) == 1
    command = calls[0]
    assert command[:4] == [sys.executable, "-m", "pip", "install"]
    assert command[-1] == f"git+{REPOSITORY}"


def test_colab_button_is_enabled():
    config = yaml.safe_load((REPO_ROOT / "_config.yml").read_text())
    assert config["launch_buttons"]["colab_url"] == "https://colab.research.google.com"


#: What works in JupyterLab (or only in the book build) but not in a notebook opened alone in Colab.
JUPYTERLAB_ONLY = {
    "an ipympl figure (%matplotlib widget)": r"%matplotlib\s+(widget|ipympl)|import ipympl",
    "JupyterLab's own JavaScript": r"jupyterapp|@jupyterlab/|from jupyterlab|import jupyterlab",
    "JavaScript output (sandboxed differently in Colab)": r"Javascript\(|%%javascript|%%js\b",
    "a third-party widget (Colab needs its custom widget manager)": r"import anywidget|import ipyvolume|import bqplot",
    "a file beside the notebook (Colab opens the notebook alone)": r"open\(\s*[\"'](?!/)[^\"']*\.(csv|txt|json|npy)",
}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_nothing_depends_on_jupyterlab_only_features(path):
    nb = nbformat.read(path, as_version=4)
    code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    for what, pattern in JUPYTERLAB_ONLY.items():
        assert not re.search(pattern, code), f"{path.name} uses {what}"
    markdown = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    # Colab's and JupyterLab's Markdown sanitisers drop scripts, styles and frames.
    assert not re.search(r"<(script|style|iframe|link)\b", markdown, flags=re.I), path.name
    # A glossary link must open the entry from a notebook that arrived alone (see test_chapters).
    assert "glossary.md#" not in markdown, path.name
