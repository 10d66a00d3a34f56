"""The teachers' page and the problem-sets page: built from the sources, complete, and safe.

The facts behind them (scripts/teaching.py) are checked on the sources, including that a new
chapter and problem set are picked up from _toc.yml and assignments/ without a line of code
changed. The built pages (the session's book build) list every chapter with computed times,
every problem set with working download, Binder and Colab links, and the website publishes the
student notebooks, which hold no solution and no hidden test, and never an autograder or an
answer key.
"""

from __future__ import annotations

import re
import shutil
import sys
from pathlib import Path

import nbformat
import pytest
import yaml

from tests.conftest import REPO_ROOT, toc_pages

sys.path.insert(0, str(REPO_ROOT / "scripts"))
import build_assignments  # noqa: E402
import teaching  # noqa: E402

CHAPTERS = [p for p in toc_pages() if p.startswith("chapters/")]
CONFIG = yaml.safe_load((REPO_ROOT / "_config.yml").read_text())
OWNER_REPO = CONFIG["repository"]["url"].removeprefix("https://github.com/")
BRANCH = CONFIG["repository"]["branch"]


def test_both_pages_are_in_the_table_of_contents_and_one_click_from_the_intro():
    assert {"teaching", "problem_sets"} <= set(toc_pages())
    intro = (REPO_ROOT / "intro.md").read_text()
    assert "(teaching.md)" in intro and "(problem_sets.md)" in intro


def test_every_chapter_has_assessable_objectives_and_a_chain_of_prerequisites():
    data = teaching.teaching_data(REPO_ROOT)
    facts = teaching.chapters(REPO_ROOT)
    assert [f["docname"] for f in facts] == CHAPTERS
    for f in facts:
        entry = data[f["number"]]
        assert 2 <= len(entry["objectives"]) <= 4, f["number"]
        assert all(n < f["number"] for n in entry["needs"]) and entry["produces"]
        assert f["words"] > 500 and f["code_lines"] > 20 and f["exercise_ids"], f
    assert teaching.chain(4, data) == [1, 2, 3]


def test_a_new_chapter_and_problem_set_are_picked_up_without_code_changes(tmp_path, monkeypatch):
    """Chapter 8 (on its own branch today) appears from _toc.yml and assignments/ alone."""
    src = tmp_path / "book"
    (src / "chapters").mkdir(parents=True)
    for name in CHAPTERS[:2]:
        shutil.copy(REPO_ROOT / f"{name}.ipynb", src / f"{name}.ipynb")
    eight = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell("# 8. A real training run\n\nSome words here.\n\n**Exercise 8.1.** Do it."),
        nbformat.v4.new_code_cell('answer_8_1 = None\nlib.check("ch8.bpb", answer_8_1)')])
    nbformat.write(eight, src / "chapters" / "08_real_training_run.ipynb")
    toc = {"format": "jb-book", "root": "intro", "parts": [{"caption": "Chapters", "chapters": [
        {"file": name} for name in CHAPTERS[:2] + ["chapters/08_real_training_run"]]}]}
    (src / "_toc.yml").write_text(yaml.safe_dump(toc))
    facts = teaching.chapters(src)
    assert [f["number"] for f in facts] == [1, 2, 8]
    assert facts[-1]["exercise_ids"] == ["ch8.bpb"] and facts[-1]["exercises"] == ["8.1"]

    masters = tmp_path / "assignments"
    masters.mkdir()
    shutil.copy(REPO_ROOT / "assignments" / "ps4_one_hot_collapse.ipynb", masters / "ps8_real_training_run.ipynb")
    monkeypatch.setattr(build_assignments, "MASTERS", masters)
    sets = teaching.problem_sets()
    assert list(sets) == [8] and sets[8]["points"] == 6
    assert teaching.teaching_data(REPO_ROOT).get(8), "teaching.yml should describe chapter 8 already"


def test_launch_links_point_at_the_repository_path_binder_and_colab_open():
    links = teaching.launch_links("ps4_one_hot_collapse", REPO_ROOT)
    path = "problem_sets/ps4_one_hot_collapse.ipynb"
    assert links["binder"] == f"https://mybinder.org/v2/gh/{OWNER_REPO}/{BRANCH}?urlpath=lab/tree/{path}"
    assert links["colab"] == f"https://colab.research.google.com/github/{OWNER_REPO}/blob/{BRANCH}/{path}"
    assert (REPO_ROOT / path).exists()


# --------------------------------------------------------------------------------------------
# The built website
# --------------------------------------------------------------------------------------------

def text_of(html_path: Path) -> str:
    page = html_path.read_text()
    article = page.split('<article class="bd-article"', 1)[1].split("</article>", 1)[0]
    article = article.replace("&#160;", " ").replace("&nbsp;", " ")
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", article))


def test_teachers_page_lists_every_chapter_with_computed_times(html):
    page = (html / "teaching.html").read_text()
    text = text_of(html / "teaching.html")
    for facts in teaching.chapters(REPO_ROOT):
        assert page.count(f'href="{facts["docname"]}.html"') >= 3, facts["docname"]  # glance, detail, schedule
        assert facts["title"] in text
        assert f"{facts['words']:,} words of prose" in text
    assert "not measured" not in text  # every run time came from this build's execution data
    assert len(re.findall(r"\b\d+\s+min\b", text)) >= 2 * len(CHAPTERS)
    assert "ANSWER-KEY-" in text and "make grade" in text and "TRUSTED=1" in text and "otter grade" in text
    assert 'href="why-log-p.pdf"' in page and "set_repository.py" in text and "CC BY 4.0" in text


def test_problem_sets_page_offers_every_student_notebook(html):
    page = (html / "problem_sets.html").read_text()
    for master in build_assignments.masters():
        name = master.stem
        assert f'href="problem_sets/{name}.ipynb"' in page
        links = teaching.launch_links(name, REPO_ROOT)
        assert f'href="{links["binder"]}"' in page and f'href="{links["colab"]}"' in page
        published = html / "problem_sets" / f"{name}.ipynb"
        assert published.read_bytes() == (REPO_ROOT / "problem_sets" / f"{name}.ipynb").read_bytes()
        for q in build_assignments.questions(master):
            assert f"{q['function']}()" in page


def hidden_test_lines() -> list[str]:
    """Assertions of hidden tests that the public checks do not also contain (their set-up lines,
    such as chapter 4's logits, may be the chapters' own worked examples)."""
    lines = []
    for master in build_assignments.masters():
        cells = nbformat.read(master, as_version=4).cells
        public = {line for c in cells if c.cell_type == "code" and not c.source.startswith("# HIDDEN")
                  for line in c.source.splitlines()}
        lines += [line for c in cells if c.source.startswith("# HIDDEN")
                  for line in c.source.splitlines()[1:] if line not in public and line.startswith("assert")]
    return lines


def solution_lines() -> list[str]:
    lines = []
    for master in build_assignments.masters():
        for cell in nbformat.read(master, as_version=4).cells:
            if cell.cell_type == "code" and "# BEGIN SOLUTION" in cell.source:
                body = cell.source.split("# BEGIN SOLUTION")[1].split("# END SOLUTION")[0]
                lines += [line.strip() for line in body.splitlines() if len(line.strip()) > 12]
    return lines


def test_the_website_publishes_no_solution_hidden_test_autograder_or_answer_key(html):
    files = [p for p in html.rglob("*") if p.is_file()]
    names = [p.name for p in files]
    assert not [n for n in names if n.endswith(".zip") or "autograder" in n.lower() or "ANSWER-KEY" in n]
    hidden = hidden_test_lines()
    secrets = hidden + solution_lines()
    assert len(hidden) >= len(build_assignments.masters()) * 3
    for path in files:
        if path.suffix in {".html", ".ipynb", ".txt", ".js", ".json", ".md", ".py"}:
            text = path.read_text(errors="replace")
            leaked = [s for s in secrets if s in text]
            # a solution line can coincide with a chapter's own code; none may appear in a problem set
            if path.parent.name == "problem_sets" or path.name.startswith("problem_sets"):
                assert not leaked, (path, leaked[:3])
            else:
                assert not [s for s in leaked if s in hidden], (path, leaked[:3])
