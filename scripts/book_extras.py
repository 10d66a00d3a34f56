"""Sphinx extension with two additions to the website, loaded from ``_config.yml``.

1. Every chapter is offered as an executed notebook, outputs included. The build executes
   each chapter (MyST-NB keeps the result in ``_build/jupyter_execute``); this copies those
   notebooks into the website under ``_executed/`` and adds a "with outputs" entry to each
   notebook page's download menu, beside the source notebook (committed without outputs).
2. Pages carry no ipywidgets state. The website never renders widget views (see
   ``nb_mime_priority_overrides``), so the state MyST-NB would embed (tens of kB per
   chapter, mostly the live figure's PNG) is dead weight.
3. Pages load without JavaScript errors: every script is included once (the stack adds some
   twice, and a second ``const THEBE_JS_URL`` is a SyntaxError), and the colour mode has a
   valid default ("auto", following the reader's system), where the theme otherwise logs
   "Got invalid theme mode".
4. Explorers move on the page (see lib/explorer.py). Before any notebook runs, this sets
   ``WHY_LOG_P_WEB_FRAMES`` (kernels inherit it), so each ``Explorer`` draws one frame per
   control position: only in the book build, never in a learner's Run All or under nbval.
   Each page's frames are then moved out of the HTML into ``_explorer/frames/<page>-<n>.js``,
   which the page injects with a <script> element on the reader's first touch of a control
   (works from file:// too); pages with an explorer load ``_static/explorer/explorer.js``,
   copied here from ``_explorer/`` (not an html_static_path folder: Jupyter Book 1 would load
   every .js there on every page). The executed notebooks offered for download keep the
   static figure and drop the frames.
5. Notebooks execute two at a time. MyST-NB executes each notebook when Sphinx reads its
   page, one after another, so one core idles while a kernel runs an ordinary cell. Just
   before Sphinx reads the pages (``env-before-read-docs``), this executes the notebooks
   about to be read that MyST-NB's cache (``execute_notebooks: cache``) does not hold, on
   one process per core, exactly as MyST-NB would (same cwd, timeout, allow_errors and
   per-cell metadata), and stores each success in that cache; MyST-NB then finds them there.
   A notebook that fails is not stored: MyST-NB runs it again and reports or raises as
   configured (``raise_on_error``), so a failing build still fails the same way.
"""


from __future__ import annotations

import json
import multiprocessing
import os
import re
import shutil
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import nbformat
from docutils import nodes
from sphinx.util import logging

from lib.explorer import WEB_FRAMES_ENV

LOGGER = logging.getLogger(__name__)

EXECUTED_DIR = "_executed"
REPO_ROOT = Path(__file__).resolve().parent.parent
EXPLORER_SCRIPT = REPO_ROOT / "_explorer" / "explorer.js"
EXPLORER_STATIC = "explorer/explorer.js"  # under the output's _static/
FRAMES_DIR = "_explorer/frames"
EXPLORER_OPEN = re.compile(r'<div class="explorer" id="([\w-]+)">')
FRAMES_SCRIPT = re.compile(r'<script type="application/json" class="explorer-frames">(.*?)</script>', re.S)


def add_download_entry(app, pagename, templatename, context, doctree) -> None:
    """Put 'notebook with outputs' first in the page's download menu."""
    if context.get("page_source_suffix") != ".ipynb":
        return
    for group in context.get("header_buttons", []):
        if group.get("label") == "download-buttons":
            group["buttons"].insert(0, {
                "type": "link",
                "url": context["pathto"](f"{EXECUTED_DIR}/{pagename}.ipynb", 1),
                "text": ".ipynb with outputs",
                "tooltip": "Download the executed notebook, outputs included",
                "icon": "fas fa-book-open",
                "label": "download-executed-notebook-button",
            })


def copy_executed_notebooks(app, exception) -> None:
    """Copy the build's executed notebooks into the website."""
    if exception is not None or app.builder.format != "html":
        return
    source = Path(app.outdir).parent / "jupyter_execute"
    for notebook in source.rglob("*.ipynb"):
        target = Path(app.outdir) / EXECUTED_DIR / notebook.relative_to(source)
        target.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(with_cached_outputs(app, nbformat.read(notebook, as_version=4)), target)
        strip_frames(target)


def with_cached_outputs(app, nb):
    """The notebook with its outputs from MyST-NB's cache, where the cache holds it.

    When MyST-NB takes a notebook from its cache (always, once ``execute_ahead`` has run;
    otherwise on a rebuild), it renders the cached outputs but writes the notebook it read,
    without them, to ``jupyter_execute``: the download would have no outputs.
    """
    config = getattr(app.env, "mystnb_config", None)
    if config is None or config.execution_mode != "cache":
        return nb
    from jupyter_cache import get_cache

    try:
        return get_cache(config.execution_cache_path).merge_match_into_notebook(nb)[1]
    except KeyError:
        return nb


def strip_frames(path: Path) -> None:
    """Drop explorers' web frames from an executed notebook: Jupyter redraws them live."""
    nb = nbformat.read(path, as_version=4)
    changed = False
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            text = output.get("data", {}).get("text/html")
            if isinstance(text, str) and "explorer-frames" in text:
                output["data"]["text/html"] = FRAMES_SCRIPT.sub("", text)
                changed = True
    if changed:
        nbformat.write(nb, path)


def live_explorers(app, pagename, templatename, context, doctree) -> None:
    """Move each explorer's frames into a script file, and give the page the explorer script."""
    body = context.get("body") or ""
    if 'class="explorer-frames"' not in body:
        return
    out = Path(app.outdir) / FRAMES_DIR
    out.mkdir(parents=True, exist_ok=True)
    pieces, position = [], 0
    for number, opening in enumerate(EXPLORER_OPEN.finditer(body), start=1):
        frames = FRAMES_SCRIPT.search(body, opening.end())
        if frames is None:
            continue
        name = f"{pagename.replace('/', '-')}-{number}.js"
        data = json.loads(frames.group(1))  # "<" was escaped for the page; not needed in a .js
        explorer_id = opening.group(1)
        (out / name).write_text(
            f"window.whyLogPExplorer.register({json.dumps(explorer_id)}, "
            f"{json.dumps(data, ensure_ascii=False, separators=(',', ':'))});\n", encoding="utf-8")
        url = context["pathto"](f"{FRAMES_DIR}/{name}", 1)
        pieces += [body[position:opening.start()],
                   f'<div class="explorer" id="{explorer_id}" data-frames="{url}">',
                   body[opening.end():frames.start()]]
        position = frames.end()
    context["body"] = "".join(pieces) + body[position:]
    app.add_js_file(EXPLORER_STATIC, loading_method="defer")


def copy_explorer_script(app, exception) -> None:
    if exception is not None or app.builder.format != "html":
        return
    target = Path(app.outdir) / "_static" / EXPLORER_STATIC
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(EXPLORER_SCRIPT, target)


WIDGET_STATE = "application/vnd.jupyter.widget-state+json"


def tidy_scripts(app, pagename, templatename, context, doctree) -> None:
    """Drop the embedded widget state and any script included twice; default the colour mode."""
    scripts = context.get("script_files")
    if scripts is not None:
        kept, seen = [], set()
        for script in scripts:
            attributes = getattr(script, "attributes", {})
            # A file counts once whatever its attributes; an inline script once per body.
            key = (getattr(script, "filename", None) or "", attributes.get("body", ""))
            if attributes.get("type") != WIDGET_STATE and key not in seen:
                kept.append(script)
                seen.add(key)
        scripts[:] = kept
    if not context.get("default_mode"):
        context["default_mode"] = "auto"


def label_solutions_for_print(app, doctree, docname) -> None:
    """In print, where a folded ``<details>`` cannot fold, each solution gets a "Solution" heading.

    Every builder but HTML drops raw HTML, so without this the solution's code would follow
    the exercise with nothing to say what it is.
    """
    if app.builder.format == "html":
        return
    for raw in list(doctree.findall(nodes.raw)):
        if '<details class="solution">' in raw.astext():
            raw.replace_self(nodes.rubric(text="Solution"))


def _execute(path: str, timeout, allow_errors: bool) -> tuple[dict, float, bool]:
    """One notebook executed as MyST-NB's cache mode executes it (in a worker process)."""
    from jupyter_cache.executors.utils import single_nb_execution

    nb = nbformat.read(path, as_version=4)
    result = single_nb_execution(nb, cwd=str(Path(path).parent), allow_errors=allow_errors,
                                 timeout=timeout, meta_override=True)
    return nb, result.time, result.err is None


def execute_ahead(app, env, docnames) -> None:
    """Execute the notebooks about to be read, one process per core, into MyST-NB's cache."""
    config = getattr(env, "mystnb_config", None)  # MyST-NB's settings, its cache path resolved
    if config is None or config.execution_mode != "cache" or config.execution_in_temp:
        return
    from jupyter_cache import get_cache
    from jupyter_cache.base import CacheBundleIn

    cache = get_cache(config.execution_cache_path)
    todo = []
    for docname in sorted(docnames):
        path = str(env.doc2path(docname))
        if not path.endswith(".ipynb"):
            continue
        nb = nbformat.read(path, as_version=4)
        if "mystnb" in nb.metadata:
            continue  # per-notebook MyST-NB settings: left to MyST-NB
        try:
            cache.match_cache_notebook(nb)
        except KeyError:
            todo.append(path)
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    if len(todo) < 2 or cores < 2:
        return  # nothing to gain: MyST-NB executes them as it reads them
    start = time.perf_counter()
    # Forked before any kernel is started here; the kernels inherit WHY_LOG_P_WEB_FRAMES.
    with ProcessPoolExecutor(min(cores, len(todo)), mp_context=multiprocessing.get_context("fork")) as pool:
        results = list(pool.map(_execute, todo, [config.execution_timeout] * len(todo),
                                [config.execution_allow_errors] * len(todo)))
    for path, (nb, seconds, succeeded) in zip(todo, results):
        if succeeded:
            record = cache.add_nb_to_project(path)
            cache.cache_notebook_bundle(CacheBundleIn(nb, record.uri, data={"execution_seconds": seconds}),
                                        check_validity=False, overwrite=True)
    LOGGER.info(f"book_extras: executed {len(todo)} notebooks on {min(cores, len(todo))} processes "
                f"in {time.perf_counter() - start:.1f} s")


def setup(app):
    # Before any notebook executes: kernels started by this build draw the explorers' frames.
    os.environ[WEB_FRAMES_ENV] = "1"
    app.connect("env-before-read-docs", execute_ahead)
    app.connect("html-page-context", live_explorers, priority=550)
    app.connect("build-finished", copy_explorer_script)
    # After sphinx-book-theme (priority 501) has built the download menu.
    app.connect("html-page-context", add_download_entry, priority=502)
    app.connect("build-finished", copy_executed_notebooks)
    # After MyST-NB (priority 500) has added the page's scripts.
    app.connect("html-page-context", tidy_scripts, priority=600)
    app.connect("doctree-resolved", label_solutions_for_print)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
