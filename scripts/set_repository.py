"""Point the whole course at another GitHub repository (for a fork).

    python scripts/set_repository.py https://github.com/YOUR-NAME/YOUR-REPO

Rewrites every place that names the repository: `repository.url` in _config.yml (the Binder
and Colab buttons), the licence links in its footer, CITATION.cff, and the Colab install cell
at the top of each chapter. tests/test_publishing.py and tests/test_colab.py check they agree.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import nbformat
import yaml

REPO_ROOT = Path(__file__).resolve().parent.parent


def github_pages_url(repository: str) -> str:
    owner, name = repository.removeprefix("https://github.com/").split("/")
    return f"https://{owner.lower()}.github.io/{name}/"


def main(new: str) -> None:
    new = new.rstrip("/")
    if not re.fullmatch(r"https://github\.com/[\w.-]+/[\w.-]+", new):
        sys.exit(f"expected https://github.com/OWNER/REPO, got {new!r}")
    config_path = REPO_ROOT / "_config.yml"
    old = yaml.safe_load(config_path.read_text())["repository"]["url"].rstrip("/")
    config_path.write_text(config_path.read_text().replace(old, new))

    citation = REPO_ROOT / "CITATION.cff"
    text = citation.read_text().replace(old, new)
    text = re.sub(r'^url: ".*"$', f'url: "{github_pages_url(new)}"', text, flags=re.M)
    citation.write_text(text)

    for path in sorted((REPO_ROOT / "chapters").glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        for cell in nb.cells:
            if cell.cell_type == "code" and "google.colab" in cell.source:
                cell.source = cell.source.replace(f"git+{old}", f"git+{new}")
        nbformat.write(nb, path)
    print(f"repository: {old} -> {new}")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
