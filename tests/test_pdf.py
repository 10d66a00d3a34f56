"""The PDF edition, read back from the PDF itself: every page of the book, every figure, no raw markup.

Built like ``make pdf`` (XeLaTeX, warnings as errors) into the same folder as the website
fixture, so the notebooks' executed outputs are taken from its cache instead of run again.
TeX comes from Debian (``.ci/run`` installs it); without it these tests are skipped locally,
and fail in CI.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT, book_build_command, built_once, toc_pages

TOOLS = ["xelatex", "latexmk", "rsvg-convert", "pdftotext", "pdfinfo"]
missing = [tool for tool in TOOLS if shutil.which(tool) is None]
if missing:
    if os.environ.get("CI"):
        raise RuntimeError(f"{', '.join(missing)} missing: .ci/run must install TeX (see .ci/run)")
    pytest.skip(f"the PDF edition needs {', '.join(missing)} (see .ci/run)", allow_module_level=True)


@pytest.fixture(scope="session")
def pdf(html: Path, tmp_path_factory) -> Path:
    """The PDF edition, built once per run (a file lock) beside the website, from its cache."""
    out = html.parent.parent  # the html fixture's --path-output

    def build(_marker: Path) -> None:
        result = subprocess.run(book_build_command(out, "--builder", "pdflatex"), capture_output=True, text=True,
                                cwd=REPO_ROOT)
        assert result.returncode == 0, result.stdout[-5000:] + result.stderr[-5000:]

    built_once(tmp_path_factory, "pdf", build)
    return out / "_build" / "latex" / "why-log-p.pdf"


@pytest.fixture(scope="session")
def pdf_text(pdf: Path) -> str:
    return subprocess.run(["pdftotext", "-enc", "UTF-8", str(pdf), "-"], capture_output=True,
                          text=True, check=True).stdout


def page_title(name: str) -> str:
    """The first level-1 heading of a page of the book, as its source has it."""
    path = REPO_ROOT / f"{name}.ipynb"
    if path.exists():
        cells = json.loads(path.read_text())["cells"]
        source = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")
    else:
        source = (REPO_ROOT / f"{name}.md").read_text()
    return re.search(r"^# (.+)$", source, re.MULTILINE).group(1).strip()


def plain(text: str) -> str:
    """Text with Markdown emphasis and code marks dropped and spaces collapsed, for comparing."""
    return re.sub(r"\s+", " ", re.sub(r"[*_`]", "", text)).strip()


def test_pdf_has_every_page_of_the_book_in_order(pdf, pdf_text):
    pages = int(re.search(r"Pages:\s+(\d+)", subprocess.run(
        ["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout).group(1))
    chapters = [name for name in toc_pages() if name.startswith("chapters/")]
    assert pages >= 8 * len(chapters), f"only {pages} pages for {len(chapters)} chapters"
    body = plain(pdf_text)
    position = body.find("Contents")
    for name in toc_pages()[1:]:  # the landing page is the PDF's front matter, under no title
        title = plain(page_title(name))
        # Each title appears in the table of contents and again where its chapter starts.
        found = body.find(title, position + 1)
        assert found > position, f"{title!r} ({name}) is missing or out of order in the PDF"
        position = found


def test_pdf_has_every_figure(pdf):
    """Each image a notebook shows (plots, and the explorers' snapshots) is a figure in the PDF."""
    out = pdf.parent.parent
    # The website's executed-notebook downloads (a cached notebook's copy under
    # jupyter_execute/ is written without its outputs).
    executed = sorted((out / "html" / "_executed").rglob("*.ipynb"))
    assert executed, "no executed notebooks next to the PDF"
    images = 0
    for path in executed:
        for cell in json.loads(path.read_text())["cells"]:
            if "remove-cell" in cell.get("metadata", {}).get("tags", []) or \
                    "remove-output" in cell.get("metadata", {}).get("tags", []):
                continue
            for output in cell.get("outputs", []):
                data = output.get("data", {})
                images += any(kind in data for kind in ("image/svg+xml", "image/png"))
    tex = (pdf.parent / "why-log-p.tex").read_text()
    graphics = re.findall(r"\\sphinxincludegraphics(?:\[[^\]]*\])?\{\{([^}]*)\}", tex)
    explorers = sum(1 for path in executed for cell in json.loads(path.read_text())["cells"]
                    for output in cell.get("outputs", [])
                    if "application/vnd.jupyter.widget-view+json" in output.get("data", {}))
    assert explorers >= len([n for n in toc_pages() if n.startswith("chapters/")])
    assert len(graphics) == images, f"{len(graphics)} figures in the PDF, {images} images in the notebooks"
    for name in graphics:
        assert (pdf.parent / f"{name}.pdf").exists(), f"figure {name} was not converted for print"


@pytest.mark.parametrize("raw", ["??", "VBox(", "HBox(", "<div", "</details>", "<summary", ":class:",
                                 "```", "{admonition}", "$$", "\\("])
def test_pdf_shows_no_raw_markup_or_broken_reference(pdf_text, raw):
    assert raw not in pdf_text, f"{raw!r} printed in the PDF"
