"""The chapters follow the book's conventions (nbval runs them; this checks their shape)."""

from __future__ import annotations

import re

import nbformat
import pytest

from lib.exercises import EXERCISES
from tests.conftest import REPO_ROOT, toc_pages

TOC_PAGES = toc_pages()
TOC_FILES = [page for page in TOC_PAGES if page.startswith("chapters/")]
MARKDOWN_PAGES = sorted(REPO_ROOT.glob("*.md"))
NOTEBOOKS = sorted((REPO_ROOT / "chapters").glob("*.ipynb"))


def load(path):
    return nbformat.read(path, as_version=4)


def test_toc_has_front_and_back_matter():
    assert TOC_PAGES[:2] == ["intro", "notation"]
    assert TOC_PAGES[-3:] == ["glossary", "cheatsheet", "references"]
    for page in ["notation", "glossary", "cheatsheet", "references"]:
        assert (REPO_ROOT / f"{page}.md").exists()


def test_chapters_link_to_notation_and_glossary():
    glossary = (REPO_ROOT / "glossary.md").read_text()
    anchors = {re.sub(r"[^a-z0-9 -]", "", h.lower()).replace(" ", "-")
               for h in re.findall(r"^## (.+)$", glossary, flags=re.M)}
    linked = set()
    for path in NOTEBOOKS:
        text = "\n".join(c.source for c in load(path).cells if c.cell_type == "markdown")
        assert "(../notation.md)" in text, f"{path.name} does not link to the notation page"
        found = re.findall(r"\(\.\./glossary\.md#([a-z0-9-]+)\)", text)
        assert found, f"{path.name} links to no glossary entry"
        assert set(found) <= anchors
        linked |= set(found)
    assert linked == anchors, f"glossary entries no chapter links to: {anchors - linked}"


def test_toc_lists_the_six_chapters_in_order():
    assert TOC_FILES == [f"chapters/{p.stem}" for p in NOTEBOOKS]
    assert len(TOC_FILES) == 6
    for words, stem in zip(["penalty", "surprise", "likelihood", "one_hot", "kl", "template"], TOC_FILES):
        assert words in stem


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_is_committed_without_outputs(path):
    nb = load(path)
    assert nb.metadata["kernelspec"]["name"] == "python3"
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, f"{path.name}: strip outputs before committing"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_seeds_its_randomness(path):
    source = "\n".join(c.source for c in load(path).cells if c.cell_type == "code")
    assert "np.random.rand" not in source and "random.random(" not in source, "use np.random.default_rng(seed)"
    assert "default_rng()" not in source, "seed every random generator"


def exercise_ids(nb):
    return re.findall(r'lib\.check\("([^"]+)"', "\n".join(c.source for c in nb.cells if c.cell_type == "code"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_chapter_is_complete(path):
    nb = load(path)
    text = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    for heading in ["## Where we are", "## Explore it yourself", "## Exercises", "## Summary",
                    "Common mistakes"]:
        assert heading in text
    code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    assert code.count("Explorer(") == 1 and "lib.style.use()" in code
    ids = exercise_ids(nb)
    assert 2 <= len(set(ids)) <= 4
    assert set(ids) <= set(EXERCISES)
    assert all(i.startswith(f"ch{int(path.stem[:2])}.") for i in ids)
    solutions = [c for c in nb.cells if "hide-cell" in c.metadata.get("tags", [])]
    assert len(solutions) == len(set(ids))
    for cell in solutions:  # hidden on the website and collapsed in JupyterLab
        assert cell.metadata["jupyter"] == {"source_hidden": True, "outputs_hidden": True}
        assert cell.metadata["mystnb"]["code_prompt_show"] == "Show the solution"
        assert "lib.check(" in cell.source
    prose_checks = [c for c in nb.cells if "remove-cell" in c.metadata.get("tags", [])
                    and "google.colab" not in c.source]
    assert prose_checks and all("assert" in c.source for c in prose_checks)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_visible_code_fits_the_page(path):
    """Code a reader sees stays within 79 columns, so the website never scrolls it sideways."""
    for cell in load(path).cells:
        if cell.cell_type == "code" and "remove-cell" not in cell.metadata.get("tags", []):
            for line in cell.source.splitlines():
                assert len(line) <= 79, f"{path.name}: {line}"


def markdown_sources(path):
    if path.suffix == ".md":
        return [path.read_text(encoding="utf-8")]
    return [c.source for c in load(path).cells if c.cell_type == "markdown"]


@pytest.mark.parametrize("path", NOTEBOOKS + MARKDOWN_PAGES, ids=lambda p: p.name)
def test_inline_maths_stays_on_one_line(path):
    """`$...$` broken over two lines renders as raw text on the website."""
    for source in markdown_sources(path):
        text = re.sub(r"\$\$.*?\$\$", "", source, flags=re.S)
        text = re.sub(r"`[^`]*`", "", text)  # code spans may hold a literal $
        for match in re.finditer(r"\$([^$]*)\$", text):
            assert "\n" not in match.group(1), f"{path.name}: {match.group(0)}"
