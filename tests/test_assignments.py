"""The problem sets are real Otter-Grader assignments, and the grader grades them correctly.

For every master notebook in assignments/: `scripts/build_assignments.sh` (`otter assign`,
then a note under every public check) produces a student notebook (no solutions, no hidden
tests) and an autograder bundle; then `otter run` grades three submissions: the reference
solution (full marks), the untouched student notebook (no more than the public tests' share),
and, for every question in turn, the reference with that one answer replaced by a typical
mistake (which loses exactly that question's points). The student notebook says plainly, under
every check, that only public tests ran and hidden tests decide the grade.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
import sys
from pathlib import Path

import nbformat
import pytest

from tests.conftest import REPO_ROOT, built_once

MASTERS = sorted((REPO_ROOT / "assignments").glob("ps*.ipynb"))
# This environment's otter (a venv's own, else the one on PATH, e.g. from system site-packages).
OTTER = str(Path(sys.executable).parent / "otter") if (Path(sys.executable).parent / "otter").exists() \
    else shutil.which("otter")
POINTS_PER_QUESTION = 2.0

# A typical wrong answer for every question: (function name, code of the mistake).
WRONG = {
    "ps1_penalty_design": {
        "q1": ("penalty_ratio", "def penalty_ratio(f):\n    return (f(0.8) - f(0.9)) / (f(0.001) - f(0.1))"),
        "q2": ("expected_penalty", "def expected_penalty(truth, report):\n"
                                   "    return float(np.sum(np.asarray(truth) * np.log(report)))"),
        "q3": ("best_report", "def best_report(q_heads):\n    return 1.0 if q_heads > 0.5 else 0.0"),
    },
    "ps2_surprise_and_entropy": {
        "q1": ("entropy_bits", "def entropy_bits(p):\n    p = np.asarray(p, float)\n    p = p[p > 0]\n"
                               "    return float(-np.sum(p * np.log(p)))"),
        "q2": ("bits_to_nats", "def bits_to_nats(b):\n    return np.asarray(b, float) / np.log(2)"),
        "q3": ("mean_code_length", "def mean_code_length(lengths, probs):\n    return float(np.mean(lengths))"),
    },
    "ps3_nll_from_likelihood": {
        "q1": ("log_likelihood", "def log_likelihood(probs):\n    return float(np.sum(np.log10(probs)))"),
        "q2": ("per_token_mean", "def per_token_mean(sequences):\n"
                                 "    return float(np.mean([-np.mean(np.log(s)) for s in sequences]))"),
        "q3": ("per_sequence_mean", "def per_sequence_mean(sequences):\n"
                                    "    return float(-np.mean(np.log(np.concatenate(sequences))))"),
    },
    "ps4_one_hot_collapse": {
        "q1": ("log_softmax", "def log_softmax(z):\n    z = np.asarray(z, float)\n    return z - z.max()"),
        "q2": ("ce_gradient", "def ce_gradient(z, y):\n    z = np.asarray(z, float)\n"
                              "    p = np.exp(z - z.max())\n    p /= p.sum()\n    return np.eye(len(z))[y] - p"),
        "q3": ("smooth_targets", "def smooth_targets(y, K, eps):\n    return np.eye(K)[y] + eps / K"),
    },
    "ps5_kl_and_perplexity": {
        "q1": ("perplexity_from_bits", "def perplexity_from_bits(b):\n    return float(np.exp(b))"),
        "q2": ("kl", "def kl(p, q):\n    p, q = np.asarray(p, float), np.asarray(q, float)\n"
                     "    return float(np.sum(q * np.log(q / p)))"),
        "q3": ("heldout_perplexity", "def heldout_perplexity(train, test, k):\n"
                                     "    alphabet = sorted(set(train + test))\n"
                                     "    total = len(train) + k * len(alphabet)\n"
                                     "    return float(-np.mean([np.log((train.count(c) + k) / total) for c in test]))"),
    },
    "ps6_nll_template": {
        "q1": ("bce_logit_gradient", "def bce_logit_gradient(s, y):\n"
                                     "    return y - 1 / (1 + np.exp(-np.asarray(s, float)))"),
        "q2": ("gaussian_nll", "def gaussian_nll(y, mu, sigma):\n    y, mu = np.asarray(y, float), np.asarray(mu, float)\n"
                               "    return float(np.mean((y - mu) ** 2 / (2 * sigma ** 2)))"),
        "q3": ("dpo_loss", "def dpo_loss(pc, pr, rc, rr, beta):\n"
                           "    pc, pr, rc, rr = (np.asarray(v, float) for v in (pc, pr, rc, rr))\n"
                           "    margin = beta * ((pc - rc) - (pr - rr))\n"
                           "    return float(np.mean(-np.log(1 / (1 + np.exp(margin)))))"),
    },
    "ps7_training_with_log_p": {
        "q1": ("one_minus_p_gradient", "def one_minus_p_gradient(z, y):\n    z = np.asarray(z, float)\n"
                                       "    p = np.exp(z - z.max())\n    p /= p.sum()\n    return p - np.eye(len(z))[y]"),
        "q2": ("expected_calibration_error",
               "def expected_calibration_error(confidence, correct, n_bins):\n"
               "    confidence, correct = np.asarray(confidence, float), np.asarray(correct, float)\n"
               "    index = np.minimum((confidence * n_bins).astype(int), n_bins - 1)\n"
               "    gaps = [abs(correct[index == b].mean() - confidence[index == b].mean())\n"
               "            for b in range(n_bins) if (index == b).any()]\n"
               "    return float(np.mean(gaps))"),
        "q3": ("code_length_bits", "def code_length_bits(probs, message):\n    probs = np.asarray(probs, float)\n"
                                   "    return float(-np.sum(np.log(probs[np.arange(len(message)), message])))"),
    },
    "ps8_log_p_in_a_real_training_run": {
        # Bits per token, not per byte: the tokenizer's unit left in.
        "q1": ("bits_per_byte", "def bits_per_byte(loss_per_token, n_tokens, n_bytes):\n"
                                "    return float(loss_per_token / np.log(2))"),
        # Padding counted: the mask leaves the sum but not the count.
        "q2": ("masked_mean_nll", "def masked_mean_nll(logits, labels):\n"
                                  "    logits, labels = np.asarray(logits, float), np.asarray(labels)\n"
                                  "    z = logits - logits.max(-1, keepdims=True)\n"
                                  "    lp = z - np.log(np.exp(z).sum(-1, keepdims=True))\n"
                                  "    keep = labels != -100\n"
                                  "    safe = np.where(keep, labels, 0)[..., None]\n"
                                  "    picked = np.take_along_axis(lp, safe, -1)[..., 0]\n"
                                  "    return float(-np.sum(picked * keep) / labels.size)"),
        # The mean of the micro-batches' means (transformers' Trainer before PR #34191).
        "q3": ("accumulated_loss", "def accumulated_loss(micro_batches):\n"
                                   "    means = [np.asarray(l, float)[np.asarray(y) != -100].mean()\n"
                                   "             for l, y in micro_batches]\n"
                                   "    return float(np.mean(means))"),
    },
}


def test_every_problem_set_is_covered():
    assert [m.stem for m in MASTERS] == sorted(WRONG)
    assert len(MASTERS) == len(list((REPO_ROOT / "chapters").glob("*.ipynb")))


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    """Every problem set built by `scripts/build_assignments.sh`, as `make assignments` does
    (once per test run: parallel workers share the build)."""
    def build(out: Path) -> None:
        env = os.environ | {"ASSIGNMENTS_OUT": str(out),
                            "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
        subprocess.run(["bash", str(REPO_ROOT / "scripts" / "build_assignments.sh")], check=True,
                       capture_output=True, env=env)

    return built_once(tmp_path_factory, "assignments", build)


@pytest.fixture(scope="module", params=MASTERS, ids=lambda p: p.stem)
def assignment(request, built, tmp_path_factory):
    """One built problem set: its name, a scratch folder whose `dist` is the build, the bundle."""
    name = request.param.stem
    out = tmp_path_factory.mktemp(name)
    (out / "dist").symlink_to(built / name)
    bundle = next((out / "dist" / "autograder").glob("*.zip"))
    return name, out, bundle


def grade(notebook: nbformat.NotebookNode, name: str, bundle: Path, workdir: Path) -> dict[str, float]:
    """Grade a submission with `otter run`; return the score of each question."""
    workdir.mkdir(parents=True)
    submission = workdir / f"{name}.ipynb"
    nbformat.write(notebook, submission)
    (workdir / "results").mkdir()
    subprocess.run([OTTER, "run", "-a", str(bundle), "-o", str(workdir / "results"), "--no-logo",
                    str(submission)], check=True, capture_output=True, cwd=workdir)
    results = json.loads((workdir / "results" / "results.json").read_text())
    return {t["name"]: t["score"] for t in results["tests"] if "score" in t}


def read(path: Path) -> nbformat.NotebookNode:
    return nbformat.read(path, as_version=4)


def all_text(node) -> str:
    """Every string in a notebook (cells and metadata, where Otter keeps the public tests)."""
    if isinstance(node, str):
        return node
    if isinstance(node, dict):
        return "\n".join(all_text(v) for v in node.values())
    if isinstance(node, list):
        return "\n".join(all_text(v) for v in node)
    return ""


def test_student_notebook_has_no_solutions_or_hidden_tests(assignment):
    name, out, _ = assignment
    student = all_text(read(out / "dist" / "student" / f"{name}.ipynb"))
    master = read(REPO_ROOT / "assignments" / f"{name}.ipynb")
    for cell in master.cells:
        if cell.cell_type == "code" and "# BEGIN SOLUTION" in cell.source:
            solution = cell.source.split("# BEGIN SOLUTION")[1].split("# END SOLUTION")[0].strip()
            assert solution.splitlines()[0].strip() not in student
        if cell.source.startswith("# HIDDEN"):
            for line in cell.source.splitlines()[1:]:
                assert line not in student
    assert 'grader.check("q1")' in student


def test_student_notebook_says_hidden_tests_decide_the_grade(assignment):
    """Otter prints "q1 passed!" after the public tests; the note under it says what that means."""
    name, out, _ = assignment
    cells = read(out / "dist" / "student" / f"{name}.ipynb").cells
    checks = [i for i, c in enumerate(cells) if c.cell_type == "code" and "grader.check(" in c.source]
    assert len(checks) == len(WRONG[name])
    for i in checks:
        question = cells[i].source.split('"')[1]
        note = cells[i + 1]
        assert note.cell_type == "markdown" and "public-tests-note" in note.metadata["tags"]
        assert f"{question} passed" in note.source and "public tests" in note.source
        assert "Hidden tests" in note.source and "decide the grade" in note.source
    intro = [c for c in cells[:4] if "public-tests-note" in c.metadata.get("tags", [])]
    assert len(intro) == 1 and "not a grade" in intro[0].source


def test_reference_solution_scores_full_marks(assignment):
    name, out, bundle = assignment
    scores = grade(read(out / "dist" / "autograder" / f"{name}.ipynb"), name, bundle, out / "reference")
    assert scores == {q: POINTS_PER_QUESTION for q in WRONG[name]}


def test_untouched_student_notebook_scores_at_most_the_public_share(assignment):
    name, out, bundle = assignment
    scores = grade(read(out / "dist" / "student" / f"{name}.ipynb"), name, bundle, out / "untouched")
    public_share = len(WRONG[name]) * POINTS_PER_QUESTION / 2  # one public and one hidden test each
    assert sum(scores.values()) <= public_share


def test_a_wrong_answer_loses_exactly_that_questions_points(assignment):
    name, out, bundle = assignment

    def grade_with_one_mistake(question: str) -> dict[str, float]:
        function, wrong_code = WRONG[name][question]
        notebook = read(out / "dist" / "autograder" / f"{name}.ipynb")
        cells = [c for c in notebook.cells if c.cell_type == "code" and f"def {function}(" in c.source]
        assert len(cells) == 1, function
        cells[0].source = wrong_code
        return grade(notebook, name, bundle, out / f"wrong-{question}")

    # Each grading is its own `otter run` process in its own folder: two at a time use both cores.
    with ThreadPoolExecutor(max_workers=2) as pool:
        results = dict(zip(WRONG[name], pool.map(grade_with_one_mistake, WRONG[name])))
    for question, scores in results.items():
        expected = {q: POINTS_PER_QUESTION for q in WRONG[name]} | {question: 0.0}
        assert scores == expected, (question, scores)
