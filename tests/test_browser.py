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


# A chapter holds thousands of syntax-highlighted code tokens (spans), and axe's colour-contrast
# rule spent three quarters of each audit checking them one by one, although they come in half a
# dozen looks. What decides a token's contrast is its colour, the first opaque background behind
# it, the opacity above it, and its size, weight and style. So before the audit, one visible
# token of each look keeps its span and the others become plain text of their code block (their
# characters stay where they were; their text is then checked in the block's own colours).
ONE_TOKEN_PER_LOOK = """() => {
  const behind = new Map();  // element -> [first opaque background at or above it, opacity]
  const backdrop = (el) => {
    if (!el) return ['none', 1];
    if (behind.has(el)) return behind.get(el);
    const style = getComputedStyle(el);
    const [above, opacityAbove] = backdrop(el.parentElement);
    const bg = style.backgroundColor;
    const own = bg && bg !== 'transparent' && !bg.endsWith(', 0)') ? bg : above;
    behind.set(el, [own, opacityAbove * parseFloat(style.opacity)]);
    return behind.get(el);
  };
  const looks = new Map();
  const others = [];
  for (const token of document.querySelectorAll('.highlight pre > span')) {
    if (token.children.length) continue;
    const style = getComputedStyle(token);
    const look = [style.color, ...backdrop(token), style.fontSize, style.fontWeight, style.fontStyle].join('|');
    if (!looks.has(look) && token.textContent.trim() && token.checkVisibility()) looks.set(look, token);
    else others.push(token);
  }
  for (const token of others) token.replaceWith(token.textContent);  // after reading every style
  for (const pre of document.querySelectorAll('.highlight pre')) pre.normalize();
  return looks.size;
}"""


# The theme gives every scrollable code block and output a keyboard tab stop, in a pass it runs
# 300 ms after the page's last change (a debounced MutationObserver). MathJax, the explorers and
# ONE_TOKEN_PER_LOOK above all change the page, and an audit started before that pass saw tab
# stops from before the change (a "scrollable-region-focusable" finding on a loaded machine). A
# reader meets the settled page: wait until nothing has changed for twice the theme's delay
# (and fail, rather than wait forever, on a page that never stops changing).
SETTLED = """() => new Promise((resolve, reject) => {
  let timer;
  const observer = new MutationObserver(() => { clearTimeout(timer); timer = setTimeout(done, 600); });
  const deadline = setTimeout(() => {
    observer.disconnect(); clearTimeout(timer); reject(new Error("the page kept changing for 15 s"));
  }, 15000);
  function done() { observer.disconnect(); clearTimeout(deadline); resolve(); }
  observer.observe(document.body, { childList: true, subtree: true });
  timer = setTimeout(done, 600);
})"""


def serious_violations(page) -> list[str]:
    """axe-core's serious and critical findings on the settled page, with each look of code token
    audited once."""
    page.evaluate(ONE_TOKEN_PER_LOOK)
    page.evaluate(SETTLED)
    results = Axe().run(page).response
    return [f"{v['impact']}: {v['id']} ({len(v['nodes'])}x) {v['help']}"
            for v in results["violations"] if v["impact"] in ("serious", "critical")]


@pytest.fixture(scope="module", params=PAGES)
def desktop_page(request, browser, site):
    """A page as a reader on a desktop in light mode meets it, loaded once for the tests that
    only read it (pytest runs a page's tests one after another)."""
    page, problems = open_page(browser, f"{site}/{request.param}.html", viewport={"width": 1280, "height": 900},
                               color_scheme="light")
    yield request.param, page, problems
    page.context.close()


def test_page_loads_cleanly_with_maths_alt_text_and_navigation(site, desktop_page):
    name, page, problems = desktop_page
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


@pytest.mark.parametrize("name", CHAPTERS)
def test_chapter_has_binder_and_colab_buttons(browser, site, name):
    page, _ = open_page(browser, f"{site}/{name}.html")
    owner_repo = REPOSITORY.removeprefix("https://github.com/")
    binder = page.locator("a[href*='mybinder.org']").first.get_attribute("href")
    assert f"/gh/{owner_repo}/" in binder and f"{name}.ipynb" in binder
    colab = page.locator("a[href*='colab.research.google.com']").first.get_attribute("href")
    assert f"/github/{owner_repo}/" in colab and f"{name}.ipynb" in colab
    page.context.close()


def test_accessibility_audit_finds_nothing_serious_in_light_mode(desktop_page):
    _, page, _ = desktop_page
    assert page.evaluate("document.documentElement.dataset.theme") == "light"
    assert serious_violations(page) == []


@pytest.mark.parametrize("name", PAGES)
def test_accessibility_audit_finds_nothing_serious_in_dark_mode(browser, site, name):
    page, _ = open_page(browser, f"{site}/{name}.html", color_scheme="dark")
    assert page.evaluate("document.documentElement.dataset.theme") == "dark"
    # Before the audit, which leaves most code tokens uncoloured (see ONE_TOKEN_PER_LOOK).
    page.screenshot(path=SCREENSHOTS / f"{name.replace('/', '_')}-dark.png")
    assert serious_violations(page) == []
    # Figures (drawn on white) sit on a light backdrop, so they stay legible.
    for image in page.locator("article img").all():
        background = image.evaluate("el => getComputedStyle(el).backgroundColor")
        channels = [int(v) for v in re.findall(r"[\d.]+", background)[:3]]
        transparent = background.startswith("rgba") and background.endswith(" 0)")
        assert transparent or sum(channels) / 3 > 180, f"dark backdrop {background} behind a figure"
    page.context.close()


@pytest.mark.parametrize("scheme, grey", [("light", "#a0a0a0"), ("dark", "#5a5a5a")])
def test_the_audit_still_catches_one_unreadable_look_of_code_token(browser, site, scheme, grey):
    """Auditing one token per look loses nothing: greying one look's tokens is caught."""
    page, _ = open_page(browser, f"{site}/chapters/05_kl_and_perplexity.html", color_scheme=scheme)
    looks = page.evaluate("""(grey) => {
      const keyword = getComputedStyle(document.querySelector('.highlight pre > span.kn')).color;
      const tokens = [...document.querySelectorAll('.highlight pre > span')];
      for (const t of tokens) if (getComputedStyle(t).color === keyword) t.style.color = grey;
      return new Set(tokens.map(t => getComputedStyle(t).color)).size;
    }""", grey)
    assert looks >= 4
    found = serious_violations(page)
    assert any("color-contrast (1x)" in v for v in found), found  # the one token left of that look
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
#
# For each chapter's explorer, the numbers a frame at a setting must show, computed here with
# lib from the setting alone (and the chapter's constants and data, rebuilt below), formatted
# as the chapter's `draw` formats them. Never read from the page: a frame that shows another
# number fails the test.

#: (page, the explorer's control names) -> setting -> the numbers its frame must show.
EXPLORER_NUMBERS: dict[tuple[str, frozenset], object] = {}


def shows(page: str, *names: str):
    """Register the numbers of the explorer with controls ``names`` on chapter page ``page``."""
    def register(numbers):
        EXPLORER_NUMBERS[(page, frozenset(names))] = numbers
        return numbers
    return register


def lib_numbers(page: str, names: frozenset, setting: dict) -> list[str]:
    """Numbers a frame at ``setting`` must show (in its SVG text or the readout), computed with
    lib; empty for an explorer without a check (the test fails on that)."""
    numbers = EXPLORER_NUMBERS.get((page, frozenset(names)))
    return numbers(setting) if numbers else []


@shows("chapters/01_penalty_design", "p")
def ch1_penalties(s):  # the legend lists each penalty at p, −log p among them
    return [f"−log p = {lib.surprise(s['p']):,.2f}", f"1/p = {1 / s['p']:,.2f}"]


@shows("chapters/02_surprise_and_entropy", "p_a", "rest")
def ch2_entropy(s):  # the title's entropy in bits, and the surprise of a beneath its bar
    share = {"evenly over b, c, d": [1, 1, 1], "evenly over b, c": [1, 1, 0],
             "all on b": [1, 0, 0], "3 : 2 : 1 over b, c, d": [3, 2, 1]}[s["rest"]]
    p = np.array([s["p_a"], *((1 - s["p_a"]) * np.array(share) / sum(share))])
    a = f"{lib.surprise(s['p_a'], base=2):.2f}" if s["p_a"] > 0 else "never"
    return [f"entropy H = {lib.entropy(p, base=2):.2f} bits", a]


@shows("chapters/03_nll_from_likelihood", "long_length", "p_short_A")
def ch3_averages(s):  # under each bar: A's and B's per token, per-sequence mean and sum
    lengths = (4, s["long_length"])
    numbers = []
    for p_short, p_long in [(s["p_short_A"], 0.60), (0.50, 0.45)]:
        tokens = [np.full(n, p) for n, p in zip(lengths, (p_short, p_long))]
        per_token = lib.nll(np.concatenate(tokens))
        seq_mean = np.mean([lib.nll(t) for t in tokens])
        seq_sum = np.mean([len(t) * lib.nll(t) for t in tokens])
        numbers += [f"{v:.2f}" for v in (per_token, seq_mean, seq_sum)]
    return numbers


CH4_WORDS = ["mat", "hat", "sat", "rug"]
CH4_LOGITS = np.array([3.2, 1.0, -0.5, 2.5])


@shows("chapters/04_one_hot_collapse", "word", "steps", "eta")
def ch4_steps(s):  # the suptitle: p(word) and the loss before and after the steps
    y = CH4_WORDS.index(s["word"])
    z = CH4_LOGITS.copy()
    for _ in range(s["steps"]):
        z = z - s["eta"] * (lib.softmax(z) - np.eye(4)[y])
    start, now = lib.softmax(CH4_LOGITS)[y], lib.softmax(z)[y]
    steps = f"{s['steps']} step{'' if s['steps'] == 1 else 's'}"
    return [f"{steps} of size {s['eta']}: p({s['word']}) {start:.3f} → {now:.3f}",
            f"loss {lib.cross_entropy_from_logits(CH4_LOGITS[None], [y]):.3f} → "
            f"{lib.cross_entropy_from_logits(z[None], [y]):.3f}"]


@shows("chapters/04_one_hot_collapse", "word", "eps")
def ch4_terms(s):  # the title: the loss H(q, p) and its minimum H(q)
    q = (1 - s["eps"]) * np.eye(4)[CH4_WORDS.index(s["word"])] + s["eps"] / 4
    p = lib.softmax(CH4_LOGITS)
    return [f"loss H(q, p) = {lib.cross_entropy(q, p):.3f} nats",
            f"H(q), is {lib.entropy(q):.3f})"]


CH5_X = np.linspace(-6, 6, 241)


def ch5_bell(mu: float, sigma: float) -> np.ndarray:
    w = np.exp(-0.5 * ((CH5_X - mu) / sigma) ** 2)
    return w / w.sum()


@shows("chapters/05_kl_and_perplexity", "mu", "sigma")
def ch5_fit(s):  # the title: both KL divergences of the bell against the two peaks
    data = 0.5 * ch5_bell(-2, 0.6) + 0.5 * ch5_bell(2, 0.6)
    model = ch5_bell(s["mu"], s["sigma"])
    return [f"forward KL {lib.kl_divergence(data, model):.2f}, "
            f"reverse KL {lib.kl_divergence(model, data):.2f}"]


@shows("chapters/05_kl_and_perplexity", "T", "eps")
def ch5_two_models(s):  # above each stacked bar: H, then "+ KL" of model A and of model B
    p_data = np.array([0.50, 0.30, 0.15, 0.05])
    sharpened = p_data ** (1 / s["T"]) / (p_data ** (1 / s["T"])).sum()
    hedged = (1 - s["eps"]) * p_data + s["eps"] / 4
    return [f"{lib.entropy(p_data):.2f}", f"+ {lib.kl_divergence(p_data, sharpened):.2f}",
            f"+ {lib.kl_divergence(p_data, hedged):.2f}"]


@shows("chapters/06_nll_template", "p_yes")
def ch6_bernoulli(s):  # the right title: mean NLL of the 10 yes/no answers at p̂
    yes = np.array([1, 1, 0, 1, 1, 1, 0, 1, 0, 1])
    return [f"mean NLL {lib.nll(np.where(yes == 1, s['p_yes'], 1 - s['p_yes'])):.3f}"]


@shows("chapters/06_nll_template", "mu")
def ch6_gaussian(s):  # the right title: mean NLL of the eight numbers under N(μ, 0.5²)
    numbers = np.array([1.2, 0.8, 2.1, 1.5, 0.4, 1.9, 1.1, 1.6])
    return [f"mean NLL {lib.gaussian_nll(numbers, np.full(8, s['mu']), 0.5):.3f}"]


@functools.cache
def ch7_tables() -> tuple[dict, np.ndarray]:
    """Chapter 7's two bigram logit tables (600 steps, learning rate 4) and validation counts."""
    from lib.corpus import load_split
    from lib.ngram import encode, ngram_counts
    from lib.training import train_logit_table

    split = load_split()
    alphabet = "".join(sorted(set(split.train)))
    counts = [ngram_counts(encode(text, alphabet), 2, len(alphabet))
              for text in (split.train, split.validation)]
    tables = {"−log p": train_logit_table(counts[0], steps=600, learning_rate=4.0,
                                          validation_counts=counts[1]).logits,
              "1 − p": train_logit_table(counts[0], steps=600, learning_rate=4.0,
                                         loss="one_minus_p").logits}
    return tables, counts[1]


@shows("chapters/07_training_with_log_p", "T", "trained_with")
def ch7_temperature(s):  # the panels' titles: ECE of the reliability diagram, mean entropy at T
    from lib.calibration import expected_calibration_error, top_label_calibration

    tables, val = ch7_tables()
    logits = tables[s["trained_with"]] / s["T"]
    conf, acc, weight = top_label_calibration(logits, val)
    h = np.sum(val.sum(axis=1) * lib.entropy(lib.softmax(logits))) / val.sum()
    return [f"ECE = {expected_calibration_error(conf, acc, weight, 10):.3f}",
            f"mean entropy {h:.2f} nats"]


@functools.cache
def ch8_probe() -> tuple[int, dict, np.ndarray, np.ndarray]:
    """Chapter 8's untrained-MLP probe: V, the checkpoint's configuration, 512 validation contexts."""
    from lib.corpus import load_split
    from lib.mlp import load_mlp_checkpoint, make_context_windows
    from lib.ngram import encode

    _, record = load_mlp_checkpoint()
    alphabet, config = record["alphabet"], record["config"]
    x, y = make_context_windows(encode(load_split().validation, alphabet), config["context"])
    return len(alphabet), config, x[:512], y[:512]


@shows("chapters/08_log_p_in_a_real_training_run", "sigma")
def ch8_initial_scale(s):  # the right panel's title: the step-0 loss of a fresh model at σ
    from lib.mlp import init_mlp, mlp_nll

    v, config, x, y = ch8_probe()
    fresh = init_mlp(v, config["context"], config["embed_dim"], config["hidden_dim"],
                     seed=config["seed"], init_scale=s["sigma"])
    return [f"loss {mlp_nll(fresh, x, y):.2f} nats"]


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
        first = {n: meta["values"][j][0] for j, n in enumerate(names)}
        assert lib_numbers(name, frozenset(names), first), \
            f"no number of the explorer {sorted(names)} is checked: add it to lib_numbers"
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
                # The browser decodes the new SVG after its src is set: wait for that, then look.
                decoded = root.evaluate("root => root.querySelector('.explorer-frame img').decode()"
                                        ".then(() => true, () => false)")
                state = explorer_state(root)
                assert decoded and state["natural"] > 0, "the new frame did not decode"
                if index != before["frame"]:
                    assert state["src"] != before["src"], "the figure did not change"
                assert state["readout"] == meta["readouts"][index]
                assert state["alt"] == f"{meta['alt']} Setting: {meta['settings'][index]}."
                setting = {n: meta["values"][j][current[j]] for j, n in enumerate(names)}
                expected = lib_numbers(name, frozenset(names), setting)
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
