"""Every page of the built website, as a reader meets it: in headless Chromium.

The book is served on a loopback port. For each page in the table of contents the
tests check the console, the requests, the maths, the figures' alt text, the launch
and navigation links, an accessibility audit (axe-core) in light and dark mode, and
a narrow phone-sized viewport; they save screenshots to ``_build/screenshots/`` (a CI
artifact folder, never committed).

Chromium comes from Debian (``apt-get install chromium``; ``.ci/run`` installs it).
Without it these tests are skipped locally, and fail in CI.
"""

from __future__ import annotations

import functools
import http.server
import os
import re
import shutil
import threading
from pathlib import Path

import pytest
import yaml

from tests.conftest import REPO_ROOT, toc_pages

playwright = pytest.importorskip("playwright.sync_api")
from axe_playwright_python.sync_playwright import Axe  # noqa: E402

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
PAGES = toc_pages()
CHAPTERS = [name for name in PAGES if name.startswith("chapters/")]
REPOSITORY = yaml.safe_load((REPO_ROOT / "_config.yml").read_text())["repository"]["url"]
SCREENSHOTS = REPO_ROOT / "_build" / "screenshots"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]

if not Path(CHROMIUM).exists():
    if os.environ.get("CI"):
        raise RuntimeError("Chromium is missing: .ci/run must install it (apt-get install chromium)")
    pytest.skip("Chromium is not installed (apt-get install chromium)", allow_module_level=True)


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


@pytest.fixture(scope="module")
def site(html):
    """The built book, served on a free loopback port."""
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(html)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


@pytest.fixture(scope="module")
def browser():
    with playwright.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def open_page(browser, url: str, **context_options):
    """Load a page; return it with the problems seen on the way (console, script, local requests)."""
    context = browser.new_context(**context_options)
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda m: problems.append(f"console: {m.text}") if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(f"script error: {e}"))
    page.on("requestfailed", lambda r: problems.append(f"failed: {r.url}") if "127.0.0.1" in r.url else None)
    page.on("response", lambda r: problems.append(f"{r.status}: {r.url}") if r.status >= 400 else None)
    page.goto(url, wait_until="networkidle")
    page.evaluate("window.MathJax && MathJax.startup ? MathJax.startup.promise : null")
    return page, problems


def serious_violations(page) -> list[str]:
    results = Axe().run(page).response
    return [f"{v['impact']}: {v['id']} ({len(v['nodes'])}x) {v['help']}"
            for v in results["violations"] if v["impact"] in ("serious", "critical")]


@pytest.mark.parametrize("name", PAGES)
def test_page_loads_cleanly_with_maths_alt_text_and_navigation(browser, site, name):
    page, problems = open_page(browser, f"{site}/{name}.html", viewport={"width": 1280, "height": 900})
    assert problems == []

    article = page.locator("article.bd-article")
    text = article.inner_text()
    assert "\\(" not in text and "$$" not in text, "raw TeX left on the page"
    if page.locator("article .math").count():
        assert page.locator("article mjx-container").count() > 0, "MathJax did not render"

    for image in article.locator("img").all():
        alt = (image.get_attribute("alt") or "").strip()
        assert alt and not alt.endswith((".svg", ".png")), f"image without real alt text: {alt!r}"

    position = PAGES.index(name)
    for selector, exists in [("a.left-prev", position > 0), ("a.right-next", position < len(PAGES) - 1)]:
        link = page.locator(selector)
        assert link.count() == (1 if exists else 0), selector
        if exists:
            target = page.request.get(f"{site}/{name}.html".rsplit("/", 1)[0] + "/" + link.get_attribute("href"))
            assert target.ok, f"{selector} -> {link.get_attribute('href')}"

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / f"{name.replace('/', '_')}.png", full_page=True)
    page.context.close()


@pytest.mark.parametrize("name", CHAPTERS)
def test_chapter_has_binder_and_colab_buttons(browser, site, name):
    page, _ = open_page(browser, f"{site}/{name}.html")
    owner_repo = REPOSITORY.removeprefix("https://github.com/")
    binder = page.locator("a[href*='mybinder.org']").first.get_attribute("href")
    assert f"/gh/{owner_repo}/" in binder and f"{name}.ipynb" in binder
    colab = page.locator("a[href*='colab.research.google.com']").first.get_attribute("href")
    assert f"/github/{owner_repo}/" in colab and f"{name}.ipynb" in colab
    page.context.close()


@pytest.mark.parametrize("name", PAGES)
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_accessibility_audit_finds_nothing_serious(browser, site, name, scheme):
    page, _ = open_page(browser, f"{site}/{name}.html", color_scheme=scheme)
    assert page.evaluate("document.documentElement.dataset.theme") == scheme
    assert serious_violations(page) == []
    if scheme == "dark":  # figures (drawn on white) sit on a light backdrop, so they stay legible
        for image in page.locator("article img").all():
            background = image.evaluate("el => getComputedStyle(el).backgroundColor")
            channels = [int(v) for v in re.findall(r"[\d.]+", background)[:3]]
            transparent = background.startswith("rgba") and background.endswith(" 0)")
            assert transparent or sum(channels) / 3 > 180, f"dark backdrop {background} behind a figure"
        page.screenshot(path=SCREENSHOTS / f"{name.replace('/', '_')}-dark.png")
    page.context.close()


@pytest.mark.parametrize("name", PAGES)
def test_phone_viewport_never_scrolls_sideways(browser, site, name):
    page, _ = open_page(browser, f"{site}/{name}.html", viewport={"width": 390, "height": 844},
                        is_mobile=True, device_scale_factor=2)
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 1, f"the page is {overflow}px wider than the phone"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / f"{name.replace('/', '_')}-mobile.png")
    page.context.close()


def test_search_finds_the_chapters(browser, site):
    page, problems = open_page(browser, f"{site}/search.html?q=entropy")
    page.wait_for_selector("#search-results li", timeout=10_000)
    results = page.locator("#search-results li a").all_inner_texts()
    assert any("Surprise and entropy" in r for r in results), results
    assert problems == []
    page.context.close()
