"""Each chapter's hidden first code cell installs lib in Colab, and does nothing anywhere else."""

from __future__ import annotations

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
