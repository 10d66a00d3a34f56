"""Every page of the built website, as a reader meets it: in headless Chromium.

The book is served on a loopback port, and every request beyond it is aborted. For each
page in the table of contents the tests check the console, the requests, the maths, the
figures' alt text, the launch and navigation links, an accessibility audit (axe-core) in
light and dark mode, and a narrow phone-sized viewport; they operate every control of every
explorer (by mouse-like input and by keyboard), check that the figure, its alt text and its
numbers follow, that those numbers are what ``lib`` computes, and that explorers work from
``file://`` and degrade to their snapshots without JavaScript. Screenshots go to
``_build/screenshots/`` (a CI artifact folder, never committed).

Chromium comes from Debian (``apt-get install chromium``; ``.ci/run`` installs it).
Without it these tests are skipped locally, and fail in CI.
"""

from __future__ import annotations

import functools
import http.server
import json
import os
import re
import shutil
import threading
from pathlib import Path

import ipywidgets
import numpy as np
import pytest
import yaml

import lib
from lib.explorer import position_labels, web_positions

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
    # Nothing leaves the machine: only the loopback server (and file://) answer.
    context.route(re.compile(r"^https?://(?!127\.0\.0\.1[:/]).*"), lambda route: route.abort())
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


# ---------------------------------------------------------------- explorers

def lib_numbers(names: frozenset, setting: dict) -> list[str]:
    """Numbers a frame at ``setting`` must show, computed here with lib (where the setting alone
    determines them); an explorer not listed is checked by the generic tests only."""
    if names == {"p"}:  # chapter 1: the four penalties, −log p among them
        return [f"{lib.surprise(setting['p']):,.2f}"]
    if names == frozenset("abcd"):  # chapter 2: entropy of the normalised weights, in bits
        weights = np.array([setting[k] for k in "abcd"], dtype=float)
        p = weights / weights.sum() if weights.sum() > 0 else np.full(4, 0.25)
        return [f"{lib.entropy(p, base=2):.2f}"]
    if names == {"repeats", *(f"p{i}" for i in range(6))}:  # chapter 3: mean NLL of the sentence
        return [f"{lib.nll(np.array([setting[f'p{i}'] for i in range(6)])):.2f}"]
    return []


def rebuilt_control(spec: dict):
    """The ipywidgets control the page describes, rebuilt here to ask lib for its positions."""
    traits = dict(spec["traits"])
    if "options" in traits:
        traits["options"] = [tuple(option) for option in traits["options"]]
    return getattr(ipywidgets, spec["kind"])(**traits)


def explorer_state(root) -> dict:
    """What the page shows now: frame number, alt text, readout, each control's shown value."""
    return root.evaluate("""root => {
        const img = root.querySelector('.explorer-frame img');
        const shown = [...root.querySelectorAll('[data-control]')].map(c => {
            const out = c.querySelector('output'); if (out) return out.textContent;
            const sel = c.querySelector('select'); if (sel) return sel.selectedOptions[0].textContent;
            const radio = c.querySelector('input[type=radio]:checked');
            if (radio) return radio.parentElement.textContent;
            return c.querySelector('input[type=checkbox]').checked ? 'on' : 'off';
        });
        return {frame: Number(root.dataset.frame), src: img.src, alt: img.alt, shown: shown,
                readout: root.querySelector('.explorer-readout').textContent,
                natural: img.naturalWidth};
    }""")


def move(page, root, k: int, kind: str, position: int) -> None:
    control = root.locator(f"[data-control='{k}']")
    if kind == "range":
        control.locator("input").evaluate(
            "(el, v) => { el.value = String(v); el.dispatchEvent(new Event('input', {bubbles: true})); }",
            position)
    elif kind == "radio":
        control.locator(f"input[value='{position}']").check()
    elif kind == "select":
        control.locator("select").select_option(str(position))
    else:
        control.locator("input").set_checked(bool(position))


def control_kind(root, k: int) -> str:
    control = root.locator(f"[data-control='{k}']")
    for kind, selector in [("range", "input[type=range]"), ("radio", "input[type=radio]"),
                           ("select", "select")]:
        if control.locator(selector).count():
            return kind
    return "checkbox"


def frame_text(page, root) -> str:
    """The text drawn in the current frame (the SVG keeps its text as text)."""
    return page.evaluate("async src => await (await fetch(src)).text()",
                         root.locator(".explorer-frame img").get_attribute("src"))


@pytest.mark.parametrize("name", CHAPTERS)
def test_every_explorer_control_moves_its_figure_and_numbers(browser, site, name):
    page, problems = open_page(browser, f"{site}/{name}.html", viewport={"width": 1280, "height": 900})
    roots = page.locator("div.explorer").all()
    assert roots, "no explorer on the page"
    for root in roots:
        assert "explorer-ready" in root.get_attribute("class"), "the explorer script did not start"
        assert root.locator(".explorer-live").is_visible() and root.locator("form label, form legend").count()
        meta = json.loads(root.locator("script.explorer-meta").text_content())
        names = [c["name"] for c in meta["controls"]]
        for k, spec in enumerate(meta["controls"]):
            # lib's own positions for this control are the ones the page offers, shown as the widget would.
            control = rebuilt_control(spec)
            positions = meta["values"][k] if spec["web_values"] else web_positions(control)
            assert np.allclose(positions, meta["values"][k]) if spec["kind"].endswith("Slider") \
                and not spec["kind"].startswith("Selection") else positions == meta["values"][k]
            kind = control_kind(root, k)
            targets = [len(positions) - 1, 0, len(positions) // 2]
            for position in targets:
                before = explorer_state(root)
                move(page, root, k, kind, position)
                state = explorer_state(root)  # the values beside the controls follow at once
                index = 0
                current = []
                for j, values in enumerate(meta["values"]):
                    shown = state["shown"][j].strip()
                    at = position_labels(rebuilt_control(meta["controls"][j]), values).index(shown)
                    current.append(at)
                    index = index * len(values) + at
                assert current[k] == position
                page.wait_for_function("([root, i]) => Number(root.dataset.frame) === i",
                                       arg=[root.element_handle(), index])
                state = explorer_state(root)
                assert state["natural"] > 0, "the new frame did not decode"
                if index != before["frame"]:
                    assert state["src"] != before["src"], "the figure did not change"
                assert state["readout"] == meta["readouts"][index]
                assert state["alt"] == f"{meta['alt']} Setting: {meta['settings'][index]}."
                setting = {n: meta["values"][j][current[j]] for j, n in enumerate(names)}
                expected = lib_numbers(frozenset(names), setting)
                if expected:
                    text = frame_text(page, root) + state["readout"]
                    for number in expected:
                        assert number in text, f"{number} (lib) not shown at {setting}"
    assert problems == []
    page.context.close()


def test_explorer_works_by_keyboard(browser, site):
    page, problems = open_page(browser, f"{site}/{CHAPTERS[0]}.html")
    root = page.locator("div.explorer").first
    slider = root.locator("input[type=range]").first
    slider.focus()
    page.keyboard.press("Home")
    page.wait_for_function("root => root.dataset.frame === '0'", arg=root.element_handle())
    first = explorer_state(root)
    page.keyboard.press("ArrowRight")
    page.wait_for_function("root => root.dataset.frame !== '0'", arg=root.element_handle())
    second = explorer_state(root)
    assert second["src"] != first["src"] and second["readout"] != first["readout"]
    assert slider.get_attribute("aria-valuetext") == second["shown"][0]
    assert root.locator(".explorer-readout").get_attribute("aria-live") == "polite"
    assert problems == []
    page.context.close()


def test_explorer_works_from_a_file_url(browser, html):
    """README: open _build/html/index.html directly. Frames load by <script>, not fetch()."""
    page, problems = open_page(browser, (html / f"{CHAPTERS[0]}.html").as_uri())
    root = page.locator("div.explorer").first
    before = explorer_state(root)
    move(page, root, 0, "range", 0)
    page.wait_for_function("root => root.dataset.frame === '0'", arg=root.element_handle())
    assert explorer_state(root)["src"] != before["src"]
    assert [p for p in problems if "favicon" not in p] == []
    page.context.close()


def test_without_javascript_the_snapshots_show(browser, site):
    page, _ = open_page(browser, f"{site}/{CHAPTERS[0]}.html", java_script_enabled=False)
    root = page.locator("div.explorer").first
    assert root.locator("figure.explorer-static img").is_visible()
    assert not root.locator(".explorer-live").is_visible()
    page.context.close()


def test_explorer_fits_a_phone(browser, site):
    page, _ = open_page(browser, f"{site}/{CHAPTERS[-1]}.html", viewport={"width": 390, "height": 844},
                        is_mobile=True, device_scale_factor=2)
    for root in page.locator("div.explorer").all():
        root.scroll_into_view_if_needed()
        box = root.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 390
        image = root.locator(".explorer-frame img").bounding_box()
        assert image["width"] <= 390
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.locator("div.explorer").first.screenshot(path=SCREENSHOTS / "explorer-mobile.png")
    page.context.close()
