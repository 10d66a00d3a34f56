"""Every chapter as a learner meets it in JupyterLab (and so in Binder): opened, Run All, poked.

One JupyterLab server, started from this virtual environment on a free loopback port,
serves a temporary copy of the chapters (so its autosave never writes outputs into the
repository) with empty Jupyter settings. Its kernel runs in a virtual environment built
from requirements.txt alone, as Binder builds one (conftest's ``binder_environment``).
Headless Chromium (Debian's, through Playwright) opens each chapter in turn, in one
JupyterLab page, with a fresh kernel:

* opening it changes nothing (JupyterLab would otherwise mark it modified and ask to
  save on closing: see scripts/clear_outputs.py);
* "Run All" (the Run menu's command) finishes with no error output and no stderr box;
* no answer is revealed: every exercise still says "No answer yet", nothing says
  "Correct", and every solution stays folded in its closed <details> element;
* no raw MyST shows in the rendered Markdown (JupyterLab renders no directives or roles);
* every explorer's figure changes when any of its controls moves (the test drives the
  ipywidgets slider or toggle buttons in the page, as a mouse or keyboard would);
* a wrong answer typed into an exercise cell and run gets friendly feedback, not a
  traceback.

Every request that is not to the loopback server is aborted. Without Chromium the tests
are skipped locally, and fail in CI (``.ci/run`` installs it).
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import nbformat
import pytest

from tests.conftest import CHAPTER_STEMS, REPO_ROOT

playwright = pytest.importorskip("playwright.sync_api")
pytest.importorskip("jupyterlab")

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
TIMEOUT_MS = 120_000  # a loaded 2-core CI machine; a chapter normally takes seconds

if not Path(CHROMIUM).exists():
    if os.environ.get("CI"):
        raise RuntimeError("Chromium is missing: .ci/run must install it (apt-get install chromium)")
    pytest.skip("Chromium is not installed (apt-get install chromium)", allow_module_level=True)

#: Text that must never show in a rendered Markdown cell: MyST that JupyterLab does not render.
RAW_MYST = ["```{", ":::{", ":class:", "{admonition}", "{glue", "{ref}`", "{doc}`", "{term}`"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def lab(tmp_path_factory, binder_environment):
    """A JupyterLab server on loopback serving a copy of the chapters; stopped by its PID.

    Its kernels run in the virtual environment built from requirements.txt alone, as Binder's
    do (conftest's ``binder_environment``): the chapters run on the packages a learner gets."""
    root = tmp_path_factory.mktemp("lab")
    shutil.copytree(REPO_ROOT / "chapters", root / "chapters",
                    ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    for page in ["notation.md", "glossary.md"]:  # what the chapters link to
        shutil.copy(REPO_ROOT / page, root / page)
    home = tmp_path_factory.mktemp("jupyter-home")
    # Empty Jupyter folders: no user settings, and no user kernel named python3 shadowing ours.
    env = dict(os.environ, JUPYTER_CONFIG_DIR=str(home / "config"), JUPYTER_DATA_DIR=str(home / "data"),
               JUPYTERLAB_SETTINGS_DIR=str(home / "settings"),
               JUPYTERLAB_WORKSPACES_DIR=str(home / "workspaces"),
               JUPYTER_RUNTIME_DIR=str(home / "runtime"))
    # The kernel named python3 (the chapters' kernel) is Binder's environment's, found first.
    kernels = binder_environment / "share" / "jupyter"
    env["JUPYTER_PATH"] = os.pathsep.join(filter(None, [str(kernels), env.get("JUPYTER_PATH")]))
    port = free_port()
    log = (home / "server.log").open("w")
    server = subprocess.Popen(
        [sys.executable, "-m", "jupyterlab", "--no-browser", "--allow-root",
         "--ip=127.0.0.1", f"--port={port}", "--ServerApp.port_retries=0",
         "--ServerApp.token=", "--ServerApp.password=",
         # Lets the test run JupyterLab's own commands (the Run menu's "Run All Cells").
         "--LabApp.expose_app_in_browser=True", f"--ServerApp.root_dir={root}"],
        env=env, stdout=log, stderr=subprocess.STDOUT, cwd=root)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while True:
        try:
            urllib.request.urlopen(f"{url}/api/status", timeout=5)
            break
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                server.kill()
                pytest.fail("JupyterLab did not start:\n" + (home / "server.log").read_text()[-3000:])
            time.sleep(0.3)
    yield url
    os.kill(server.pid, 15)  # SIGTERM: the server shuts its kernels down, then exits
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.kill(server.pid, 9)
        server.wait()
    log.close()


@pytest.fixture(scope="module")
def lab_page(lab):
    """One JupyterLab page for all chapters; every request off the loopback server is aborted."""
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1366, "height": 900})
        page.set_default_timeout(TIMEOUT_MS)
        port = lab.rsplit(":", 1)[1]
        page.route(re.compile(rf"^(?!http://127\.0\.0\.1:{port}/)"), lambda route: route.abort())
        page.goto(f"{lab}/lab", wait_until="domcontentloaded")
        page.wait_for_function("window.jupyterapp && jupyterapp.started !== undefined")
        page.evaluate("jupyterapp.started.then(() => jupyterapp.restored)")
        yield page
        browser.close()


# JavaScript run in the page. `panel` is the open chapter (a JupyterLab NotebookPanel).
PANEL = "(() => jupyterapp.shell.currentWidget)()"

OPEN = """async (path) => {
  const panel = await jupyterapp.commands.execute('docmanager:open', {path});
  await panel.context.ready;
  await panel.sessionContext.ready;
  const kernel = panel.sessionContext.session.kernel;
  await kernel.info;
  await kernel.spec;
  // JupyterLab writes the kernel's spec and language_info into the notebook's metadata
  // as soon as the kernel is up; give it a moment, then ask whether anything changed.
  await new Promise(resolve => setTimeout(resolve, 1000));
  return {dirty: panel.context.model.dirty,
          metadata: panel.context.model.metadata,
          python: (await kernel.info).language_info.version,
          executable: (await kernel.spec).argv[0]};
}"""

RUN_ALL = """async () => {
  const panel = jupyterapp.shell.currentWidget;
  await jupyterapp.commands.execute('notebook:run-all-cells');
  const kernel = panel.sessionContext.session.kernel;
  while (kernel.status !== 'idle') await new Promise(resolve => setTimeout(resolve, 100));
}"""

CLOSE = """async () => {
  const panel = jupyterapp.shell.currentWidget;
  await panel.sessionContext.shutdown();
  panel.context.model.dirty = false;  // a scratch copy: close without the save dialog
  panel.dispose();
}"""

# Every image an explorer's figure has shown, as a short fingerprint of its bytes.
IMAGE_FINGERPRINT = """async (img) => {
  const bytes = new Uint8Array(await (await fetch(img.src)).arrayBuffer());
  let h = 0;
  for (const b of bytes) h = (h * 31 + b) | 0;
  return `${bytes.length}:${h}`;
}"""


def chapter_facts(stem: str) -> dict:
    """What the committed notebook says the page must show."""
    nb = nbformat.read(REPO_ROOT / "chapters" / f"{stem}.ipynb", as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    exercises = [c for c in code if "lib.check(" in c.source
                 and "remove-cell" not in c.metadata.get("tags", [])]
    return {"nb": nb, "exercises": exercises}


def move_control(control) -> str:
    """Move one ipywidgets control in the page, as a learner would; return what was done."""
    classes = control.get_attribute("class") or ""
    if "widget-slider" in classes:
        handle = control.locator(".noUi-handle").first
        now = float(handle.get_attribute("aria-valuenow"))
        top = float(handle.get_attribute("aria-valuemax"))
        handle.focus()
        # One step, as a learner nudging it would (noUiSlider's keyboard support). Not to the
        # end of the track: there another control may stop mattering (p(a) = 1 leaves no rest
        # to share), and the test could not tell a dead control from one with nothing to show.
        key = "ArrowLeft" if abs(now - top) < 1e-9 else "ArrowRight"
        handle.press(key)
        return f"slider {key}"
    if "widget-toggle-buttons" in classes:
        other = control.locator("button:not(.mod-active)").first
        label = other.get_attribute("title") or other.text_content()
        other.click()
        return f"toggle {label!r}"
    if "widget-dropdown" in classes:
        select = control.locator("select")
        options = select.locator("option").all_inner_texts()
        current = select.evaluate("s => s.value")
        select.select_option(next(o for o in options if o != current))
        return "dropdown"
    if "widget-checkbox" in classes:
        control.locator("input").click()
        return "checkbox"
    raise AssertionError(f"the test does not know how to move this control: {classes}")


def first_line(cell) -> str:
    return cell.source.splitlines()[0]


def wrong_answer_source(source: str) -> str | None:
    """The exercise cell with a wrong (but well-formed) answer typed in place of the blank."""
    if re.search(r"^answer_\w+ = None", source, flags=re.M):
        return re.sub(r"^(answer_\w+) = None.*$", r"\1 = 12345.0", source, count=1, flags=re.M)
    if "return None" in source:
        return source.replace("return None", "return 12345.0", 1)
    return None


@pytest.mark.parametrize("stem", CHAPTER_STEMS)
def test_chapter_runs_in_jupyterlab_as_a_learner_meets_it(lab_page, binder_environment, stem):
    page = lab_page
    facts = chapter_facts(stem)
    problems: list[str] = []

    opened = page.evaluate(OPEN, f"chapters/{stem}.ipynb")
    assert opened["executable"] == str(binder_environment / "venv" / "bin" / "python"), opened["executable"]
    stored = facts["nb"].metadata.get("language_info", {}).get("version")
    if opened["dirty"] and stored == opened["python"]:
        problems.append(f"marked modified on opening: JupyterLab changed the metadata to "
                        f"{opened['metadata']} (run scripts/clear_outputs.py)")

    page.evaluate(RUN_ALL)
    notebook = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook")
    cells = notebook.locator(".jp-Notebook-cell")
    assert cells.count() == len(facts["nb"].cells), "the page does not show every cell"

    # No error output anywhere.
    outputs = notebook.locator(".jp-OutputArea-output")
    output_text = "\n".join(outputs.all_text_contents())
    stderr = notebook.locator('.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]')
    if stderr.count():
        problems.append("error or warning output after Run All: "
                        + " | ".join(t[:300] for t in stderr.all_text_contents()))
    for marker in ["Traceback", "Error displaying widget"]:
        if marker in output_text:
            problems.append(f"{marker!r} in the outputs after Run All")

    # No answer revealed.
    if "Correct" in output_text:
        problems.append("Run All reveals an answer: some output says 'Correct'")
    for exercise in facts["exercises"]:
        said = "\n".join(cells.nth(facts["nb"].cells.index(exercise))
                         .locator(".jp-OutputArea-output").all_text_contents())
        blank = re.search(r"^answer_\w+ = None", exercise.source, flags=re.M)
        if not said.strip() or (blank and "No answer yet" not in said):
            problems.append(f"the untouched exercise {first_line(exercise)!r} says {said[:200]!r}")
    solutions = notebook.locator(".jp-RenderedMarkdown details.solution")
    if solutions.count() != len(facts["exercises"]):
        problems.append(f"{solutions.count()} folded solutions shown, for {len(facts['exercises'])} exercises")
    for i in range(solutions.count()):
        details = solutions.nth(i)
        if details.evaluate("d => d.open") or details.locator("pre").first.is_visible():
            problems.append(f"solution {i + 1} is unfolded after Run All")
        # text_content, not inner_text: JupyterLab may not lay out cells far from the viewport.
        if "Show the solution" not in (details.locator("summary").text_content() or ""):
            problems.append(f"solution {i + 1}'s summary does not say 'Show the solution'")

    # No raw MyST.
    markdown_text = "\n".join(notebook.locator(".jp-RenderedMarkdown").all_text_contents())
    for marker in RAW_MYST:
        if marker in markdown_text:
            problems.append(f"raw MyST {marker!r} shows in the rendered Markdown")

    # Every explorer redraws when each of its controls moves.
    explorers = notebook.locator(".jp-OutputArea-output .widget-vbox:has(> img.widget-image)")
    if explorers.count() < 1:
        problems.append("no live explorer (an ipywidgets box with an image) after Run All")
    for i in range(explorers.count()):
        explorer = explorers.nth(i)
        image = explorer.locator(":scope > img.widget-image")
        # Everything beside the image is a control, except a readout (an HTML widget that
        # shows the key numbers): there is nothing to move there.
        controls = explorer.locator(":scope > :not(img):not(.widget-html)")
        for j in range(controls.count()):
            before_src = image.get_attribute("src")
            before = page.evaluate(IMAGE_FINGERPRINT, image.element_handle())
            action = move_control(controls.nth(j))
            try:
                page.wait_for_function("([img, src]) => img.src !== src",
                                       arg=[image.element_handle(), before_src], timeout=30_000)
            except playwright.TimeoutError:
                problems.append(f"explorer {i + 1}: the figure did not redraw after {action}")
                continue
            if page.evaluate(IMAGE_FINGERPRINT, image.element_handle()) == before:
                problems.append(f"explorer {i + 1}: {action} redrew the same figure")

    # One wrong answer gets feedback, not a traceback.
    exercise = next((c for c in facts["exercises"] if wrong_answer_source(c.source)), None)
    assert exercise is not None, "no exercise cell with a blank to fill in"
    index = facts["nb"].cells.index(exercise)
    cell = cells.nth(index)
    prompt = cell.locator(".jp-InputPrompt").first.text_content()
    cell.locator(".cm-content").click()
    page.keyboard.press("Control+A")
    page.keyboard.insert_text(wrong_answer_source(exercise.source))  # no auto-closed brackets
    page.keyboard.press("Shift+Enter")
    # Done when the prompt shows a new execution count and the feedback is there.
    page.wait_for_function(
        "([cell, before]) => { const now = cell.querySelector('.jp-InputPrompt').textContent;"
        " return now !== before && /\\[\\d+\\]/.test(now)"
        " && cell.querySelector('.jp-OutputArea-output') !== null; }",
        arg=[cell.element_handle(), prompt])
    feedback = "\n".join(cell.locator(".jp-OutputArea-output").all_text_contents())
    if (cell.locator('[data-mime-type="application/vnd.jupyter.stderr"]').count()
            or "Traceback" in feedback or "Error" in feedback):
        problems.append(f"a wrong answer in {exercise.source.splitlines()[0]!r} shows an error: {feedback[:500]}")
    elif not feedback.strip() or "Correct" in feedback or "No answer yet" in feedback:
        problems.append(f"a wrong answer got no useful feedback: {feedback[:300]!r}")

    page.evaluate(CLOSE)
    assert not problems, f"{stem}:\n- " + "\n- ".join(problems)

