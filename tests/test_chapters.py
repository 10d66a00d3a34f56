"""The chapters follow the book's conventions (nbval runs them; this checks their shape)."""

from __future__ import annotations

import re

import nbformat
import pytest
import yaml

from lib.exercises import EXERCISES
from tests.conftest import REPO_ROOT

TOC = yaml.safe_load((REPO_ROOT / "_toc.yml").read_text())
TOC_FILES = [entry["file"] for entry in TOC["chapters"]]
NOTEBOOKS = sorted((REPO_ROOT / "chapters").glob("*.ipynb"))


def load(path):
    return nbformat.read(path, as_version=4)


def test_toc_lists_the_six_chapters_in_order():
    assert TOC["root"] == "intro"
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


def is_written(path) -> bool:
    return "This chapter is being written" not in load(path).cells[0].source


WRITTEN = [p for p in NOTEBOOKS if is_written(p)]


def test_written_chapters():
    assert [p.stem[:2] for p in WRITTEN][:3] == ["01", "02", "03"]


@pytest.mark.parametrize("path", WRITTEN, ids=lambda p: p.stem)
def test_written_chapter_is_complete(path):
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
    prose_checks = [c for c in nb.cells if "remove-cell" in c.metadata.get("tags", [])]
    assert prose_checks and all("assert" in c.source for c in prose_checks)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_visible_code_fits_the_page(path):
    """Code a reader sees stays within 79 columns, so the website never scrolls it sideways."""
    for cell in load(path).cells:
        if cell.cell_type == "code" and "remove-cell" not in cell.metadata.get("tags", []):
            for line in cell.source.splitlines():
                assert len(line) <= 79, f"{path.name}: {line}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_inline_maths_stays_on_one_line(path):
    """`$...$` broken over two lines renders as raw text on the website."""
    for cell in load(path).cells:
        if cell.cell_type == "markdown":
            text = re.sub(r"\$\$.*?\$\$", "", cell.source, flags=re.S)
            for match in re.finditer(r"\$([^$]*)\$", text):
                assert "\n" not in match.group(1), f"{path.name}: {match.group(0)}"
