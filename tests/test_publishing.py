"""What publishing relies on: a valid workflow and citation, Binder's requirements, the licences."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
import yaml
from nbclient import NotebookClient

from tests.conftest import REPO_ROOT

CONFIG = yaml.safe_load((REPO_ROOT / "_config.yml").read_text())
REPOSITORY = CONFIG["repository"]["url"]
WORKFLOW = REPO_ROOT / ".github" / "workflows" / "book.yml"
CHECK_JSONSCHEMA = Path(sys.executable).parent / "check-jsonschema"


def validate(path: Path, schema: str) -> subprocess.CompletedProcess:
    command = [str(CHECK_JSONSCHEMA) if CHECK_JSONSCHEMA.exists() else shutil.which("check-jsonschema"),
               "--builtin-schema", schema, str(path)]
    return subprocess.run(command, capture_output=True, text=True)


def test_workflow_is_valid_and_the_linter_would_catch_a_broken_one(tmp_path):
    result = validate(WORKFLOW, "vendor.github-workflows")
    assert result.returncode == 0, result.stdout + result.stderr
    broken = tmp_path / "broken.yml"
    broken.write_text(WORKFLOW.read_text().replace("runs-on:", "run-on:", 1))
    assert validate(broken, "vendor.github-workflows").returncode != 0


def test_workflow_builds_strictly_and_deploys_only_from_main():
    workflow = yaml.safe_load(WORKFLOW.read_text())
    triggers = workflow[True]  # YAML reads the key `on` as True
    assert "pull_request" in triggers and triggers["push"]["branches"] == ["main"]
    build, deploy = workflow["jobs"]["build"], workflow["jobs"]["deploy"]
    assert any(step.get("run") == "make book" for step in build["steps"])
    assert "jupyter-book build . -W -n --keep-going" in (REPO_ROOT / "Makefile").read_text()
    assert "github.event_name == 'push'" in deploy["if"] and "refs/heads/main" in deploy["if"]
    assert not any("deploy-pages" in str(step) for step in build["steps"])


def test_citation_is_valid_and_points_at_the_repository(tmp_path):
    citation = REPO_ROOT / "CITATION.cff"
    result = validate(citation, "vendor.citation-file-format")
    assert result.returncode == 0, result.stdout + result.stderr
    assert yaml.safe_load(citation.read_text())["repository-code"] == REPOSITORY
    broken = tmp_path / "CITATION.cff"
    broken.write_text(citation.read_text().replace("cff-version: 1.2.0", "cff-version: banana"))
    assert validate(broken, "vendor.citation-file-format").returncode != 0


def test_licences_are_stated_in_files_and_footer():
    assert "MIT License" in (REPO_ROOT / "LICENSE").read_text()
    assert "CC BY 4.0" in (REPO_ROOT / "LICENSE-CONTENT.md").read_text()
    footer = CONFIG["html"]["extra_footer"]
    assert "creativecommons.org/licenses/by/4.0" in footer
    for url in re.findall(r'href="(https://github.com/[^"]+)"', footer):
        assert url.startswith(REPOSITORY + "/"), f"footer link {url} does not match repository.url"


def requirement_lines(name: str) -> list[str]:
    lines = (REPO_ROOT / name).read_text().splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def test_binder_installs_only_what_a_learner_needs():
    lines = requirement_lines("requirements.txt")
    assert lines[-1] == "-e ."
    names = [re.split(r"[<>=!~ ]", line)[0].lower() for line in lines[:-1]]
    assert sorted(names) == ["constriction", "ipywidgets", "matplotlib", "numpy"]
    for line in lines[:-1]:
        assert "<" in line, f"{line}: give it an upper bound so a new major release cannot break the book"
    assert (REPO_ROOT / "runtime.txt").read_text().strip() == "python-3.11"


def test_every_pinned_range_has_an_upper_bound():
    for name in ["requirements-book.txt", "requirements-dev.txt"]:
        for line in requirement_lines(name):
            if not line.startswith("-r"):
                assert "<" in line or "==" in line, f"{name}: {line}"


def test_chapters_run_in_a_fresh_environment_built_from_binders_files(tmp_path, monkeypatch):
    """Build a virtual environment from requirements.txt alone, as Binder does, and run every chapter."""
    venv = tmp_path / "binder-venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = venv / "bin" / "python"
    pip = [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    subprocess.run([*pip, "-r", "requirements.txt"], cwd=REPO_ROOT, check=True)
    subprocess.run([*pip, "ipykernel"], check=True)  # Binder's base image provides the kernel
    check = subprocess.run([str(python), "-c", "import lib, constriction, scipy"], capture_output=True, text=True)
    assert "No module named 'scipy'" in check.stderr  # the coder came along, nothing test-only did

    kernels = tmp_path / "share" / "jupyter" / "kernels" / "binder"
    kernels.mkdir(parents=True)
    (kernels / "kernel.json").write_text(json.dumps({
        "argv": [str(python), "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Binder venv", "language": "python"}))
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "share" / "jupyter"))
    for path in sorted((REPO_ROOT / "chapters").glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        NotebookClient(nb, timeout=300, kernel_name="binder",
                       resources={"metadata": {"path": str(path.parent)}}).execute()
        assert not any(o.output_type == "error" for c in nb.cells if c.cell_type == "code" for o in c.outputs)


def test_set_repository_rewrites_every_mention(tmp_path):
    """A fork runs one script; afterwards config, footer, citation and Colab cells all agree."""
    copy = tmp_path / "fork"
    shutil.copytree(REPO_ROOT, copy, ignore=shutil.ignore_patterns(".venv", "_build", ".git", "*.pyc"))
    new = "https://github.com/a-teacher/our-course"
    subprocess.run([sys.executable, str(copy / "scripts" / "set_repository.py"), new], check=True,
                   capture_output=True)
    config = yaml.safe_load((copy / "_config.yml").read_text())
    assert config["repository"]["url"] == new
    assert REPOSITORY not in (copy / "_config.yml").read_text()
    citation = yaml.safe_load((copy / "CITATION.cff").read_text())
    assert citation["repository-code"] == new and citation["url"] == "https://a-teacher.github.io/our-course/"
    for path in (copy / "chapters").glob("*.ipynb"):
        assert f"git+{new}" in path.read_text() and REPOSITORY not in path.read_text()
