"""Sphinx extension: the generated parts of the teachers' page and the problem-sets page.

Directives (each leaves a placeholder that is filled once every notebook has been executed, as
MyST-NB's ``nb-exec-table`` does, so the run times are this build's):

- ``{teaching-glance}``: one row per chapter: time to read, time to run, exercises, problem set.
- ``{teaching-chapters}``: per chapter: objectives, prerequisites (the whole chain), time to read
  and to run, its exercises, its problem set with points, what it produces.
- ``{teaching-schedule}``: a sample schedule, one chapter a week.
- ``{problem-sets}``: one row per problem set: its questions and points, and links to download
  the student notebook or open it in Binder or Colab.

Everything comes from the sources, nothing is typed twice: the chapters from ``_toc.yml``
(``chapters/NN_*``, so a new chapter appears by itself), titles from the chapters, words and
code lines and exercise ids from the notebooks, run times from MyST-NB's execution data, the
problem sets and points from the Otter masters in ``assignments/`` (``psN_*`` goes with chapter
N), objectives, prerequisites and what a chapter produces from ``teaching.yml`` (a chapter in
the table of contents without an entry there fails the build). The student notebooks committed
in ``problem_sets/`` are copied into the website (never the autograders or answer keys).
"""

from __future__ import annotations

import math
import re
import shutil
import sys
from pathlib import Path

import nbformat
import yaml
from docutils import nodes
from sphinx.addnodes import pending_xref
from sphinx.transforms.post_transforms import SphinxPostTransform
from sphinx.util.docutils import SphinxDirective

sys.path.insert(0, str(Path(__file__).resolve().parent))
import build_assignments  # noqa: E402

REPO_ROOT = Path(__file__).resolve().parent.parent
#: Reading speed for prose: a planning figure for technical text with formulas (an assumption).
WORDS_PER_MINUTE = 150
#: Reading code: seconds per visible line (an assumption).
SECONDS_PER_CODE_LINE = 6
KINDS = ("glance", "chapters", "schedule", "problem-sets")
DATA_KEY = "teaching_page"


class TeachingNode(nodes.General, nodes.Element):
    """A placeholder, replaced by generated content after every notebook has run."""


def _directive(kind: str):
    class Directive(SphinxDirective):
        def run(self):
            from myst_nb.sphinx_ import NbMetadataCollector
            NbMetadataCollector.set_doc_data(self.env, self.env.docname, DATA_KEY, True)
            return [TeachingNode(kind=kind)]
    return Directive


# --------------------------------------------------------------------------------------------
# The facts, read from the sources
# --------------------------------------------------------------------------------------------

def chapters(srcdir: Path) -> list[dict]:
    """The chapters of the table of contents, in order, with what the notebooks say."""
    toc = yaml.safe_load((srcdir / "_toc.yml").read_text())
    files = [entry["file"] for part in toc["parts"] for entry in part["chapters"]
             if re.match(r"chapters/\d\d_", entry["file"])]
    return [notebook_facts(srcdir, f) for f in files]


def notebook_facts(srcdir: Path, docname: str) -> dict:
    nb = nbformat.read(srcdir / f"{docname}.ipynb", as_version=4)
    prose, code_lines, exercises = 0, 0, []
    for cell in nb.cells:
        hidden = {"remove-cell", "remove-input"} & set(cell.metadata.get("tags", []))
        if cell.cell_type == "markdown":
            text = re.sub(r"<details.*?</details>", " ", cell.source, flags=re.S)  # folded solutions
            text = re.sub(r"<[^>]+>|\(https?://[^)]*\)", " ", text)  # tags and link targets
            prose += len(text.split())
            exercises += re.findall(r"\*\*Exercise (\d+\.\d+)\.\*\*", cell.source)
        elif cell.cell_type == "code" and not hidden:
            code_lines += sum(1 for line in cell.source.splitlines() if line.strip())
    ids = []
    for cell in nb.cells:
        if cell.cell_type == "code" and not {"remove-cell"} & set(cell.metadata.get("tags", [])):
            ids += [i for i in re.findall(r'lib\.check\("([^"]+)"', cell.source) if i not in ids]
    title = next(c.source for c in nb.cells if c.cell_type == "markdown").splitlines()[0].lstrip("# ").strip()
    number = int(Path(docname).name[:2])
    return {"docname": docname, "number": number, "title": title, "words": prose,
            "code_lines": code_lines, "exercises": exercises, "exercise_ids": ids,
            "read_minutes": prose / WORDS_PER_MINUTE + code_lines * SECONDS_PER_CODE_LINE / 60}


def problem_sets() -> dict[int, dict]:
    """Problem sets by chapter number: name, title, questions and points."""
    sets = {}
    for master in build_assignments.masters():
        qs = build_assignments.questions(master)
        sets[build_assignments.chapter_number(master.stem)] = {
            "name": master.stem, "title": build_assignments.title(master), "questions": qs,
            "points": sum(q["points"] for q in qs)}
    return sets


def teaching_data(srcdir: Path) -> dict[int, dict]:
    return {int(k): v for k, v in yaml.safe_load((srcdir / "teaching.yml").read_text()).items()}


def chain(number: int, data: dict[int, dict]) -> list[int]:
    """Every chapter ``number`` builds on, directly or through another, in order."""
    seen, todo = set(), list(data[number]["needs"])
    while todo:
        n = todo.pop()
        if n not in seen:
            seen.add(n)
            todo += data.get(n, {}).get("needs", [])
    return sorted(seen)


def launch_links(name: str, srcdir: Path) -> dict[str, str]:
    """Binder and Colab addresses of a committed student notebook (from ``_config.yml``)."""
    config = yaml.safe_load((srcdir / "_config.yml").read_text())
    repo = config["repository"]["url"].rstrip("/").removeprefix("https://github.com/")
    branch = config["repository"].get("branch", "main")
    buttons = config.get("launch_buttons", {})
    path = f"problem_sets/{name}.ipynb"
    interface = "lab" if buttons.get("notebook_interface", "jupyterlab") == "jupyterlab" else "tree"
    binder = buttons.get("binderhub_url", "https://mybinder.org").rstrip("/")
    colab = buttons.get("colab_url", "https://colab.research.google.com").rstrip("/")
    return {"binder": f"{binder}/v2/gh/{repo}/{branch}?urlpath={interface}/tree/{path}",
            "colab": f"{colab}/github/{repo}/blob/{branch}/{path}",
            # print (the PDF edition) links the file on GitHub: the website's copy is no page of
            # the book, and scripts/site_links.py rejects such links under the site's address
            "github": f"https://github.com/{repo}/blob/{branch}/{path}"}


# --------------------------------------------------------------------------------------------
# Nodes
# --------------------------------------------------------------------------------------------

def _text(s: str) -> nodes.Text:
    return nodes.Text(s)


def _doc_link(fromdoc: str, target: str, text: str) -> pending_xref:
    ref = pending_xref("", refdomain="std", reftype="doc", reftarget="/" + target, refdoc=fromdoc,
                       refexplicit=True, refwarn=True)
    ref += nodes.inline("", text)
    return ref


def _link(uri: str, text: str) -> nodes.reference:
    return nodes.reference("", text, refuri=uri)


def _para(*children) -> nodes.paragraph:
    p = nodes.paragraph()
    for c in children:
        p += _text(c) if isinstance(c, str) else c
    return p


def _table(header: list[str], rows: list[list], widths: list[int] | None = None) -> nodes.table:
    table = nodes.table(classes=["teaching-table"])
    group = nodes.tgroup(cols=len(header))
    table += group
    for w in widths or [1] * len(header):
        group += nodes.colspec(colwidth=w)
    head = nodes.thead()
    group += head
    row = nodes.row()
    for h in header:
        row += nodes.entry("", _para(h))
    head += row
    body = nodes.tbody()
    group += body
    for cells in rows:
        row = nodes.row()
        for cell in cells:
            entry = nodes.entry()
            entry += cell if isinstance(cell, nodes.Element) and not isinstance(cell, nodes.Inline) else _para(cell)
            row += entry
        body += row
    return table


def _minutes(x: float) -> str:
    return f"{5 * math.ceil(x / 5):d}\u00a0min"


def _seconds(x: float | None) -> str:
    return "not measured" if x is None else f"{x:.0f}\u00a0s" if x >= 10 else f"{x:.1f}\u00a0s"


def _points(x: float) -> str:
    return f"{x:g}"


class TeachingTransform(SphinxPostTransform):
    """Fill the placeholders (before references are resolved, so the chapter links work)."""

    default_priority = 8

    def run(self, **kwargs) -> None:
        from myst_nb.sphinx_ import NbMetadataCollector

        placeholders = list(self.document.findall(TeachingNode))
        if not placeholders:
            return
        srcdir = Path(self.env.srcdir)
        docname = self.env.docname
        chs = chapters(srcdir)
        data = teaching_data(srcdir)
        missing = [c["number"] for c in chs if c["number"] not in data]
        if missing:
            raise ValueError(f"teaching.yml has no entry for chapter(s) {missing}: add objectives, "
                             "needs and produces for each chapter in _toc.yml")
        meta = NbMetadataCollector.get_doc_data(self.env)
        for c in chs:
            exec_data = meta.get(c["docname"], {}).get("exec_data") or {}
            c["run_seconds"] = exec_data.get("runtime")
        sets = problem_sets()
        html = self.app.builder.format == "html"
        for node in placeholders:
            kind = node["kind"]
            made = getattr(self, "_" + kind.replace("-", "_"))(docname, chs, data, sets, srcdir, html)
            node.replace_self(made)

    # One row per chapter.
    def _glance(self, doc, chs, data, sets, srcdir, html):
        rows = []
        for c in chs:
            ps = sets.get(c["number"])
            rows.append([_para(_doc_link(doc, c["docname"], c["title"])),
                         _minutes(c["read_minutes"]), _seconds(c["run_seconds"]),
                         str(len(c["exercise_ids"])),
                         _para(_doc_link(doc, "problem_sets", f"Problem set {c['number']}"),
                               f", {_points(ps['points'])} points") if ps else "none yet"])
        return [_table(["Chapter", "Read", "Run", "Exercises", "Problem set"], rows, [6, 1, 1, 1, 2])]

    def _chapters(self, doc, chs, data, sets, srcdir, html):
        out = []
        titles = {c["number"]: c for c in chs}
        for c in chs:
            d = data[c["number"]]
            box = nodes.container(classes=["teaching-chapter"])
            box += _para(nodes.strong("", "", _doc_link(doc, c["docname"], c["title"])))
            items = nodes.bullet_list()

            def item(label, *content):
                li = nodes.list_item()
                li += _para(nodes.strong("", label), " ", *content)
                items.append(li)
                return li

            li = item("Objectives:", "by the end, a student can")
            objectives = nodes.enumerated_list()
            for o in d["objectives"]:
                objectives += nodes.list_item("", _para(o))
            li += objectives
            needs = chain(c["number"], data)
            if needs:
                links = []
                for n in needs:
                    if links:
                        links.append(", ")
                    links.append(_doc_link(doc, titles[n]["docname"], f"chapter {n}") if n in titles else f"chapter {n}")
                direct = ", ".join(str(n) for n in d["needs"])
                item("Prerequisites:", *links, f" (directly: {direct}); and Python with a little numpy.")
            else:
                item("Prerequisites:", "Python and a little numpy; no earlier chapter.")
            item("Time:", f"about {_minutes(c['read_minutes'])} to read ({c['words']:,} words of prose, "
                 f"{c['code_lines']} lines of code); {_seconds(c['run_seconds'])} to run.")
            ex = ", ".join(f"{n} ({i})" for n, i in zip(c["exercises"], c["exercise_ids"])) \
                if len(c["exercises"]) == len(c["exercise_ids"]) else ", ".join(c["exercise_ids"])
            item("Exercises:", f"{len(c['exercise_ids'])}, each checked in the notebook by lib.check "
                 f"(Exercise N.M and its id): {ex}.")
            ps = sets.get(c["number"])
            if ps:
                qs = "; ".join(f"{q['name']} {q['function']}() ({_points(q['points'])} points)" for q in ps["questions"])
                item("Problem set:", _doc_link(doc, "problem_sets", ps["title"]),
                     f", {_points(ps['points'])} points: {qs}.")
            else:
                item("Problem set:", "none yet.")
            item("Produces:", d["produces"])
            box += items
            out.append(box)
        return out

    def _schedule(self, doc, chs, data, sets, srcdir, html):
        rows = []
        for week, c in enumerate(chs, 1):
            ps = sets.get(c["number"])
            rows.append([str(week),
                         _para("Read ", _doc_link(doc, c["docname"], f"chapter {c['number']}"),
                               f" (about {_minutes(c['read_minutes'])}) and run it"),
                         f"Work through its {len(c['exercise_ids'])} exercises; questions",
                         f"{ps['title'].split(':')[0]} ({_points(ps['points'])} points), due week {week + 1}"
                         if ps else "none"])
        return [_table(["Week", "Before the session", "In the session", "Hand out"], rows, [1, 4, 3, 3])]

    def _problem_sets(self, doc, chs, data, sets, srcdir, html):
        titles = {c["number"]: c for c in chs}
        rows, printed = [], []
        for number, ps in sorted(sets.items()):
            links = launch_links(ps["name"], srcdir)
            download = f"problem_sets/{ps['name']}.ipynb" if html else links["github"]
            qs = nodes.bullet_list()
            for q in ps["questions"]:
                qs += nodes.list_item("", _para(f"{q['name']}: ", nodes.literal("", f"{q['function']}()"),
                                                f" ({_points(q['points'])} points)"))
            chapter = (_doc_link(doc, titles[number]["docname"], f"chapter {number}")
                       if number in titles else f"chapter {number}")
            first = nodes.container()
            first += _para(nodes.strong("", ps["title"]))
            first += _para("Goes with ", chapter, ".")
            first += _para(_link(download, "Download"), " · ", _link(links["binder"], "Binder"),
                           " · ", _link(links["colab"], "Colab"))
            rows.append([first, qs, _points(ps["points"])])
            if not html:  # print: a list per set (a table row cannot break across pages)
                first += _para(f"{_points(ps['points'])} points:")
                first += qs
                printed.append(first)
        if not html:
            return printed
        return [_table(["Problem set", "Questions", "Points"], rows, [5, 5, 1])]


def always_update(app, env):
    """Pages with generated parts are rewritten on every build (their numbers may have changed)."""
    from myst_nb.sphinx_ import NbMetadataCollector
    return [d for d, v in NbMetadataCollector.get_doc_data(env).items() if v.get(DATA_KEY)]


def copy_student_notebooks(app, exception) -> None:
    """Put the committed student notebooks into the website (only those: no autograder, no key)."""
    if exception is not None or app.builder.format != "html":
        return
    target = Path(app.outdir) / "problem_sets"
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    for notebook in sorted((Path(app.srcdir) / "problem_sets").glob("ps*.ipynb")):
        shutil.copy(notebook, target / notebook.name)


def setup(app):
    app.add_node(TeachingNode)
    for kind in KINDS:
        app.add_directive(f"{'teaching-' if kind != 'problem-sets' else ''}{kind}", _directive(kind))
    app.add_post_transform(TeachingTransform)
    app.connect("env-updated", always_update)
    app.connect("build-finished", copy_student_notebooks)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
