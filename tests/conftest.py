"""Shared fixtures: seeded random inputs, so every run checks the same numbers; the book built once.

The suite runs on parallel workers (pytest-xdist, ``-n auto --dist loadgroup`` in
pyproject.toml). What must share one process is grouped here (`xdist_group`): the cells
of one notebook under nbval (one kernel runs them in order), the JupyterLab tests (one
server) and the test of Binder's environment, which they run on. What workers share is built
once per run: the book (started in the background as soon as a worker starts, see
`book_build_started_early`), and Binder's environment, the problem sets and the PDF
(`built_once`, under a file lock). No group holds what waits for the book: xdist hands out the
biggest groups first, so a group that waited would idle its worker while the book builds.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import yaml
from filelock import FileLock

REPO_ROOT = Path(__file__).resolve().parent.parent


def toc_pages() -> list[str]:
    """Every page of the table of contents, in reading order, the landing page first."""
    toc = yaml.safe_load((REPO_ROOT / "_toc.yml").read_text())
    return [toc["root"]] + [entry["file"] for part in toc["parts"] for entry in part["chapters"]]


#: The chapter notebooks' names, in order.
CHAPTER_STEMS = [path.stem for path in sorted((REPO_ROOT / "chapters").glob("*.ipynb"))]


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(20261123)


def random_distributions(rng: np.random.Generator, n: int, k: int, zeros: bool = False) -> np.ndarray:
    """``n`` random distributions over ``k`` outcomes (rows sum to 1)."""
    weights = rng.gamma(0.7, size=(n, k))
    if zeros:
        weights[rng.random((n, k)) < 0.2] = 0.0
        weights[:, 0] += 0.1  # keep every row non-empty
    return weights / weights.sum(axis=1, keepdims=True)


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist reads the groups
def pytest_collection_modifyitems(config, items) -> None:
    """Put the tests that must share a process (see the module docstring) in one xdist group."""
    for item in items:
        group = None
        if item.path.suffix == ".ipynb":
            group = f"nbval-{item.path.stem}"
        elif item.path.name == "test_jupyterlab.py":
            group = "jupyterlab"
        if group is not None:
            item.add_marker(pytest.mark.xdist_group(group))


#: Set on an xdist worker when pytest-xdist failed to keep a group together (see below).
UNGROUPED: list[str] = []


def pytest_collection_finish(session) -> None:
    """On an xdist worker, note any group that was not written into its tests' ids.

    pytest-xdist's ``loadgroup`` sends a group to one worker by the ``@group`` suffix it adds
    to each test's id. When a pytest release stops that from working (9.2 with xdist 3.8 did),
    the groups vanish without a word and a notebook's cells run on two kernels.
    """
    if not getattr(session.config.option, "loadgroup", False):  # set on xdist's workers
        return
    for item in session.items:
        marker = item.get_closest_marker("xdist_group")
        if marker is not None and not item.nodeid.endswith("@" + marker.args[0]):
            UNGROUPED.append(item.nodeid)


def pytest_runtest_setup(item) -> None:
    """Fail every test with the reason when pytest-xdist lost the groups."""
    if UNGROUPED:
        pytest.fail(f"pytest-xdist did not keep {UNGROUPED[0]} (and {len(UNGROUPED) - 1} more) in "
                    f"its group: this pytest ({pytest.__version__}) and pytest-xdist do not work "
                    "together; install the versions pinned in requirements-dev.txt.", pytrace=False)


def built_once(tmp_path_factory, name: str, build) -> Path:
    """``build(folder)`` once per test run, shared by all xdist workers (a file lock).

    Every worker has its own temporary folder under one shared parent; the first to take
    the lock builds there, the others wait for it and reuse the result.
    """
    shared = shared_folder(tmp_path_factory)
    folder, done = shared / name, shared / f"{name}.done"
    with FileLock(str(shared / f"{name}.lock")):
        if not done.exists():
            folder.mkdir(exist_ok=True)
            build(folder)
            done.touch()
    return folder


def build_binder_environment(folder: Path) -> None:
    """A virtual environment built from requirements.txt alone, as Binder builds one, into
    ``folder / "venv"``, with its kernel registered as ``python3`` under ``folder / "share" / "jupyter"``
    (put that folder first in JUPYTER_PATH to run notebooks on Binder's packages)."""
    venv = folder / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = venv / "bin" / "python"
    pip = [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    subprocess.run([*pip, "-r", "requirements.txt"], cwd=REPO_ROOT, check=True)
    subprocess.run([*pip, "ipykernel"], check=True)  # Binder's base image provides the kernel
    kernel = folder / "share" / "jupyter" / "kernels" / "python3"
    kernel.mkdir(parents=True)
    (kernel / "kernel.json").write_text(json.dumps({
        "argv": [str(python), "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Python 3 (ipykernel)", "language": "python"}))  # as Binder names it


@pytest.fixture(scope="session")
def binder_environment(tmp_path_factory) -> Path:
    """The folder of :func:`build_binder_environment`, built once per test run."""
    return built_once(tmp_path_factory, "binder-environment", build_binder_environment)


def shared_folder(tmp_path_factory) -> Path:
    """The run's temporary folder that every xdist worker sees (each has its own below it)."""
    shared = tmp_path_factory.getbasetemp()
    return shared.parent if os.environ.get("PYTEST_XDIST_WORKER") else shared


def book_build_command(out: Path, *options: str) -> list[str]:
    """``jupyter-book build`` of this book into ``out``, warnings as errors, as `make book` runs it.

    Uses this environment's jupyter-book (the one beside the Python running the tests);
    ``options`` add to it, e.g. ``"--builder", "pdflatex"``.
    """
    beside = Path(sys.executable).parent / "jupyter-book"
    jupyter_book = str(beside if beside.exists() else shutil.which("jupyter-book"))
    return [jupyter_book, "build", str(REPO_ROOT), "--path-output", str(out), *options, "-W", "-n", "--keep-going"]


@pytest.fixture(scope="session", autouse=True)
def book_build_started_early(request, tmp_path_factory) -> None:
    """Start building the book as soon as a worker starts, if any selected test reads it.

    The build (a minute or more) runs in the background, in its own process, while the
    workers go on with other tests; the first test that needs the pages waits for it.
    Started once per run (a file lock), whichever worker comes first.
    """
    if not any("html" in getattr(item, "fixturenames", ()) for item in request.session.items):
        return
    shared = shared_folder(tmp_path_factory)
    out = shared / "book"
    with FileLock(str(shared / "book.lock")):
        if out.exists():
            return  # another worker started it
        out.mkdir()
        command = book_build_command(out)
        # The shell writes the exit status when the build ends, whichever worker is still alive.
        subprocess.Popen(["sh", "-c", '"$@" > "$0.log" 2>&1; echo $? > "$0.rc"', str(out), *command],
                         cwd=REPO_ROOT, start_new_session=True)


@pytest.fixture(scope="session")
def html(book_build_started_early, tmp_path_factory) -> Path:
    """The whole book, built once per test run into a fresh folder, warnings as errors."""
    out = shared_folder(tmp_path_factory) / "book"
    status = out.parent / "book.rc"
    deadline = time.monotonic() + 30 * 60
    while not status.exists() or not status.read_text().strip():
        assert time.monotonic() < deadline, "the book build took over 30 minutes"
        time.sleep(0.5)
    log = (out.parent / "book.log").read_text()
    assert status.read_text().strip() == "0", log[-10000:]
    return out / "_build" / "html"
