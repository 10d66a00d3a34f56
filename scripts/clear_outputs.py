"""Normalise the chapter notebooks before committing: no outputs, and nothing JupyterLab would change.

    make clear            # or: python scripts/clear_outputs.py chapters/*.ipynb

Chapters are committed without outputs: the book build and nbval run them afresh,
so stored outputs could only go stale (tests/test_chapters.py enforces this).

The notebook metadata is written exactly as JupyterLab writes it once a kernel is up
(the python3 kernel's spec and its full ``language_info``). JupyterLab compares what it
would write with what the file holds, and any difference marks a freshly opened notebook
as modified, so closing it asks the learner to save. Its ``language_info`` includes the
kernel's Python version, taken here from the Python running this script (run it with the
course's ``.venv/bin/python``, as ``make clear`` does): where a learner's kernel runs
another patch release (Binder, another machine), JupyterLab still updates that one field.
Run it with no argument to normalise every chapter; it prints what it changed.
"""

from __future__ import annotations

import platform
import sys
from pathlib import Path

import nbformat

#: The python3 kernel's spec as ipykernel declares it (JupyterLab copies these three keys).
KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}


def language_info() -> dict:
    """The ``language_info`` an ipykernel kernel on this Python reports (ipykernel's IPythonKernel)."""
    return {
        "codemirror_mode": {"name": "ipython", "version": sys.version_info.major},
        "file_extension": ".py",
        "mimetype": "text/x-python",
        "name": "python",
        "nbconvert_exporter": "python",
        "pygments_lexer": f"ipython{sys.version_info.major}",
        "version": platform.python_version(),
    }


def normalise(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Strip outputs, execution counts and widget state; write the metadata JupyterLab expects."""
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
        # Per-session view state some front ends store; nothing the book reads.
        for key in ("execution", "scrolled", "collapsed"):
            cell.metadata.pop(key, None)
    nb.metadata.pop("widgets", None)
    nb.metadata["kernelspec"] = dict(KERNELSPEC)
    nb.metadata["language_info"] = language_info()
    # Cell ids (nbformat 4.5): JupyterLab adds them to an older notebook, which marks it modified.
    if (nb.nbformat, nb.nbformat_minor) < (4, 5):
        nb.nbformat_minor = 5
    for cell in nb.cells:
        if "id" not in cell:
            cell["id"] = nbformat.corpus.words.generate_corpus_id()
    return nb


def clear(path: Path) -> bool:
    """Normalise one notebook in place; return True if the file changed."""
    before = path.read_text(encoding="utf-8")
    nb = normalise(nbformat.reads(before, as_version=4))
    after = nbformat.writes(nb)
    after += "" if after.endswith("\n") else "\n"
    if after == before:
        return False
    path.write_text(after, encoding="utf-8")
    return True


if __name__ == "__main__":
    paths = [Path(p) for p in sys.argv[1:]] or sorted(Path("chapters").glob("*.ipynb"))
    for path in paths:
        if clear(path):
            print(f"normalised {path}")
