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
"""

from __future__ import annotations

import shutil
from pathlib import Path

EXECUTED_DIR = "_executed"


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
        shutil.copy2(notebook, target)


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


def setup(app):
    # After sphinx-book-theme (priority 501) has built the download menu.
    app.connect("html-page-context", add_download_entry, priority=502)
    app.connect("build-finished", copy_executed_notebooks)
    # After MyST-NB (priority 500) has added the page's scripts.
    app.connect("html-page-context", tidy_scripts, priority=600)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
