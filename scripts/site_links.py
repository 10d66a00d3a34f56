"""Sphinx extension: links to the published website become local links in the built book.

Chapters link to glossary entries by their published address, e.g.
``https://why-log-p.github.io/why-log-p/glossary.html#surprise``, because JupyterLab (and
Colab) ignore the ``#anchor`` of a link to a ``.md`` file but open a web address at the
right place. In the built book the same link should stay inside the book, so it works
offline, from ``file://`` and on a fork's own site: every link under ``html_baseurl``
(``html: baseurl:`` in ``_config.yml``) is rewritten into a relative link to that page,
and a link to a page or an anchor that the book does not have is a build warning (an
error under ``-W``), so a renamed glossary heading cannot leave a dead link behind.
"""

from __future__ import annotations

import re

from docutils import nodes
from sphinx.util import logging

logger = logging.getLogger(__name__)


def split_site_link(uri: str, base: str) -> tuple[str, str] | None:
    """(page path, anchor) of a link under the published site ``base``, else None.

    >>> split_site_link("https://a.github.io/b/glossary.html#nll", "https://a.github.io/b/")
    ('glossary.html', 'nll')
    >>> split_site_link("https://a.github.io/b/", "https://a.github.io/b/")
    ('', '')
    >>> split_site_link("https://a.github.io/bc/x.html", "https://a.github.io/b/") is None
    True
    """
    if not base or not uri.startswith(base):
        return None
    path, _, anchor = uri[len(base):].partition("#")
    return path, anchor


def page_name(path: str, root_doc: str) -> str:
    """The Sphinx document a published page path names: ``chapters/x.html`` -> ``chapters/x``."""
    if path in ("", "index.html"):
        return root_doc
    if path.endswith("/"):
        return path + "index"
    return path.removesuffix(".html")


class SiteLinks:
    """Rewrites the links of one document; caches the ids each target page holds."""

    def __init__(self, app) -> None:
        self.app = app
        base = app.config.html_baseurl or ""
        self.base = base if not base or base.endswith("/") else base + "/"
        self.ids: dict[str, set[str]] = {}

    def page_ids(self, docname: str) -> set[str]:
        if docname not in self.ids:
            doctree = self.app.env.get_doctree(docname)
            self.ids[docname] = {i for node in doctree.findall(nodes.Element) for i in node.get("ids", [])}
        return self.ids[docname]

    def local(self, uri: str, docname: str, node) -> str | None:
        """The relative link that replaces ``uri`` in ``docname``, or None to leave it."""
        parts = split_site_link(uri, self.base)
        if parts is None:
            return None
        path, anchor = parts
        target = page_name(path, self.app.config.root_doc)
        if target not in self.app.env.found_docs:
            logger.warning(f"link to the published site names no page of the book: {uri}",
                           location=node, type="site_links", subtype="page")
            return None
        if anchor and anchor not in self.page_ids(target):
            logger.warning(f"link to the published site names no anchor on {target}: {uri}",
                           location=node, type="site_links", subtype="anchor")
            return None
        relative = self.app.builder.get_relative_uri(docname, target)
        return relative + (f"#{anchor}" if anchor else "")

    def rewrite(self, doctree, docname: str) -> None:
        if not self.base:
            return
        for ref in list(doctree.findall(nodes.reference)):
            new = self.local(ref.get("refuri", ""), docname, ref)
            if new is not None:
                ref["refuri"] = new
                ref["internal"] = True  # no "external link" styling
        # Raw HTML in Markdown (e.g. a link written as <a href="...">).
        pattern = re.compile(r'href="(' + re.escape(self.base) + r'[^"]*)"')
        for raw in list(doctree.findall(nodes.raw)):
            if "html" not in raw.get("format", "") or self.base not in raw.astext():
                continue

            def replace(match, raw=raw):
                new = self.local(match.group(1), docname, raw)
                return match.group(0) if new is None else f'href="{new}"'

            text = pattern.sub(replace, raw.astext())
            raw.replace_self(nodes.raw(raw.rawsource, text, format=raw["format"]))


def localise_links(app, doctree, docname) -> None:
    if not hasattr(app, "_site_links"):
        app._site_links = SiteLinks(app)
    app._site_links.rewrite(doctree, docname)


def setup(app):
    app.connect("doctree-resolved", localise_links)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
