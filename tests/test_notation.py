"""One notation for the whole book (the table on notation.md), checked mechanically.

The rules that a regular expression can see:

* ``q`` is a per-example *target*, so it is only ever the FIRST argument of
  ``H(·, ·)`` or ``KL(· ‖ ·)``: ``H(p, q)`` or ``KL(p ‖ q)`` put the target where
  the model belongs.
* ``q`` is never the model: no ``q_model``, ``q_\\theta``, "model $q$".
* ``lib``'s arguments are ``(p_data, p_model)``: no ``p_true=`` / ``q_model``.
* Smoothing is add-α, never add-k; "uniform over K", not over k (k is an index).
* ``H(·)`` takes a distribution: the binary entropy of one number is ``H_b(p)``, never
  ``H(p) = -p log p - (1 - p) ...``, ``H_2(p)`` or ``h(p)`` (``h`` is a network's hidden
  vector, never a function).
* ``L`` is the likelihood, never a loss: no ``L_DPO`` / ``L_{\\text{CE}}`` (a named loss is
  ``\\mathcal{L}_{\\text{DPO}}``), no ``L(θ) = -…`` or ``L = -log …``, no "the loss $L$".
* ``T`` is the temperature only: a sequence's length is ``|x|``, so no ``\\sum_{t=1}^T``,
  ``x_{1:T}``, ``\\frac{1}{T} \\sum``, "length $T$" or "$T$ tokens".
* One symbol for the empirical distribution, ``\\tilde p``: no ``\\bar q``, ``q̄``, ``f_h``.
* ``n`` is the n-gram order only: counts are ``C``, so no ``n_a`` / ``n_b``.
* Inside a Markdown table a ``\\|`` is eaten as an escaped pipe (``KL(p | q)`` on
  the page): write ``\\Vert``.

Checked: every chapter notebook's Markdown (and its code, for the ``lib`` names),
and the pages notation.md, glossary.md, cheatsheet.md, intro.md and references.md.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
CHAPTERS = sorted((REPO_ROOT / "chapters").glob("*.ipynb"))
PAGES = [REPO_ROOT / name for name in ("notation.md", "glossary.md", "cheatsheet.md", "intro.md",
                                      "references.md")]

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
    ("binary entropy of one number written H(p), H_2(p) or h(p): use H_b(p)",
     re.compile(r"(?:(?<![\\\w])[Hh]|H_2|H_\{2\})\s*\(\s*p\s*\)\s*=\s*-\s*p\s*\\log")),
    ("binary entropy called H(p), H_2(p) or h(p): use H_b(p)",
     re.compile(r"binary entropy,?\s*(?:of [^$]{0,40})?\$\s*(?:[Hh]|H_2|H_\{2\})\s*\(", re.IGNORECASE)),
    ("h(·) as a function: h is the hidden vector; binary entropy is H_b(p)",
     re.compile(r"(?<![\\\w{])h\s*\(\s*p")),
    ("H_2(p): the binary entropy is H_b(p); an entropy in bits is H / ln 2, labelled",
     re.compile(r"H_(?:2|\{2\})\s*\(\s*p\s*\)")),
    ("L as a loss: L is the likelihood; a named loss is \\mathcal{L}_{...}",
     re.compile(r"(?<![\\\w{])L_\{?\s*(?:\\(?:text|mathrm|rm|operatorname)\s*\{)?\s*[A-Za-z]{2,}")),
    ("L(θ) or L defined as a loss (a negative log or an average): L is the likelihood",
     re.compile(r"(?<![\\\w{])L(?:\(\\theta\))?\s*=\s*(?:-|−|\\frac\s*\{?\s*1|\\frac1)")),
    ("'the loss L': L is the likelihood; a named loss is \\mathcal{L}",
     re.compile(r"loss,?\s+\$L\$|\$L\$,?\s+(?:is\s+)?the\s+loss|\\min_\{?\\theta\}?\s*L\b")),
    ("T as a sequence length: T is the temperature only; write |x|",
     re.compile(r"\\(?:sum|prod)_\{\s*t\s*=\s*[01]\s*\}\^\{?\s*T\b"
                r"|x_\{\s*1\s*:\s*T\s*\}"
                r"|\\frac\s*\{?\s*1\s*\}?\s*\{?\s*T\s*\}?\s*\\sum"
                r"|t\s*=\s*1\s*,\s*\\(?:l)?dots\s*,\s*T\b"
                r"|length\s+\$T\$|\$T\$\s+(?:tokens|positions|words|characters|steps of text)")),
    ("the empirical distribution written \\bar q, q̄ or f_h: one symbol, \\tilde p",
     re.compile(r"\\bar\s*\{?\s*q|\\overline\s*\{\s*q|q̄|(?<![\\\w])f_\{?h\b")),
    ("n as a count: n is the n-gram order only; counts are C",
     re.compile(r"(?<![\\\w])n_\{?[a-zA-Z]\}?(?![\w{])")),
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
    for symbol in [r"$x$", r"$\theta$", r"$\alpha$", r"$H_b(p)$", r"$q$", r"$\tilde p$", r"$h$",
                   r"$\mathcal{L}$", r"$\lvert x \rvert$", r"$T$", r"$n$", r"$r$",
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
    # H_b for the binary entropy of one probability
    r"$h(p) = -p \log p - (1-p)\log(1-p)$", r"$H_2(p) = -p \log_2 p - (1 - p) \log_2 (1 - p)$",
    "the binary entropy $H(p)$ of a coin", "has the *binary entropy* $h(p)$", "the binary entropy, $H_2(0.3)$",
    r"in bits, $h(p) / \ln 2$", r"$H_{2}(p)$",
    # L is the likelihood, never a loss
    r"$L_{\text{DPO}} = -\log \sigma(m)$", r"$L_\text{CE}$", r"$L_{\mathrm{DPO}}$", "L_DPO", r"$L_{DPO}$",
    r"$L(\theta) = -\frac1N \sum_i \log p_\theta(y_i \mid x_i)$", r"$L = -\log p_y$",
    r"$L(\theta) = \frac{1}{N} \sum_i \ell_i$", "minimise the loss $L$", r"$\min_\theta L(\theta)$",
    # T is the temperature only
    r"$\sum_{t=1}^{T} -\log p_\theta(x_t \mid x_{<t})$", r"$\prod_{t=1}^T p(x_t \mid x_{<t})$",
    r"$x_{1:T}$", r"$\frac{1}{T} \sum_t \ell_t$", r"$t = 1, \dots, T$", "a sentence of length $T$",
    "$T$ tokens long",
    # one symbol for the empirical distribution
    r"$\bar q_a = C_a / n_a$", r"$\bar{q}$", r"$H(f_h, p_\theta)$", "q̄_a", r"$\overline{q}_a$",
    # n is the n-gram order only
    r"$\frac{n_a}{N}(p_a - \tilde p_a)$", r"$\sum_b \frac{n_b}{N}$", "$n_{a}$",
])
def test_rules_catch(bad):
    assert _markdown_problems(bad), bad


@pytest.mark.parametrize("good", [
    "$H(q, p)$", r"$H(p_{\text{data}}, p_\theta)$", r"$\mathrm{KL}(p_{\text{data}} \,\Vert\, p_\theta)$",
    r"$\mathrm{KL}(q \,\Vert\, p)$", r"$\mathrm{KL}(p_\theta \,\Vert\, p_{\text{data}})$", "add-$\\alpha$",
    "uniform over $K$", r"$H(p) = -\sum_k p_k \log p_k$",
    r"$\mathrm{KL}(p \,\|\, u)$ outside a table", "`lib.cross_entropy(p_data, p_model)`",
    r"$H_b(p) = -p \log p - (1-p)\log(1-p)$", r"the binary entropy $H_b(p)$", r"in bits, $H_b(p) / \ln 2$",
    r"the hidden vector $h$", r"$z = W h$", r"$\partial \ell / \partial h = W^{\top}(p - q)$",
    r"$H(X, Y) = H(X) + H(Y \mid X)$", r"$H(p_{\text{data}}) = -\sum_k p_k \log p_k$",
    r"$\mathcal{L}_{\text{DPO}} = -\log \sigma(m)$", r"$L(\theta) = \prod_i p_\theta(y_i \mid x_i)$",
    r"$-\log L(\theta) = N \cdot \text{NLL}(\theta)$", r"$\ell = -\log p_y$",
    r"$\operatorname{softmax}(z / T)$", r"temperature $T = 0.5$", r"$\sum_{t=1}^{\lvert x \rvert}$",
    r"$x_{<t}$", r"$\frac{1}{N} \sum_i \ell_i$",
    r"$\tilde p(c \mid a) = C_{ac} / C_a$", r"$\bar p$", r"$\frac{C_a}{N}(p_a - \tilde p_a)$",
    "an n-gram model of order $n$", r"$x_n$", r"$\ln 2$", r"$\sum_b \frac{\lvert B_b \rvert}{N}$",
])
def test_rules_pass(good):
    assert not _markdown_problems(good), good
