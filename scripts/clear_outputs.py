"""Strip outputs and execution counts from the chapter notebooks before committing.

    make clear            # or: python scripts/clear_outputs.py chapters/*.ipynb

Chapters are committed without outputs: the book build and nbval run them afresh,
so stored outputs could only go stale (tests/test_chapters.py enforces this).
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat


def clear(path: Path) -> bool:
    """Clear one notebook in place; return True if anything changed."""
    nb = nbformat.read(path, as_version=4)
    changed = False
    for cell in nb.cells:
        if cell.cell_type == "code" and (cell.outputs or cell.execution_count is not None):
            cell.outputs, cell.execution_count, changed = [], None, True
    nb.metadata.pop("widgets", None)
    if changed:
        nbformat.write(nb, path)
    return changed


if __name__ == "__main__":
    paths = [Path(p) for p in sys.argv[1:]] or sorted(Path("chapters").glob("*.ipynb"))
    for path in paths:
        if clear(path):
            print(f"cleared {path}")
