"""Build the problem sets from their Otter-Grader masters in assignments/ (``make assignments``).

For every master ``assignments/psN_name.ipynb``, ``otter assign`` writes the student notebook and
the autograder; this script then makes what a class needs, into ``_build/assignments/`` (or
``--out``), never committed:

- ``psN_name/student/psN_name.ipynb``: the notebook to hand out (no solutions, no hidden tests),
  finished by :func:`student_notebook` (below);
- ``psN_name/autograder/psN_name-autograder.zip``: the autograder bundle, under a name that does
  not change between builds (otter stamps the date into its own);
- ``psN_name/ANSWER-KEY-psN_name.ipynb``: the answer key, the reference solutions with every test,
  public and hidden (otter's ``autograder/psN_name.ipynb``, under a name that says what it is).

It also copies each student notebook into ``problem_sets/`` (``--publish``, what ``make
assignments`` does): those copies are committed, because Binder and Colab open a notebook at a
path in the repository, and the website offers them for download. tests/test_assignments.py
checks that they are exactly what this script makes from the masters.

The student notebook, as otter writes it, never says what a question is worth, what to hand in,
or that ``import otter`` needs otter-grader installed (Binder and Colab lack it). So it gets:

- a first cell that installs otter-grader where it is missing, and on Colab (which opens a
  notebook alone, and where otter reads tests only from a ``tests/`` folder) fetches the
  notebook from the repository and writes its public tests there;
- the points in each question's heading, and a note under every ``grader.check`` cell: the public
  check is worth 0 points, the hidden test (which repeats it and tests what the question is
  about) carries them all;
- a closing "Hand in" section whose cell writes the zip to hand in (on Colab: download the
  ``.ipynb``).

Usage: python scripts/build_assignments.py [--out DIR] [--publish] [MASTER ...]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import re
import shutil
import sys
from pathlib import Path

import nbformat
import yaml

REPO_ROOT = Path(__file__).resolve().parent.parent
MASTERS = REPO_ROOT / "assignments"
PUBLISHED = REPO_ROOT / "problem_sets"
TAG = "course-note"  # every cell this script adds carries it

CHECK = re.compile(r'^\s*grader\.check\("([^"]+)"\)\s*$')
QUESTION_HEADING = re.compile(r"^\*\*Question (\d+)\.\*\*")


# --------------------------------------------------------------------------------------------
# Reading a master (no otter needed: the book build uses these to list the problem sets)
# --------------------------------------------------------------------------------------------

def masters() -> list[Path]:
    """Every problem set's master notebook, in order (ps1, ps2, ...)."""
    return sorted(MASTERS.glob("ps*.ipynb"), key=lambda p: int(re.match(r"ps(\d+)", p.stem).group(1)))


def chapter_number(name: str) -> int:
    """``ps4_one_hot_collapse`` -> 4: a problem set goes with the chapter of its number."""
    return int(re.match(r"ps(\d+)_", name).group(1))


def questions(master: Path) -> list[dict]:
    """Each question of a master: name, points, public points, hidden points, prompt, function."""
    cells = nbformat.read(master, as_version=4).cells
    found = []
    for i, cell in enumerate(cells):
        if cell.cell_type == "raw" and cell.source.startswith("# BEGIN QUESTION"):
            config = yaml.safe_load(cell.source.split("\n", 1)[1])
            points = config["points"]
            tests = []
            for test in cells[i + 1:]:
                if test.cell_type == "raw" and test.source.startswith("# END QUESTION"):
                    break
                if test.cell_type == "code" and "# BEGIN SOLUTION" not in test.source \
                        and not test.source.startswith("def "):
                    tests.append(test.source.startswith("# HIDDEN"))
            per_test = points if isinstance(points, list) else [points / len(tests)] * len(tests)
            prompt = cells[i + 1].source
            function = re.search(r"`(\w+)\(", prompt)
            found.append({
                "name": config["name"],
                "points": float(sum(per_test)),
                "public_points": float(sum(p for p, hidden in zip(per_test, tests) if not hidden)),
                "hidden_points": float(sum(p for p, hidden in zip(per_test, tests) if hidden)),
                "prompt": prompt,
                "function": function.group(1) if function else None,
            })
    return found


def title(master: Path) -> str:
    """The master's level-1 heading, e.g. "Problem set 4: one-hot collapse"."""
    for cell in nbformat.read(master, as_version=4).cells:
        if cell.cell_type == "markdown" and cell.source.startswith("# "):
            return cell.source.splitlines()[0][2:].strip()
    raise ValueError(f"{master.name} has no title")


def otter_requirement() -> str:
    """The otter-grader the course pins (requirements-assignments.txt), e.g. ``otter-grader>=7.0,<8``."""
    for line in (REPO_ROOT / "requirements-assignments.txt").read_text().splitlines():
        if line.startswith("otter-grader"):
            return line.split("#")[0].strip()
    raise ValueError("requirements-assignments.txt pins no otter-grader")


def repository() -> tuple[str, str]:
    """The repository and branch the book points at (``_config.yml``; scripts/set_repository.py)."""
    config = yaml.safe_load((REPO_ROOT / "_config.yml").read_text())["repository"]
    return config["url"].rstrip("/"), config.get("branch", "main")


# --------------------------------------------------------------------------------------------
# The student notebook
# --------------------------------------------------------------------------------------------

SETUP = '''\
# Sets up the public checks: installs otter-grader, the grader, only where it is missing
# (Binder, Colab: about 20 s, once per session). Colab opens this notebook without its file,
# and otter reads tests there only from a tests/ folder: so on Colab this cell also fetches the
# notebook from the course's repository and writes its public tests into tests/.
import importlib.util, subprocess, sys
if importlib.util.find_spec("otter") is None:
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "{requirement}"], check=True)
if "google.colab" in sys.modules:
    import json, os, urllib.request
    REPOSITORY, BRANCH = "{repository}", "{branch}"
    url = (REPOSITORY.replace("https://github.com/", "https://raw.githubusercontent.com/")
           + f"/{{BRANCH}}/problem_sets/{name}.ipynb")
    with urllib.request.urlopen(url) as response:
        text = response.read().decode("utf-8")
    if not os.path.exists("{name}.ipynb"):
        with open("{name}.ipynb", "w", encoding="utf-8") as f:
            f.write(text)
    os.makedirs("tests", exist_ok=True)
    for question, test in json.loads(text)["metadata"]["otter"]["tests"].items():
        with open(f"tests/{{question}}.py", "w", encoding="utf-8") as f:
            f.write(f"OK_FORMAT = True\\n\\ntest = {{test!r}}\\n")'''

EXPORT = '''\
# Makes the file to hand in. Save the notebook first (File > Save).
import sys
if "google.colab" in sys.modules:
    print("On Colab: File > Download > Download .ipynb, and hand in that .ipynb file.")
else:
    grader.export(pdf=False)'''


def intro_note(qs: list[dict]) -> str:
    total = sum(q["points"] for q in qs)
    each = {q["points"] for q in qs}
    worth = f"{_num(each.pop())} points each" if len(each) == 1 else "points as marked"
    return (
        f"**How this problem set is graded.** {len(qs)} questions, {worth}, {_num(total)} in all. "
        "Every point comes from *hidden* tests, run when your work is graded. A `grader.check` cell "
        "runs a question's *public* check, which is worth 0 points: it catches a typo, a wrong type "
        "or a misread question early, nothing more, so passing it is not a grade. The hidden test "
        "repeats the public check and then tests what the question is about (for example, that a "
        "function stays finite where the question says it must). **What to hand in** is at the end.")


def check_note(question: dict) -> str:
    return (
        f"**Public check: 0 points.** If the cell above says *{question['name']} passed*, your function "
        f"passed this question's public check, nothing more. Hidden tests run when your work is graded, "
        f"and they decide the grade: all {_num(question['hidden_points'])} points of this question come "
        f"from them. Make sure your function is right in general, not only on the public example.")


HAND_IN = (
    "## Hand in\n\n"
    "When you are done, restart the kernel and run every cell (Kernel > Restart Kernel and Run All "
    "Cells), check that nothing raises, **save the notebook**, then run the cell below. It writes "
    "a zip file named `{name}_` followed by the date and time (it holds your notebook) and shows "
    "a link to download it: **hand in that zip file**, the way your teacher asks.\n\n"
    "On Colab the cell cannot make the zip (otter's export does not run there): download the "
    "notebook itself, *File > Download > Download .ipynb*, and hand in that `.ipynb` file. Either "
    "file can be graded. Do not rename the functions: the grader calls them by name.")


def _num(x: float) -> str:
    return f"{x:g}"


def _note(text: str, cell_type: str = "markdown", **extra) -> nbformat.NotebookNode:
    make = nbformat.v4.new_markdown_cell if cell_type == "markdown" else nbformat.v4.new_code_cell
    cell = make(text)
    cell.metadata.update({"tags": [TAG], "deletable": False, "editable": False, **extra})
    return cell


def student_notebook(notebook: nbformat.NotebookNode, name: str, qs: list[dict]) -> nbformat.NotebookNode:
    """Finish otter's student notebook (idempotent: cells added before are dropped first)."""
    by_name = {q["name"]: q for q in qs}
    url, branch = repository()
    cells = [c for c in notebook.cells if TAG not in c.metadata.get("tags", [])]
    setup = SETUP.format(requirement=otter_requirement(), repository=url, branch=branch, name=name)
    out = [_note(setup, "code")]
    intro_done = False
    for cell in cells:
        heading = QUESTION_HEADING.match(cell.source) if cell.cell_type == "markdown" else None
        if heading:
            points = _num(qs[int(heading.group(1)) - 1]["points"])
            cell.source = QUESTION_HEADING.sub(f"**Question {heading.group(1)} ({points} points).**", cell.source)
        out.append(cell)
        if not intro_done and cell.cell_type == "markdown" and cell.source.lstrip().startswith("# "):
            out.append(_note(intro_note(qs)))
            intro_done = True
        check = CHECK.match(cell.source) if cell.cell_type == "code" else None
        if check:
            out.append(_note(check_note(by_name[check.group(1)])))
    out += [_note(HAND_IN.format(name=name)), _note(EXPORT, "code")]
    # Stable cell ids, so a rebuild from unchanged masters gives byte-identical notebooks.
    for i, cell in enumerate(out):
        cell["id"] = f"{name[:40]}-{i}"
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    notebook.cells = out
    return notebook


# --------------------------------------------------------------------------------------------
# The build
# --------------------------------------------------------------------------------------------

def build(master: Path, out: Path) -> Path:
    """``otter assign`` one master into ``out/<name>``; finish the student notebook; name things."""
    from otter.assign import main as otter_assign  # imported here: the book build never needs otter

    name = master.stem
    target = out / name
    with contextlib.redirect_stdout(io.StringIO()):
        otter_assign(str(master), str(target), no_run_tests=True)
    student = target / "student" / f"{name}.ipynb"
    nb = student_notebook(nbformat.read(student, as_version=4), name, questions(master))
    student.write_text(nbformat.writes(nb).rstrip("\n") + "\n", encoding="utf-8")
    (bundle,) = (target / "autograder").glob(f"{name}-autograder_*.zip")
    bundle.rename(target / "autograder" / f"{name}-autograder.zip")
    shutil.copy(target / "autograder" / f"{name}.ipynb", target / f"ANSWER-KEY-{name}.ipynb")
    return student


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=REPO_ROOT / "_build" / "assignments")
    parser.add_argument("--publish", action="store_true",
                        help="also copy each student notebook into problem_sets/ (committed)")
    parser.add_argument("masters", nargs="*", type=Path)
    args = parser.parse_args(argv)
    chosen = args.masters or masters()
    shutil.rmtree(args.out, ignore_errors=True)
    args.out.mkdir(parents=True)
    for master in chosen:
        student = build(master.resolve(), args.out)
        name = master.stem
        if args.publish:
            PUBLISHED.mkdir(exist_ok=True)
            shutil.copy(student, PUBLISHED / student.name)
        folder = student.parent.parent
        print(f"{name} in {folder}: hand out student/{name}.ipynb, grade with "
              f"autograder/{name}-autograder.zip, answer key ANSWER-KEY-{name}.ipynb")
    if args.publish:
        stale = {p.name for p in PUBLISHED.glob("ps*.ipynb")} - {m.name for m in masters()}
        for old in stale:
            (PUBLISHED / old).unlink()


if __name__ == "__main__":
    main()
