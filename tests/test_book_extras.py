"""The book build's own machinery (scripts/book_extras.py) on small inputs."""

from __future__ import annotations

import sys
from pathlib import Path
from types import SimpleNamespace

import nbformat
import pytest

from tests.conftest import REPO_ROOT

sys.path.insert(0, str(REPO_ROOT / "scripts"))
import book_extras  # noqa: E402


def notebook(path: Path, *sources: str) -> Path:
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in sources])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, path)
    return path


def test_notebooks_executed_ahead_are_what_myst_nb_finds_in_its_cache(tmp_path, monkeypatch):
    """Executed two at a time before Sphinx reads them; each success cached for MyST-NB, in its own
    folder (cwd), with the build's environment; a failing notebook left for MyST-NB to run and report."""
    from jupyter_cache import get_cache

    monkeypatch.setenv("JUPYTER_DATA_DIR", str(tmp_path / "jupyter"))  # this environment's python3 kernel
    monkeypatch.setenv("WHY_LOG_P_TEST_MARK", "inherited")
    pages = {
        "one": notebook(tmp_path / "one.ipynb", "import os\nprint(os.getcwd(), os.environ['WHY_LOG_P_TEST_MARK'])"),
        "two": notebook(tmp_path / "two.ipynb", "print(6 * 7)"),
        "bad": notebook(tmp_path / "bad.ipynb", "1 / 0"),
        "text": tmp_path / "text.md",
    }
    pages["text"].write_text("# Not a notebook\n")
    cache_path = tmp_path / "cache"
    # What MyST-NB keeps on the environment, its cache path resolved under the build folder.
    from myst_nb.core.config import NbParserConfig

    config = NbParserConfig(execution_mode="cache", execution_cache_path=str(cache_path),
                            execution_timeout=60, execution_allow_errors=False)
    env = SimpleNamespace(doc2path=lambda name: str(pages[name]), mystnb_config=config)
    book_extras.execute_ahead(SimpleNamespace(), env, list(pages))

    cache = get_cache(str(cache_path))
    for name, expected in [("one", f"{tmp_path} inherited"), ("two", "42")]:
        record = cache.match_cache_notebook(nbformat.read(pages[name], as_version=4))
        _, executed = cache.merge_match_into_notebook(nbformat.read(pages[name], as_version=4))
        assert executed.cells[0].outputs[0]["text"].strip() == expected, record
    with pytest.raises(KeyError):
        cache.match_cache_notebook(nbformat.read(pages["bad"], as_version=4))

    # The executed-notebook download gets the cached outputs (MyST-NB writes the notebook it read).
    app = SimpleNamespace(env=env)
    download = book_extras.with_cached_outputs(app, nbformat.read(pages["two"], as_version=4))
    assert download.cells[0].outputs[0]["text"].strip() == "42"
    unexecuted = nbformat.read(pages["bad"], as_version=4)
    assert book_extras.with_cached_outputs(app, unexecuted) is unexecuted

    # Other execution modes (force, off) are MyST-NB's alone.
    forced = SimpleNamespace(doc2path=env.doc2path, mystnb_config=config.copy(
        execution_mode="force", execution_cache_path=str(tmp_path / "untouched")))
    book_extras.execute_ahead(SimpleNamespace(), forced, list(pages))
    assert not (tmp_path / "untouched").exists()
