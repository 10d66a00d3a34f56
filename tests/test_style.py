"""The book's plotting style: the shared mathtext cache draws the same figures with fewer parses."""

from __future__ import annotations

import collections
import functools
import io

import matplotlib as mpl
from matplotlib import mathtext
from matplotlib.figure import Figure

import lib.style


def maths_figure_svg() -> bytes:
    fig = Figure(figsize=(4, 3), layout="constrained")
    ax = fig.subplots()
    ax.semilogx([1e-3, 1e-2, 1e-1], [1, 2, 3], label=r"$p_{\rm data}$")
    ax.set(title=r"$H(p_{\rm data}, p_\theta)$", xlabel="$x$")
    ax.legend()
    buffer = io.BytesIO()
    with mpl.rc_context({"svg.hashsalt": "test"}):  # the same clip-path ids every time
        fig.savefig(buffer, format="svg", metadata={"Date": None})
    return buffer.getvalue()


def test_shared_cache_parses_each_string_once_per_key_and_draws_the_same_bytes(monkeypatch):
    raw = mathtext.MathTextParser.__dict__["_parse_cached"]
    raw = getattr(raw, "__wrapped__", raw)
    parses = collections.Counter()

    def counting(parser, s, *rest):
        parses[s] += 1
        return raw(parser, s, *rest)

    # matplotlib's own behaviour: a cache per parser, so every figure parses again
    monkeypatch.setattr(mathtext.MathTextParser, "_parse_cached", functools.lru_cache(50)(counting))
    own = [maths_figure_svg() for _ in range(3)]
    assert parses[r"$\mathdefault{10^{-2}}$"] >= 3
    parses.clear()
    assert lib.style.parse_mathtext_once() is True
    assert lib.style.parse_mathtext_once() is True  # again: still one level of sharing
    assert mathtext.MathTextParser.__dict__["_parse_cached"].__wrapped__ is counting
    shared = [maths_figure_svg() for _ in range(3)]
    assert shared == own  # the same figures, byte for byte
    # once per cache key: the layout's text measure and the SVG renderer differ in it
    assert 0 < max(parses.values()) <= 2, parses


def test_shared_cache_keeps_a_bounded_number_of_parses(monkeypatch):
    calls = []
    monkeypatch.setattr(lib.style, "MATHTEXT_CACHE_SIZE", 3)
    parse = lib.style.shared_mathtext_cache(lambda parser, s: calls.append(s) or s.upper())
    assert [parse(None, s) for s in "abcab"] == list("ABCAB") and calls == list("abc")
    assert parse(None, "d") == "D" and parse(None, "a") == "A"  # the cache started afresh at d
    assert calls == list("abcda")


def test_without_matplotlibs_cache_nothing_changes(monkeypatch):
    monkeypatch.delattr(mathtext.MathTextParser, "_parse_cached")
    assert lib.style.parse_mathtext_once() is False
    assert "_parse_cached" not in mathtext.MathTextParser.__dict__
