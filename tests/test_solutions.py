"""Every folded solution is right, and "Run All" on an untouched chapter reveals none of them.

A solution lives in a Markdown cell (a <details> element with one ```python block), so
neither "Run All" nor the book build runs it. Here each chapter is executed in one fresh
kernel with every solution's code inserted as a code cell right after its exercise's code
cell, as a learner would paste it: the exercise cell, still untouched when it runs, must
say "No answer yet" (or, for a function stub, anything but "Correct"); the inserted cell's
``lib.check`` must say "Correct"; and no cell of the chapter may fail afterwards (a
solution must not rebind a name that later cells use).
"""

from __future__ import annotations

import re

import nbformat
import pytest
from nbclient import NotebookClient

from tests.conftest import CHAPTER_STEMS, REPO_ROOT
from tests.test_chapters import exercises, is_solution, solution_code

CHAPTERS = REPO_ROOT / "chapters"


def verdict(cell) -> str:
    """What the cell's last expression showed (lib.check's Feedback, as text)."""
    results = [o for o in cell.outputs if o.output_type == "execute_result"]
    return results[-1].data.get("text/plain", "") if results else ""


def with_solutions_inserted(nb):
    """A copy of the notebook with each solution's code as a code cell after its exercise."""
    solved = nbformat.v4.new_notebook(metadata=nb.metadata)
    pairs = []  # (exercise cell, inserted solution cell, exercise id)
    found = dict(exercises(nb))
    for index, cell in enumerate(nb.cells):
        solved.cells.append(cell)
        if index in found:
            assert index + 1 < len(nb.cells) and is_solution(nb.cells[index + 1]), (
                f"exercise {found[index]} has no folded solution right after it")
            (code,) = solution_code(nb.cells[index + 1])
            inserted = nbformat.v4.new_code_cell(code.rstrip("\n"))
            solved.cells.append(inserted)
            pairs.append((cell, inserted, found[index]))
    return solved, pairs


@pytest.mark.parametrize("stem", CHAPTER_STEMS)
def test_every_solution_passes_its_check(stem, tmp_path, monkeypatch):
    # No user-level kernel named python3 (~/.local/share/jupyter) shadows this environment's.
    monkeypatch.setenv("JUPYTER_DATA_DIR", str(tmp_path))
    nb = nbformat.read(CHAPTERS / f"{stem}.ipynb", as_version=4)
    solved, pairs = with_solutions_inserted(nb)
    assert pairs, "no exercise found"
    NotebookClient(solved, timeout=300, kernel_name="python3", allow_errors=True,
                   resources={"metadata": {"path": str(CHAPTERS)}}).execute()
    for exercise, solution, exercise_id in pairs:
        untouched = verdict(exercise)
        assert untouched and "Correct" not in untouched, f"{exercise_id}: the untouched exercise says {untouched!r}"
        if re.search(r"^answer_\w+ = None", exercise.source, flags=re.M):
            assert untouched.startswith("No answer yet"), f"{exercise_id}: {untouched!r}"
        errors = [o for o in solution.outputs if o.output_type == "error"]
        assert not errors, f"{exercise_id}: the solution raises {errors[0].ename}: {errors[0].evalue}"
        assert verdict(solution).startswith("Correct"), f"{exercise_id}: the solution gets {verdict(solution)!r}"
    for number, cell in enumerate(solved.cells):
        for output in getattr(cell, "outputs", []):
            assert output.output_type != "error", (
                f"with the solutions pasted in, cell {number} fails ({output.ename}: {output.evalue}): "
                "does a solution rebind a name a later cell uses?")
