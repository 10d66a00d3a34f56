"""The whole book builds with warnings as errors, every notebook executed afresh.

The build goes to a temporary folder, so it never reuses a stale cache (the ``html``
fixture in conftest.py), and the tests then read the pages as a browser gets them;
tests/test_browser.py opens them in a real one.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from tests.conftest import CHAPTER_STEMS, REPO_ROOT, toc_pages

CONFIG = yaml.safe_load((REPO_ROOT / "_config.yml").read_text())
OWNER_REPO = CONFIG["repository"]["url"].removeprefix("https://github.com/")


def page(html: Path, name: str) -> str:
    return (html / f"{name}.html").read_text(encoding="utf-8")


def test_every_toc_page_is_built(html):
    for name in toc_pages():
        assert (html / f"{name}.html").exists(), name
    glossary = page(html, "glossary")
    assert 'id="surprise"' in glossary and 'id="kl-divergence"' in glossary
    for stem in CHAPTER_STEMS:
        text = page(html, f"chapters/{stem}")
        assert "Traceback" not in text and "output traceback" not in text
        assert "output stderr" not in text, f"{stem} prints a warning or error on the page"


@pytest.mark.parametrize("stem", CHAPTER_STEMS)
def test_chapter_explorers_are_live_without_widget_javascript(html, stem):
    """Each explorer: the snapshots for readers without JavaScript, the controls hidden until the
    page's script shows them, and its frames moved out of the page into a lazily loaded script."""
    import json
    import math

    from lib.explorer import expand

    text = page(html, f"chapters/{stem}")
    explorers = re.findall(r'<div class="explorer" id="([\w-]+)" data-frames="([^"]+)">', text)
    assert explorers, "no live explorer on the page"
    assert text.count('class="explorer-static"') == len(explorers)
    assert text.count('<div class="explorer-live" hidden>') == len(explorers)
    assert "widget-view+json" not in text and "widget-state+json" not in text
    assert "jupyter-widgets/html-manager" not in text and "require.min.js" not in text
    assert 'class="explorer-frames"' not in text, "frames left inline in the page"
    assert re.search(r'<img src="data:image/svg\+xml;base64,[^"]+" alt="[^"]{40,}"', text)
    assert text.count("_static/explorer/explorer.js") == 1 and (html / "_static/explorer/explorer.js").exists()
    metas = re.findall(r'<script type="application/json" class="explorer-meta">(.*?)</script>', text, re.S)
    for (explorer_id, src), meta in zip(explorers, metas):
        script = ((html / f"chapters/{stem}.html").parent / src).read_text(encoding="utf-8")
        prefix = f'window.whyLogPExplorer.register("{explorer_id}", '
        assert script.startswith(prefix) and script.endswith(");\n")
        frames = expand(json.loads(script[len(prefix):-3]))
        shape = json.loads(meta)["shape"]
        assert len(frames) == len(json.loads(meta)["readouts"]) == math.prod(shape)
        # Every frame kept the explorer's shared layout: no axes jump as a control moves.
        assert json.loads(meta)["own_layout_frames"] == 0
        assert len(set(frames)) > 1 and all(f.startswith("<?xml") and f.rstrip().endswith("</svg>") for f in frames)
    # The executed notebook offered for download keeps the static figure, not the frames.
    executed = (html / "_executed" / "chapters" / f"{stem}.ipynb").read_text(encoding="utf-8")
    assert "explorer-frames" not in executed and "explorer-static" in executed


def test_only_pages_with_an_explorer_load_its_script(html):
    for name in ["intro", "glossary", "notation"]:
        assert "explorer.js" not in page(html, name)


@pytest.mark.parametrize("stem", CHAPTER_STEMS)
def test_chapter_hides_solutions_and_prose_checks(html, stem):
    text = page(html, f"chapters/{stem}")
    exercises = len(re.findall(r"Exercise \d\.\d\.", text))
    assert exercises >= 2
    # Each solution is folded in a closed <details> element, never a hide-cell code cell.
    assert "tag_hide-cell" not in text
    assert text.count('<details class="solution">') == exercises
    assert text.count("<summary>Show the solution</summary>") == exercises
    assert "assert " not in re.sub(r"<[^>]+>", "", text)  # remove-cell checks are gone


def test_launch_buttons_point_at_the_configured_repository(html):
    for stem in CHAPTER_STEMS:
        text = page(html, f"chapters/{stem}")
        assert f"mybinder.org/v2/gh/{OWNER_REPO}/main?urlpath=lab/tree/chapters/{stem}.ipynb" in text



def test_every_chapter_offers_executed_and_source_notebooks(html):
    import nbformat

    for stem in CHAPTER_STEMS:
        text = page(html, f"chapters/{stem}")
        for folder in ("_executed", "_sources"):
            assert f'href="../{folder}/chapters/{stem}.ipynb"' in text, (stem, folder)
        executed = nbformat.read(html / "_executed" / "chapters" / f"{stem}.ipynb", as_version=4)
        code_cells = [c for c in executed.cells if c.cell_type == "code"]
        # Hidden checks (remove-cell) print nothing by design; at least half the rest show output.
        shown = [c for c in code_cells if "remove-cell" not in c.metadata.get("tags", [])]
        assert sum(bool(c.outputs) for c in shown) >= len(shown) // 2, "outputs missing"
        assert not any(o.output_type == "error" for c in code_cells for o in c.outputs)
        source = nbformat.read(html / "_sources" / "chapters" / f"{stem}.ipynb", as_version=4)
        assert source == nbformat.read(REPO_ROOT / "chapters" / f"{stem}.ipynb", as_version=4)


def test_every_page_states_the_licences_and_offers_colab(html):
    for name in ["intro", "notation", "glossary", "cheatsheet", "references"]:
        assert "CC BY 4.0" in page(html, name) and ">MIT<" in page(html, name)
    for stem in CHAPTER_STEMS:
        text = page(html, f"chapters/{stem}")
        assert "CC BY 4.0" in text and ">MIT<" in text
        assert f"colab.research.google.com/github/{OWNER_REPO}/blob/main/chapters/{stem}.ipynb" in text


def test_every_chapter_page_is_under_the_weight_budget(html):
    import importlib.util

    spec = importlib.util.spec_from_file_location("page_weight", REPO_ROOT / "scripts" / "page_weight.py")
    page_weight = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(page_weight)
    rows, shared = page_weight.page_weights(html)
    assert {row[0] for row in rows} >= {f"chapters/{s}" for s in CHAPTER_STEMS}
    for name, html_bytes, image_bytes, lazy_bytes, lazy_gzip in rows:
        assert html_bytes + image_bytes <= page_weight.BUDGET_BYTES, name
        assert (lazy_bytes > 0) == name.startswith("chapters/"), name  # frames counted apart
        assert lazy_gzip <= lazy_bytes
    assert shared > 0
