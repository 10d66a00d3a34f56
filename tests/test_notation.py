"""One notation for the whole book (the table on notation.md), checked mechanically.

The rules that a regular expression can see:

* ``q`` is a per-example *target*, so it is only ever the FIRST argument of
  ``H(·, ·)`` or ``KL(· ‖ ·)``: ``H(p, q)`` or ``KL(p ‖ q)`` put the target where
  the model belongs.
* ``q`` is never the model: no ``q_model``, ``q_\\theta``, "model $q$".
* ``lib``'s arguments are ``(p_data, p_model)``: no ``p_true=`` / ``q_model``.
* Smoothing is add-α, never add-k; "uniform over K", not over k (k is an index).
* ``H(·)`` takes a distribution: the binary entropy of one number is ``h(p)`` or
  ``H_b(p)``, so no ``H(p) = -p log p - (1 - p) ...``.
* Inside a Markdown table a ``\\|`` is eaten as an escaped pipe (``KL(p | q)`` on
  the page): write ``\\Vert``.

Checked: every chapter notebook's Markdown (and its code, for the ``lib`` names),
and the pages notation.md, glossary.md, cheatsheet.md and intro.md.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
CHAPTERS = sorted((REPO_ROOT / "chapters").glob("*.ipynb"))
PAGES = [REPO_ROOT / name for name in ("notation.md", "glossary.md", "cheatsheet.md", "intro.md")]

#: Chapters another agent is rewriting to this notation on another branch. Their failures are
#: expected here; the coordinator empties this set when the branches are merged.
# Pieces of maths that mean "the divider of KL(a || b)".
_BAR = r"(?:\\\||‖|\\Vert|\\lVert|\\rVert|\\parallel|\|\|)"
_SPACE = r"(?:\s|\\[,;:!]|\\quad)*"

#: (what is wrong, pattern) for Markdown prose and maths.
MARKDOWN_RULES: list[tuple[str, re.Pattern[str]]] = [
    ("cross-entropy with the target q second: write H(q, p)",
     re.compile(r"H\s*\(\s*p[^,()]{0,20},\s*q\s*\)")),
    ("KL with the target q second: q is only ever a first argument",
     re.compile(r"(?:KL|\\mathrm\{KL\}|D_\{?\\?(?:mathrm\{)?KL\}?\}?)\s*\([^()]{0,40}?" + _BAR + _SPACE + r"q\b")),
    ("q as the model: q is a per-example target",
     re.compile(r"q_\\theta|q_\{\\theta\}|\bq_model\b|model\s+\$q\$|model's\s+\$q\$|\$q\$,?\s+the model")),
    ("add-k smoothing: the constant is alpha (add-α)",
     re.compile(r"add-\$?k\b|add-one-k|add k smoothing", re.IGNORECASE)),
    ("uniform over k: k is an index, K the number of outcomes",
     re.compile(r"uniform (?:over|among) \$?k\$?\b(?! ?[A-Za-z])")),
    ("binary entropy of one number written H(p): use h(p) or H_b(p)",
     re.compile(r"H\(p\)\s*=\s*-\s*p\s*\\log")),
    ("the old lib argument names: lib.cross_entropy(p_data, p_model)",
     re.compile(r"\bp_true\b|\bq_model\b")),
]

#: (what is wrong, pattern) for code cells: only the lib argument names.
CODE_RULES: list[tuple[str, re.Pattern[str]]] = [
    ("the old lib argument names: lib.cross_entropy(p_data, p_model)",
     re.compile(r"\bp_true\s*=|\bq_model\s*=|cross_entropy\(\s*p_true")),
]

#: A Markdown table row (starts with |) holding "\|": rendered as a single bar.
_TABLE_ROW = re.compile(r"^\s*\|.*\\\|", re.M)


def _markdown_problems(text: str) -> list[str]:
    problems = [f"{why}: {m.group(0)!r}" for why, rule in MARKDOWN_RULES for m in rule.finditer(text)]
    problems += [f"'\\|' inside a Markdown table renders as a single bar, write \\Vert: {m.group(0).strip()[:80]!r}"
                 for m in _TABLE_ROW.finditer(text)]
    return problems


def _notebook_problems(path: Path) -> list[str]:
    nb = nbformat.read(path, as_version=4)
    problems = []
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "markdown":
            problems += [f"cell {i}: {p}" for p in _markdown_problems(cell.source)]
        elif cell.cell_type == "code":
            problems += [f"cell {i}: {why}: {m.group(0)!r}"
                         for why, rule in CODE_RULES for m in rule.finditer(cell.source)]
    return problems


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_chapter_follows_the_notation(path):
    problems = _notebook_problems(path)
    assert not problems, f"{path.name} breaks the notation of notation.md:\n" + "\n".join(problems)


@pytest.mark.parametrize("path", PAGES, ids=lambda p: p.name)
def test_page_follows_the_notation(path):
    problems = _markdown_problems(path.read_text())
    assert not problems, f"{path.name} breaks the notation of notation.md:\n" + "\n".join(problems)


def test_notation_page_lists_the_symbols():
    text = (REPO_ROOT / "notation.md").read_text()
    for symbol in [r"$x$", r"$\theta$", r"$\alpha$", r"$h(p)$", r"$H_b(p)$", r"$q$",
                   r"$H(a, b)$", r"$\mathrm{KL}(a \,\Vert\, b)$", r"$L(\theta)$", r"$p_{\text{data}}$",
                   r"$p_\theta$", r"$x_{<t}$"]:
        assert symbol in text, f"notation.md does not list {symbol}"
    assert "Never the model" in text


# The rules themselves, on examples: each bad form is caught, each good form passes.
@pytest.mark.parametrize("bad", [
    "the cross-entropy $H(p, q)$", "$H(p,q)$", r"$\mathrm{KL}(p \,\Vert\, q)$", r"$\mathrm{KL}(p \| q)$",
    "KL(p ‖ q)", "KL(p || q)", "add-k smoothing", "add-$k$", "uniform over $k$ words",
    r"$H(p) = -p \log_2 p - (1-p)\log_2(1-p)$", "`lib.cross_entropy(p_true, q_model)`",
    r"| $\mathrm{KL}(a \,\|\, b)$ | divergence |", "a model $q_\\theta$",
])
def test_rules_catch(bad):
    assert _markdown_problems(bad), bad


@pytest.mark.parametrize("good", [
    "$H(q, p)$", r"$H(p_{\text{data}}, p_\theta)$", r"$\mathrm{KL}(p_{\text{data}} \,\Vert\, p_\theta)$",
    r"$\mathrm{KL}(q \,\Vert\, p)$", r"$\mathrm{KL}(p_\theta \,\Vert\, p_{\text{data}})$", "add-$\\alpha$",
    "uniform over $K$", r"$h(p) = -p \log_2 p - (1-p)\log_2(1-p)$", r"$H(p) = -\sum_k p_k \log p_k$",
    r"$\mathrm{KL}(p \,\|\, u)$ outside a table", "`lib.cross_entropy(p_data, p_model)`",
])
def test_rules_pass(good):
    assert not _markdown_problems(good), good
