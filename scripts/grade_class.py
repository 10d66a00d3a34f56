"""Grade a folder of submissions to one problem set into one CSV gradebook.

    python scripts/grade_class.py ps4_one_hot_collapse submissions/ [-o gradebook.csv] [--trusted]
    make grade SET=ps4_one_hot_collapse SUBMISSIONS=submissions/ [TRUSTED=1]

``submissions/`` holds one file per student, named for the student: ``alice.zip`` (the zip the
notebook's "Hand in" cell writes) or ``alice.ipynb`` (a notebook, e.g. downloaded from Colab).
The gradebook has one row per student: ``student``, one column per question (its points),
``total``, ``out_of``, and ``problems`` (empty, or why a submission could not be graded, which
then scores 0 and needs a look).

A submission is arbitrary code. Two ways to run it:

- **In Docker (the default, for students' work):** ``otter grade`` runs every submission in its
  own container. Needs a running Docker engine; the script stops with a message if there is none.
- **On this machine (``--trusted``, for work you trust, e.g. your own checks):** ``otter run``
  grades each submission in its own scratch folder, as your user, with your permissions. Never
  use it on code you have not read.

The autograder bundle comes from ``make assignments`` (``_build/assignments/<set>/autograder/``);
if it is missing, this script builds that one set first.
"""

from __future__ import annotations

import argparse
import csv
import json
import shutil
import subprocess
import sys
import tempfile
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import build_assignments  # noqa: E402

OTTER = [sys.executable, "-m", "otter"]


def bundle_for(name: str, out: Path) -> Path:
    """The set's autograder bundle, built (that set only) if ``make assignments`` has not run."""
    bundle = out / name / "autograder" / f"{name}-autograder.zip"
    if not bundle.exists():
        master = build_assignments.MASTERS / f"{name}.ipynb"
        if not master.exists():
            sys.exit(f"no problem set {name!r} in assignments/ (choose from: "
                     f"{', '.join(m.stem for m in build_assignments.masters())})")
        shutil.rmtree(out / name, ignore_errors=True)
        build_assignments.build(master, out)
    return bundle


def notebook_of(submission: Path, target: Path) -> str:
    """Write the submission's notebook to ``target``; return "" or what is wrong with it."""
    if submission.suffix == ".zip":
        try:
            with zipfile.ZipFile(submission) as z:
                inside = [n for n in z.namelist() if n.endswith(".ipynb") and "/" not in n.strip("/")]
                if len(inside) != 1:
                    return f"the zip holds {len(inside)} notebooks, expected 1"
                target.write_bytes(z.read(inside[0]))
        except zipfile.BadZipFile:
            return "not a zip file"
    else:
        shutil.copy(submission, target)
    try:
        json.loads(target.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError):
        return "not a notebook (not valid JSON)"
    return ""


def grade_here(name: str, bundle: Path, notebook: Path) -> tuple[dict[str, float], str]:
    """``otter run`` one notebook in its own folder; return question scores and problems."""
    results = notebook.parent / "results"
    results.mkdir()
    run = subprocess.run([*OTTER, "run", "-a", str(bundle), "-o", str(results), "--no-logo",
                          str(notebook)], capture_output=True, text=True, cwd=notebook.parent)
    try:
        tests = json.loads((results / "results.json").read_text())["tests"]
    except (OSError, ValueError, KeyError):
        lines = (run.stderr or run.stdout).strip().splitlines()
        return {}, "could not be graded: " + (lines[-1] if lines else f"otter exited with {run.returncode}")
    return {t["name"]: float(t["score"]) for t in tests if t.get("score") is not None}, ""


def grade_in_docker(bundle: Path, staged: dict[str, Path], scratch: Path) -> dict[str, tuple[dict, str]]:
    """``otter grade``: every submission in its own container; read its final_grades.csv."""
    folder = scratch / "docker"
    folder.mkdir()
    for student, notebook in staged.items():
        shutil.copy(notebook, folder / f"{student}.ipynb")
    subprocess.run([*OTTER, "grade", "-a", str(bundle), "-p", str(folder), "-o", str(scratch),
                    "--ext", "ipynb"], check=True)
    return read_otter_grade_csv(scratch / "final_grades.csv")


def read_otter_grade_csv(path: Path) -> dict[str, tuple[dict, str]]:
    """Rows of ``otter grade``'s final_grades.csv as {student: (scores, problems)}."""
    graded = {}
    with path.open(newline="") as f:
        for row in csv.DictReader(f):
            if row["file"] == "points-per-question":  # otter's row of points possible
                continue
            student = Path(row["file"]).stem
            status = row.get("grading_status", "Completed")
            scores = {k: float(v) for k, v in row.items()
                      if k not in {"file", "grading_status", "percent_correct", "total_points_earned"} and v}
            graded[student] = (scores, "" if status == "Completed" else f"could not be graded: {status}")
    return graded


def docker_running() -> bool:
    if shutil.which("docker") is None:
        return False
    return subprocess.run(["docker", "info"], capture_output=True).returncode == 0


def gradebook(name: str, submissions: Path, output: Path, trusted: bool,
              out: Path = build_assignments.REPO_ROOT / "_build" / "assignments", workers: int = 2) -> Path:
    """Grade every submission in ``submissions`` into the CSV ``output``; return its path."""
    questions = build_assignments.questions(build_assignments.MASTERS / f"{name}.ipynb")
    files = sorted(p for p in submissions.iterdir() if p.suffix in {".ipynb", ".zip"})
    if not files:
        sys.exit(f"no .ipynb or .zip submissions in {submissions}")
    students = [p.stem for p in files]
    if len(set(students)) != len(students):
        sys.exit("two submissions have the same name (e.g. alice.ipynb and alice.zip): keep one each")
    if not trusted and not docker_running():
        sys.exit("Docker is not running, so the submissions cannot be graded in containers. For work "
                 "you trust, grade on this machine with --trusted (make grade ... TRUSTED=1): each "
                 "submission then runs as your user, with your permissions.")
    bundle = bundle_for(name, out)
    with tempfile.TemporaryDirectory(prefix="grade-") as tmp:
        scratch = Path(tmp)
        staged, problems = {}, {}
        for path in files:
            folder = scratch / path.stem
            folder.mkdir()
            target = folder / f"{name}.ipynb"  # otter.Notebook("<set>.ipynb") reads its own file
            problems[path.stem] = notebook_of(path, target)
            if not problems[path.stem]:
                staged[path.stem] = target
        if trusted:
            with ThreadPoolExecutor(max_workers=workers) as pool:
                graded = dict(zip(staged, pool.map(lambda nb: grade_here(name, bundle, nb), staged.values())))
        else:
            graded = grade_in_docker(bundle, staged, scratch)
    output.parent.mkdir(parents=True, exist_ok=True)
    out_of = sum(q["points"] for q in questions)
    with output.open("w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["student", *(f"{q['name']} ({q['points']:g})" for q in questions),
                         "total", "out_of", "problems"])
        for student in students:
            scores, problem = graded.get(student, ({}, problems[student]))
            row = [scores.get(q["name"], 0.0) for q in questions]
            writer.writerow([student, *(f"{s:g}" for s in row), f"{sum(row):g}", f"{out_of:g}", problem])
    return output


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("problem_set", help="e.g. ps4_one_hot_collapse")
    parser.add_argument("submissions", type=Path, help="a folder: one .zip or .ipynb per student")
    parser.add_argument("-o", "--output", type=Path, help="the CSV (default: gradebook-<set>.csv)")
    parser.add_argument("--trusted", action="store_true",
                        help="grade on this machine without Docker (only for work you trust)")
    args = parser.parse_args(argv)
    output = args.output or Path(f"gradebook-{args.problem_set}.csv")
    print(gradebook(args.problem_set, args.submissions, output, args.trusted).read_text(), end="")
    print(f"(written to {output})", file=sys.stderr)


if __name__ == "__main__":
    main()
