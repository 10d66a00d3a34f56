"""The whole book builds with warnings as errors, every notebook executed afresh.

The build goes to a temporary folder, so it never reuses a stale cache, and the
test then reads the pages the way a reader's browser gets them.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT


@pytest.fixture(scope="module")
def html(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("book")
    jupyter_book = Path(sys.executable).parent / "jupyter-book"
    command = [str(jupyter_book if jupyter_book.exists() else shutil.which("jupyter-book")),
               "build", str(REPO_ROOT), "--path-output", str(out), "-W", "-n", "--keep-going"]
    result = subprocess.run(command, capture_output=True, text=True, cwd=REPO_ROOT)
    assert result.returncode == 0, result.stdout[-5000:] + result.stderr[-5000:]
    return out / "_build" / "html"


def page(html: Path, name: str) -> str:
    return (html / f"{name}.html").read_text(encoding="utf-8")


def test_every_toc_page_is_built(html):
    assert (html / "intro.html").exists()
    for path in sorted((REPO_ROOT / "chapters").glob("*.ipynb")):
        text = page(html, f"chapters/{path.stem}")
        assert "Traceback" not in text and "Error" not in re.sub(r"<[^>]+>", "", text).split("Exercises")[0]


def test_chapter_1_shows_the_static_explorer_not_a_dead_widget(html):
    text = page(html, "chapters/01_penalty_design")
    assert text.count('class="explorer-static"') == 1
    assert "widget-view+json" not in text
    assert "jupyter-widgets/html-manager" not in text and "require.min.js" not in text
    assert re.search(r'<img src="data:image/svg\+xml;base64,[^"]+" alt="Four panels', text)


def test_chapter_1_hides_solutions_and_prose_checks(html):
    text = page(html, "chapters/01_penalty_design")
    assert text.count("tag_hide-cell") == 3
    assert text.count("Show the solution") == 3
    assert "Solution 1.1" in text  # present, behind a toggle
    assert "fails the build if they drift" not in text  # remove-cell cells are gone


def test_launch_buttons_point_at_the_configured_repository(html):
    import yaml

    url = yaml.safe_load((REPO_ROOT / "_config.yml").read_text())["repository"]["url"]
    owner_repo = url.removeprefix("https://github.com/")
    for path in sorted((REPO_ROOT / "chapters").glob("*.ipynb")):
        text = page(html, f"chapters/{path.stem}")
        assert f"mybinder.org/v2/gh/{owner_repo}/main?urlpath=lab/tree/chapters/{path.name}" in text
