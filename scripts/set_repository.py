"""Point the whole course at another GitHub repository (for a fork).

    python scripts/set_repository.py https://github.com/YOUR-NAME/YOUR-REPO

Rewrites every place that names the repository: `repository.url` in _config.yml (the Binder
and Colab buttons, and the problem sets' links on the website), the licence links in its
footer, CITATION.cff, the Colab install cell at the top of each chapter, and the first cell of
each student notebook in problem_sets/ (on Colab it fetches the public tests from there). The published website moves with it, from
https://OLD-OWNER.github.io/OLD-REPO/ to https://YOUR-NAME.github.io/YOUR-REPO/: `html.baseurl`
in _config.yml, CITATION.cff's `url`, and the links to it in the chapters and pages (the
glossary links, which the book build turns into local links). tests/test_publishing.py and
tests/test_colab.py check they agree.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import nbformat
import yaml

REPO_ROOT = Path(__file__).resolve().parent.parent


def github_pages_url(repository: str) -> str:
    """Where GitHub Pages publishes a repository's site (a user site for OWNER.github.io)."""
    owner, name = repository.removeprefix("https://github.com/").split("/")
    if name.lower() == f"{owner.lower()}.github.io":
        return f"https://{owner.lower()}.github.io/"
    return f"https://{owner.lower()}.github.io/{name}/"


def main(new: str) -> None:
    new = new.rstrip("/")
    if not re.fullmatch(r"https://github\.com/[\w.-]+/[\w.-]+", new):
        sys.exit(f"expected https://github.com/OWNER/REPO, got {new!r}")
    config_path = REPO_ROOT / "_config.yml"
    config = yaml.safe_load(config_path.read_text())
    old = config["repository"]["url"].rstrip("/")
    old_site = config.get("html", {}).get("baseurl") or github_pages_url(old)
    new_site = github_pages_url(new)
    config_path.write_text(config_path.read_text().replace(old, new).replace(old_site, new_site))

    citation = REPO_ROOT / "CITATION.cff"
    text = citation.read_text().replace(old, new)
    text = re.sub(r'^url: ".*"$', f'url: "{new_site}"', text, flags=re.M)
    citation.write_text(text)

    for path in sorted((REPO_ROOT / "chapters").glob("*.ipynb")):
        before = path.read_text(encoding="utf-8")
        nb = nbformat.reads(before, as_version=4)
        for cell in nb.cells:
            if cell.cell_type == "code" and "google.colab" in cell.source:
                cell.source = cell.source.replace(f"git+{old}", f"git+{new}")
            if cell.cell_type == "markdown":
                cell.source = cell.source.replace(old_site, new_site)
        after = nbformat.writes(nb).rstrip("\n") + "\n"
        if after != before:
            path.write_text(after, encoding="utf-8")
    # The committed student notebooks: their first cell fetches the public tests on Colab from
    # the repository (scripts/build_assignments.py writes it from _config.yml, as here).
    for path in sorted((REPO_ROOT / "problem_sets").glob("*.ipynb")):
        before = path.read_text(encoding="utf-8")
        after = before.replace(f'REPOSITORY, BRANCH = \\"{old}\\"', f'REPOSITORY, BRANCH = \\"{new}\\"')
        if after != before:
            path.write_text(after, encoding="utf-8")
    for path in sorted(REPO_ROOT.glob("*.md")):
        text = path.read_text(encoding="utf-8")
        if old_site in text:
            path.write_text(text.replace(old_site, new_site), encoding="utf-8")
    print(f"repository: {old} -> {new}\nwebsite: {old_site} -> {new_site}")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
