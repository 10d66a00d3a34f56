"""Say plainly, in a student notebook, that public tests are not the grade.

Otter's ``grader.check("q1")`` runs only a question's public tests and then
reports "q1 passed!", which learners read as a final verdict. After
``otter assign`` has written a student notebook, this script puts a short,
read-only note under every such check cell (and one under the title), saying
that only the public tests ran and that hidden tests decide the grade.
``scripts/build_assignments.sh`` runs it on every student notebook.

Usage: python scripts/student_notes.py STUDENT_NOTEBOOK.ipynb [...]
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import nbformat

TAG = "public-tests-note"
CHECK = re.compile(r'^\s*grader\.check\("([^"]+)"\)\s*$')

INTRO = ("**About the checks.** A `grader.check` cell runs only the *public* tests of a question: "
         "a quick first check. Passing them is not a grade. More tests, kept hidden, run when your "
         "work is graded, and those decide your points.")


def check_note(question: str) -> str:
    """The note that goes under the check cell of ``question``."""
    return (f"**Public tests only.** If the cell above says *{question} passed*, your function passed "
            f"this question's public tests, nothing more. Hidden tests run when your work is graded, "
            f"and they decide the grade: make sure your function is right in general, not only on "
            f"the public examples.")


def _note(text: str) -> nbformat.NotebookNode:
    cell = nbformat.v4.new_markdown_cell(text)
    cell.metadata.update({"tags": [TAG], "deletable": False, "editable": False})
    return cell


def add_notes(notebook: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Insert the notes (once: running it twice changes nothing)."""
    cells = [c for c in notebook.cells if TAG not in c.metadata.get("tags", [])]
    out, intro_done = [], False
    for cell in cells:
        out.append(cell)
        if not intro_done and cell.cell_type == "markdown" and cell.source.lstrip().startswith("# "):
            out.append(_note(INTRO))
            intro_done = True
        match = CHECK.match(cell.source) if cell.cell_type == "code" else None
        if match:
            out.append(_note(check_note(match.group(1))))
    notebook.cells = out
    return notebook


def main(paths: list[str]) -> None:
    for path in map(Path, paths):
        notebook = nbformat.read(path, as_version=4)
        nbformat.write(add_notes(notebook), path)


if __name__ == "__main__":
    main(sys.argv[1:])
