"""The problem sets are real Otter-Grader assignments, and the grader grades them correctly.

For every master notebook in assignments/: `scripts/build_assignments.py` (`otter assign`, then
the course's finishing touches) produces a student notebook (no solutions, no hidden tests), an
autograder bundle and an answer key; the copies committed in problem_sets/ (what Binder, Colab
and the website hand out) are exactly those student notebooks. Then `otter run` grades: the
reference solution (full marks), the untouched student notebook (0: the public checks carry no
points), and, for every question in turn, the reference with that one answer replaced by each of
its realistic mistakes (which loses exactly that question's points, including the mistakes that
pass the public check). The student notebook says what each question is worth, that the hidden
tests carry every point, and how to hand in. `scripts/grade_class.py` turns a folder of
submissions into one CSV gradebook.

The reference solutions go through `otter run` itself (its function, `otter.run.main`, called in
the test process), one kernel each. The mistakes, about fifty of them, are graded by `SharedKernelGrader`: otter's own
preprocessing and scoring (the notebook `otter run` executes, with otter's tests from the
bundle), in one kernel per problem set that forgets every name between submissions. A test
checks that it scores the reference exactly as `otter run` does.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import warnings
import zipfile
from pathlib import Path

import nbformat
import numpy as np
import pytest

from tests.conftest import REPO_ROOT, built_once

sys.path.insert(0, str(REPO_ROOT / "scripts"))
import build_assignments  # noqa: E402
import grade_class  # noqa: E402

MASTERS = sorted((REPO_ROOT / "assignments").glob("ps*.ipynb"))
POINTS_PER_QUESTION = 2.0

# Realistic wrong answers, at least one per question: (function name, code of the mistake).
# Those marked "passes the public check" are the ones a public test cannot catch: before the
# hidden tests carried every point, each of them kept half its question's points.
WRONG = {
    "ps1_penalty_design": {
        "q1": [("penalty_ratio", "def penalty_ratio(f):\n    return (f(0.8) - f(0.9)) / (f(0.001) - f(0.1))"),
               # passes the public check: the ratio for -log p, whatever f is
               ("penalty_ratio", "def penalty_ratio(f):\n    return np.log(0.1 / 0.001) / np.log(0.9 / 0.8)")],
        "q2": [("expected_penalty", "def expected_penalty(truth, report):\n"
                                    "    return float(np.sum(np.asarray(truth) * np.log(report)))"),
               # passes the public check: 0 * log 0 gives nan
               ("expected_penalty", "def expected_penalty(truth, report):\n"
                                    "    return float(-np.sum(np.asarray(truth) * np.log(report)))")],
        "q3": [("best_report", "def best_report(q_heads):\n    return 1.0 if q_heads > 0.5 else 0.0"),
               ("best_report", "def best_report(q_heads):\n    r = np.linspace(0.001, 0.999, 999)\n"
                               "    return float(r[np.argmin(q_heads * (1 - r) + (1 - q_heads) * r)])")],
    },
    "ps2_surprise_and_entropy": {
        "q1": [("entropy_bits", "def entropy_bits(p):\n    p = np.asarray(p, float)\n    p = p[p > 0]\n"
                                "    return float(-np.sum(p * np.log(p)))"),
               # passes the public check: 0 * log 0 gives nan
               ("entropy_bits", "def entropy_bits(p):\n    p = np.asarray(p, float)\n"
                                "    return float(-np.sum(p * np.log2(p)))")],
        "q2": [("bits_to_nats", "def bits_to_nats(b):\n    return np.asarray(b, float) / np.log(2)"),
               # passes the public check: numbers only, no arrays
               ("bits_to_nats", "def bits_to_nats(b):\n    return float(b) * np.log(2)")],
        "q3": [("mean_code_length", "def mean_code_length(lengths, probs):\n    return float(np.mean(lengths))"),
               # passes the public check: the entropy, which equals the mean length only for that code
               ("mean_code_length", "def mean_code_length(lengths, probs):\n    probs = np.asarray(probs, float)\n"
                                    "    return float(-np.sum(probs * np.log2(probs)))")],
    },
    "ps3_nll_from_likelihood": {
        "q1": [("log_likelihood", "def log_likelihood(probs):\n    return float(np.sum(np.log10(probs)))"),
               # passes the public check: the product underflows to 0 for 2,000 events
               ("log_likelihood", "def log_likelihood(probs):\n    return float(np.log(np.prod(probs)))")],
        "q2": [("per_token_mean", "def per_token_mean(sequences):\n"
                                  "    return float(np.mean([-np.mean(np.log(s)) for s in sequences]))"),
               ("per_token_mean", "def per_token_mean(sequences):\n"
                                  "    return float(-np.sum(np.log(np.concatenate(sequences))) / len(sequences))")],
        "q3": [("per_sequence_mean", "def per_sequence_mean(sequences):\n"
                                     "    return float(-np.mean(np.log(np.concatenate(sequences))))"),
               ("per_sequence_mean", "def per_sequence_mean(sequences):\n"
                                     "    return float(np.mean([-np.sum(np.log(s)) for s in sequences]))")],
    },
    "ps4_one_hot_collapse": {
        "q1": [("log_softmax", "def log_softmax(z):\n    z = np.asarray(z, float)\n    return z - z.max()"),
               # passes the public check: the naive version the question warns about (overflows at 1000)
               ("log_softmax", "def log_softmax(z):\n    z = np.asarray(z, float)\n"
                               "    return z - np.log(np.sum(np.exp(z)))")],
        "q2": [("ce_gradient", "def ce_gradient(z, y):\n    z = np.asarray(z, float)\n"
                               "    p = np.exp(z - z.max())\n    p /= p.sum()\n    return np.eye(len(z))[y] - p"),
               ("ce_gradient", "def ce_gradient(z, y):\n    z = np.asarray(z, float)\n"
                               "    p = np.exp(z - z.max())\n    p /= p.sum()\n    g = np.zeros_like(z)\n"
                               "    g[y] = p[y] - 1\n    return g")],
        "q3": [("smooth_targets", "def smooth_targets(y, K, eps):\n    return np.eye(K)[y] + eps / K"),
               ("smooth_targets", "def smooth_targets(y, K, eps):\n"
                                  "    return np.where(np.eye(K)[y] == 1, 1 - eps, eps / (K - 1))")],
    },
    "ps5_kl_and_perplexity": {
        "q1": [("perplexity_from_bits", "def perplexity_from_bits(b):\n    return float(np.exp(b))")],
        "q2": [("kl", "def kl(p, q):\n    p, q = np.asarray(p, float), np.asarray(q, float)\n"
                      "    return float(np.sum(q * np.log(q / p)))"),
               # passes the public check: 0 * log 0 gives nan
               ("kl", "def kl(p, q):\n    p, q = np.asarray(p, float), np.asarray(q, float)\n"
                      "    return float(np.sum(p * np.log(p / q)))")],
        "q3": [("heldout_perplexity", "def heldout_perplexity(train, test, k):\n"
                                      "    alphabet = sorted(set(train + test))\n"
                                      "    total = len(train) + k * len(alphabet)\n"
                                      "    return float(-np.mean([np.log((train.count(c) + k) / total) for c in test]))"),
               # passes the public check: the alphabet of the training text only
               ("heldout_perplexity", "def heldout_perplexity(train, test, alpha):\n"
                                      "    total = len(train) + alpha * len(set(train))\n"
                                      "    return float(np.exp(-np.mean([np.log((train.count(c) + alpha) / total) for c in test])))")],
    },
    "ps6_nll_template": {
        "q1": [("bce_logit_gradient", "def bce_logit_gradient(s, y):\n"
                                      "    return y - 1 / (1 + np.exp(-np.asarray(s, float)))"),
               ("bce_logit_gradient", "def bce_logit_gradient(s, y):\n    p = 1 / (1 + np.exp(-np.asarray(s, float)))\n"
                                      "    return p * (1 - p) * (p - y)")],
        "q2": [("gaussian_nll", "def gaussian_nll(y, mu, sigma):\n    y, mu = np.asarray(y, float), np.asarray(mu, float)\n"
                                "    return float(np.mean((y - mu) ** 2 / (2 * sigma ** 2)))"),
               # passes the public check (sigma = 1): sigma where sigma squared belongs
               ("gaussian_nll", "def gaussian_nll(y, mu, sigma):\n    y, mu = np.asarray(y, float), np.asarray(mu, float)\n"
                                "    return float(np.mean((y - mu) ** 2 / (2 * sigma) + 0.5 * np.log(2 * np.pi * sigma)))")],
        "q3": [("dpo_loss", "def dpo_loss(pc, pr, rc, rr, beta):\n"
                            "    pc, pr, rc, rr = (np.asarray(v, float) for v in (pc, pr, rc, rr))\n"
                            "    margin = beta * ((pc - rc) - (pr - rr))\n"
                            "    return float(np.mean(-np.log(1 / (1 + np.exp(margin)))))"),
               # passes the public check: -log sigmoid written out, infinite for a huge margin
               ("dpo_loss", "def dpo_loss(pc, pr, rc, rr, beta):\n"
                            "    pc, pr, rc, rr = (np.asarray(v, float) for v in (pc, pr, rc, rr))\n"
                            "    margin = beta * ((pc - rc) - (pr - rr))\n"
                            "    return float(np.mean(-np.log(1 / (1 + np.exp(-margin)))))")],
    },
    "ps7_training_with_log_p": {
        "q1": [("one_minus_p_gradient", "def one_minus_p_gradient(z, y):\n    z = np.asarray(z, float)\n"
                                        "    p = np.exp(z - z.max())\n    p /= p.sum()\n    return p - np.eye(len(z))[y]"),
               # passes the public check: softmax without the shift, nan at logits of 1000
               ("one_minus_p_gradient", "def one_minus_p_gradient(z, y):\n    z = np.asarray(z, float)\n"
                                        "    p = np.exp(z) / np.exp(z).sum()\n    return p[y] * (p - np.eye(len(z))[y])")],
        "q2": [("expected_calibration_error",
                "def expected_calibration_error(confidence, correct, n_bins):\n"
                "    confidence, correct = np.asarray(confidence, float), np.asarray(correct, float)\n"
                "    index = np.minimum((confidence * n_bins).astype(int), n_bins - 1)\n"
                "    gaps = [abs(correct[index == b].mean() - confidence[index == b].mean())\n"
                "            for b in range(n_bins) if (index == b).any()]\n"
                "    return float(np.mean(gaps))"),
               # passes the public check: a confidence of exactly 1 falls outside every bin
               ("expected_calibration_error",
                "def expected_calibration_error(confidence, correct, n_bins):\n"
                "    confidence, correct = np.asarray(confidence, float), np.asarray(correct, float)\n"
                "    index = (confidence * n_bins).astype(int)\n"
                "    return float(sum((index == b).mean() * abs(correct[index == b].mean() - confidence[index == b].mean())\n"
                "                     for b in range(n_bins) if (index == b).any()))")],
        "q3": [("code_length_bits", "def code_length_bits(probs, message):\n    probs = np.asarray(probs, float)\n"
                                    "    return float(-np.sum(np.log(probs[np.arange(len(message)), message])))")],
    },
    "ps8_log_p_in_a_real_training_run": {
        # Bits per token, not per byte: the tokenizer's unit left in.
        "q1": [("bits_per_byte", "def bits_per_byte(loss_per_token, n_tokens, n_bytes):\n"
                                "    return float(loss_per_token / np.log(2))")],
        # Padding counted: the mask leaves the sum but not the count.
        "q2": [("masked_mean_nll", "def masked_mean_nll(logits, labels):\n"
                                  "    logits, labels = np.asarray(logits, float), np.asarray(labels)\n"
                                  "    z = logits - logits.max(-1, keepdims=True)\n"
                                  "    lp = z - np.log(np.exp(z).sum(-1, keepdims=True))\n"
                                  "    keep = labels != -100\n"
                                  "    safe = np.where(keep, labels, 0)[..., None]\n"
                                  "    picked = np.take_along_axis(lp, safe, -1)[..., 0]\n"
                                  "    return float(-np.sum(picked * keep) / labels.size)")],
        # The mean of the micro-batches' means (transformers' Trainer before PR #34191).
        "q3": [("accumulated_loss", "def accumulated_loss(micro_batches):\n"
                                   "    means = [np.asarray(l, float)[np.asarray(y) != -100].mean()\n"
                                   "             for l, y in micro_batches]\n"
                                   "    return float(np.mean(means))")],
    },
}


def test_every_problem_set_is_covered():
    assert [m.stem for m in MASTERS] == sorted(WRONG)
    assert len(MASTERS) == len(list((REPO_ROOT / "chapters").glob("*.ipynb")))
    for name, mistakes in WRONG.items():
        questions = [q["name"] for q in build_assignments.questions(REPO_ROOT / "assignments" / f"{name}.ipynb")]
        assert sorted(mistakes) == questions and all(mistakes.values()), name


@pytest.mark.parametrize("master", MASTERS, ids=lambda p: p.stem)
def test_hidden_tests_carry_every_point(master):
    """A mistake that passes a public check must not keep points: public checks are worth 0."""
    for question in build_assignments.questions(master):
        assert question["public_points"] == 0 and question["hidden_points"] == question["points"] > 0


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    """Every problem set built by `scripts/build_assignments.py`, as `make assignments` does
    (once per test run: parallel workers share the build)."""
    def build(out: Path) -> None:
        subprocess.run([sys.executable, str(REPO_ROOT / "scripts" / "build_assignments.py"), "--out", str(out)],
                       check=True, capture_output=True)

    return built_once(tmp_path_factory, "assignments", build)


@pytest.fixture(scope="module", params=MASTERS, ids=lambda p: p.stem)
def assignment(request, built, tmp_path_factory):
    """One built problem set: its name, a scratch folder whose `dist` is the build, the bundle."""
    name = request.param.stem
    out = tmp_path_factory.mktemp(name)
    (out / "dist").symlink_to(built / name)
    bundle = out / "dist" / "autograder" / f"{name}-autograder.zip"  # the same name on every build
    return name, out, bundle


def grade(notebook: nbformat.NotebookNode, name: str, bundle: Path, workdir: Path) -> dict[str, float]:
    """Grade a submission with `otter run`; return the score of each question.

    `otter run -a BUNDLE -o OUT --no-logo SUBMISSION` is ``otter.run.main`` with those arguments
    (otter's cli.py), called here in this process: the same grading, without starting Python and
    importing otter again for every submission (about 4 s each). The command line itself runs in
    the class-gradebook test below.
    """
    workdir.mkdir(parents=True)
    submission = workdir / f"{name}.ipynb"
    nbformat.write(notebook, submission)
    (workdir / "results").mkdir()
    path = os.environ.get("PATH", "")
    try:
        with warnings.catch_warnings():  # otter's own deprecation warnings (pandas, traitlets)
            warnings.simplefilter("ignore")
            from otter.run import main as otter_run

            otter_run(str(submission), autograder=str(bundle), output_dir=str(workdir / "results"), no_logo=True)
    finally:
        os.environ["PATH"] = path  # otter prepends its conda folder to the process's PATH
    results = json.loads((workdir / "results" / "results.json").read_text())
    return {t["name"]: t["score"] for t in results["tests"] if "score" in t}


class SharedKernelGrader:
    """Grade many submissions of one problem set as `otter run` does, in one kernel.

    `otter run` unpacks the bundle, copies its tests beside the submission, and executes the
    notebook after otter's `GradingPreprocessor` has inserted its set-up cell, a check after
    each answer and a last cell that runs every test and pickles the results. Here the same
    preprocessor prepares each submission, and one kernel executes them all: a first cell
    forgets every name (``%reset -f``) and otter's collected results, so each submission starts
    as in a fresh kernel, only without paying for the start and the imports again.
    """

    def __init__(self, bundle: Path, workdir: Path) -> None:
        from jupyter_client import KernelManager
        from otter.execute.logging import start_server

        self.submission = workdir / "submission"
        with zipfile.ZipFile(bundle) as archive:
            archive.extractall(workdir / "autograder")
        shutil.copytree(workdir / "autograder" / "tests", self.submission / "tests")
        config = json.loads((workdir / "autograder" / "otter_config.json").read_text())
        self.seed, self.seed_variable = config.get("seed"), config.get("seed_variable")
        self.tests = sorted(f"./tests/{t.name}" for t in (self.submission / "tests").glob("*.py"))
        self.server, self.stop_server = start_server()  # (host, port) of otter's log server
        self.kernel = KernelManager(kernel_name="python3")
        self.kernel.start_kernel(cwd=str(self.submission))

    def grade(self, notebook: nbformat.NotebookNode) -> dict[str, float]:
        """Every question's score, as `otter run` writes it to results.json."""
        import pickle

        from nbclient import NotebookClient
        from otter.execute.preprocessor import GradingPreprocessor
        from traitlets.config import Config

        results = self.submission / "results.pkl"
        results.unlink(missing_ok=True)
        config = Config()
        config.GradingPreprocessor.cwd = str(self.submission)
        config.GradingPreprocessor.test_dir = "./tests"
        config.GradingPreprocessor.tests_glob = self.tests
        config.GradingPreprocessor.results_path = str(results)
        config.GradingPreprocessor.seed = self.seed
        config.GradingPreprocessor.seed_variable = self.seed_variable
        config.GradingPreprocessor.logging_server_host = self.server[0]
        config.GradingPreprocessor.logging_server_port = self.server[1]
        config.GradingPreprocessor.force_python3_kernel = True
        prepared, _ = GradingPreprocessor(config=config).preprocess(nbformat.from_dict(notebook))
        forget = "%reset -f\nfrom otter.execute import Checker\nChecker.clear_results()"
        prepared.cells.insert(0, nbformat.v4.new_code_cell(forget))
        client = NotebookClient(prepared, km=self.kernel, allow_errors=True, timeout=120)
        try:
            client.execute()
        finally:
            client.kc.stop_channels()
        graded = pickle.loads(results.read_bytes())
        return {graded.get_result(t).name: round(graded.get_result(t).score, 5) for t in graded.test_files}

    def close(self) -> None:
        self.kernel.shutdown_kernel(now=True)
        self.stop_server()


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


def assert_holds_no_solution_or_hidden_test(student_path: Path, master_path: Path) -> None:
    student = all_text(read(student_path))
    for cell in read(master_path).cells:
        if cell.cell_type == "code" and "# BEGIN SOLUTION" in cell.source:
            solution = cell.source.split("# BEGIN SOLUTION")[1].split("# END SOLUTION")[0].strip()
            for line in solution.splitlines():
                assert line.strip() not in student, (student_path.name, line)
        if cell.source.startswith("# HIDDEN"):
            public = set(student.splitlines())
            hidden_only = [line for line in cell.source.splitlines()[1:]
                           if f">>> {line}" not in public and line not in public]
            assert hidden_only, "a hidden test that only repeats the public check tests nothing more"
            for line in hidden_only:
                assert line not in student, (student_path.name, line)
    assert 'grader.check("q1")' in student


def test_student_notebook_has_no_solutions_or_hidden_tests(assignment):
    name, out, _ = assignment
    assert_holds_no_solution_or_hidden_test(out / "dist" / "student" / f"{name}.ipynb",
                                            REPO_ROOT / "assignments" / f"{name}.ipynb")


def test_committed_student_notebooks_are_what_the_masters_make(built):
    """problem_sets/ (opened by Binder and Colab, offered on the website) is generated, never edited."""
    committed = sorted(p.name for p in (REPO_ROOT / "problem_sets").glob("*.ipynb"))
    assert committed == sorted(f"{m.stem}.ipynb" for m in MASTERS)
    for name in committed:
        fresh = (built / name.removesuffix(".ipynb") / "student" / name).read_text()
        assert (REPO_ROOT / "problem_sets" / name).read_text() == fresh, (
            f"problem_sets/{name} is stale: run `make assignments` and commit problem_sets/")


def test_answer_key_and_bundle_are_named_for_what_they_are(assignment):
    name, out, bundle = assignment
    assert bundle.exists()
    key = all_text(read(out / "dist" / f"ANSWER-KEY-{name}.ipynb"))
    for cell in read(REPO_ROOT / "assignments" / f"{name}.ipynb").cells:  # every solution, every test
        if cell.cell_type == "code" and "# BEGIN SOLUTION" in cell.source:
            assert cell.source.split("# BEGIN SOLUTION")[1].split("# END SOLUTION")[0].strip() in key
        if cell.source.startswith("# HIDDEN"):
            assert cell.source.splitlines()[-1] in key


def test_student_notebook_says_points_hand_in_and_what_the_checks_mean(assignment):
    """Otter prints "q1 passed!" after a public check worth 0 points; the notebook says so, and more."""
    name, out, _ = assignment
    cells = read(out / "dist" / "student" / f"{name}.ipynb").cells
    questions = build_assignments.questions(REPO_ROOT / "assignments" / f"{name}.ipynb")
    checks = [i for i, c in enumerate(cells) if c.cell_type == "code" and "grader.check(" in c.source]
    assert len(checks) == len(questions) == len(WRONG[name])
    for i, question in zip(checks, questions):
        assert cells[i].source == f'grader.check("{question["name"]}")'
        note = cells[i + 1]
        assert note.cell_type == "markdown" and build_assignments.TAG in note.metadata["tags"]
        assert f"{question['name']} passed" in note.source and "0 points" in note.source
        assert f"all {question['points']:g} points" in note.source and "Hidden tests" in note.source
    headings = [c.source for c in cells if c.cell_type == "markdown" and c.source.startswith("**Question")]
    assert [h.split(")")[0] for h in headings] == [f"**Question {k} ({q['points']:g} points" for k, q in
                                                   enumerate(questions, 1)]
    intro = [c for c in cells[:5] if c.source.startswith("**How this problem set is graded.**")]
    assert len(intro) == 1 and "not a grade" in intro[0].source and "hidden" in intro[0].source
    hand_in, export = cells[-2], cells[-1]
    assert hand_in.source.startswith("## Hand in") and "zip" in hand_in.source and "Colab" in hand_in.source
    assert "grader.export(pdf=False)" in export.source
    # The first cell installs otter where it is missing, at the version the course pins.
    setup = cells[0]
    assert setup.cell_type == "code" and build_assignments.otter_requirement() in setup.source
    assert cells[1].source.endswith(f'grader = otter.Notebook("{name}.ipynb")')


def test_setup_cell_gives_colab_the_public_tests(tmp_path, monkeypatch):
    """On Colab (simulated), the first cell writes tests/ and otter's check runs from it."""
    import io
    import types
    import urllib.request

    import otter
    from otter.check.utils import IPythonInterpreter

    name = "ps4_one_hot_collapse"
    published = REPO_ROOT / "problem_sets" / f"{name}.ipynb"
    setup = read(published).cells[0].source
    repository, branch = build_assignments.repository()
    fetched = []

    def urlopen(url):
        fetched.append(url)
        return io.BytesIO(published.read_bytes())

    monkeypatch.chdir(tmp_path)
    monkeypatch.setitem(sys.modules, "google.colab", types.ModuleType("google.colab"))
    monkeypatch.setattr(urllib.request, "urlopen", urlopen)
    monkeypatch.setattr(subprocess, "run", lambda *a, **k: pytest.fail("otter is installed: nothing to install"))
    exec(setup, {})
    owner_repo = repository.removeprefix("https://github.com/")
    assert fetched == [f"https://raw.githubusercontent.com/{owner_repo}/{branch}/problem_sets/{name}.ipynb"]
    assert sorted(p.name for p in (tmp_path / "tests").iterdir()) == ["q1.py", "q2.py", "q3.py"]

    monkeypatch.setattr(IPythonInterpreter.COLAB.value, "running", lambda: True)
    grader = otter.Notebook(f"{name}.ipynb")
    assert grader.interpreter is IPythonInterpreter.COLAB
    right = {"np": np, "log_softmax": lambda z: np.asarray(z) - np.log(np.sum(np.exp(z)))}
    assert grader.check("q1", right).passed_all
    wrong = {"np": np, "log_softmax": lambda z: np.asarray(z, float)}
    assert not grader.check("q1", wrong).passed_all


@pytest.fixture(scope="module")
def shared_grader(assignment):
    """One problem set's `SharedKernelGrader` (one kernel for all its gradings on this worker)."""
    name, out, bundle = assignment
    grader = SharedKernelGrader(bundle, out / "shared-kernel")
    yield grader
    grader.close()


def test_reference_solution_scores_full_marks(assignment, shared_grader):
    """Through `otter run` itself, and the same scores from the shared kernel."""
    name, out, bundle = assignment
    reference = read(out / "dist" / "autograder" / f"{name}.ipynb")
    full_marks = {q: POINTS_PER_QUESTION for q in WRONG[name]}
    assert grade(reference, name, bundle, out / "reference") == full_marks
    assert shared_grader.grade(reference) == full_marks


def test_untouched_student_notebook_scores_nothing(assignment, shared_grader):
    name, out, _ = assignment
    scores = shared_grader.grade(read(out / "dist" / "student" / f"{name}.ipynb"))
    assert scores == {q: 0.0 for q in WRONG[name]}


def test_a_wrong_answer_loses_exactly_that_questions_points(assignment, shared_grader):
    name, out, _ = assignment
    for question, mistakes in WRONG[name].items():
        for function, wrong_code in mistakes:
            notebook = read(out / "dist" / "autograder" / f"{name}.ipynb")
            cells = [c for c in notebook.cells if c.cell_type == "code" and f"def {function}(" in c.source]
            assert len(cells) == 1, function
            cells[0].source = wrong_code
            expected = {q: POINTS_PER_QUESTION for q in WRONG[name]} | {question: 0.0}
            assert shared_grader.grade(notebook) == expected, (question, wrong_code)


def test_a_class_is_graded_into_one_csv_without_docker(built, tmp_path):
    """Right (handed in as the export zip), one typical mistake, untouched: one row each."""
    import csv
    import zipfile

    name = "ps4_one_hot_collapse"
    folder = tmp_path / "submissions"
    folder.mkdir()
    key = read(built / name / f"ANSWER-KEY-{name}.ipynb")
    with zipfile.ZipFile(folder / "ada.zip", "w") as z:
        z.writestr(f"{name}.ipynb", nbformat.writes(key))
        z.writestr(".OTTER_LOG", "")
    mistake = read(built / name / f"ANSWER-KEY-{name}.ipynb")
    function, code = WRONG[name]["q1"][1]  # the naive log-softmax, which passes the public check
    next(c for c in mistake.cells if c.cell_type == "code" and f"def {function}(" in c.source).source = code
    nbformat.write(mistake, folder / "brian.ipynb")
    shutil.copy(REPO_ROOT / "problem_sets" / f"{name}.ipynb", folder / "chen.ipynb")
    (folder / "dora.ipynb").write_text("not a notebook")

    output = grade_class.gradebook(name, folder, tmp_path / "gradebook.csv", trusted=True, out=built)
    rows = list(csv.reader(output.open()))
    assert rows == [["student", "q1 (2)", "q2 (2)", "q3 (2)", "total", "out_of", "problems"],
                    ["ada", "2", "2", "2", "6", "6", ""],
                    ["brian", "0", "2", "2", "4", "6", ""],
                    ["chen", "0", "0", "0", "0", "6", ""],
                    ["dora", "0", "0", "0", "0", "6", "not a notebook (not valid JSON)"]]


def test_grading_refuses_to_run_untrusted_work_without_docker(tmp_path, monkeypatch):
    (tmp_path / "alice.ipynb").write_text("{}")
    monkeypatch.setattr(grade_class, "docker_running", lambda: False)
    with pytest.raises(SystemExit, match="--trusted"):
        grade_class.gradebook("ps4_one_hot_collapse", tmp_path, tmp_path / "g.csv", trusted=False)


def test_otter_grades_csv_from_docker_becomes_the_same_gradebook(tmp_path):
    """The Docker branch (otter grade) cannot run here: its CSV, as otter 7 writes it, is read right."""
    path = tmp_path / "final_grades.csv"
    path.write_text("q1,q2,q3,total_points_earned,file,percent_correct,grading_status\n"
                    "2.0,2.0,2.0,6.0,points-per-question,1.0,\n"
                    "2.0,2.0,2.0,6.0,/tmp/x/ada.ipynb,1.0,Completed\n"
                    "0,0,0,0.0,/tmp/x/bo.ipynb,0.0,CellExecutionError: ...\n")
    assert grade_class.read_otter_grade_csv(path) == {
        "ada": ({"q1": 2.0, "q2": 2.0, "q3": 2.0}, ""),
        "bo": ({"q1": 0.0, "q2": 0.0, "q3": 0.0}, "could not be graded: CellExecutionError: ..."),
    }
