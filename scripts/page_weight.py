"""Page weight of the built website: what each page costs a reader to download.

    python scripts/page_weight.py [_build/html]

For each page in the table of contents: its HTML (inline images included) plus the page's own
images. Assets every page shares (the theme's CSS, JavaScript and fonts, MathJax) are counted
once, in a separate row: a browser downloads them on the first page and caches them. Budget:
1.5 MB per chapter page, initial download. An explorer's frames (``data-frames``, a script the
page loads when a reader first touches a control) are counted apart, in the "lazy" column:
sizes as stored; a web server that compresses (GitHub Pages does) sends them several times
smaller, the "lazy gzip" column. Exits 1 if a chapter is over budget.
"""

from __future__ import annotations

import gzip
import re
import sys
from pathlib import Path
from urllib.parse import urljoin, urlparse

import yaml

REPO_ROOT = Path(__file__).resolve().parent.parent
BUDGET_BYTES = 1_500_000
LOCAL_REF = re.compile(r'(?:src|href)="([^"#?]+)(?:\?[^"]*)?"')
LAZY_REF = re.compile(r'data-frames="([^"#?]+)"')


def toc_pages() -> list[str]:
    toc = yaml.safe_load((REPO_ROOT / "_toc.yml").read_text())
    return [toc["root"]] + [entry["file"] for part in toc["parts"] for entry in part["chapters"]]


def local_references(html_dir: Path, name: str) -> set[Path]:
    """Files under html_dir that the page loads (scripts, styles, images), not links to pages."""
    page_url = f"http://site/{name}.html"
    text = (html_dir / f"{name}.html").read_text(encoding="utf-8")
    found = set()
    for ref in LOCAL_REF.findall(text):
        url = urlparse(urljoin(page_url, ref))
        if url.netloc != "site" or url.path.endswith(".html") or url.path.endswith("/"):
            continue
        path = html_dir / url.path.lstrip("/")
        if path.is_file() and "_sources" not in path.parts and "_executed" not in path.parts:
            found.add(path)
    return found


def lazy_references(html_dir: Path, name: str) -> list[Path]:
    """The explorers' frame scripts a page loads on first interaction."""
    text = (html_dir / f"{name}.html").read_text(encoding="utf-8")
    return [(html_dir / name).parent / ref for ref in LAZY_REF.findall(text)]


def page_weights(html_dir: Path) -> tuple[list[tuple[str, int, int, int, int]], int]:
    """Per page (name, html, own images, lazy frames, lazy frames gzipped; bytes), and shared assets."""
    rows, shared = [], set()
    for name in toc_pages():
        refs = local_references(html_dir, name)
        own = {p for p in refs if "_images" in p.parts}
        shared |= refs - own
        lazy = [p.read_bytes() for p in lazy_references(html_dir, name)]
        rows.append((name, (html_dir / f"{name}.html").stat().st_size, sum(p.stat().st_size for p in own),
                     sum(map(len, lazy)), sum(len(gzip.compress(b, 6)) for b in lazy)))
    fonts = {p for p in (html_dir / "_static").rglob("*") if p.suffix in (".woff", ".woff2")}
    return rows, sum(p.stat().st_size for p in shared | fonts)


def main(html_dir: Path) -> int:
    rows, shared = page_weights(html_dir)
    print("| page | HTML kB | images kB | initial kB | budget | lazy kB | lazy gzip kB |")
    print("|---|---:|---:|---:|---|---:|---:|")
    over = False
    for name, html, images, lazy, lazy_gz in rows:
        total = html + images
        chapter = name.startswith("chapters/")
        verdict = ("ok" if total <= BUDGET_BYTES else "OVER") if chapter else ""
        over |= verdict == "OVER"
        print(f"| {name} | {html / 1e3:.0f} | {images / 1e3:.0f} | {total / 1e3:.0f} | {verdict} "
              f"| {lazy / 1e3:.0f} | {lazy_gz / 1e3:.0f} |")
    print(f"| shared theme assets and MathJax (once, then cached) | | | {shared / 1e3:.0f} | | | |")
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]) if len(sys.argv) > 1 else REPO_ROOT / "_build" / "html"))
