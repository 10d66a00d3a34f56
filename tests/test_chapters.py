"""The chapters follow the book's conventions (nbval runs them; this checks their shape).

A chapter must read the same in JupyterLab, Colab and on the website, so its Markdown
holds no MyST directive or role (JupyterLab and Colab show those as raw text), boxes are
plain HTML, glossary links point at the published glossary (JupyterLab ignores the
#anchor of a link to a .md file) and every solution is folded in a <details> element of a
Markdown cell, so "Run All" reveals no answer. tests/test_solutions.py runs the solutions.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import nbformat
import pytest
import yaml

from lib.exercises import EXERCISES
from tests.conftest import REPO_ROOT, toc_pages

TOC_PAGES = toc_pages()
TOC_FILES = [page for page in TOC_PAGES if page.startswith("chapters/")]
MARKDOWN_PAGES = sorted(REPO_ROOT.glob("*.md"))
NOTEBOOKS = sorted((REPO_ROOT / "chapters").glob("*.ipynb"))
CONFIG = yaml.safe_load((REPO_ROOT / "_config.yml").read_text())
#: The published website, e.g. https://why-log-p.github.io/why-log-p/ (set_repository.py moves it).
SITE = CONFIG["html"]["baseurl"]
#: Words in the chapters' file names, in reading order; a seventh chapter is about training,
#: an eighth about a real training run.
CHAPTER_WORDS = ["penalty", "surprise", "likelihood", "one_hot", "kl", "template", "train", "real"]


def load(path):
    return nbformat.read(path, as_version=4)


def tags(cell) -> list[str]:
    return cell.metadata.get("tags", [])


def markdown_text(path) -> str:
    return "\n".join(c.source for c in load(path).cells if c.cell_type == "markdown")


def glossary_anchors() -> set[str]:
    """The glossary's entry anchors: each `## Heading` slugged as MyST and Sphinx do."""
    glossary = (REPO_ROOT / "glossary.md").read_text()
    return {re.sub(r"[^a-z0-9 -]", "", h.lower()).replace(" ", "-")
            for h in re.findall(r"^## (.+)$", glossary, flags=re.M)}


# --- exercises and their folded solutions -------------------------------------------

CHECK_CALL = re.compile(r'lib\.check\("([^"]+)",')
SOLUTION_OPEN = '<details class="solution">'
SUMMARY = "<summary>Show the solution</summary>"


def exercises(nb) -> list[tuple[int, str]]:
    """(cell index, exercise id) of every exercise cell: visible code that calls lib.check."""
    found = []
    for index, cell in enumerate(nb.cells):
        if cell.cell_type == "code" and "remove-cell" not in tags(cell):
            ids = CHECK_CALL.findall(cell.source)
            if ids:
                found.append((index, ids[-1]))
    return found


def is_solution(cell) -> bool:
    return cell.cell_type == "markdown" and cell.source.lstrip().startswith("<details")


def solution_code(cell) -> list[str]:
    """Every ```python block of a solution cell (the convention: exactly one)."""
    return re.findall(r"^```python\n(.*?)^```\s*$", cell.source, flags=re.M | re.S)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_chapter_is_complete(path):
    nb = load(path)
    text = markdown_text(path)
    for heading in ["## Where we are", "## Explore it yourself", "## Exercises", "## Summary",
                    "Common mistakes"]:
        assert heading in text
    code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    assert code.count("Explorer(") >= 1 and "lib.style.use()" in code
    ids = [exercise_id for _, exercise_id in exercises(nb)]
    assert 2 <= len(ids) <= 4, f"{len(ids)} exercises"
    assert len(set(ids)) == len(ids), "each exercise checks its own id"
    assert set(ids) <= set(EXERCISES)
    assert all(i.startswith(f"ch{int(path.stem[:2])}.") for i in ids)
    assert not [c for c in nb.cells if "hide-cell" in tags(c)], (
        "solutions are folded <details> in Markdown cells now, never hide-cell code cells: "
        "'Run All' would run them and show every answer")
    prose_checks = [c for c in nb.cells if "remove-cell" in tags(c) and "google.colab" not in c.source]
    assert prose_checks and all("assert" in c.source for c in prose_checks)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_each_exercise_is_followed_by_one_folded_solution(path):
    nb = load(path)
    chapter = int(path.stem[:2])
    found = exercises(nb)
    assert sum(is_solution(c) for c in nb.cells) == len(found), "one solution per exercise, no more"
    for number, (index, exercise_id) in enumerate(found, start=1):
        name = f"Exercise {chapter}.{number}"
        assert f"**{name}.**" in nb.cells[index - 1].source, f"{name} is not stated just above its code cell"
        assert index + 1 < len(nb.cells) and is_solution(nb.cells[index + 1]), (
            f"{name}: the cell after the exercise must be its <details class=\"solution\"> Markdown cell")
        assert not (index + 2 < len(nb.cells) and is_solution(nb.cells[index + 2])), f"{name}: two solutions"
        lines = nb.cells[index + 1].source.strip().splitlines()
        # An HTML block ends at a blank line: without them the code would not render as code.
        assert lines[:3] == [SOLUTION_OPEN, SUMMARY, ""], f"{name}: start with {SOLUTION_OPEN}, {SUMMARY}, a blank line"
        assert lines[-2:] == ["", "</details>"], f"{name}: end with a blank line and </details>"
        assert nb.cells[index + 1].source.count("```") == 2, f"{name}: exactly one fenced block"
        blocks = solution_code(nb.cells[index + 1])
        assert len(blocks) == 1, f"{name}: the solution holds exactly one ```python block"
        last = blocks[0].rstrip().splitlines()[-1]
        assert re.fullmatch(rf'lib\.check\("{re.escape(exercise_id)}", \w+\)', last), (
            f"{name}: the solution's last line must be lib.check(\"{exercise_id}\", <its answer>), not {last!r}")


# --- Markdown that renders in JupyterLab, Colab and on the website ------------------

#: MyST syntax that only the book build understands (JupyterLab and Colab show it raw).
MYST_SYNTAX = {
    "a directive fence (```{name})": re.compile(r"^[ \t]*(`{3,}|~{3,})[ \t]*\{[^}\n]*\}", re.M),
    "a colon fence (:::{name})": re.compile(r"^[ \t]*:{3,}[ \t]*\{", re.M),
    "a directive option (:class: ...)": re.compile(r"^[ \t]*:[a-z][\w-]*:([ \t]|$)", re.M),
    "a role ({name}`...`)": re.compile(r"\{[a-z][\w:.-]*\}`"),
    "a target label ((label)=)": re.compile(r"^[ \t]*\([^()\s]+\)=[ \t]*$", re.M),
    "a glue reference ({glue...})": re.compile(r"\{glue"),
}


def myst_syntax_in(text: str) -> list[str]:
    """The kinds of MyST syntax in a Markdown text (maths set aside: TeX braces are fine)."""
    text = re.sub(r"\$\$.*?\$\$", "", text, flags=re.S)
    text = re.sub(r"\$[^$\n]+\$", "", text)
    return [kind for kind, pattern in MYST_SYNTAX.items() if pattern.search(text)]


@pytest.mark.parametrize("sample", [
    "```{admonition} Common mistakes\n:class: warning\nText.\n```",
    "```{note}\nText.\n```",
    ":::{tip}\nText.\n:::",
    "See {ref}`the table <table>` and {doc}`../glossary`.",
    "(my-label)=\n## Heading",
    "The loss is {glue:text}`loss:.2f` nats.",
    "````{margin}\nText.\n````",
])
def test_the_myst_check_catches_each_construct(sample):
    assert myst_syntax_in(sample)


def test_the_myst_check_passes_what_renders_everywhere():
    fine = ('<div class="admonition warning">\n<p class="admonition-title">Common mistakes</p>\n\n'
            "- $\\frac{a}{b}$ and $e^{x}$, `{'a': 1}`, a dict {1: 2} and a [link](../notation.md).\n\n"
            "</div>\n\n```python\nx = {'k': 1}\n```")
    assert myst_syntax_in(fine) == []


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_chapter_markdown_has_no_myst_syntax(path):
    for number, cell in enumerate(load(path).cells):
        if cell.cell_type == "markdown":
            found = myst_syntax_in(cell.source)
            assert not found, (f"{path.name}, cell {number}: {', '.join(found)}. JupyterLab and Colab "
                               "show it as raw text: use plain Markdown or an HTML box (CONVENTIONS.md)")


def test_chapters_link_to_notation_and_glossary():
    anchors = glossary_anchors()
    linked = set()
    for path in NOTEBOOKS:
        text = markdown_text(path)
        # Every link to another page of the book names its published address: Colab opens a
        # notebook alone (a relative link leads nowhere there) and JupyterLab ignores #anchors in
        # links to .md files. The build makes these links local (scripts/site_links.py).
        assert f"({SITE}notation.html)" in text, f"{path.name} does not link to the notation page"
        relative = re.findall(r"\]\((?!https?://|#)([^)]+)\)", text)
        assert not relative, f"{path.name}: relative links {relative} break in Colab; use {SITE}<page>.html"
        assert "glossary.md#" not in text, (
            f"{path.name}: link to the published glossary entry ({SITE}glossary.html#entry): "
            "JupyterLab ignores the #anchor of a link to a .md file")
        found = re.findall(rf"\({re.escape(SITE)}glossary\.html#([\w-]+)\)", text)
        assert found, f"{path.name} links to no glossary entry"
        assert set(found) <= anchors, f"{path.name}: no such glossary entry: {set(found) - anchors}"
        linked |= set(found)
    assert linked == anchors, f"glossary entries no chapter links to: {anchors - linked}"


@pytest.mark.parametrize("path", NOTEBOOKS + MARKDOWN_PAGES, ids=lambda p: p.name)
def test_links_to_the_published_site_name_a_page_of_the_book(path):
    """The build turns these into local links (scripts/site_links.py); each must name a page."""
    pages = {f"{page}.html" for page in TOC_PAGES} | {""}
    for target in re.findall(rf"\]\({re.escape(SITE)}([^)#\s]*)", "\n".join(markdown_sources(path))):
        assert target in pages, f"{path.name}: {SITE}{target} is no page of the book"


# --- the table of contents ----------------------------------------------------------

def test_toc_has_front_and_back_matter():
    assert TOC_PAGES[:2] == ["intro", "notation"]
    parts = {part["caption"]: [entry["file"] for entry in part["chapters"]]
             for part in yaml.safe_load((REPO_ROOT / "_toc.yml").read_text())["parts"]}
    assert parts["Reference"] == ["glossary", "cheatsheet", "references"]
    assert parts["Teaching"] == ["teaching", "problem_sets"]
    # The back matter follows every chapter; the teachers' pages come last.
    assert TOC_PAGES[-5:] == ["glossary", "cheatsheet", "references", "teaching", "problem_sets"]
    for page in ["notation", "glossary", "cheatsheet", "references"]:
        assert (REPO_ROOT / f"{page}.md").exists()


def test_toc_lists_the_chapters_in_order():
    assert TOC_FILES == [f"chapters/{p.stem}" for p in NOTEBOOKS]
    assert len(TOC_FILES) in (6, 7, 8), "six chapters, seven with the one on training, eight with the real run"
    for number, (word, stem) in enumerate(zip(CHAPTER_WORDS, TOC_FILES), start=1):
        assert stem.startswith(f"chapters/{number:02d}_") and word in stem, stem


# --- notebooks as committed ---------------------------------------------------------

@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_is_committed_without_outputs(path):
    nb = load(path)
    assert nb.metadata["kernelspec"]["name"] == "python3"
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, f"{path.name}: strip outputs before committing"


def clear_outputs():
    sys.path.insert(0, str(REPO_ROOT / "scripts"))
    try:
        import clear_outputs
    finally:
        sys.path.pop(0)
    return clear_outputs


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_opening_in_jupyterlab_changes_nothing(path):
    """The notebook already holds the metadata JupyterLab writes once the kernel is up.

    Otherwise a learner who only reads is asked to save on closing. The kernel's spec and
    language_info come from ipykernel itself; only the Python patch release may differ from
    the kernel's (tests/test_jupyterlab.py measures the real thing).
    """
    from ipykernel.ipkernel import IPythonKernel
    from ipykernel.kernelspec import get_kernel_dict

    nb = load(path)
    spec = get_kernel_dict()
    assert nb.metadata["kernelspec"] == {"display_name": spec["display_name"],
                                         "language": spec["language"], "name": "python3"}
    stored, kernel = dict(nb.metadata["language_info"]), dict(IPythonKernel.language_info)
    runtime = (REPO_ROOT / "runtime.txt").read_text().strip().removeprefix("python-")
    assert re.fullmatch(rf"{re.escape(runtime)}\.\d+", stored.pop("version")), "the kernel's full Python version"
    kernel.pop("version")
    assert stored == kernel
    assert (nb.nbformat, nb.nbformat_minor) == (4, 5) and all("id" in cell for cell in nb.cells)
    # Byte for byte what scripts/clear_outputs.py writes (`make clear`), whatever the Python.
    text = path.read_text(encoding="utf-8")
    normalised = clear_outputs().normalise(nbformat.reads(text, as_version=4))
    normalised.metadata["language_info"]["version"] = nb.metadata["language_info"]["version"]
    assert nbformat.writes(normalised).rstrip("\n") == text.rstrip("\n"), f"run `make clear` on {path.name}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_hidden_cells_say_what_they_are(path):
    """JupyterLab shows a hidden cell as its first line: make it a comment saying what the cell is for."""
    for cell in load(path).cells:
        if cell.cell_type == "code" and "remove-cell" in tags(cell):
            assert cell.metadata.get("jupyter", {}).get("source_hidden") is True, (
                f"{path.name}: a remove-cell cell is also collapsed in Jupyter (jupyter.source_hidden)")
            first = cell.source.splitlines()[0]
            assert first.startswith("# "), (
                f"{path.name}: a hidden cell's first line shows in JupyterLab; begin it with a comment "
                f"saying what the cell does, not {first[:60]!r}")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_seeds_its_randomness(path):
    source = "\n".join(c.source for c in load(path).cells if c.cell_type == "code")
    assert "np.random.rand" not in source and "random.random(" not in source, "use np.random.default_rng(seed)"
    assert "default_rng()" not in source, "seed every random generator"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_visible_code_fits_the_page(path):
    """Code a reader sees (solutions included) stays within 79 columns, so nothing scrolls sideways."""
    for cell in load(path).cells:
        if cell.cell_type == "code" and "remove-cell" not in tags(cell):
            lines = cell.source.splitlines()
        elif is_solution(cell):
            lines = "\n".join(solution_code(cell)).splitlines()
        else:
            continue
        for line in lines:
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


def test_clear_outputs_normalises_a_notebook_saved_elsewhere(tmp_path):
    """`make clear` strips what a run leaves and writes JupyterLab's metadata; a second run changes nothing."""
    script = clear_outputs()
    nb = nbformat.v4.new_notebook(metadata={"kernelspec": {"name": "python3", "display_name": "Python 3"},
                                            "language_info": {"name": "python"}, "widgets": {"state": {}}})
    cell = nbformat.v4.new_code_cell("1 + 1", execution_count=3, metadata={"scrolled": True},
                                     outputs=[nbformat.v4.new_output("execute_result", {"text/plain": "2"})])
    nb.cells = [cell, nbformat.v4.new_markdown_cell("Text")]
    del nb.cells[1]["id"]
    nb.nbformat_minor = 4
    path = tmp_path / "saved.ipynb"
    path.write_text(nbformat.writes(nb, version=nbformat.NO_CONVERT), encoding="utf-8")
    assert script.clear(path) and not script.clear(path)
    cleared = nbformat.read(path, as_version=4)
    assert cleared.cells[0].outputs == [] and cleared.cells[0].execution_count is None
    assert cleared.cells[0].metadata == {} and "widgets" not in cleared.metadata
    assert cleared.metadata["kernelspec"]["display_name"] == "Python 3 (ipykernel)"
    assert cleared.metadata["language_info"]["version"] == ".".join(map(str, sys.version_info[:3]))
    assert cleared.nbformat_minor == 5 and all("id" in c for c in cleared.cells)
