"""What publishing relies on: a valid workflow and citation, Binder's requirements, the licences."""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.conftest import CHAPTER_STEMS, REPO_ROOT

CONFIG = yaml.safe_load((REPO_ROOT / "_config.yml").read_text())
REPOSITORY = CONFIG["repository"]["url"]
SITE = CONFIG["html"]["baseurl"]
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
    assert sorted(names) == ["constriction", "ipywidgets", "matplotlib", "numpy", "tokenizers"]
    for line in lines[:-1]:
        assert "<" in line, f"{line}: give it an upper bound so a new major release cannot break the book"
    assert (REPO_ROOT / "runtime.txt").read_text().strip() == "python-3.11"


def test_every_pinned_range_has_an_upper_bound():
    for name in ["requirements-book.txt", "requirements-dev.txt"]:
        for line in requirement_lines(name):
            if not line.startswith("-r"):
                assert "<" in line or "==" in line, f"{name}: {line}"


@pytest.mark.xdist_group("jupyterlab")  # the JupyterLab tests run on the same environment
def test_binders_environment_has_what_a_learner_needs_and_nothing_test_only(binder_environment):
    """A virtual environment built from requirements.txt alone, as Binder builds one: the course's
    packages import, and nothing test-only came along. tests/test_jupyterlab.py runs every chapter
    in JupyterLab on this environment's kernel, as a learner on Binder meets it."""
    python = binder_environment / "venv" / "bin" / "python"
    check = subprocess.run([str(python), "-c", "import lib, constriction, tokenizers, ipywidgets, scipy"],
                           capture_output=True, text=True)
    assert "No module named 'scipy'" in check.stderr  # the coder came along, nothing test-only did
    spec = json.loads((binder_environment / "share" / "jupyter" / "kernels" / "python3" / "kernel.json").read_text())
    assert spec["argv"][0] == str(python)


def test_set_repository_rewrites_every_mention(tmp_path):
    """A fork runs one script; afterwards config, footer, citation, Colab cells and site links all agree."""
    copy = tmp_path / "fork"
    shutil.copytree(REPO_ROOT, copy, ignore=shutil.ignore_patterns(".venv", "_build", ".git", "*.pyc"))
    new, new_site = "https://github.com/a-teacher/our-course", "https://a-teacher.github.io/our-course/"
    subprocess.run([sys.executable, str(copy / "scripts" / "set_repository.py"), new], check=True,
                   capture_output=True)
    config = yaml.safe_load((copy / "_config.yml").read_text())
    assert config["repository"]["url"] == new and config["html"]["baseurl"] == new_site
    assert REPOSITORY not in (copy / "_config.yml").read_text() and SITE not in (copy / "_config.yml").read_text()
    citation = yaml.safe_load((copy / "CITATION.cff").read_text())
    assert citation["repository-code"] == new and citation["url"] == new_site
    for path in (copy / "chapters").glob("*.ipynb"):
        text = path.read_text()
        assert f"git+{new}" in text and REPOSITORY not in text
        assert f"({new_site}glossary.html#" in text and SITE not in text, path.name
        # Nothing else changed: the notebook is still exactly as `make clear` leaves it.
        assert text == (REPO_ROOT / "chapters" / path.name).read_text().replace(
            REPOSITORY, new).replace(SITE, new_site)
    for path in copy.glob("*.md"):
        assert SITE not in path.read_text(), path.name
    for path in (copy / "problem_sets").glob("*.ipynb"):  # on Colab they fetch their tests from the fork
        text = path.read_text()
        assert f'REPOSITORY, BRANCH = \\"{new}\\"' in text and REPOSITORY not in text, path.name


def load_script(name: str):
    spec = importlib.util.spec_from_file_location(name, REPO_ROOT / "scripts" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_a_user_site_is_published_at_the_root():
    pages_url = load_script("set_repository").github_pages_url
    assert pages_url("https://github.com/A-Teacher/course") == "https://a-teacher.github.io/course/"
    assert pages_url("https://github.com/a-teacher/A-Teacher.github.io") == "https://a-teacher.github.io/"


def test_built_chapters_link_to_the_glossary_inside_the_book(html):
    """Links to the published site become local, so the built book works offline and from file://."""
    glossary_ids = set(re.findall(r'\bid="([^"]+)"', (html / "glossary.html").read_text(encoding="utf-8")))
    for stem in CHAPTER_STEMS:
        text = (html / "chapters" / f"{stem}.html").read_text(encoding="utf-8")
        hrefs = re.findall(r'<a\b[^>]*\bhref="([^"]*)"', text)
        assert not [h for h in hrefs if h.startswith(SITE)], f"{stem}: a link still leaves for {SITE}"
        anchors = [h.split("#", 1)[1] for h in hrefs if h.startswith("../glossary.html#")]
        assert anchors, f"{stem} links to no glossary entry"
        assert set(anchors) <= glossary_ids, f"{stem}: no such entry on glossary.html: {set(anchors) - glossary_ids}"


def build_small_book(tmp_path: Path, link: str) -> subprocess.CompletedProcess:
    """A two-page Sphinx project using scripts/site_links.py, built with warnings as errors."""
    source = tmp_path / "src"
    source.mkdir(parents=True)
    (source / "conf.py").write_text(
        f"import sys\nsys.path.insert(0, {str(REPO_ROOT / 'scripts')!r})\n"
        "extensions = ['site_links']\nhtml_baseurl = 'https://someone.github.io/book/'\n")
    (source / "index.rst").write_text(f"Home\n====\n\nSee `the entry <{link}>`_.\n\n.. toctree::\n\n   sub/glossary\n")
    (source / "sub").mkdir()
    (source / "sub" / "glossary.rst").write_text("Glossary\n========\n\nSurprise\n--------\n\nText.\n")
    return subprocess.run([sys.executable, "-m", "sphinx", "-W", "-q", "-b", "html", str(source),
                           str(tmp_path / "out")], capture_output=True, text=True)


def test_site_links_makes_published_links_local_and_rejects_dead_ones(tmp_path):
    built = build_small_book(tmp_path / "good", "https://someone.github.io/book/sub/glossary.html#surprise")
    assert built.returncode == 0, built.stderr
    index = (tmp_path / "good" / "out" / "index.html").read_text()
    assert 'href="sub/glossary.html#surprise"' in index and "someone.github.io/book/sub" not in index
    for dead in ["sub/glossary.html#no-such-entry", "no-such-page.html"]:
        built = build_small_book(tmp_path / dead.replace("/", "_"), f"https://someone.github.io/book/{dead}")
        assert built.returncode != 0 and "published site names no" in built.stderr, built.stderr
